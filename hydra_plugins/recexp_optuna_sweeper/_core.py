"""The sweep itself (behind ``RecexpOptunaSweeper``): ask trials, launch them through Hydra's launcher, tell the results.

Each trial is one Hydra job. It gets the sampled params as overrides, plus ``optuna.storage``,
``optuna.study_name``, ``optuna.trial_id``, ``optuna.trial_number`` and ``optuna.objective`` so the
job (in this process, a joblib worker or a SLURM node) can reconnect to its trial to report
intermediate valid metrics and be pruned, ``logger.group=<study> logger.job_type=trial`` so its W&B
run is grouped by study, and ``hydra.sweep.subdir`` with ``${hydra.job.num}`` replaced by the trial
number. The job returns ``{"status": "ok" | "pruned", "metrics": {...}, "run_dir": ...}``
(recexp.sweeps.trial.trial_result); a job that raises is a FAIL trial.

The loop: fail stale trials (re-queued when they may have run), count, ask up to ``n_jobs`` trials into the free slots,
launch them as one batch while a heartbeat thread keeps them alive, tell, check the failure
budget; stop at ``n_trials`` finished trials; write the study report. Every storage call but the
heartbeats goes through ``recexp.sweeps.storage.StorageRetry``: while the database is unreachable (a restart) it is
retried for up to ``storage_retry_timeout`` seconds; unreachable when the sweep starts, it is one
line (exit 2)."""

import logging
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import optuna
from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf
from optuna.trial import TrialState

from hydra_plugins.recexp_optuna_sweeper import _report as report
from hydra_plugins.recexp_optuna_sweeper import _sampling as sampling
from hydra_plugins.recexp_optuna_sweeper._ask import ask_trial
from hydra_plugins.recexp_optuna_sweeper._precheck import CONFIG_ERROR_ATTR, check_new_keys, refuse_failed_study
from hydra_plugins.recexp_optuna_sweeper._search_space import SearchSpace, format_value, parse_search_space
from hydra_plugins.recexp_optuna_sweeper._study import (
    Heartbeat,
    RequeueStaleTrial,
    absolute_url,
    fail_stale_trials,
    finished,
    is_surplus,
    open_storage,
    open_study,
    state_counts,
)
from recexp.common.errors import CONFIG_ERRORS, ConfigError, RunFailed
from recexp.common.extras import require_extra
from recexp.common.secrets import has_password, mask_url, read_env
from recexp.sweeps.storage import DEFAULT_RETRY_TIMEOUT_S, StorageRetry, StorageUnreachable
from recexp.sweeps.trial import PRUNER_ATTR  # the pruner config, read by each job to decide should_prune()

log = logging.getLogger(__name__)
ABSENT = object()


class SweepFailed(RunFailed):
    """More trials failed than ``max_failure_rate`` allows (shown as one paragraph, exit 1)."""


