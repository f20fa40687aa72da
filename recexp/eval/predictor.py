"""What ``evaluate`` scores: a :class:`Predictor` rates each interaction of a split table.

LLM predictors (``recexp.eval.generation.LLMPredictor``, ``recexp.eval.chain.ChainPredictor``) are
Predictors. A classic model (``recexp.paradigms.cf_models``, ``recexp.paradigms.cf_refit``) is a
:class:`RatingModel` (a float array); ``evaluate`` scores it through :class:`RatingsPredictor`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa


class Predictor(Protocol):
    def predict(self, table: pa.Table) -> pd.DataFrame:
        """One row per row of ``table``, in its order: ``pred`` (float64, NaN: no prediction) and
        whatever else the predictor reports per case (``completion``, ``prompt_shortened``, ...)."""
        ...


class PromptPredictor(Predictor, Protocol):
    """An LLM predictor with one prompt per interaction (not a chain of roles): what GRPO trains on."""

    def prompts(self, rows: np.ndarray) -> tuple[list[str], list[bool]]:
        """The templated prompt of each row, and whether it was shortened to fit the budget."""
        ...


class RatingModel(Protocol):
    def predict(self, table: pa.Table) -> np.ndarray:
        """A float rating per row of ``table`` (NaN: nothing to say)."""
        ...


class RatingsPredictor:
    """A rating model as a Predictor: its ratings as the ``pred`` column."""

    def __init__(self, model: RatingModel) -> None:
        self.model = model

    def predict(self, table: pa.Table) -> pd.DataFrame:
        return pd.DataFrame({"pred": np.asarray(self.model.predict(table), dtype=np.float64)})
