"""Batched generation with left padding (greedy, or seeded sampling), and the LLM rating predictor
built on it."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sampling:
    """Multinomial sampling settings; the seed makes one ``generate_batched`` call reproducible."""

    temperature: float
    top_p: float
    seed: int


def generate_batched(model: Any, tokenizer: Any, prompts: list[str], *, batch_size: int,
                     max_new_tokens: int, desc: str = "generate", sampling: Sampling | None = None) -> list[str]:
    """Completions for already-templated prompt strings, ``batch_size`` at a time: greedy with
    evaluation's explicit decoding (``recexp.eval.decoding``), or sampled with ``sampling`` (the
    global RNG is seeded inside a fork, the caller's is untouched).

    Prompts are sorted by length so each batch pads little, and restored to input order. A float32
    model on a bf16-capable GPU decodes from its bf16 copy (``recexp.models.inference_copy``)."""
    import torch

    from recexp.models.inference_copy import generation_model

    model = generation_model(model)
    tokenizer.padding_side = "left"
    order = np.argsort([len(p) for p in prompts], kind="stable")
    outputs: list[str] = [""] * len(prompts)
    model.eval()
    with _seeded(sampling):
        for start in tqdm(range(0, len(prompts), batch_size), desc=desc, disable=None):
            idx = order[start:start + batch_size]
            batch = tokenizer([prompts[i] for i in idx], return_tensors="pt", padding=True,
                              add_special_tokens=False).to(model.device)
            with torch.no_grad():
                generated = model.generate(**batch, **_decoding_kwargs(model, tokenizer, max_new_tokens, sampling))
            texts = tokenizer.batch_decode(generated[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
            for i, text in zip(idx, texts):
                outputs[i] = text
    return outputs


def _decoding_kwargs(model: Any, tokenizer: Any, max_new_tokens: int, sampling: Sampling | None) -> dict:
    if sampling is None:
        from recexp.eval.decoding import greedy_config

        return {"generation_config": greedy_config(model, tokenizer, max_new_tokens)}
    return {"max_new_tokens": max_new_tokens, "pad_token_id": tokenizer.pad_token_id, "do_sample": True,
            "temperature": sampling.temperature, "top_p": sampling.top_p}


@contextlib.contextmanager
def _seeded(sampling: Sampling | None) -> Iterator[None]:
    """Seed torch's RNG for the sampled generation inside a fork of the RNG state."""
    if sampling is None:
        yield
        return
    import torch

    with torch.random.fork_rng(devices=range(torch.cuda.device_count())):
        torch.manual_seed(sampling.seed)
        yield


def generate_one_by_one(model: Any, tokenizer: Any, prompts: list[str], *, max_new_tokens: int) -> list[str]:
    """Reference path: one prompt at a time (for benchmarks/eval_throughput.py)."""
    from recexp.models.inference_copy import generation_model

    model = generation_model(model)  # the bf16 copy refreshed once, not once per prompt
    return [generate_batched(model, tokenizer, [p], batch_size=1, max_new_tokens=max_new_tokens)[0] for p in prompts]


class LLMPredictor:
    """Rates interactions by prompting an LLM and parsing ``<rate>`` from its greedy answer.

    ``predict`` returns a frame with ``pred`` (NaN when the answer has no parsable rating: never
    imputed), ``completion`` and ``prompt_shortened``. ``generate_fn`` (prompts, desc) -> texts
    replaces transformers generation (``eval.backend=vllm``)."""

    generate_fn = None

    def __init__(self, model: Any, tokenizer: Any, data: Any, template: Any, prompt_cfg: dict,
                 batch_size: int, max_new_tokens: int) -> None:
        from recexp.data.context import ContextBuilder

        self.model, self.tokenizer, self.template = model, tokenizer, template
        self.prompt_cfg, self.batch_size, self.max_new_tokens = prompt_cfg, batch_size, max_new_tokens
        self.contexts = ContextBuilder(data.processed, snippet_chars=prompt_cfg["snippet_chars"])

    def prompts(self, rows: np.ndarray) -> tuple[list[str], list[bool]]:
        from recexp.prompts.render import build_messages, render_prompt_text

        texts, shortened = [], []
        for row in rows:
            messages, cut = build_messages(
                self.template, self.contexts.build(int(row)), tokenizer=self.tokenizer,
                max_tokens=self.prompt_cfg["max_tokens"], snippet_chars=self.prompt_cfg["snippet_chars"],
                item_reviews_limit=self.prompt_cfg["item_reviews_limit"],
            )
            texts.append(render_prompt_text(messages, self.tokenizer))
            shortened.append(cut)
        return texts, shortened

    def predict(self, table: Any, desc: str = "evaluate") -> pd.DataFrame:
        from recexp.rewards import parse_rating

        texts, shortened = self.prompts(table.column("row").to_numpy())
        completions = generate(self, texts, desc)
        preds = [parse_rating(c, self.template.tags, self.template.scale) for c in completions]
        return pd.DataFrame({
            "pred": np.array([np.nan if p is None else p for p in preds], dtype=np.float64),
            "completion": completions, "prompt_shortened": shortened,
        })


def generate(predictor: Any, prompts: list[str], desc: str) -> list[str]:
    """A predictor's greedy completions: its ``generate_fn`` when set, else transformers."""
    if predictor.generate_fn is not None:
        return predictor.generate_fn(prompts, desc)
    return generate_batched(predictor.model, predictor.tokenizer, prompts, batch_size=predictor.batch_size,
                            max_new_tokens=predictor.max_new_tokens, desc=desc)
