"""URL passwords are masked (recexp.common.secrets): in strings, config containers and log records."""

from __future__ import annotations

import logging
import sys

import pytest

from recexp.common.errors import ConfigError
from recexp.common.secrets import SecretFilter, mask_secrets, mask_url, read_env

PG = "postgresql+psycopg://user:PASSWORD@host:5432/db"


@pytest.mark.parametrize("text, masked", [
    (PG, "postgresql+psycopg://user:***@host:5432/db"),
    ("postgresql+psycopg://user@host/db", "postgresql+psycopg://user@host/db"),
    ("sqlite:////tmp/a:b@c.db", "sqlite:////tmp/a:b@c.db"),
    ("storage mysql://u:p%40ss@h/d, then https://x:y@z/", "storage mysql://u:***@h/d, then https://x:***@z/"),
])
def test_mask_url(text, masked):
    assert mask_url(text) == masked


def test_mask_secrets_walks_containers():
    assert mask_secrets({"optuna": {"storage": PG, "n": 1}, "l": [PG, None]}) == {
        "optuna": {"storage": mask_url(PG), "n": 1}, "l": [mask_url(PG), None]}


def test_log_records_and_tracebacks_are_masked():
    try:
        raise RuntimeError(f"cannot connect to {PG}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "storage %s", (PG,), sys.exc_info())
    SecretFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "PASSWORD" not in text and "storage postgresql+psycopg://user:***@host:5432/db" in text


def test_read_env(monkeypatch):
    monkeypatch.setenv("RECEXP_X", " v ")
    assert read_env("RECEXP_X", "k") == "v"
    monkeypatch.delenv("RECEXP_X")
    with pytest.raises(ConfigError, match="k: environment variable RECEXP_X is not set"):
        read_env("RECEXP_X", "k")
    with pytest.raises(ConfigError, match=r"k: must be the NAME .*'postgresql\+psycopg://user:\*\*\*@"):
        read_env(PG, "k")
