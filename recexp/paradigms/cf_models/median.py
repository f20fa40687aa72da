"""``global_median``: the median train rating for everyone."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from recexp.data.columns import RATING
from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.paradigms.cf_models._registry import CF_MODELS
from recexp.paradigms.cf_models.base import CFModel


@CF_MODELS.register("global_median", order=2)
class MedianModel(CFModel):
    """The median train rating for everyone: the MAE-optimal constant, the honest floor for a
    model that predicts one rating everywhere (the mean is the RMSE-optimal one)."""

    def __init__(self, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.scale = scale

    def fit(self, train: pa.Table, valid: pa.Table | None = None) -> "MedianModel":
        self.median = float(np.median(train.column(RATING).to_numpy().astype(np.float64)))
        return self

    def predict(self, table: pa.Table) -> np.ndarray:
        return np.full(table.num_rows, self.scale.clip(np.array(self.median)), dtype=np.float64)
