"""The study's RDB storage, for the sweeper and its trial jobs, and the bounded retry of its calls.

Every storage call of a sweep (the sweeper's ask, tell and counts; a trial job's connect, report
and should_prune) goes through ``StorageRetry`` (heartbeats are not retried: a missed one is logged
and the next one tries again): a call that fails because the
database cannot be reached (a PostgreSQL restart, a failover, a dropped connection) is retried,
waiting 0.5 s doubling to 5 s, for at most ``hydra.sweeper.storage_retry_timeout`` seconds; then
``StorageUnreachable`` names the URL (masked) and the setting. ``pool_pre_ping`` replaces the
connections a restart broke. A database unreachable when the sweep first opens the storage is a
``ConfigError`` at once (one line, exit 2); a trial job opening it mid-sweep waits like any call.

Retrying is safe because each Optuna storage call is one transaction, cut off (rolled back) or
committed with its answer lost, and the calls retried are idempotent or checked by the caller: a
tell retried after a lost commit finds the trial finished (``skip_if_finished``); an ask is retried
step by step on the same trial, a param stored with its answer lost read back
(``hydra_plugins.recexp_optuna_sweeper._ask``); a trial created with its answer lost is RUNNING, owned
by nobody, without a heartbeat or params: ``_study.adopt_silent_trials`` gives it a heartbeat, so it
goes stale and is failed, and, never having run, is not re-queued (``_study.RequeueStaleTrial``); the
study's count stays exact. Only Optuna's public API is used."""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

from recexp.common.errors import ConfigError, RunFailed
from recexp.common.secrets import mask_url

log = logging.getLogger(__name__)
T = TypeVar("T")
SQLITE = "sqlite:///"
RETRY_KEY = "hydra.sweeper.storage_retry_timeout"
DEFAULT_RETRY_TIMEOUT_S = 120  # the default of hydra.sweeper.storage_retry_timeout
CONNECT_TIMEOUT_S = 10  # PostgreSQL: a host that does not answer fails a connection attempt after this


class StorageUnreachable(RunFailed):
    """The study's database stayed unreachable for the whole retry window (one paragraph, exit 1)."""


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database being unreachable, not a bad query."""
    import sqlalchemy.exc

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
            return True
        if isinstance(seen, sqlalchemy.exc.DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@dataclass(frozen=True)
class StorageRetry:
    """Runs storage calls of the study at ``url``, retrying while its database is unreachable for
    at most ``timeout`` seconds (``setting`` names where that is set)."""

    url: str
    timeout: float = DEFAULT_RETRY_TIMEOUT_S
    setting: str = RETRY_KEY

    def __call__(self, action: Callable[[], T], what: str) -> T:
        deadline, delay = None, 0.5
        while True:
            try:
                return action()
            except StorageUnreachable:
                raise
            except Exception as exc:
                if not is_disconnect(exc):
                    raise
                deadline = self._wait(exc, what, deadline, delay)
                delay = min(2 * delay, 5.0)

    def _wait(self, exc: BaseException, what: str, deadline: float | None, delay: float) -> float:
        """Sleep before the next attempt; the deadline (set at the first failure), or raise past it."""
        now = time.monotonic()
        if deadline is None:
            deadline = now + self.timeout
            log.warning("study storage %s unreachable (%s: %s); retrying %s for up to %gs (%s)", mask_url(self.url),
                        type(exc).__name__, first_line(exc), what, self.timeout, self.setting)
        if now >= deadline:
            raise StorageUnreachable(f"study storage {mask_url(self.url)} unreachable for {self.timeout:g}s while "
                                     f"{what} ({self.setting}={self.timeout:g}): {type(exc).__name__}: "
                                     f"{first_line(exc)}") from exc
        time.sleep(min(delay, deadline - now))
        return deadline


def first_line(exc: BaseException) -> str:
    """The error's first line, the URL's password masked (logs and messages)."""
    text = mask_url(str(getattr(exc, "orig", None) or exc)).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def open_storage(url: str, heartbeat_interval: int | None = None, retry: StorageRetry | None = None,
                 setting: str = "hydra.sweeper.storage",
                 stale_trial_callback: Callable[[optuna.Study, Any], None] | None = None) -> RDBStorage:
    """The storage at ``url`` (heartbeats every ``heartbeat_interval`` s when given: a RUNNING trial
    silent for twice that is failed and handed to ``stale_trial_callback``, by default re-queued).
    Unreachable now: with ``retry``, retried; without, a ConfigError naming ``setting``."""
    if url.startswith(SQLITE):
        Path(url[len(SQLITE):]).parent.mkdir(parents=True, exist_ok=True)
    engine_kwargs: dict[str, Any] = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {
        "pool_pre_ping": True}
    if url.startswith("postgresql"):
        engine_kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna since 2.9
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        heartbeat = {} if heartbeat_interval is None else {
            "heartbeat_interval": heartbeat_interval, "grace_period": 2 * heartbeat_interval,
            "heartbeat_stale_trial_callback": stale_trial_callback or RetryHeartbeatStaleTrialCallback()}
    if retry is not None:
        return retry(lambda: _create_storage(url, engine_kwargs, heartbeat), "opening the storage")
    try:
        return _create_storage(url, engine_kwargs, heartbeat)
    except Exception as exc:
        if not is_disconnect(exc):
            raise
        raise ConfigError(f"{setting}: cannot reach the study storage {mask_url(url)} ({type(exc).__name__}: "
                          f"{first_line(exc)}); start the database or correct {setting}") from None


def _create_storage(url: str, engine_kwargs: dict, heartbeat: dict, attempts: int = 5) -> RDBStorage:
    """RDBStorage, retried when another worker is creating the same schema at this moment
    (PostgreSQL reports the race as a duplicate type or table)."""
    import sqlalchemy.exc

    for attempt in range(attempts):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna since 2.9
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return RDBStorage(url, engine_kwargs=engine_kwargs, **heartbeat)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            if attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")
