"""GRPO's train prompts as a lazily templated dataset: ``row`` and ``rating`` are stored, the
prompt text is rendered when TRL reads a row (``datasets`` ``set_transform``), so a split of
millions of interactions costs two columns up front and GRPO starts in seconds. The rendered
prompts are counted as they are built (``prompts/<split>_built``, ``prompts/<split>_shortened``:
distinct prompts TRL asked for, and those shortened to fit ``prompt.max_tokens``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from recexp.eval.predictor import PromptPredictor

log = logging.getLogger(__name__)


class PromptCounter:
    """Distinct rows rendered so far, and which of them were shortened."""

    def __init__(self) -> None:
        self.built: set[int] = set()
        self.shortened: set[int] = set()

    def add(self, rows: list[int], shortened: list[bool]) -> None:
        self.built.update(rows)
        self.shortened.update(r for r, cut in zip(rows, shortened) if cut)

    def metrics(self, split: str) -> dict[str, int]:
        return {f"prompts/{split}_built": len(self.built), f"prompts/{split}_shortened": len(self.shortened)}


def lazy_prompt_dataset(predictor: PromptPredictor, rows: np.ndarray,
                        ratings: np.ndarray) -> tuple[Any, PromptCounter]:
    """A ``datasets.Dataset`` of ``row``/``rating`` whose items carry their templated ``prompt``."""
    from datasets import Dataset

    counter = PromptCounter()

    def render(batch: dict) -> dict:
        """Each distinct row once: TRL reads every prompt ``num_generations`` times in one batch."""
        rows = np.asarray(batch["row"])
        distinct, position = np.unique(rows, return_inverse=True)
        texts, shortened = predictor.prompts(distinct)
        counter.add([int(r) for r in distinct], shortened)
        return {**batch, "prompt": [texts[i] for i in position]}

    dataset = Dataset.from_dict({"row": rows.astype(np.int64), "rating": ratings.astype(np.float64)})
    dataset.set_transform(render)
    return dataset, counter
