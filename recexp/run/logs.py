"""Log hygiene for a run: Python warnings go to the log, and a warning a third-party library
repeats is shown once (per message) on the terminal and in run.log; URL passwords are masked
(recexp.common.secrets).

Progress bars: with stderr not a terminal (a log file, a batch job) ``recexp.run.app`` disables tqdm,
so redirected output holds no carriage-return spam; stages log their progress instead."""

from __future__ import annotations

import logging
import warnings

from recexp.common.secrets import mask_handlers

OWN_LOGGERS = ("recexp", "hydra_plugins")


class RepeatedWarningFilter(logging.Filter):
    """Drops a WARNING (or worse) from a third-party logger whose message was already shown."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or record.name.startswith(OWN_LOGGERS):
            return True
        key = (record.name, _message_head(record))
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


# Warnings raised inside libraries about their own internals, which nothing in recexp opens or names
# and no user can act on; they stay out of the log, every other warning is shown once:
# - TRL 1.16 reads model.is_gradient_checkpointing (deprecated in transformers 5) each time it
#   generates; recexp itself passes activation_checkpointing, the current name;
# - W&B 0.31 gives every logged table (TRL's completions, each logging step) an artifact whose
#   TemporaryDirectory it never closes (wandb/sdk/artifacts/artifact.py, new_file): Python removes
#   them at exit and says so once per table. recexp opens no TemporaryDirectory in a run.
LIBRARY_WARNINGS = ((r"`is_gradient_checkpointing` is deprecated", FutureWarning),
                    (r"Implicitly cleaning up <TemporaryDirectory", ResourceWarning))


def configure_run_logging() -> None:
    """Route warnings into logging (shown once per message) and dedupe third-party repeats on
    every root handler (Hydra's console and run.log handlers). Safe to call more than once."""
    warnings.simplefilter("once")
    for message, category in LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    logging.captureWarnings(True)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RepeatedWarningFilter) for f in handler.filters):
            handler.addFilter(RepeatedWarningFilter())
    mask_handlers()


def _message_head(record: logging.LogRecord) -> str:
    """The message without the warnings module's 'file:line: ' prefix (one warning, many call sites)."""
    text = record.getMessage()
    if record.name == "py.warnings":
        text = text.split(": ", 1)[-1]
    return text.splitlines()[0] if text else text
