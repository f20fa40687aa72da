"""``eval.backend=vllm``: evaluation generates through an offline vLLM engine on the saved model.

The same prompts, parsing and decoding as the transformers path: greedy (temperature 0),
repetition_penalty 1.0, the stop tokens of GRPO's rollouts (``recexp.eval.decoding``), prompts
passed as token ids (no special tokens added). The engine loads ``state.model_path`` (every
stage saves its model before evaluation); a LoRA student is served as its base plus the saved
adapter (vLLM's LoRA support). Validation during GRPO stays on the in-memory model (transformers).
The transformers model stays loaded beside the engine: ``eval.vllm_gpu_memory_utilization``
must leave room for it."""

from __future__ import annotations

import copy
import gc
import logging
from pathlib import Path
from typing import Any

from recexp.eval.decoding import REPETITION_PENALTY, stop_token_ids

log = logging.getLogger(__name__)


class VLLMGenerator:
    """Greedy completions for templated prompt strings from one vLLM engine."""

    def __init__(self, model_dir: str, tokenizer: Any, stop_ids: list[int], max_new_tokens: int, *,
                 gpu_memory_utilization: float, dtype: str, adapter_dir: str | None = None, lora_rank: int = 16,
                 tensor_parallel_size: int = 1) -> None:
        from vllm import LLM

        self.tokenizer, self.stop_ids, self.max_new_tokens = tokenizer, stop_ids, max_new_tokens
        lora = {"enable_lora": True, "max_lora_rank": lora_rank} if adapter_dir else {}
        self.llm = LLM(model=model_dir, tokenizer=model_dir, dtype=dtype, gpu_memory_utilization=gpu_memory_utilization,
                       tensor_parallel_size=tensor_parallel_size, trust_remote_code=False, **lora)
        self.lora_request = _lora_request(adapter_dir) if adapter_dir else None

    def __call__(self, prompts: list[str], desc: str = "generate") -> list[str]:
        from vllm import SamplingParams

        params = SamplingParams(temperature=0.0, max_tokens=self.max_new_tokens, repetition_penalty=REPETITION_PENALTY,
                                stop_token_ids=self.stop_ids, skip_special_tokens=True)
        inputs = [{"prompt_token_ids": self.tokenizer(p, add_special_tokens=False)["input_ids"]} for p in prompts]
        log.info("%s: %d prompts through vLLM", desc, len(prompts))
        outputs = self.llm.generate(inputs, params, lora_request=self.lora_request, use_tqdm=True)
        return [out.outputs[0].text for out in outputs]

    def close(self) -> None:
        del self.llm
        gc.collect()
        import torch

        torch.cuda.empty_cache()


def vllm_predictor(state: Any) -> Any:
    """A copy of the state's predictor that generates through vLLM on the saved model."""
    from recexp.common.vllm_support import require_vllm

    require_vllm("eval.backend=vllm")
    cfg = state.cfg
    model_dir, adapter_dir = served_dirs(state.model, state.model_path)
    generator = VLLMGenerator(model_dir, state.tokenizer, stop_token_ids(state.model, state.tokenizer),
                              cfg.eval.max_new_tokens, gpu_memory_utilization=cfg.eval.vllm_gpu_memory_utilization,
                              dtype=cfg.model.dtype.value, adapter_dir=adapter_dir, lora_rank=cfg.model.lora.r)
    predictor = copy.copy(state.predictor)
    predictor.generate_fn = generator
    return predictor


def served_dirs(model: Any, model_path: str) -> tuple[str, str | None]:
    """(model dir, adapter dir or None): a saved PEFT adapter is served on its base model."""
    if not (Path(model_path) / "adapter_config.json").exists():
        return model_path, None
    config = next(iter(model.peft_config.values()))
    return config.base_model_name_or_path, model_path


def _lora_request(adapter_dir: str) -> Any:
    from vllm.lora.request import LoRARequest

    return LoRARequest("student", 1, adapter_dir)
