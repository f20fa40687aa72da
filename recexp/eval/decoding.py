"""Evaluation's decoding, set explicitly: greedy, repetition_penalty 1.0, the stop tokens of
GRPO's rollouts. Nothing is left to the model's own ``generation_config`` (Qwen ships
repetition_penalty 1.05-1.1, top_k, top_p, temperature), so evaluation decodes the way training
samples, and digits that appear in the prompt's averages are not penalised."""

from __future__ import annotations

from typing import Any

REPETITION_PENALTY = 1.0


def stop_token_ids(model: Any, tokenizer: Any) -> list[int]:
    """TRL GRPOTrainer's stop tokens: the tokenizer's eos, then the model's generation eos ids."""
    ids = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = [] if ids is None else [ids] if isinstance(ids, int) else list(ids)
    if tokenizer.eos_token_id not in ids:
        ids = [tokenizer.eos_token_id, *ids]
    return ids


def greedy_config(model: Any, tokenizer: Any, max_new_tokens: int) -> Any:
    """A complete GenerationConfig for greedy evaluation (the model's own is not consulted)."""
    from transformers import GenerationConfig

    return GenerationConfig(max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                            repetition_penalty=REPETITION_PENALTY, eos_token_id=stop_token_ids(model, tokenizer),
                            pad_token_id=tokenizer.pad_token_id, temperature=None, top_p=None, top_k=None)


def decoding_metrics(model: Any, tokenizer: Any, max_new_tokens: int, backend: str) -> dict[str, Any]:
    """What metrics.json records about evaluation's decoding."""
    return {"eval/decoding": "greedy", "eval/repetition_penalty": REPETITION_PENALTY,
            "eval/stop_token_ids": ",".join(str(i) for i in stop_token_ids(model, tokenizer)),
            "eval/max_new_tokens": max_new_tokens, "eval/backend": backend}
