"""vLLM is an optional extra (``pip install -e .[vllm]``, CUDA only): one check, one message.

Every vLLM path (``trainer.rollout.backend=vllm_colocate|vllm_server``, ``eval.backend=vllm``,
``teacher.backend=vllm_local``) calls ``require_vllm`` at validation, before anything is loaded, so
a machine without it, or with a version the installed TRL does not support, fails in one line
naming the key. The supported range is TRL's (``trl.import_utils.is_vllm_available``); the
``vllm`` extra in pyproject.toml pins the same range
(tests/trainers/test_rollout.py::test_the_vllm_range_is_trls_and_the_extras holds all three together)."""

from __future__ import annotations

import importlib.util

from recexp.common.errors import ConfigError

INSTALL = "pip install -e '.[vllm]' (a CUDA machine)"
SUPPORTED = ("0.22.0", "0.31.0")  # TRL 1.16's range, both ends included


def vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def require_vllm(key: str) -> None:
    """Raise ConfigError naming ``key`` when vLLM is not importable or outside TRL's range."""
    if not vllm_installed():
        raise ConfigError(f"{key}: needs vLLM, which is not installed; {INSTALL}, or use the transformers path "
                          "(trainer.rollout.backend=hf, eval.backend=hf, teacher.backend=hf)")
    installed = _installed_version()
    if not supported(installed):
        raise ConfigError(f"{key}: vLLM {installed} is installed; TRL supports {SUPPORTED[0]} to {SUPPORTED[1]}; "
                          f"{INSTALL}")


def supported(version: str) -> bool:
    from packaging.version import Version

    base = Version(Version(version).base_version)
    return Version(SUPPORTED[0]) <= base <= Version(SUPPORTED[1])


def _installed_version() -> str:
    from importlib.metadata import version

    return version("vllm")
