"""Teacher backend for any causal LM through transformers: chat template, left-padded batched
generation (``recexp.eval.generation.generate_batched``), greedy at temperature 0, else sampling
seeded per sample index. The model is loaded on the first request the cache cannot answer, with
``device_map="auto"``: a model larger than one GPU (a 72B teacher: 145 GB in bf16) is spread
over every visible GPU (and CPU memory) instead of being moved onto one device.

Sampling is reproducible for the same set of uncached requests: the seed depends on the sample
index and the chunk number, and which prompts share a batch depends on which ones are pending."""

from __future__ import annotations

import logging
from collections import defaultdict
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Sequence

from recexp.teachers._registry import TEACHERS
from recexp.teachers.base import Teacher, TeacherReply, TeacherRequest
from recexp.teachers.cache import Deliver, ReplyCache, answer_through_cache
from recexp.teachers.checks import check_sampling, require
from recexp.teachers.sampling import sample_seed

log = logging.getLogger(__name__)

# Prompts per generate_batched call: each call's replies are cached before the next starts.
CHUNK_BATCHES = 16


@TEACHERS.register("hf", order=3)
class HFTeacher(Teacher):
    """Generates teacher replies locally with a transformers causal LM (``trust_remote_code`` off)."""

    backend = "hf"

    @classmethod
    def check_config(cls, cfg: Any) -> None:
        """A model to load and valid sampling keys."""
        require(cfg, "model", "a hub name or a local model directory")
        check_sampling(cfg)

    def __init__(self, cfg: Any, cache_root: Path) -> None:
        self.check_config(cfg)
        self.cfg = cfg
        self.name = cfg.name
        self.cache = ReplyCache(cache_root, self._identity()) if cfg.cache else None
        self._model: Any = None
        self._tokenizer: Any = None

    def describe(self) -> dict[str, Any]:
        return {"teacher/name": self.name, "teacher/backend": self.backend, "teacher/model": self.cfg.model,
                "teacher/temperature": self.cfg.temperature}

    def complete(self, requests: Sequence[TeacherRequest], desc: str = "teacher") -> list[TeacherReply]:
        def generate(pending: list[TeacherRequest], deliver: Deliver) -> None:
            self._generate(pending, deliver, desc)

        return answer_through_cache(requests, self.cache, generate)

    def _identity(self) -> dict[str, Any]:
        cfg = self.cfg
        return {"backend": self.backend, "model": cfg.model, "base_url": None,
                "temperature": cfg.temperature, "top_p": cfg.top_p, "max_tokens": cfg.max_tokens}

    def _generate(self, pending: list[TeacherRequest], deliver: Deliver, desc: str) -> None:
        """Generate per sample index (one seed each) in chunks; deliver each chunk's replies."""
        model, tokenizer = self._loaded()
        prompts = [self._render(request, tokenizer) for request in pending]
        chunk = self.cfg.batch_size * CHUNK_BATCHES
        for sample, indices in _group_by_sample(pending).items():
            for number, start in enumerate(range(0, len(indices), chunk)):
                part = indices[start:start + chunk]
                texts = self._generate_chunk(model, tokenizer, [prompts[j] for j in part],
                                             seed=(sample_seed(sample) + number) & 0x7FFFFFFF, desc=desc)
                for j, text in zip(part, texts):
                    deliver(j, _reply(text))

    def _generate_chunk(self, model: Any, tokenizer: Any, prompts: list[str], seed: int, desc: str) -> list[str]:
        from recexp.eval.generation import Sampling, generate_batched

        sampling = Sampling(self.cfg.temperature, self.cfg.top_p, seed) if self.cfg.temperature > 0 else None
        return generate_batched(model, tokenizer, prompts, batch_size=self.cfg.batch_size,
                                max_new_tokens=self.cfg.max_tokens, desc=desc, sampling=sampling)

    def _render(self, request: TeacherRequest, tokenizer: Any) -> str:
        return tokenizer.apply_chat_template([dict(m) for m in request.messages], tokenize=False,
                                             add_generation_prompt=True)

    def _loaded(self) -> tuple[Any, Any]:
        if self._model is None:
            self._model, self._tokenizer = _load(self.cfg)
        return self._model, self._tokenizer


def _reply(text: str) -> TeacherReply:
    return TeacherReply(text=text) if text.strip() else TeacherReply(text=None, error="empty completion")


def _group_by_sample(requests: list[TeacherRequest]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for j, request in enumerate(requests):
        groups[request.sample].append(j)
    return dict(sorted(groups.items()))


def _load(cfg: Any) -> tuple[Any, Any]:
    """Model and tokenizer through the project's loader; the tokenizer must have a chat template."""
    from recexp.config import Dtype
    from recexp.models.loading import load_model

    dtype = cfg.dtype if isinstance(cfg.dtype, Enum) else Dtype(cfg.dtype)
    model_cfg = SimpleNamespace(trust_remote_code=False, dtype=dtype, attn_implementation=None)
    model, tokenizer = load_model(str(cfg.model), model_cfg, device_map="auto")
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError(f"teacher.model={cfg.model}: its tokenizer has no chat template; use an instruct/chat model")
    return model, tokenizer
