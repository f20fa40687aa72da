"""Validate a teacher config before anything is loaded or called (imports nothing heavy).

Each failure is a ``ConfigError`` whose message is one line naming the key."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from recexp.errors import ConfigError

ALLOWED_BACKENDS = ("none", "heuristic", "openai", "hf", "vllm_local")
ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def backend_name(teacher_cfg: Any) -> str:
    """The backend as a plain string (structured configs hold an enum)."""
    backend = teacher_cfg.backend
    return backend.value if isinstance(backend, Enum) else str(backend)


def check_teacher(teacher_cfg: Any) -> None:
    """Raise ConfigError for a teacher config that cannot run; return None when it can."""
    backend = backend_name(teacher_cfg)
    if backend not in ALLOWED_BACKENDS:
        raise ConfigError(f"teacher.backend: unknown value {backend!r}; allowed values: {', '.join(ALLOWED_BACKENDS)}")
    if backend == "openai":
        _check_openai(teacher_cfg)
    if backend in ("hf", "vllm_local"):
        _require(teacher_cfg, "model", backend, "a hub name or a local model directory")
    if backend in ("openai", "hf", "vllm_local"):
        _check_sampling(teacher_cfg)
    if backend == "vllm_local":
        from recexp.vllm_support import require_vllm

        require_vllm("teacher.backend=vllm_local")


def _check_openai(cfg: Any) -> None:
    _require(cfg, "base_url", "openai", "e.g. https://api.deepseek.com/v1")
    _require(cfg, "model", "openai", "the model name the endpoint serves")
    if not str(cfg.base_url).startswith(("http://", "https://")):
        raise ConfigError("teacher.base_url: must start with http:// or https://")
    if cfg.api_key_env is not None and not ENV_VAR_NAME.match(str(cfg.api_key_env)):
        # Never echo the value: a user may have pasted the key itself here.
        raise ConfigError("teacher.api_key_env: must be the NAME of an environment variable "
                          "(letters, digits, _), never the key itself; null for a server without a key")
    _at_least(cfg, "concurrency", 1)
    _positive(cfg, "timeout_s")
    _at_least(cfg, "max_retries", 0)
    _at_least(cfg, "backoff_s", 0)


def _check_sampling(cfg: Any) -> None:
    _at_least(cfg, "temperature", 0)
    if not 0 < cfg.top_p <= 1:
        raise ConfigError(f"teacher.top_p: must be in (0, 1], got {cfg.top_p}")
    _at_least(cfg, "max_tokens", 1)
    _at_least(cfg, "batch_size", 1)


def _require(cfg: Any, key: str, backend: str, example: str) -> None:
    if getattr(cfg, key) is None or str(getattr(cfg, key)).strip() == "":
        raise ConfigError(f"teacher.{key}: required for teacher.backend={backend} ({example})")


def _at_least(cfg: Any, key: str, minimum: float) -> None:
    if getattr(cfg, key) < minimum:
        raise ConfigError(f"teacher.{key}: must be >= {minimum}, got {getattr(cfg, key)}")


def _positive(cfg: Any, key: str) -> None:
    if not getattr(cfg, key) > 0:
        raise ConfigError(f"teacher.{key}: must be > 0, got {getattr(cfg, key)}")
