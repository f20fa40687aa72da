"""One run, top to bottom: Hydra has composed the config (``recexp.run.app``); check it
(``recexp.run.validation``), check the run dir (``recexp.run.dirs_check``), record what runs
(resolved_config.yaml, provenance.json), load the data (``recexp.data``), run the paradigm's stages
(``recexp.paradigms``) and record the outcome (metrics.json, summary.md). Each step calls helpers
below this module; none of them calls back into it.

Nothing domain-specific lives here. Every run dir gets resolved_config.yaml, provenance.json,
metrics.json and summary.md (also when the run fails, with ``status: failed``) and Hydra's log
file (run.log, which holds the traceback of a failure). Each job of a multirun first checks that its
run dir and ``cache_dir`` can be written and have ``min_free_gb`` free (recexp/run/dirs_check.py). With several processes
(``recexp.common.distributed``) rank 0 checks the run dir and writes these files once; every rank logs
its rank and the world size first."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from recexp.common import distributed
from recexp.common.distributed import is_main_process
from recexp.common.errors import ConfigError, RunFailed
from recexp.common.jsonio import write_json
from recexp.common.publish import write_atomically
from recexp.common.secrets import mask_secrets, mask_url
from recexp.run.dirs_check import check_dirs, check_run_dir
from recexp.run.failure import failure_paragraph, log_traceback_to_files
from recexp.run.validation import validate

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """The stage in progress (named in a failure) and what the run has measured so far."""

    stage: str = "setup"


def launch(cfg: DictConfig) -> float | dict | None:
    """Hydra task function body; returns valid MAE, or for an Optuna trial (``cfg.optuna`` set)
    the trial result ``{"status", "metrics", "run_dir"}`` the sweeper tells the study."""
    distributed.adopt_slurm_tasks()
    distributed.tag_log_records()
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from recexp.run.logs import configure_run_logging

    configure_run_logging()
    validate(cfg)
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    if HydraConfig.get().mode == RunMode.MULTIRUN:  # preflight checked the sweep once; the disk fills as jobs write
        distributed.run_on_main(lambda: check_dirs({"hydra.sweep.dir": run_dir, "cache_dir": cfg.cache_dir},
                                                   cfg.min_free_gb))
    # multirun jobs are not preflighted; with several processes rank 0 alone decides
    distributed.run_on_main(lambda: check_run_dir(run_dir, bool(cfg.resume)))
    if cfg.optuna.study_name is not None:  # an Optuna sweep trial: return what the sweeper tells the study
        result = _run_trial(cfg, run_dir)
        distributed.leave_together()
        return result
    metrics = run(cfg, run_dir)
    distributed.leave_together()  # a failed run raises before: the launcher stops the other ranks
    return metrics.get("valid/mae")


def _run_trial(cfg: DictConfig, run_dir: Path) -> dict[str, Any]:
    """Run a sweep trial; a run the study's pruner stopped is a result (``pruned``), not a failure."""
    from recexp.sweeps.trial import TrialPruned, trial_result

    metrics: dict[str, Any] = {}  # filled as the run goes, so a pruned trial keeps what it measured
    try:
        run(cfg, run_dir, metrics)
        status = "ok"
    except TrialPruned:
        status = "pruned"
    return trial_result(status, metrics, run_dir)


def run(cfg: DictConfig, run_dir: Path, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one job into ``run_dir`` and return its metrics (filled into ``metrics`` when given, so a
    caller still has them when the run raises); a failure raises RunFailed (or the ConfigError that
    stopped it) after metrics.json, summary.md and the traceback are written."""
    started = time.perf_counter()
    run_dir.mkdir(parents=True, exist_ok=True)
    log.info("run dir: %s", run_dir)  # the first line of run.log
    log.info("process: %s", distributed.describe_process())
    resolved = mask_secrets(OmegaConf.to_container(cfg, resolve=True, enum_to_str=True))  # written and sent to W&B
    main = is_main_process()
    if main:
        _write_run_record(run_dir, resolved)
    metrics = {} if metrics is None else metrics
    metrics.update(_identity(cfg))
    _seed_everything(cfg.seed)
    progress = Progress()

    from recexp.tracking import open_tracker

    logger_cfg = cfg.logger if main else OmegaConf.create({"backend": "none"})
    with open_tracker(logger_cfg, run_dir, resolved, job_type=cfg.paradigm.name) as tracker:
        metrics["logger/status"] = tracker.status
        try:
            _run_paradigm(cfg, run_dir, tracker, metrics, progress)
            metrics["status"] = "ok"
        except BaseException as exc:
            # an exception may name its own status (recexp.sweeps.trial.TrialPruned: "pruned")
            metrics.update(status=getattr(exc, "run_status", "failed"), error=f"{type(exc).__name__}: {exc}")
            if metrics["status"] == "failed":
                metrics["failed_stage"] = progress.stage
                log_traceback_to_files(exc, progress.stage)
            if isinstance(exc, Exception) and not isinstance(exc, ConfigError) and metrics["status"] == "failed":
                raise RunFailed(mask_url(failure_paragraph(exc, progress.stage, run_dir))) from exc
            raise
        finally:
            metrics["wall_time_s"] = round(time.perf_counter() - started, 3)
            metrics.update(mask_secrets(metrics))  # e.g. an error that quotes a storage URL
            if main:
                _finish(run_dir, metrics)
            tracker.summary(metrics)
            log.info("run status: %s", metrics["status"])  # on every rank
    return metrics


def _run_paradigm(cfg: DictConfig, run_dir: Path, tracker: Any, metrics: dict, progress: Progress) -> None:
    """Load the data and run the stages; every metric lands in ``metrics`` as it is measured, so a
    failed run keeps what its earlier stages found."""
    from recexp.data.pipeline import load_dataset
    from recexp.data.sufficiency import check_enough_data
    from recexp.paradigms.runner import run_stages
    from recexp.paradigms.state import RunState

    progress.stage = "load_data"
    loading = time.perf_counter()
    data = distributed.main_first(lambda: load_dataset(cfg.dataset, cfg.cache_dir))  # rank 0 builds the cache
    metrics.update(data.metrics)
    check_enough_data(data.metrics, cfg)
    metrics["time/load_data_s"] = round(time.perf_counter() - loading, 3)
    state = RunState(cfg=cfg, run_dir=run_dir, data=data, metrics=metrics, tracker=tracker)
    run_stages(list(cfg.paradigm.stages), state, on_stage=lambda name: setattr(progress, "stage", name))


def _write_run_record(run_dir: Path, resolved: dict) -> None:
    from recexp.run.provenance import provenance

    write_atomically(run_dir / "resolved_config.yaml", OmegaConf.to_yaml(resolved))
    write_json(run_dir / "provenance.json", provenance())


def _finish(run_dir: Path, metrics: dict[str, Any]) -> None:
    """metrics.json (strict JSON), summary.md and the summary in the log."""
    from recexp.run.summary import log_summary, summary_markdown

    write_json(run_dir / "metrics.json", metrics, sort_keys=True)
    write_atomically(run_dir / "summary.md", summary_markdown(metrics, run_dir))
    log_summary(metrics, run_dir)


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
