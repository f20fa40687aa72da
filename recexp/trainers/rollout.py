"""``trainer.rollout``: one choice of who generates GRPO's completions, and in which precision.

- ``backend``: ``hf`` (transformers ``generate``), ``continuous_batching`` (transformers' paged
  ``generate_batch``), ``vllm_colocate`` / ``vllm_server`` (the ``vllm`` extra). It sets TRL's
  switches (``use_vllm``, ``vllm_mode``, ``use_transformers_continuous_batching``), so those are not
  ``trainer.args`` keys; a missing stack fails at composition with one line naming the extra.
- ``dtype``: the transformers backends decode from a bf16 inference copy of the float32 policy
  (``recexp.models.inference_copy``), refreshed after every optimizer step. ``auto`` makes the copy
  when training runs bf16 autocast (a bf16-capable GPU); on CPU rollouts use the policy itself.
  vLLM loads its own copy of the weights and TRL syncs it after each step.

The config check imports nothing heavy."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from recexp.common.errors import ConfigError

# backend -> the TRL GRPOConfig switches it sets
TRL_SWITCHES = {
    "hf": {"use_vllm": False, "use_transformers_continuous_batching": False},
    "continuous_batching": {"use_vllm": False, "use_transformers_continuous_batching": True},
    "vllm_colocate": {"use_vllm": True, "vllm_mode": "colocate", "use_transformers_continuous_batching": False},
    "vllm_server": {"use_vllm": True, "vllm_mode": "server", "use_transformers_continuous_batching": False},
}
SWITCHES = {"use_vllm", "vllm_mode", "use_transformers_continuous_batching", "use_transformers_paged"}
CONTINUOUS_BATCHING_TRANSFORMERS = "5.8.0"  # TRL's own floor for use_transformers_continuous_batching


def trl_switches(rollout: DictConfig) -> dict[str, Any]:
    """The GRPOConfig keyword arguments that select ``rollout.backend``."""
    return dict(TRL_SWITCHES[_value(rollout.backend)])


def rollout_dtype(rollout: DictConfig, training_bf16: bool) -> Any:
    """The torch dtype of the inference copy, or None to generate from the policy itself."""
    import torch

    dtype = _value(rollout.dtype)
    if _value(rollout.backend).startswith("vllm") or dtype == "float32":
        return None
    if dtype == "bfloat16" or training_bf16:
        return torch.bfloat16
    return None


def check_rollout(cfg: DictConfig) -> None:
    """``trainer.args`` leaves the backend switches to ``trainer.rollout``; the backend's stack is installed."""
    for key in SWITCHES & set(cfg.trainer.args):
        raise ConfigError(f"trainer.args.{key}: set by trainer.rollout.backend (one of {', '.join(TRL_SWITCHES)}); "
                          "remove it")
    backend = _value(cfg.trainer.rollout.backend)
    key = f"trainer.rollout.backend={backend}"
    if backend.startswith("vllm"):
        from recexp.common.vllm_support import require_vllm

        require_vllm(key)
    elif backend == "continuous_batching":
        _require_transformers(CONTINUOUS_BATCHING_TRANSFORMERS, key)
    if backend.startswith("vllm") and _value(cfg.trainer.rollout.dtype) == "bfloat16":
        raise ConfigError(f"trainer.rollout.dtype=bfloat16: {key} generates with vLLM's own copy of the weights; "
                          "use trainer.rollout.dtype=auto")


def _require_transformers(minimum: str, key: str) -> None:
    from importlib.metadata import version

    from packaging.version import Version

    installed = version("transformers")
    if Version(installed) < Version(minimum):
        raise ConfigError(f"{key}: needs transformers>={minimum}, installed {installed}; "
                          f"pip install -U 'transformers>={minimum}'")


def _value(option: Any) -> str:
    return getattr(option, "value", option)