class OptunaSweeperImpl:
    def __init__(self, sampler: DictConfig, pruner: DictConfig | None, direction: Any, objectives: Sequence[str],
                 study_name: str, storage: str | None, n_trials: int, n_jobs: int, max_failure_rate: float,
                 heartbeat_interval: int, params: DictConfig | None, storage_env: str | None = None,
                 storage_retry_timeout: float = DEFAULT_RETRY_TIMEOUT_S) -> None:
        self.sampler_cfg, self.pruner_cfg = sampler, pruner
        self.objectives, self.direction = list(objectives), direction
        self.study_name, self.storage, self.storage_env = study_name, storage, storage_env
        self.n_trials, self.n_jobs = n_trials, n_jobs
        self.max_failure_rate, self.heartbeat_interval = max_failure_rate, heartbeat_interval
        self.storage_retry_timeout = storage_retry_timeout
        self.params = OmegaConf.to_container(params, resolve=True) if params is not None else None
        self.failed = self.told = 0

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.hydra_context = config, hydra_context
        # a trial's dir is named by its study-wide trial number: resumed sweeps and other workers never collide
        self._subdir = str(OmegaConf.to_container(config.hydra.sweep, resolve=False)["subdir"])
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> list[JobReturn]:
        self.directions = _directions(self.direction, self.objectives)
        space = parse_search_space(self.params, arguments, self._is_new_key)
        pruner = sampling.pruner_spec(self.pruner_cfg)
        self.storage_url = storage_url(self.storage, self.storage_env)
        self._check(pruner)
        check_new_keys(space, self.config)  # the trial configs themselves: _precheck.preflight_sweep
        url = absolute_url(self.storage_url)
        setting = f"hydra.sweeper.storage_env={self.storage_env}" if self.storage_env else "hydra.sweeper.storage"
        storage = self._storage = open_storage(url, self.heartbeat_interval, setting=setting,  # unreachable: exit 2
                                               stale_trial_callback=RequeueStaleTrial(space.distributions))
        retry = self._retry = StorageRetry(url, self.storage_retry_timeout)  # from now on: wait for it to come back
        retry(lambda: refuse_failed_study(storage, self.study_name, url), "reading the study")
        study = retry(lambda: open_study(self.study_name, storage, self.directions,
                                         sampling.make_sampler(self.sampler_cfg, space.grid),
                                         sampling.make_pruner(pruner)), "opening the study")
        retry(lambda: study.set_user_attr(PRUNER_ATTR, pruner), "opening the study")
        self._grid = isinstance(study.sampler.inner, optuna.samplers.GridSampler)
        n_trials = self._target(space)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        log.info("study %s (%s): %d/%d trials finished; storage %s", self.study_name, ", ".join(self.directions),
                 finished(retry(lambda: state_counts(study), "counting trials")), n_trials, mask_url(url))
        returns: list[JobReturn] = []
        try:
            while (batch := self._next_batch(study, space, n_trials)) is not None:
                returns += self._run(study, storage, url, space, batch)
                self._check_failures(n_trials)
        except StorageUnreachable:
            raise  # no report: it would wait out another storage_retry_timeout, then hide this error
        except BaseException:
            self._report(study, sweep_dir)
            raise
        self._report(study, sweep_dir)
        return returns

    def _report(self, study: optuna.Study, sweep_dir: Path) -> None:
        self._retry(lambda: report.write_study_report(study, sweep_dir, self.objectives, self.config), "writing the report")

    # --- one round -------------------------------------------------------------------------

    def _next_batch(self, study: optuna.Study, space: SearchSpace, n_trials: int) -> list[optuna.Trial] | None:
        """The next trials to run, or None when the study has n_trials finished trials.
        Waits (polling) while the free slots are all held by trials running elsewhere."""
        while True:
            counts = self._retry(lambda: self._counts(study), "counting trials")
            done = finished(counts) + (counts[TrialState.FAIL] if self._grid else 0)  # no grid point twice
            if done >= n_trials:
                return None
            free = n_trials - done - counts[TrialState.RUNNING]
            if free > 0:
                batch = self._ask(study, space, min(free, self.n_jobs), n_trials)
                if batch:
                    return batch
                continue
            log.info("%d trials running elsewhere; waiting for them (or for their heartbeat to go stale)",
                     counts[TrialState.RUNNING])
            time.sleep(min(10, self.heartbeat_interval))

    def _counts(self, study: optuna.Study) -> Counter:
        fail_stale_trials(study, self._storage)  # trials of a killed sweep: FAIL (+ re-queued)
        return state_counts(study)

    def _ask(self, study: optuna.Study, space: SearchSpace, k: int, n_trials: int) -> list[optuna.Trial]:
        """Up to ``k`` new trials (each storage step retried alone: _ask.ask_trial)."""
        batch = []
        for _ in range(k):
            trial = self._ask_one(study, space, n_trials)
            if trial is None:
                break
            batch.append(trial)
        return batch

    def _ask_one(self, study: optuna.Study, space: SearchSpace, n_trials: int) -> optuna.Trial | None:
        trial = ask_trial(study, self._storage, space.distributions, self._retry)
        if self._retry(lambda: is_surplus(study, trial, n_trials), "counting trials"):  # another worker took the last slot
            self._retry(lambda: _finish_once(study, self._storage, trial, TrialState.FAIL, attrs={"recexp/surplus": True}),
                        "telling a trial")
            return None
        return trial

    def _run(self, study: optuna.Study, storage: Any, url: str, space: SearchSpace,
             batch: list[optuna.Trial]) -> list[JobReturn]:
        overrides = [self._overrides(trial, url, space) for trial in batch]
        for trial, lines in zip(batch, overrides):
            log.info("trial %d: %s", trial.number, " ".join(lines[: len(trial.params)]))
        composable = [self._composes(study, trial, lines) for trial, lines in zip(batch, overrides)]
        batch = [t for t, ok in zip(batch, composable) if ok]
        overrides = [o for o, ok in zip(overrides, composable) if ok]
        if not batch:
            return []
        with Heartbeat(storage, [t._trial_id for t in batch], self.heartbeat_interval):
            returns = self.launcher.launch(overrides, initial_job_idx=batch[0].number)
        for trial, job in zip(batch, returns):
            self._tell(study, trial, job)
        return list(returns)

    def _overrides(self, trial: optuna.Trial, url: str, space: SearchSpace) -> list[str]:
        objective = self.objectives[0] if len(self.objectives) == 1 else None
        storage = f"${{oc.env:{self.storage_env}}}" if self.storage_env else format_value(url)  # never the secret
        identity = [f"optuna.storage={storage}", f"optuna.study_name={format_value(self.study_name)}",
                    f"optuna.trial_id={trial._trial_id}", f"optuna.trial_number={trial.number}",
                    f"optuna.objective={format_value(objective)}",
                    f"optuna.storage_retry_timeout={self.storage_retry_timeout:g}"]
        subdir = self._subdir.replace("${hydra.job.num}", str(trial.number))
        return space.overrides(trial.params) + identity + [
            f"logger.group={format_value(self.study_name)}", "logger.job_type=trial",
            f"hydra.sweep.subdir={format_value(subdir)}"]

    def _composes(self, study: optuna.Study, trial: optuna.Trial, overrides: list[str]) -> bool:
        """Compose the trial's config here first: a launcher (in this process or on a cluster)
        would otherwise fail the whole batch on one config that does not compose."""
        try:
            self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
        except Exception as exc:
            self._fail(study, trial, exc)
            return False
        return True

    def _tell(self, study: optuna.Study, trial: optuna.Trial, job: JobReturn) -> None:
        try:
            result = job.return_value
            state, values = _outcome(result, self.objectives)
        except Exception as exc:  # the job raised, or returned no usable objective
            self._fail(study, trial, exc)
            return
        self.told += 1
        run_dir = str(result.get("run_dir"))
        frozen = self._retry(lambda: _finish_once(study, self._storage, trial, state, values, {"run_dir": run_dir}),
                             "telling a trial")
        if frozen.state != state:  # failed as stale meanwhile (no heartbeat for a grace period): its copy counts
            log.warning("trial %d: %s, not %s: its heartbeat went stale while it ran (a storage outage longer than "
                        "the grace period?); its re-queued copy counts instead", trial.number, frozen.state.name, state.name)
            return
        log.info("trial %d: %s %s", trial.number, frozen.state.name, values if values is not None else "")

    def _fail(self, study: optuna.Study, trial: optuna.Trial, exc: BaseException) -> None:
        self.told += 1
        self.failed += 1
        attrs: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        if isinstance(exc, CONFIG_ERRORS):
            attrs[CONFIG_ERROR_ATTR] = True
        self._retry(lambda: _finish_once(study, self._storage, trial, TrialState.FAIL, attrs=attrs), "telling a trial")
        log.warning("trial %d failed: %s: %s", trial.number, type(exc).__name__, exc)

    # --- checks ----------------------------------------------------------------------------

    def _is_new_key(self, key: str) -> bool:
        return "/" not in key and OmegaConf.select(self.config, key, default=ABSENT) is ABSENT

    def _check(self, pruner: dict) -> None:
        if not self.objectives:
            raise ConfigError("hydra.sweeper.objectives: give at least one metrics.json key, e.g. [valid/mae_median_fallback]")
        if not sampling.is_nop(pruner):
            if len(self.objectives) > 1:
                raise ConfigError("hydra.sweeper.pruner: Optuna cannot prune multi-objective studies; "
                                  "use hydra/sweeper/pruner=nop")
            if not self.objectives[0].startswith("valid/"):
                raise ConfigError(f"hydra.sweeper.pruner: pruning needs a valid/* objective (reported during training), "
                                  f"not {self.objectives[0]}")
        if "CmaEs" in str(self.sampler_cfg.get("_target_", "")):
            require_extra("cmaes", "hydra/sweeper/sampler=cmaes")
        if self.storage_url and self.storage_url.startswith("postgresql") and "psycopg2" not in self.storage_url:
            require_extra("postgres", "a PostgreSQL study storage")
        if self.n_trials < 1 or self.n_jobs < 1:
            raise ConfigError("hydra.sweeper.n_trials and hydra.sweeper.n_jobs: must be >= 1")

    def _target(self, space: SearchSpace) -> int:
        """n_trials, capped at the grid size for the grid sampler."""
        if self._grid:
            size = 1
            for values in space.grid().values():
                size *= len(values)
            if size < self.n_trials:
                log.info("grid sampler: %d grid points, so %d trials instead of n_trials=%d", size, size, self.n_trials)
                return size
        return self.n_trials

    def _check_failures(self, n_trials: int) -> None:
        """Failure rate = failed trials of this sweep / n_trials (not / trials so far: one early
        failure must not stop a long sweep)."""
        if self.failed > self.max_failure_rate * n_trials:
            raise SweepFailed(f"{self.failed} trials failed (of {self.told} run); hydra.sweeper.max_failure_rate="
                              f"{self.max_failure_rate} allows {self.max_failure_rate * n_trials:g} of n_trials={n_trials};"
                              " see each trial's run.log and the trial's 'error' user attr")


