"""Completion length of an evaluation, in tokens of the model's tokenizer: ``mean_completion_tokens``
(the cost side of a multi-objective sweep: valid MAE against reasoning length)."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np


def completion_lengths(completions: Iterable[str], tokenizer: Any) -> dict[str, float]:
    counts = [len(ids) for ids in tokenizer(list(completions), add_special_tokens=False)["input_ids"]]
    return {"mean_completion_tokens": float(np.mean(counts)) if counts else float("nan")}
