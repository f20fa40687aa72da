"""The mean train rating: overall (``global_mean``), per user (``user_mean``), per item (``item_mean``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.paradigms.cf_models._registry import CF_MODELS
from recexp.paradigms.cf_models.base import CFModel, IdEncoder, group_mean, lookup


class MeanModel(CFModel):
    """Mean train rating: overall (``global``), per user (``user``) or per item (``item``)."""

    by = "global"  # each declared subclass sets its own

    def __init__(self, by: str | None = None, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.by, self.scale = by or type(self).by, scale

    def fit(self, train: pa.Table, valid: pa.Table | None = None) -> "MeanModel":
        self.encoder = IdEncoder(train)
        enc = self.encoder.encode(train)
        self.mu = float(enc.ratings.mean())
        if self.by == "user":
            self.means = group_mean(enc.users, enc.ratings, len(self.encoder.user_ids))
        elif self.by == "item":
            self.means = group_mean(enc.items, enc.ratings, len(self.encoder.item_ids))
        return self

    def predict(self, table: pa.Table) -> np.ndarray:
        if self.by == "global":
            return np.full(table.num_rows, self.scale.clip(np.array(self.mu)), dtype=np.float64)
        codes = getattr(self.encoder.encode(table), "users" if self.by == "user" else "items")
        return lookup(self.means, codes, np.nan)


@CF_MODELS.register("global_mean", order=1)
class GlobalMeanModel(MeanModel):
    """The mean train rating for everyone (the RMSE-optimal constant)."""

    by = "global"


@CF_MODELS.register("user_mean", order=3)
class UserMeanModel(MeanModel):
    """The user's mean train rating (NaN for a user unseen in train)."""

    by = "user"


@CF_MODELS.register("item_mean", order=4)
class ItemMeanModel(MeanModel):
    """The item's mean train rating (NaN for an item unseen in train)."""

    by = "item"
