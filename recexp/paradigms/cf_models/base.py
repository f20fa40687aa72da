"""What every classic model declares (``CFModel``) and the encoding and scoring they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from recexp.data.columns import ITEM, RATING, USER
from recexp.data.scale import RatingScale


class CFModel:
    """A classic rating predictor. A model module declares its subclass with
    ``@CF_MODELS.register("name")``; stage ``fit_cf`` builds one per ``grid`` candidate, fits it
    on train (``valid`` for early stopping) and refits the best one on train + valid."""

    @classmethod
    def grid(cls, cf: Any) -> list[dict]:
        """The hyperparameter candidates ``paradigm.cf`` lists for this model (one dict each)."""
        return [{}]

    @classmethod
    def build(cls, cf: Any, params: dict, seed: int, scale: RatingScale) -> "CFModel":
        """An unfit model for one ``grid`` candidate."""
        return cls(scale=scale)

    def fit(self, train: pa.Table, valid: pa.Table | None = None) -> "CFModel":
        raise NotImplementedError

    def predict(self, table: pa.Table) -> np.ndarray:
        raise NotImplementedError

    def refit_args(self) -> dict:
        """Keyword arguments of ``fit`` that repeat this fit on train + valid (MF: its epoch count)."""
        return {}


@dataclass
class Encoded:
    users: np.ndarray  # int64 codes, -1 = unseen in train
    items: np.ndarray
    ratings: np.ndarray


class IdEncoder:
    """Integer codes for the users and items of the train split."""

    def __init__(self, train: pa.Table) -> None:
        self.user_ids = {u: i for i, u in enumerate(train.column(USER).unique().to_pylist())}
        self.item_ids = {v: i for i, v in enumerate(train.column(ITEM).unique().to_pylist())}

    def encode(self, table: pa.Table) -> Encoded:
        users = np.array([self.user_ids.get(u, -1) for u in table.column(USER).to_pylist()], dtype=np.int64)
        items = np.array([self.item_ids.get(v, -1) for v in table.column(ITEM).to_pylist()], dtype=np.int64)
        return Encoded(users, items, table.column(RATING).to_numpy().astype(np.float64))


def group_mean(codes: np.ndarray, values: np.ndarray, size: int, reg: float = 0.0) -> np.ndarray:
    """Per-code sum / (count + reg); NaN for codes with no values and reg == 0."""
    sums = np.bincount(codes, weights=values, minlength=size)
    counts = np.bincount(codes, minlength=size).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / (counts + reg)


def lookup(values: np.ndarray, codes: np.ndarray, missing: float) -> np.ndarray:
    """``values[code]`` per code, ``missing`` where the code is -1 (an id train never saw; every one
    when train had none, so ``values`` is empty)."""
    out = np.full(len(codes), missing, dtype=np.float64)
    known = codes >= 0
    out[known] = values[codes[known]]
    return out


def selection_score(true: np.ndarray, pred: np.ndarray, metric: str) -> float:
    err = pred - true
    return float(np.nanmean(np.abs(err)) if metric == "mae" else np.sqrt(np.nanmean(err**2)))
