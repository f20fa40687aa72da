"""recexp.sweeps.storage: storage calls retried while the database is unreachable, for a bounded
time, then one paragraph naming the URL (masked) and the setting; other errors at once; an
unreachable database at start is one ConfigError line. The sweep talks to Optuna through its
public API only, in the range pyproject.toml pins."""

from __future__ import annotations

import ast
import inspect
import logging
import tomllib
from importlib.metadata import version

import optuna
import pytest
import sqlalchemy.exc
from packaging.requirements import Requirement

from recexp.common.errors import ConfigError
from recexp.sweeps import storage as storage_module
from recexp.sweeps.storage import RETRY_KEY, StorageRetry, StorageUnreachable, open_storage

from ..conftest import ROOT
from .helpers import free_port

URL = "postgresql+psycopg://user:Pa55word@127.0.0.1:5432/db"


def _down() -> sqlalchemy.exc.OperationalError:
    return sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


@pytest.fixture
def sleeps(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(storage_module.time, "sleep", slept.append)
    return slept


def test_a_call_is_retried_until_the_database_is_back(sleeps, caplog):
    failures = [_down(), optuna.exceptions.StorageInternalError("commit failed")]
    failures[1].__cause__ = _down()  # what Optuna raises when the connection drops inside a transaction

    def call():
        if failures:
            raise failures.pop(0)
        return "told"

    with caplog.at_level(logging.WARNING, logger="recexp.sweeps.storage"):
        assert StorageRetry(URL, timeout=60)(call, "telling a trial") == "told"
    assert sleeps == [0.5, 1.0]
    assert "127.0.0.1:5432/db unreachable" in caplog.text and RETRY_KEY in caplog.text and "Pa55word" not in caplog.text


def test_the_retry_is_bounded_and_names_the_url_and_the_setting(sleeps):
    def call():
        raise _down()

    with pytest.raises(StorageUnreachable) as raised:
        StorageRetry(URL, timeout=0)(call, "asking a trial")
    message = str(raised.value)
    assert "postgresql+psycopg://user:***@127.0.0.1:5432/db unreachable for 0s while asking a trial" in message
    assert f"({RETRY_KEY}=0)" in message and "Pa55word" not in message


def test_other_errors_are_not_retried(sleeps):
    calls = []

    def call():
        calls.append(1)
        raise optuna.exceptions.UpdateFinishedTrialError("trial 3 finished")

    with pytest.raises(optuna.exceptions.UpdateFinishedTrialError):
        StorageRetry(URL, timeout=60)(call, "telling a trial")
    assert calls == [1] and sleeps == []


def test_unreachable_at_start_is_one_config_error_line():
    url = f"postgresql+psycopg://postgres:Pa55word@127.0.0.1:{free_port()}/postgres"  # nothing listens there
    with pytest.raises(ConfigError) as raised:
        open_storage(url, setting="hydra.sweeper.storage_env=MY_STORAGE")
    message = str(raised.value)
    assert message.startswith("hydra.sweeper.storage_env=MY_STORAGE: cannot reach the study storage "
                              f"{url.replace('Pa55word', '***')} (OperationalError")
    assert "\n" not in message and "Pa55word" not in message


SWEEP_CODE = [ROOT / "hydra_plugins" / "recexp_optuna_sweeper", ROOT / "recexp" / "sweeps"]


def test_the_sweep_imports_no_private_optuna_module():
    private = []
    for path in (p for d in SWEEP_CODE for p in d.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            private += [f"{path.name}: {n}" for n in names if n.startswith("optuna") and "._" in n]
    assert private == []


def test_the_installed_optuna_is_in_the_pinned_range_and_has_what_the_sweep_uses():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pin, = [Requirement(d) for d in deps if Requirement(d).name == "optuna"]
    assert pin.specifier.contains(version("optuna")), (pin, version("optuna"))
    assert not pin.specifier.contains("4.8.0")  # 4.8 has no RetryHeartbeatStaleTrialCallback (checked by hand)
    assert "heartbeat_stale_trial_callback" in inspect.signature(optuna.storages.RDBStorage).parameters
    assert "skip_if_finished" in inspect.signature(optuna.Study.tell).parameters
    assert callable(optuna.storages.fail_stale_trials) and optuna.storages.RetryHeartbeatStaleTrialCallback
