"""A lower bound on one GPU's memory for training a composed config (no activations counted).

Counted, per parameter of the student (``model.n_params_b`` billions): a full fine-tune holds
float32 weights, gradients and two AdamW moments (16 bytes) plus a reference model in the same
float32 (GRPO with ``beta`` > 0); LoRA holds the frozen base in ``model.dtype`` (its adapters
and their optimizer state are under 1% and not counted; the reference is the base with the
adapters off). vLLM colocate reserves ``vllm_gpu_memory_utilization`` of the GPU on top.
Activations depend on batch and lengths; gradient checkpointing keeps them to a few GB."""

from __future__ import annotations

from omegaconf import DictConfig

from recexp.models.precision import trains_full_weights

BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "auto": 2}
FULL_BYTES = 16  # float32 weights + gradients + AdamW exp_avg + exp_avg_sq


def training_memory_gb(cfg: DictConfig, gpu_gb: float = 80.0) -> float:
    """Weights, gradients, optimizer state, reference model and vLLM's reservation, in GB."""
    if cfg.model.n_params_b is None:
        raise ValueError(f"model.n_params_b: not set for model={cfg.model.name}; no estimate")
    params = cfg.model.n_params_b * 1e9
    args = cfg.trainer.args
    reference = "grpo" in cfg.paradigm.stages and (args.get("beta") or 0) > 0
    if trains_full_weights(cfg):
        total = params * (FULL_BYTES + 4 * reference)
    else:
        total = params * BYTES[cfg.model.dtype.value]
    if args.get("use_vllm") and args.get("vllm_mode", "colocate") == "colocate":
        total += args.get("vllm_gpu_memory_utilization", 0.3) * gpu_gb * 1e9
    return total / 1e9
