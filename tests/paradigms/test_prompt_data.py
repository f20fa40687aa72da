"""GRPO's lazy prompts: each distinct row of a batch is templated once, and every item gets its own
row's prompt back in order (TRL reads each prompt num_generations times in one batch)."""

from __future__ import annotations

import numpy as np

from recexp.paradigms.prompt_data import lazy_prompt_dataset


class CountingPredictor:
    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def prompts(self, rows):
        self.calls.append([int(r) for r in rows])
        return [f"prompt {int(r)}" for r in rows], [int(r) == 7 for r in rows]


def test_a_batch_renders_each_distinct_row_once_and_keeps_the_order():
    predictor = CountingPredictor()
    dataset, counter = lazy_prompt_dataset(predictor, np.array([3, 7, 5]), np.array([4.0, 2.0, 5.0]))
    batch = dataset[[1, 1, 0, 1, 2, 0]]
    assert batch["prompt"] == ["prompt 7", "prompt 7", "prompt 3", "prompt 7", "prompt 5", "prompt 3"]
    assert batch["rating"] == [2.0, 2.0, 4.0, 2.0, 5.0, 4.0]
    assert predictor.calls == [[3, 5, 7]]
    assert counter.metrics("train") == {"prompts/train_built": 3, "prompts/train_shortened": 1}
