"""``bias``: regularized user and item biases, mu + b_u + b_i."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.paradigms.cf_models._registry import CF_MODELS
from recexp.paradigms.cf_models.base import CFModel, IdEncoder, group_mean, lookup


@CF_MODELS.register("bias", order=5)
class BiasModel(CFModel):
    """mu + b_u + b_i with L2 strength ``reg``, fit by alternating least squares (closed form)."""

    def __init__(self, reg: float, n_iter: int = 20, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.reg, self.n_iter, self.scale = reg, n_iter, scale

    @classmethod
    def grid(cls, cf: Any) -> list[dict]:
        return [{"reg": float(r)} for r in cf.reg]

    @classmethod
    def build(cls, cf: Any, params: dict, seed: int, scale: RatingScale) -> "BiasModel":
        return cls(reg=params["reg"], scale=scale)

    def fit(self, train: pa.Table, valid: pa.Table | None = None) -> "BiasModel":
        self.encoder = IdEncoder(train)
        enc = self.encoder.encode(train)
        n_users, n_items = len(self.encoder.user_ids), len(self.encoder.item_ids)
        self.mu = float(enc.ratings.mean())
        self.b_user, self.b_item = np.zeros(n_users), np.zeros(n_items)
        for _ in range(self.n_iter):
            resid = enc.ratings - self.mu - self.b_user[enc.users]
            self.b_item = group_mean(enc.items, resid, n_items, self.reg)
            resid = enc.ratings - self.mu - self.b_item[enc.items]
            self.b_user = group_mean(enc.users, resid, n_users, self.reg)
        return self

    def predict(self, table: pa.Table) -> np.ndarray:
        enc = self.encoder.encode(table)
        b_u, b_i = lookup(self.b_user, enc.users, 0.0), lookup(self.b_item, enc.items, 0.0)
        return self.scale.clip(self.mu + b_u + b_i)
