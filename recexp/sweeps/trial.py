"""A trial job's link to its Optuna trial (``cfg.optuna``, set by the sweeper).

The job reconnects to the study's storage, reports the valid metric evaluated during training
(``trainer.valid_eval_steps``) with ``trial.report`` and stops with ``TrialPruned`` when the study's
pruner says so; the run then ends with ``status: pruned`` in metrics.json. ``trial_result`` is what
the job returns for the sweeper to tell the study."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Callable

import optuna
from omegaconf import DictConfig

from recexp.common.distributed import run_on_main
from recexp.common.errors import ConfigError
from recexp.sweeps.storage import DEFAULT_RETRY_TIMEOUT_S, StorageRetry, open_storage

log = logging.getLogger(__name__)
PRUNER_ATTR = "recexp/pruner"  # written by the sweeper: the pruner config (_target_ + kwargs)


class TrialPruned(optuna.TrialPruned):
    """The study's pruner stopped this trial; the launcher records ``status: pruned``."""

    run_status = "pruned"


def trial_result(status: str, metrics: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """What the job returns to the sweeper: ``{"status": "ok" | "pruned", "metrics", "run_dir"}``
    (failures raise instead). A pruned run's metrics come from the dict the run filled, not from
    metrics.json: with several processes only rank 0 writes the file."""
    return {"status": status, "metrics": metrics, "run_dir": str(run_dir)}


def _no_retry(action: Callable, what: str) -> object:
    return action()


def in_sweep(cfg: DictConfig) -> bool:
    return cfg.optuna.study_name is not None


def trial_identity(cfg: DictConfig) -> dict[str, Any]:
    """``optuna/*`` keys for metrics.json and the W&B summary: study, trial number, sampled params."""
    if not in_sweep(cfg):
        return {}
    trial = _connect(cfg)
    params = {f"optuna/params/{k}": v for k, v in trial.params.items()}
    return {"optuna/study": cfg.optuna.study_name, "optuna/trial_number": cfg.optuna.trial_number, **params}


def trial_reporter(cfg: DictConfig) -> Callable[[int, dict], None] | None:
    """``report(step, valid_metrics)`` for the valid-eval callback, or None outside a single-objective sweep."""
    if not in_sweep(cfg) or not cfg.optuna.objective:
        return None
    objective = cfg.optuna.objective
    if not objective.startswith("valid/"):
        return None
    return functools.partial(report_on_main, _connect_on_main(cfg), objective.removeprefix("valid/"),
                             retry=_retry(cfg))


def _connect_on_main(cfg: DictConfig) -> optuna.Trial | None:
    """The trial on rank 0 (with several processes rank 0 alone talks to the study), None elsewhere;
    a failure to connect is raised on every rank."""
    connected: dict[str, optuna.Trial] = {}
    run_on_main(lambda: connected.update(trial=_connect(cfg)))
    return connected.get("trial")


def report_on_main(trial: optuna.Trial | None, metric: str, step: int, metrics: dict,
                   retry: Callable = _no_retry) -> None:
    """``_report`` on rank 0; its outcome (``TrialPruned``, or a config error) is raised on every
    rank, so a pruned trial stops all its processes at the same step."""
    run_on_main(lambda: _report(trial, metric, step, metrics, retry))


def _report(trial: optuna.Trial, metric: str, step: int, metrics: dict, retry: Callable = _no_retry) -> None:
    """Report the objective's metric of this valid evaluation; prune when the study says so."""
    if metric not in metrics:  # e.g. valid/mean_completion_tokens: only the final evaluation has it
        if isinstance(trial.study.pruner, optuna.pruners.NopPruner):
            return
        known = ", ".join(sorted(k for k in metrics if "/" not in k))
        raise ConfigError(f"optuna.objective: valid/{metric} is not computed by the evaluation during training "
                          f"(it has {known}); pruning needs one of those, or hydra/sweeper/pruner=nop")
    value = float(metrics[metric])
    retry(lambda: trial.report(value, step), "reporting a valid metric")
    if retry(trial.should_prune, "asking the pruner"):
        log.info("trial %d pruned at step %d (valid %s %.4f)", trial.number, step, metric, value)
        raise TrialPruned(f"pruned at step {step} (valid {metric} {value:.4f})")


def _retry(cfg: DictConfig) -> StorageRetry:
    """Storage calls of this trial job wait for an unreachable database as the sweeper does."""
    return StorageRetry(cfg.optuna.storage, cfg.optuna.storage_retry_timeout)


def _connect(cfg: DictConfig) -> optuna.Trial:
    return connect(cfg.optuna.storage, cfg.optuna.study_name, cfg.optuna.trial_id, cfg.optuna.storage_retry_timeout)


@functools.lru_cache(maxsize=4)
def connect(storage_url: str, study_name: str, trial_id: int,
            retry_timeout: float = DEFAULT_RETRY_TIMEOUT_S) -> optuna.Trial:
    """The running trial, with the study's pruner (the job never samples: RandomSampler is inert);
    an unreachable database is waited for (``optuna.storage_retry_timeout`` s)."""
    from hydra.utils import instantiate

    retry = StorageRetry(storage_url, retry_timeout)
    storage = open_storage(storage_url, retry=retry)
    study = retry(lambda: optuna.load_study(study_name=study_name, storage=storage,
                                            sampler=optuna.samplers.RandomSampler()), "loading the study")
    pruner = retry(lambda: study.user_attrs.get(PRUNER_ATTR), "loading the study")
    study.pruner = instantiate(pruner or {"_target_": "optuna.pruners.NopPruner"})
    return retry(lambda: optuna.trial.Trial(study, trial_id), "loading the trial")  # reads the trial
