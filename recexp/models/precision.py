"""Which dtype the model's weights are loaded in: trained weights are never bf16.

A full fine-tune (an ``sft`` or ``grpo`` stage without LoRA) loads float32 master weights; the
trainers' ``bf16`` flag (on by default on a GPU that supports it, ``recexp.paradigms.training``)
runs the forward and backward passes under bf16 autocast, as TRL does when it loads a model by
name (``model_init_kwargs`` dtype float32). Pure bf16 weights would round most updates at a
learning rate of 1e-6-1e-5 to nothing. With LoRA the frozen base stays in ``model.dtype`` and
PEFT upcasts the adapters to float32 (its ``autocast_adapter_dtype``, which TRL keeps on except
under ZeRO-3). Evaluation-only paradigms load ``model.dtype``."""

from __future__ import annotations

from omegaconf import DictConfig

TRAINING_STAGES = ("sft", "grpo")


def trains_full_weights(cfg: DictConfig) -> bool:
    """Whether a stage of the paradigm updates every weight (training without LoRA)."""
    trains = any(stage in TRAINING_STAGES for stage in cfg.paradigm.stages)
    return trains and not cfg.model.lora.enabled


def weights_dtype(cfg: DictConfig) -> str:
    """The dtype to load the student in: float32 for a full fine-tune, else ``model.dtype``."""
    return "float32" if trains_full_weights(cfg) else cfg.model.dtype.value
