"""vLLM is an optional extra (``pip install -e .[vllm]``, CUDA only): one check, one message.

Every vLLM path (``trainer.args.use_vllm``, ``eval.backend=vllm``, ``teacher.backend=vllm_local``)
calls ``require_vllm`` at validation, before anything is loaded, so a machine without it fails
in one line naming the key."""

from __future__ import annotations

import importlib.util

from recexp.common.errors import ConfigError

INSTALL = "pip install -e '.[vllm]' (a CUDA machine)"


def vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def require_vllm(key: str) -> None:
    """Raise ConfigError naming ``key`` when vLLM is not importable."""
    if not vllm_installed():
        raise ConfigError(f"{key}: needs vLLM, which is not installed; {INSTALL}, or use the transformers path "
                          "(trainer.args.use_vllm=false, eval.backend=hf, teacher.backend=hf)")