def _finish_once(study: optuna.Study, storage: Any, trial: optuna.Trial, state: TrialState,
                 values: list[float] | None = None, attrs: dict[str, Any] | None = None) -> optuna.trial.FrozenTrial:
    """Set the trial's user ``attrs`` and tell ``state``; a trial finished already (this call retried
    after its commit was lost, or the trial failed as stale by another worker) is returned as stored."""
    stored = storage.get_trial(trial._trial_id)
    if stored.state.is_finished():
        return stored
    for key, value in (attrs or {}).items():
        trial.set_user_attr(key, value)
    return study.tell(trial, values, state=state, skip_if_finished=True)


def storage_url(storage: str | None, storage_env: str | None) -> str | None:
    """The study's storage URL: from the variable named ``storage_env`` when set; a URL with a password
    given literally is refused (Hydra would save it in multirun.yaml and every trial's overrides)."""
    if storage_env is not None:
        return read_env(storage_env, "hydra.sweeper.storage_env")
    if storage and has_password(storage):
        raise ConfigError(f"hydra.sweeper.storage: {mask_url(storage)} carries a password, which Hydra would save "
                          "in multirun.yaml and each trial's .hydra/; export it (export RECEXP_OPTUNA_STORAGE=...) "
                          "and set hydra.sweeper.storage_env=RECEXP_OPTUNA_STORAGE")
    return storage


