"""Open (or resume) the study on its RDB storage, and count where it stands.

Trials left RUNNING by a sweep that died are found by Optuna's heartbeat: the sweeper records a
heartbeat for each trial in flight every ``heartbeat_interval`` seconds; a RUNNING trial silent for
twice that is failed and re-queued with the same params (``RequeueStaleTrial``; one whose params
were never stored never ran and is not re-queued), so a resumed study ends with exactly ``n_trials``
finished trials. Optuna never fails a RUNNING trial that has no heartbeat at all (one whose sweep
died between creating it and its first heartbeat, ``_ask.ask_trial``): such a trial is given a
heartbeat when found, so it goes stale like the others."""

import logging
import threading
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from recexp.common.errors import ConfigError
from recexp.sweeps.storage import SQLITE, first_line, open_storage  # noqa: F401  (open_storage: re-exported)

log = logging.getLogger(__name__)
BEATING_ATTR = "recexp/heartbeat"  # system attr: this trial's id once its first heartbeat is stored


def absolute_url(url: str | None) -> str:
    """The storage URL with a relative SQLite path made absolute (jobs may run elsewhere)."""
    if not url:
        raise ConfigError("hydra.sweeper.storage: required (jobs report to the study through it), "
                          "e.g. sqlite:///outputs/sweeps/NAME/optuna.db or postgresql+psycopg://user@host/db")
    if url.startswith(SQLITE) and not url.startswith(SQLITE + "/") and ":memory:" not in url:
        path = Path(url[len(SQLITE):]).resolve()
        return SQLITE + str(path)
    return url


def fail_stale_trials(study: optuna.Study, storage: RDBStorage) -> None:
    """Fail RUNNING trials whose heartbeat went stale (their sweep died), re-queued by RequeueStaleTrial."""
    adopt_silent_trials(study, storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def adopt_silent_trials(study: optuna.Study, storage: RDBStorage) -> list[int]:
    """Record a first heartbeat for RUNNING trials that have none (their sweep died between
    ``study.ask`` and its first heartbeat); returns their ids. A live sweep's trial caught in that
    instant loses nothing: its own heartbeats follow at once.

    A trial "has a heartbeat" when its system attr ``BEATING_ATTR`` holds its own id: the sweeper
    sets it right after the trial's first heartbeat (``start_beating``). Optuna has no public query
    for heartbeats, and a re-queued trial inherits its failed original's system attrs, hence the id."""
    if storage.get_heartbeat_interval() is None:
        return []
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    silent = [t._trial_id for t in running if t.system_attrs.get(BEATING_ATTR) != t._trial_id]
    for trial_id in silent:
        start_beating(storage, trial_id)
    if silent:
        log.info("%d RUNNING trial(s) without a heartbeat (being asked by another worker, or left by a sweep that "
                 "died right after asking them): given one; unless a live sweep beats for them within the grace "
                 "period they are failed (and re-queued if their params were stored)", len(silent))
    return silent


class RequeueStaleTrial:
    """The sweep's callback for a trial failed as stale: with every param of the search space stored it
    may have run, so it is re-queued with them (Optuna's RetryHeartbeatStaleTrialCallback, the retry
    logged as its ``failed_trial``); without them it never ran (its ask was cut off right after
    creating it), so nothing is re-queued and its slot is asked anew like any free one."""

    def __init__(self, param_names: Iterable[str]) -> None:
        self.param_names = frozenset(param_names)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            self._requeue = RetryHeartbeatStaleTrialCallback()

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if self.param_names <= trial.params.keys():
            self._requeue(study, trial)
        else:
            log.info("trial %d failed as stale before its params were stored: it never ran; not re-queued", trial.number)


def start_beating(storage: RDBStorage, trial_id: int) -> None:
    """The trial's first heartbeat, then the mark that it has one (a kill between the two: adopted
    once more, which only delays its failure by one grace period)."""
    storage.record_heartbeat(trial_id)
    storage.set_trial_system_attr(trial_id, BEATING_ATTR, trial_id)


def open_study(name: str, storage: RDBStorage, directions: list[str], sampler: Any, pruner: Any) -> optuna.Study:
    """Create the study, or load it when it exists (same name and storage: resume / another worker)."""
    study = optuna.create_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner,
                                directions=directions, load_if_exists=True)
    stored = [d.name.lower() for d in study.directions]
    if stored != [d.lower() for d in directions]:
        raise ConfigError(f"hydra.sweeper.direction: study '{name}' in this storage has directions {stored}, "
                          f"not {directions}; choose another hydra.sweeper.study_name")
    return study


def state_counts(study: optuna.Study) -> Counter:
    return Counter(t.state for t in study.get_trials(deepcopy=False))


def finished(counts: Counter) -> int:
    """Trials that count toward n_trials: COMPLETE and PRUNED (FAIL ones are retried or counted as failures)."""
    return counts[TrialState.COMPLETE] + counts[TrialState.PRUNED]


def is_surplus(study: optuna.Study, trial: optuna.Trial, n_trials: int) -> bool:
    """True when trials numbered below this one already fill n_trials (two workers asked at once)."""
    alive = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
    ahead = sum(1 for t in study.get_trials(deepcopy=False, states=alive) if t.number < trial.number)
    return ahead >= n_trials


class Heartbeat:
    """Records a heartbeat for the trials in flight every ``interval`` seconds (a daemon thread)."""

    def __init__(self, storage: RDBStorage, trial_ids: list[int], interval: int) -> None:
        self.storage, self.trial_ids, self.interval = storage, trial_ids, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="optuna-heartbeat")

    def __enter__(self) -> "Heartbeat":
        self._record()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            self._record()

    def _record(self) -> None:
        """One heartbeat per trial, not retried (``StorageRetry`` would hold the beats back): a failure
        (the database unreachable) is logged and the next beat, ``interval`` s later, tries again: the
        trials live on when the database is back within about one interval (the grace period is two)."""
        for trial_id in self.trial_ids:
            try:
                self.storage.record_heartbeat(trial_id)
            except Exception as exc:
                log.warning("heartbeat of trial id %d not recorded (%s: %s); next try in %ds", trial_id,
                            type(exc).__name__, first_line(exc), self.interval)
