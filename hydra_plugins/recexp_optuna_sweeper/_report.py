"""What a sweep leaves in its sweep dir: ``best_trial.yaml`` (Pareto front ``best_trials.yaml`` for
several objectives), ``importances.yaml`` and ``trials.csv``; the same in a W&B run of job_type
``study`` when the logger is wandb."""

import logging
from pathlib import Path
from typing import Any

import optuna
import yaml
from omegaconf import DictConfig, OmegaConf
from optuna.trial import FrozenTrial, TrialState

from recexp.common.publish import atomic_path, write_atomically

log = logging.getLogger(__name__)


def write_study_report(study: optuna.Study, sweep_dir: Path, objectives: list[str], config: DictConfig) -> dict:
    summary = {"study": study.study_name, "objectives": objectives,
               "directions": [d.name.lower() for d in study.directions],
               "states": _states(study)}
    best = best_trials(study, objectives)
    if best:
        name = "best_trial.yaml" if len(objectives) == 1 else "best_trials.yaml"
        write_atomically(sweep_dir / name, yaml.safe_dump(best[0] if len(objectives) == 1 else best, sort_keys=False))
        summary["best"] = best
    importances = param_importances(study)
    write_atomically(sweep_dir / "importances.yaml", yaml.safe_dump(importances, sort_keys=False))
    summary["importances"] = importances
    with atomic_path(sweep_dir / "trials.csv") as tmp:  # every worker of a study writes these at its end
        study.trials_dataframe().to_csv(tmp, index=False)
    log.info("study %s: %s; best: %s", study.study_name, summary["states"], best[:1] or "no complete trial")
    _log_to_wandb(summary, sweep_dir, config)
    return summary


def best_trials(study: optuna.Study, objectives: list[str]) -> list[dict[str, Any]]:
    """The best trial (one objective) or the Pareto front (several), as plain dicts."""
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        return []
    trials = [study.best_trial] if len(objectives) == 1 else study.best_trials
    return [_describe(t, objectives) for t in trials]


def param_importances(study: optuna.Study) -> dict[str, Any]:
    """fANOVA importances of the params for the (single) objective, or why they were skipped."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(study.directions) > 1:
        return {"skipped": "multi-objective study: importances need one target objective"}
    if len(complete) < 2:
        return {"skipped": f"{len(complete)} complete trial(s); importances need at least 2"}
    try:
        values = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError) as exc:  # e.g. every trial has the same params
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    return {"importances": {k: float(v) for k, v in values.items()}}


def _describe(trial: FrozenTrial, objectives: list[str]) -> dict[str, Any]:
    return {"number": trial.number, "values": dict(zip(objectives, map(float, trial.values))),
            "params": _plain(trial.params), "run_dir": trial.user_attrs.get("run_dir")}


def _states(study: optuna.Study) -> dict[str, int]:
    states: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        states[trial.state.name] = states.get(trial.state.name, 0) + 1
    return states


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}


def _log_to_wandb(summary: dict, sweep_dir: Path, config: DictConfig) -> None:
    """One W&B run of job_type ``study`` in the study's group (skipped unless logger=wandb)."""
    logger_cfg = config.get("logger")
    if logger_cfg is None or getattr(logger_cfg.backend, "value", logger_cfg.backend) != "wandb":
        return
    from recexp.tracking import open_tracker

    study_logger = OmegaConf.merge(logger_cfg, {"group": summary["study"], "job_type": "study"})
    with open_tracker(study_logger, sweep_dir, {"study": summary["study"], "objectives": summary["objectives"]},
                      job_type="study") as tracker:
        tracker.summary(_flat(summary))


def _flat(summary: dict) -> dict[str, Any]:
    flat = {"study": summary["study"], **{f"states/{k}": v for k, v in summary["states"].items()}}
    for i, best in enumerate(summary.get("best", [])):
        prefix = "best" if i == 0 else f"best_{i}"
        flat[f"{prefix}/number"] = best["number"]
        flat.update({f"{prefix}/{k}": v for k, v in best["values"].items()})
        flat.update({f"{prefix}/params/{k}": v for k, v in best["params"].items()})
    flat.update({f"importance/{k}": v for k, v in summary["importances"].get("importances", {}).items()})
    return flat
