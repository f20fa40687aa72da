"""Open (or resume) the study on its RDB storage, and count where it stands.

Trials left RUNNING by a sweep that died are found by Optuna's heartbeat: the sweeper records a
heartbeat for each trial in flight every ``heartbeat_interval`` seconds; a RUNNING trial silent for
twice that is failed and re-queued with the same params (``RetryHeartbeatStaleTrialCallback``), so
a resumed study ends with exactly ``n_trials`` finished trials. Optuna never fails a RUNNING trial
that has no heartbeat at all (one whose sweep died inside ``study.ask``, which samples the params,
or right after it): such a trial is given a heartbeat when found, so it goes stale like the others."""

import logging
import threading
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from recexp.common.errors import ConfigError

log = logging.getLogger(__name__)
SQLITE = "sqlite:///"


def absolute_url(url: str | None) -> str:
    """The storage URL with a relative SQLite path made absolute (jobs may run elsewhere)."""
    if not url:
        raise ConfigError("hydra.sweeper.storage: required (jobs report to the study through it), "
                          "e.g. sqlite:///outputs/sweeps/NAME/optuna.db or postgresql+psycopg://user@host/db")
    if url.startswith(SQLITE) and not url.startswith(SQLITE + "/") and ":memory:" not in url:
        path = Path(url[len(SQLITE):]).resolve()
        return SQLITE + str(path)
    return url


def open_storage(url: str, heartbeat_interval: int | None = None) -> RDBStorage:
    if url.startswith(SQLITE):
        Path(url[len(SQLITE):]).parent.mkdir(parents=True, exist_ok=True)
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna since 2.9
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        heartbeat = {} if heartbeat_interval is None else {
            "heartbeat_interval": heartbeat_interval, "grace_period": 2 * heartbeat_interval,
            "heartbeat_stale_trial_callback": RetryHeartbeatStaleTrialCallback()}
        return _create_storage(url, engine_kwargs, heartbeat)


def _create_storage(url: str, engine_kwargs: dict, heartbeat: dict, attempts: int = 5) -> RDBStorage:
    """RDBStorage, retried when another worker is creating the same schema at this moment
    (PostgreSQL reports the race as a duplicate type or table)."""
    import sqlalchemy.exc

    for attempt in range(attempts):
        try:
            return RDBStorage(url, engine_kwargs=engine_kwargs, **heartbeat)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            if attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def fail_stale_trials(study: optuna.Study, storage: RDBStorage) -> None:
    """Fail (and re-queue) RUNNING trials whose heartbeat went stale: their sweep died."""
    adopt_silent_trials(study, storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def adopt_silent_trials(study: optuna.Study, storage: RDBStorage) -> list[int]:
    """Record a first heartbeat for RUNNING trials that have none (their sweep died between
    ``study.ask`` and its first heartbeat); returns their ids. A live sweep's trial caught in that
    instant loses nothing: its own heartbeats follow at once."""
    if storage.get_heartbeat_interval() is None:
        return []
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    silent = [t._trial_id for t in running if not _has_heartbeat(storage, t._trial_id)]
    for trial_id in silent:
        storage.record_heartbeat(trial_id)  # Optuna ignores the clash if the owner recorded one meanwhile
    if silent:
        log.warning("%d RUNNING trial(s) without a heartbeat (a sweep died right after asking them): they are "
                    "failed and re-queued unless a live sweep beats for them within the grace period", len(silent))
    return silent


def _has_heartbeat(storage: RDBStorage, trial_id: int) -> bool:
    """Whether a heartbeat row exists for the trial (Optuna's schema: no public query for it)."""
    from optuna.storages._rdb import models

    session = storage.scoped_session()
    try:
        return models.TrialHeartbeatModel.where_trial_id(trial_id, session) is not None
    finally:
        session.close()


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
        for trial_id in self.trial_ids:
            self.storage.record_heartbeat(trial_id)
