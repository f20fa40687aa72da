"""W&B wiring: open one run per job, log the resolved config, put final metrics in the summary,
and always finish it. The fields runs are compared by (paradigm, dataset, model, seed,
data/fingerprint) are top-level summary keys from the start, and data/fingerprint (known once the
data is loaded) is added to the config too, so the W&B UI can group and filter runs by it.
W&B being unreachable never fails or hangs a run: init and finish have timeouts, and an init
failure is logged and recorded in metrics.json (``logger/status``)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, Iterator

log = logging.getLogger(__name__)


IDENTITY_CONFIG_KEYS = ("data/fingerprint",)  # run config keys added once known (the rest is in the config)

PRUNED = "pruned"


class NullTracker:
    """Tracker that records nothing (``logger=none``, or W&B could not start)."""

    status = "none"

    def log(self, values: dict[str, Any], step: int | None = None) -> None:
        pass

    def summary(self, values: dict[str, Any]) -> None:
        pass

    def finish(self, exit_code: int) -> None:
        pass

    def mark_pruned(self) -> None:
        pass


class Tracker(NullTracker):
    """A live W&B run."""

    status = "ok"

    def __init__(self, run: Any) -> None:
        self.run = run

    def log(self, values: dict[str, Any], step: int | None = None) -> None:
        self.run.log(values, step=step)

    def summary(self, values: dict[str, Any]) -> None:
        self.run.summary.update(values)
        known = {k: values[k] for k in IDENTITY_CONFIG_KEYS if k in values}
        if known:
            self.run.config.update(known, allow_val_change=True)

    def mark_pruned(self) -> None:
        """A trial its pruner stopped: tagged ``pruned`` with summary ``state: pruned`` (finished, not crashed)."""
        self.run.tags = (*(self.run.tags or ()), PRUNED)
        self.run.summary["state"] = PRUNED

    def finish(self, exit_code: int) -> None:
        try:
            self.run.finish(exit_code=exit_code)
        except Exception as exc:  # a failing upload must not turn a finished run into a failure
            log.warning("W&B finish failed: %s", exc)


@contextlib.contextmanager
def open_tracker(logger_cfg: Any, run_dir: Path, config: dict, job_type: str) -> Iterator[NullTracker]:
    """Yield a tracker for one job; finish it on exit (exit_code 1 when the body raised, 0 with the
    ``pruned`` tag when a sweep's pruner stopped it: an exception whose ``run_status`` is "pruned")."""
    tracker = _start(logger_cfg, run_dir, config, job_type)
    exit_code = 1
    try:
        yield tracker
        exit_code = 0
    except BaseException as exc:
        if getattr(exc, "run_status", None) == PRUNED:
            tracker.mark_pruned()
            exit_code = 0
        raise
    finally:
        tracker.finish(exit_code)


def _start(logger_cfg: Any, run_dir: Path, config: dict, job_type: str) -> NullTracker:
    if _value(logger_cfg.backend) == "none":
        return NullTracker()
    try:
        tracker = Tracker(_init_wandb(logger_cfg, run_dir, config, job_type))
        tracker.summary(identity(config))
        return tracker
    except Exception as exc:
        log.warning("W&B could not start (%s: %s); this run continues without W&B", type(exc).__name__, exc)
        tracker = NullTracker()
        tracker.status = f"wandb init failed: {type(exc).__name__}"
        return tracker


def identity(config: dict) -> dict[str, Any]:
    """paradigm, dataset, model (their names) and seed from the resolved config, as flat keys."""
    values = {key: (config.get(key) or {}).get("name") for key in ("paradigm", "dataset", "model")}
    return {**values, "seed": config.get("seed")}


def _init_wandb(logger_cfg: Any, run_dir: Path, config: dict, job_type: str) -> Any:
    import wandb

    settings = wandb.Settings(
        init_timeout=float(logger_cfg.init_timeout_s),
        finish_timeout=float(logger_cfg.init_timeout_s),
        silent=True,
    )
    return wandb.init(
        project=logger_cfg.project,
        entity=logger_cfg.entity,
        group=logger_cfg.group,
        tags=list(logger_cfg.tags),
        job_type=logger_cfg.job_type or job_type,
        name=run_dir.name,
        dir=str(run_dir),
        mode=_value(logger_cfg.mode),
        config=config,
        reinit="finish_previous",  # also makes it wandb.run, which TRL's callback reports into
        settings=settings,
    )


def _value(option: Any) -> str:
    return getattr(option, "value", option)
