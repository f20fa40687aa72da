"""A run that fails: one paragraph for the terminal, the full traceback in the run's log file."""

from __future__ import annotations

import logging
from pathlib import Path


def failure_paragraph(exc: BaseException, stage: str, run_dir: Path) -> str:
    """What failed, in which stage, where the run dir and traceback are, how to retry."""
    return (f"run failed in stage {stage}: {type(exc).__name__}: {_one_line(str(exc))}\n"
            f"  run dir: {run_dir} (metrics.json status failed, summary.md)\n"
            f"  full traceback: {run_dir / 'run.log'}\n"
            f"  to retry in the same dir, run the same command with resume=true")


def log_traceback_to_files(exc: BaseException, stage: str) -> None:
    """Write the traceback to the log files (run.log) only: the terminal gets the paragraph."""
    log_to_files("recexp.run.failure", logging.ERROR, f"stage {stage} failed", (type(exc), exc, exc.__traceback__))


def log_to_files(name: str, level: int, message: str, exc_info=None) -> None:
    """One record to the root logger's file handlers only (not the terminal)."""
    record = logging.LogRecord(name, level, __file__, 0, message, None, exc_info)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)
            handler.flush()


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"
