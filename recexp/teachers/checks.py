"""Validate a teacher config before anything is loaded or called (imports nothing heavy).

``check_teacher`` finds the backend in the registry and runs its own ``check_config``; the
helpers below are what the backends' checks share. Each failure is a ``ConfigError`` whose
message is one line naming the key."""

from __future__ import annotations

from typing import Any

from recexp.common.errors import ConfigError
from recexp.teachers._registry import TEACHERS


def check_teacher(teacher_cfg: Any) -> None:
    """Raise ConfigError for a teacher config that cannot run; return None when it can."""
    backend = str(teacher_cfg.backend)
    TEACHERS.check(backend)
    if backend not in TEACHERS.reserved:
        TEACHERS.get(backend).check_config(teacher_cfg)


def teacher_presets() -> list[str]:
    """The shipped teacher presets (``conf/teacher/*.yaml``) that name a teacher, for messages."""
    from recexp.common.layout import CONF_DIR

    return sorted(path.stem for path in (CONF_DIR / "teacher").glob("*.yaml") if path.stem not in TEACHERS.reserved)


def check_sampling(cfg: Any) -> None:
    """The sampling keys every generating backend reads."""
    at_least(cfg, "temperature", 0)
    if not 0 < cfg.top_p <= 1:
        raise ConfigError(f"teacher.top_p: must be in (0, 1], got {cfg.top_p}")
    at_least(cfg, "max_tokens", 1)
    at_least(cfg, "batch_size", 1)


def require(cfg: Any, key: str, example: str) -> None:
    """``teacher.<key>`` must be set for this backend (``example`` says what to set it to)."""
    if getattr(cfg, key) is None or str(getattr(cfg, key)).strip() == "":
        raise ConfigError(f"teacher.{key}: required for teacher.backend={cfg.backend} ({example})")


def at_least(cfg: Any, key: str, minimum: float) -> None:
    if getattr(cfg, key) < minimum:
        raise ConfigError(f"teacher.{key}: must be >= {minimum}, got {getattr(cfg, key)}")


def positive(cfg: Any, key: str) -> None:
    if not getattr(cfg, key) > 0:
        raise ConfigError(f"teacher.{key}: must be > 0, got {getattr(cfg, key)}")
