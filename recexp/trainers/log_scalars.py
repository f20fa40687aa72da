"""The trainer's logged scalars (loss, reward and its components, KL, lengths, learning rate) as
one line per logging step in the run's log, so run.log shows training progress."""

from __future__ import annotations

import logging
import math
import os
import time

from transformers import TrainerCallback

log = logging.getLogger(__name__)


class LogScalarsCallback(TrainerCallback):
    """``step N/M (elapsed): key=value ...`` for every ``on_log`` of the trainer (rank 0)."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.started = time.perf_counter()

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.perf_counter()

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            log.info("%s step %d/%d (%.0f s): %s", self.stage, state.global_step, state.max_steps,
                     time.perf_counter() - self.started, format_scalars(logs))


def quiet_progress(trainer) -> None:
    """LogScalarsCallback logs what transformers' printer prints: drop the printer, and the progress
    bar (whose logs are printed dicts) when bars are off (``TQDM_DISABLE``: output to a file)."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    if os.environ.get("TQDM_DISABLE"):
        trainer.remove_callback(ProgressCallback)


def format_scalars(logs: dict) -> str:
    """``key=value`` for each number, 4 significant digits, in the trainer's order."""
    parts = []
    for key, value in logs.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        parts.append(f"{key}={value:.4g}" if isinstance(value, float) and math.isfinite(value) else f"{key}={value}")
    return " ".join(parts)
