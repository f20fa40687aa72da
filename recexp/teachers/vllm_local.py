"""``teacher.backend=vllm_local``: the HF teacher's requests, cache and per-sample seeds, generated
by an in-process vLLM engine (``pip install -e .[vllm]``) instead of transformers: the chat
template, then greedy at temperature 0, else sampling seeded per request (vLLM's per-request
seed: a reply does not depend on which other prompts share its batch). ``teacher.tensor_parallel_size``
spreads a large teacher over GPUs. Replies are cached under their own key (backend vllm_local)."""

from __future__ import annotations

from typing import Any

from recexp.teachers._registry import TEACHERS
from recexp.teachers.hf import HFTeacher


@TEACHERS.register("vllm_local", order=4)
class VLLMTeacher(HFTeacher):
    backend = "vllm_local"

    @classmethod
    def check_config(cls, cfg: Any) -> None:
        """The HF teacher's checks, and vLLM installed (the extra recexp[vllm])."""
        from recexp.common.vllm_support import require_vllm

        super().check_config(cfg)
        require_vllm("teacher.backend=vllm_local")

    def _generate_chunk(self, model: Any, tokenizer: Any, prompts: list[str], seed: int, desc: str) -> list[str]:
        from vllm import SamplingParams

        cfg = self.cfg
        params = [SamplingParams(temperature=cfg.temperature, top_p=cfg.top_p, max_tokens=cfg.max_tokens,
                                 seed=(seed + i) & 0x7FFFFFFF if cfg.temperature > 0 else None)
                  for i in range(len(prompts))]
        inputs = [{"prompt_token_ids": tokenizer(p, add_special_tokens=False)["input_ids"]} for p in prompts]
        outputs = model.generate(inputs, params, use_tqdm=True)
        return [out.outputs[0].text for out in outputs]

    def _loaded(self) -> tuple[Any, Any]:
        if self._model is None:
            self._model, self._tokenizer = _engine(self.cfg)
        return self._model, self._tokenizer


def _engine(cfg: Any) -> tuple[Any, Any]:
    from transformers import AutoTokenizer
    from vllm import LLM

    from recexp.common.vllm_support import require_vllm

    require_vllm("teacher.backend=vllm_local")
    tokenizer = AutoTokenizer.from_pretrained(str(cfg.model))
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError(f"teacher.model={cfg.model}: its tokenizer has no chat template; use an instruct/chat model")
    dtype = getattr(cfg.dtype, "value", cfg.dtype)
    engine = LLM(model=str(cfg.model), dtype=dtype, tensor_parallel_size=cfg.tensor_parallel_size,
                 gpu_memory_utilization=cfg.gpu_memory_utilization, trust_remote_code=False)
    return engine, tokenizer
