"""A trial job's link to its Optuna trial (``cfg.optuna``, set by the sweeper).

The job reconnects to the study's storage, reports the valid metric evaluated during training
(``trainer.valid_eval_steps``) with ``trial.report`` and stops with ``TrialPruned`` when the study's
pruner says so; the run then ends with ``status: pruned`` in metrics.json. ``run_trial`` turns the
run into the result the sweeper tells the study."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any, Callable

import optuna
from omegaconf import DictConfig

from recexp.errors import ConfigError

log = logging.getLogger(__name__)
PRUNER_ATTR = "recexp/pruner"  # written by the sweeper: the pruner config (_target_ + kwargs)


class TrialPruned(optuna.TrialPruned):
    """The study's pruner stopped this trial; the launcher records ``status: pruned``."""

    run_status = "pruned"


def run_trial(run: Callable[[], dict], run_dir: Path) -> dict[str, Any]:
    """Run the job; return ``{"status", "metrics", "run_dir"}`` for the sweeper (failures raise)."""
    try:
        metrics, status = run(), "ok"
    except TrialPruned:
        metrics, status = json.loads((run_dir / "metrics.json").read_text()), "pruned"
    return {"status": status, "metrics": metrics, "run_dir": str(run_dir)}


def in_sweep(cfg: DictConfig) -> bool:
    return cfg.optuna.study_name is not None


def trial_identity(cfg: DictConfig) -> dict[str, Any]:
    """``optuna/*`` keys for metrics.json and the W&B summary: study, trial number, sampled params."""
    if not in_sweep(cfg):
        return {}
    trial = connect(cfg.optuna.storage, cfg.optuna.study_name, cfg.optuna.trial_id)
    params = {f"optuna/params/{k}": v for k, v in trial.params.items()}
    return {"optuna/study": cfg.optuna.study_name, "optuna/trial_number": cfg.optuna.trial_number, **params}


def trial_reporter(cfg: DictConfig) -> Callable[[int, dict], None] | None:
    """``report(step, valid_metrics)`` for the valid-eval callback, or None outside a single-objective sweep."""
    if not in_sweep(cfg) or not cfg.optuna.objective:
        return None
    objective = cfg.optuna.objective
    if not objective.startswith("valid/"):
        return None
    trial = connect(cfg.optuna.storage, cfg.optuna.study_name, cfg.optuna.trial_id)
    return functools.partial(_report, trial, objective.removeprefix("valid/"))


def _report(trial: optuna.Trial, metric: str, step: int, metrics: dict) -> None:
    """Report the objective's metric of this valid evaluation; prune when the study says so."""
    if metric not in metrics:  # e.g. valid/mean_completion_tokens: only the final evaluation has it
        if isinstance(trial.study.pruner, optuna.pruners.NopPruner):
            return
        known = ", ".join(sorted(k for k in metrics if "/" not in k))
        raise ConfigError(f"optuna.objective: valid/{metric} is not computed by the evaluation during training "
                          f"(it has {known}); pruning needs one of those, or hydra/sweeper/pruner=nop")
    value = float(metrics[metric])
    trial.report(value, step)
    if trial.should_prune():
        log.info("trial %d pruned at step %d (valid %s %.4f)", trial.number, step, metric, value)
        raise TrialPruned(f"pruned at step {step} (valid {metric} {value:.4f})")


@functools.lru_cache(maxsize=4)
def connect(storage_url: str, study_name: str, trial_id: int) -> optuna.Trial:
    """The running trial, with the study's pruner (the job never samples: RandomSampler is inert)."""
    from hydra.utils import instantiate

    engine_kwargs = {"connect_args": {"timeout": 60}} if storage_url.startswith("sqlite") else {"pool_pre_ping": True}
    storage = optuna.storages.RDBStorage(storage_url, engine_kwargs=engine_kwargs)
    study = optuna.load_study(study_name=study_name, storage=storage, sampler=optuna.samplers.RandomSampler())
    study.pruner = instantiate(study.user_attrs.get(PRUNER_ATTR) or {"_target_": "optuna.pruners.NopPruner"})
    return optuna.trial.Trial(study, trial_id)
