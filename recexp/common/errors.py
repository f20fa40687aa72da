"""The errors every part of recexp raises: the configuration error, and the errors that count as
one (each ends as one line, ``recexp.run.error_messages.describe``, and exit code 2, before anything
heavy loads); and a failed run, whose message is the paragraph the user sees."""

from __future__ import annotations

import difflib

from hydra.errors import ConfigCompositionException, OverrideParseException
from omegaconf.errors import OmegaConfBaseException

CONFIG_ERROR_EXIT_CODE = 2


class ConfigError(ValueError):
    """A config value that composes but cannot be run; the message is one line naming the key."""


class RunFailed(RuntimeError):
    """A run raised in one of its stages; the message is the paragraph shown to the user."""


CONFIG_ERRORS = (ConfigError, ConfigCompositionException, OverrideParseException, OmegaConfBaseException)


def close_matches(key: str, candidates) -> list[str]:
    """Up to three candidates that look like ``key`` (difflib), best first."""
    return difflib.get_close_matches(key, [str(c) for c in candidates], n=3, cutoff=0.6)
