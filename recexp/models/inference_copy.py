"""A low-precision copy of a trained model for generation: rollouts and evaluation decode in bf16
while the optimizer keeps float32 master weights (``recexp.models.precision``).

Decoding from float32 weights under bf16 autocast casts every weight at every decode step; on one
H200 that ran at 543 generated tokens/s against 1,776 from bf16 weights (batch 32, Qwen2.5-0.5B
shape): issue 22's table, measured by its author and quoted in docs/reports/benchmarks.md; no script
here re-measures the float32 row (``benchmarks/hf_decode.py`` decodes bf16 weights). verl, OpenRLHF
and TRL's vLLM path all generate from such a copy.

``InferenceCopy.of(master, dtype)`` builds the copy once per model (on the meta device, then
allocated directly in ``dtype``: no second float32 model is ever materialised; GRPO's rollouts and
the evaluations share it) and ``refresh(master)`` copies every parameter and buffer over, rounding
to ``dtype``. The copy never trains (no grad, eval mode). ``generation_model`` is what evaluation
and the hf teacher decode with: on a bf16-capable GPU a float32 model's refreshed bf16 copy, else
the model itself."""

from __future__ import annotations

import logging
import weakref
from typing import Any

log = logging.getLogger(__name__)
_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # master model -> its InferenceCopy


def generation_model(model: Any, dtype: Any = "auto") -> Any:
    """The model to decode with: ``model``'s refreshed copy in ``dtype`` ("auto": bfloat16 for a
    float32 model on a bf16-capable GPU), or ``model`` itself (already low precision, on CPU, PEFT)."""
    import torch

    if dtype == "auto":
        on_bf16_gpu = model.device.type == "cuda" and torch.cuda.is_bf16_supported()
        dtype = torch.bfloat16 if on_bf16_gpu and model.dtype == torch.float32 else None
    if dtype is None or dtype == model.dtype or hasattr(model, "peft_config"):
        return model
    copy = InferenceCopy.of(model, dtype)
    copy.refresh(model)
    return copy.model


class InferenceCopy:
    """A ``dtype`` copy of ``master`` (a transformers PreTrainedModel), on the same device."""

    @classmethod
    def of(cls, master: Any, dtype: Any) -> InferenceCopy:
        """``master``'s copy in ``dtype``, made on first use and kept while ``master`` lives."""
        copy = _COPIES.get(master)
        if copy is None or copy.dtype != dtype:
            copy = _COPIES[master] = cls(master, dtype)
        return copy

    def __init__(self, master: Any, dtype: Any) -> None:
        import torch
        from transformers import AutoModelForCausalLM

        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(master.config, dtype=dtype)
        model.to_empty(device=master.device)
        model.tie_weights()
        model.requires_grad_(False)
        model.eval()
        model.generation_config = master.generation_config
        self.model, self.dtype, self.step = model, dtype, None
        self.refresh(master)
        log.info("rollouts: a %s inference copy of the %s policy (%.2fM parameters) on %s", _name(dtype),
                 _name(master.dtype), sum(p.numel() for p in model.parameters()) / 1e6, master.device)

    def refresh(self, master: Any, step: int | None = None) -> None:
        """Copy ``master``'s parameters and buffers into the copy (rounded to its dtype)."""
        import torch

        with torch.no_grad():
            for target, source in _pairs(self.model.named_parameters(), master.named_parameters()):
                target.copy_(source)
            for target, source in _pairs(self.model.named_buffers(), master.named_buffers()):
                target.copy_(source.to(target.dtype) if target.is_floating_point() else source)
        self.step = step

    def refresh_if_stale(self, master: Any, step: int) -> bool:
        """Refresh unless the copy already holds ``step``'s weights; True when it refreshed."""
        if self.step == step:
            return False
        self.refresh(master, step)
        return True


def _pairs(targets, sources) -> list:
    """(copy tensor, master tensor) by name; a name on one side only is an error, not a skip."""
    targets, sources = dict(targets), dict(sources)
    if targets.keys() != sources.keys():
        raise RuntimeError(f"inference copy and policy differ in tensors: {sorted(targets.keys() ^ sources.keys())[:5]}")
    return [(targets[name], sources[name]) for name in targets]


def _name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")
