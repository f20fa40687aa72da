"""Log hygiene for a run: Python warnings go to the log, and a warning a third-party library
repeats is shown once (per message) on the terminal and in run.log; URL passwords are masked
(recexp.secrets).

Progress bars: with stderr not a terminal (a log file, a batch job) ``recexp.app`` disables tqdm,
so redirected output holds no carriage-return spam; stages log their progress instead."""

from __future__ import annotations

import logging
import warnings

from recexp.secrets import mask_handlers

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


# Deprecation warnings raised inside libraries for names recexp never uses (it passes
# activation_checkpointing): TRL 1.16 reads model.is_gradient_checkpointing each time it generates.
# Nothing a user can act on, so they stay out of the log; every other warning is shown once.
LIBRARY_DEPRECATIONS = (r"`is_gradient_checkpointing` is deprecated",)


def configure_run_logging() -> None:
    """Route warnings into logging (shown once per message) and dedupe third-party repeats on
    every root handler (Hydra's console and run.log handlers). Safe to call more than once."""
    warnings.simplefilter("once")
    for message in LIBRARY_DEPRECATIONS:
        warnings.filterwarnings("ignore", message=message, category=FutureWarning)
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
