"""Secrets stay out of what a run writes: a password in a URL (``scheme://user:PASSWORD@host``) is
masked in logs, resolved configs, metrics and the W&B config; a secret URL travels by the NAME of
the environment variable holding it (as a teacher's API key does), never as a literal override."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from recexp.common.errors import ConfigError

MASK = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^\s/:@]*:)(?P<password>[^\s/@]+)(?=@)")
ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def mask_url(text: str) -> str:
    """``text`` with every URL password replaced by ``***``."""
    return _URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)


def has_password(url: str) -> bool:
    return _URL_PASSWORD.search(url) is not None


def mask_secrets(value: Any) -> Any:
    """A copy of a config / metrics container (dicts, lists, strings) with URL passwords masked."""
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_secrets(v) for v in value)
    return value


def read_env(name: str, key: str) -> str:
    """The value of the environment variable ``name`` (configured at ``key``); one-line error when
    the name is malformed or the variable is unset or empty."""
    if not ENV_VAR_NAME.match(name):
        raise ConfigError(f"{key}: must be the NAME of an environment variable (letters, digits, _), not {mask_url(name)!r}")
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{key}: environment variable {name} is not set or empty (export {name}=...)")
    return value


class SecretFilter(logging.Filter):
    """Masks URL passwords in every record a handler emits (message and arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:  # the traceback's text quotes the exception
            record.exc_text = mask_url(logging.Formatter().formatException(record.exc_info))
        return True


def mask_handlers(logger: logging.Logger | None = None) -> None:
    """Add a SecretFilter to every handler of ``logger`` (default: root). Safe to call more than once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, SecretFilter) for f in handler.filters):
            handler.addFilter(SecretFilter())
