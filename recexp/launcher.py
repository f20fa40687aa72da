"""Compose -> validate -> load data -> run the paradigm's stages -> write outputs.

Nothing domain-specific lives here. Every run dir gets resolved_config.yaml, metrics.json
(also when the run fails, with ``status: failed``) and Hydra's log file (run.log). With several
processes (``recexp.distributed``) rank 0 checks the run dir and writes these files once; every
rank logs its rank and the world size first."""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from recexp import distributed
from recexp.distributed import is_main_process
from recexp.preflight import check_run_dir
from recexp.validation import validate

log = logging.getLogger(__name__)


def launch(cfg: DictConfig) -> float | dict | None:
    """Hydra task function body; returns valid MAE, or for an Optuna trial (``cfg.optuna`` set)
    the trial result ``{"status", "metrics", "run_dir"}`` the sweeper tells the study."""
    distributed.adopt_slurm_tasks()
    distributed.tag_log_records()
    log.info("process: %s", distributed.describe_process())
    validate(cfg)
    from hydra.core.hydra_config import HydraConfig

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    # multirun jobs are not preflighted; with several processes rank 0 alone decides
    distributed.run_on_main(lambda: check_run_dir(run_dir, bool(cfg.resume)))
    if cfg.optuna.study_name is not None:  # an Optuna sweep trial: return what the sweeper tells the study
        from recexp.sweeps.trial import run_trial

        result = run_trial(lambda metrics: run(cfg, run_dir, metrics), run_dir)
        distributed.leave_together()
        return result
    metrics = run(cfg, run_dir)
    distributed.leave_together()  # a failed run raises before: the launcher stops the other ranks
    return metrics.get("valid/mae")


def run(cfg: DictConfig, run_dir: Path, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one job into ``run_dir`` and return its metrics (filled into ``metrics`` when given,
    so a caller still has them when the run raises)."""
    started = time.perf_counter()
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    main = is_main_process()
    if main:
        (run_dir / "resolved_config.yaml").write_text(OmegaConf.to_yaml(resolved))
    metrics = {} if metrics is None else metrics
    metrics.update(_identity(cfg))
    _seed_everything(cfg.seed)

    from recexp.tracking import open_tracker

    logger_cfg = cfg.logger if main else OmegaConf.create({"backend": "none"})
    with open_tracker(logger_cfg, run_dir, resolved, job_type=cfg.paradigm.name) as tracker:
        metrics["logger/status"] = tracker.status
        try:
            metrics.update(_run_paradigm(cfg, run_dir, tracker))
            metrics["status"] = "ok"
        except BaseException as exc:
            # an exception may name its own status (recexp.sweeps.trial.TrialPruned: "pruned")
            metrics.update(status=getattr(exc, "run_status", "failed"), error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            metrics["wall_time_s"] = round(time.perf_counter() - started, 3)
            if main:
                _write_json(run_dir / "metrics.json", metrics)
            tracker.summary(metrics)
            log.info("run status: %s", metrics["status"])
    log.info("run dir: %s", run_dir)
    _log_headline(metrics)
    return metrics


def _run_paradigm(cfg: DictConfig, run_dir: Path, tracker: Any) -> dict[str, Any]:
    from recexp.data.pipeline import load_dataset
    from recexp.paradigms.runner import run_stages
    from recexp.paradigms.state import RunState

    data = distributed.main_first(lambda: load_dataset(cfg.dataset, cfg.cache_dir))  # rank 0 builds the cache
    state = RunState(cfg=cfg, run_dir=run_dir, data=data, metrics=dict(data.metrics), tracker=tracker)
    return run_stages(list(cfg.paradigm.stages), state).metrics


def _identity(cfg: DictConfig) -> dict[str, Any]:
    identity = {"paradigm": cfg.paradigm.name, "dataset": cfg.dataset.name, "model": cfg.model.name, "seed": cfg.seed,
                "world_size": distributed.world_size()}
    if cfg.optuna.study_name is not None:  # sweep trial: optuna/study, optuna/trial_number, optuna/params/*
        from recexp.sweeps.trial import trial_identity

        identity.update(distributed.run_on_main(lambda: trial_identity(cfg)))  # rank 0 reads the study
    return identity


def _seed_everything(seed: int) -> None:
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)


def _write_json(path: Path, values: dict[str, Any]) -> None:
    path.write_text(json.dumps(values, indent=2, sort_keys=True, default=str) + "\n")


def _log_headline(metrics: dict[str, Any]) -> None:
    keys = [k for k in ("valid/mae", "test/mae", "test/rmse", "test/coverage") if k in metrics]
    log.info("%s", "  ".join(f"{k}={metrics[k]:.4f}" for k in keys))