def _directions(direction: Any, objectives: list[str]) -> list[str]:
    directions = [direction] if isinstance(direction, str) else list(direction)
    if len(directions) != len(objectives):
        raise ConfigError(f"hydra.sweeper.direction: {len(directions)} direction(s) for {len(objectives)} "
                          f"objective(s) {objectives}; give one per objective")
    for d in directions:
        if d not in ("minimize", "maximize"):
            raise ConfigError(f"hydra.sweeper.direction: '{d}' is not minimize or maximize")
    return directions


def _outcome(result: Any, objectives: list[str]) -> tuple[TrialState, list[float] | None]:
    """(state, values) from a job's return value."""
    if not isinstance(result, dict) or "metrics" not in result:
        raise TypeError(f"the task function returned {type(result).__name__}, not recexp's trial result "
                        "(is the optuna node set in the job?)")
    if result.get("status") == "pruned":
        return TrialState.PRUNED, None
    missing = [k for k in objectives if k not in result["metrics"]]
    if missing:
        raise KeyError(f"objective(s) {missing} not in the job's metrics.json")
    values = [float(result["metrics"][k]) for k in objectives]
    if not all(math.isfinite(v) for v in values):  # e.g. valid/mae with coverage 0
        raise ValueError(f"objective values {dict(zip(objectives, values))} are not finite")
    return TrialState.COMPLETE, values
