"""Load a causal LM and its tokenizer from a hub name or a local directory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from recexp.common.distributed import device, main_first

log = logging.getLogger(__name__)


def resolve_model_path(model_cfg: DictConfig, cache_root: Path, data: Any, prompt_cfg: dict) -> str:
    """Where to load the model from: the built tiny model, ``model.path``, or ``model.hub_id``."""
    source = model_cfg.source.value
    if source == "tiny":
        from recexp.models.tiny import ensure_tiny

        tiny_cfg = OmegaConf.to_container(model_cfg.tiny, enum_to_str=True)
        if tiny_cfg["student"] != "build":  # the package's student, checked against this recipe
            from recexp.models.shipped import choose_shipped, recipe

            shipped = choose_shipped(recipe(tiny_cfg, data.fingerprint, prompt_cfg, data.name), tiny_cfg["student"])
            if shipped is not None:
                return str(shipped)
        # built once: rank 0 builds (or finds) it, then the other ranks find it
        return str(main_first(lambda: ensure_tiny(cache_root, tiny_cfg, data, prompt_cfg)))
    if model_cfg.path:
        if not Path(model_cfg.path).expanduser().is_dir():
            raise FileNotFoundError(f"model.path={model_cfg.path} is not a directory")
        return str(Path(model_cfg.path).expanduser())
    return model_cfg.hub_id


def load_model(path: str, model_cfg: DictConfig, dtype: str | None = None,
               device_map: str | None = None) -> tuple[Any, Any]:
    """Model and tokenizer; the tokenizer always has a pad token (generation pads on the left).
    ``dtype`` overrides ``model.dtype`` (``recexp.models.precision.weights_dtype``); with
    ``device_map`` (``"auto"``) accelerate spreads the weights over the devices."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=model_cfg.trust_remote_code)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    kwargs = model_init_kwargs(model_cfg, dtype)
    if device_map is not None:
        kwargs["device_map"] = device_map
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    if device_map is None and model.device.type == "cpu" and _cuda_available():
        model = model.to(device())  # this rank's GPU (cuda:<local rank>), not every rank's cuda:0
    log.info("model: loaded %s (%s) on %s", path, model.dtype, model.device)
    return model, tokenizer


def model_init_kwargs(model_cfg: DictConfig, dtype: str | None = None) -> dict:
    kwargs = {"trust_remote_code": model_cfg.trust_remote_code, "dtype": dtype or model_cfg.dtype.value}
    if model_cfg.attn_implementation:
        kwargs["attn_implementation"] = model_cfg.attn_implementation
    return kwargs


def lora_config(model_cfg: DictConfig) -> Any:
    """A peft LoraConfig when ``model.lora.enabled``, else None."""
    if not model_cfg.lora.enabled:
        return None
    from peft import LoraConfig

    lora = model_cfg.lora
    return LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                      target_modules=list(lora.target_modules), task_type="CAUSAL_LM")


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()
