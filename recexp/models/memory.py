"""A lower bound on one GPU's memory for training a composed config (no activations counted).

Counted, per parameter of the student (``model.n_params_b`` billions): a full fine-tune holds
float32 weights, gradients and two AdamW moments (16 bytes) plus a reference model in the same
float32 (GRPO with ``beta`` > 0); LoRA holds the frozen base in ``model.dtype`` (its adapters
and their optimizer state are under 1% and not counted; the reference is the base with the
adapters off). Rollouts add (``rollout_memory_gb``): the bf16 inference copy a full fine-tune
generates from on a GPU (2 bytes a parameter, ``recexp.models.inference_copy``) and the KV cache of
one generation pass, ``generation_batch`` sequences of ``model.max_prompt_tokens`` +
``max_completion_length`` tokens (bf16 keys and values: 2 x layers x KV heads x head dim x 2
bytes a token; counted when the model yaml gives ``n_layers``, ``n_kv_heads``, ``head_dim``).
vLLM colocate reserves ``vllm_gpu_memory_utilization`` of the GPU instead of both. Activations
depend on the micro-batch and lengths; gradient checkpointing keeps them to a few GB."""

from __future__ import annotations

from omegaconf import DictConfig

from recexp.models.precision import trains_full_weights

BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "auto": 2}
FULL_BYTES = 16  # float32 weights + gradients + AdamW exp_avg + exp_avg_sq
ROLLOUT_COPY_BYTES = 2  # the bf16 inference copy of a full fine-tune's float32 policy
KV_BYTES = 2  # bf16 keys and values


def training_memory_gb(cfg: DictConfig, gpu_gb: float = 80.0) -> float:
    """Weights, gradients, optimizer state, reference model and rollouts, in GB."""
    if cfg.model.n_params_b is None:
        raise ValueError(f"model.n_params_b: not set for model={cfg.model.name}; no estimate")
    params = cfg.model.n_params_b * 1e9
    args = cfg.trainer.args
    grpo = "grpo" in cfg.paradigm.stages
    reference = grpo and (args.get("beta") or 0) > 0
    if trains_full_weights(cfg):
        total = params * (FULL_BYTES + 4 * reference)
    else:
        total = params * BYTES[cfg.model.dtype.value]
    return total / 1e9 + (rollout_memory_gb(cfg, gpu_gb) if grpo else 0.0)


def rollout_memory_gb(cfg: DictConfig, gpu_gb: float = 80.0) -> float:
    """The inference copy and one generation pass's KV cache (or vLLM colocate's reservation), in GB."""
    args = cfg.trainer.args
    backend = getattr(cfg.trainer.rollout.backend, "value", cfg.trainer.rollout.backend)
    if backend == "vllm_colocate":
        return args.get("vllm_gpu_memory_utilization", 0.3) * gpu_gb
    if backend == "vllm_server":
        return 0.0  # the engine has a GPU of its own
    copy = cfg.model.n_params_b * 1e9 * ROLLOUT_COPY_BYTES if trains_full_weights(cfg) else 0.0
    tokens = generation_batch(args) * (cfg.model.max_prompt_tokens + (args.get("max_completion_length") or 256))
    return (copy + tokens * kv_bytes_per_token(cfg.model)) / 1e9


def generation_batch(args: DictConfig | dict) -> int:
    """Completions one generation pass makes on one GPU (TRL's ``generation_batch_size``; by default
    the optimizer step's: micro-batch x ``steps_per_generation``, itself gradient accumulation)."""
    if args.get("generation_batch_size"):
        return args["generation_batch_size"]
    steps = args.get("steps_per_generation") or args.get("gradient_accumulation_steps") or 1
    return (args.get("per_device_train_batch_size") or 8) * steps


def kv_bytes_per_token(model_cfg: DictConfig) -> int:
    """Bytes of KV cache per token, 0 when the model yaml does not give its shape."""
    shape = (model_cfg.get("n_layers"), model_cfg.get("n_kv_heads"), model_cfg.get("head_dim"))
    if None in shape:
        return 0
    layers, kv_heads, head_dim = shape
    return 2 * layers * kv_heads * head_dim * KV_BYTES
