"""Classic rating predictors: global median, global / user / item means, regularized biases, biased MF.

Every model: ``fit(train, valid)`` on arrow tables with user_id, item_id, rating, and
``predict(table) -> float64 array`` clipped to the rating scale (``scale``, [1, 5] by default),
NaN where it has nothing to say (user_mean for a user unseen in train, item_mean for an unseen item)."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from tqdm.auto import tqdm

from recexp.data.columns import ITEM, RATING, USER
from recexp.data.scale import DEFAULT_SCALE, RatingScale

log = logging.getLogger(__name__)


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




def _group_mean(codes: np.ndarray, values: np.ndarray, size: int, reg: float = 0.0) -> np.ndarray:
    """Per-code sum / (count + reg); NaN for codes with no values and reg == 0."""
    sums = np.bincount(codes, weights=values, minlength=size)
    counts = np.bincount(codes, minlength=size).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / (counts + reg)


class MeanModel:
    """Mean train rating: overall (``global``), per user (``user``) or per item (``item``)."""

    def __init__(self, by: str, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.by, self.scale = by, scale

    def fit(self, train: pa.Table, valid: pa.Table | None = None) -> "MeanModel":
        self.encoder = IdEncoder(train)
        enc = self.encoder.encode(train)
        self.mu = float(enc.ratings.mean())
        if self.by == "user":
            self.means = _group_mean(enc.users, enc.ratings, len(self.encoder.user_ids))
        elif self.by == "item":
            self.means = _group_mean(enc.items, enc.ratings, len(self.encoder.item_ids))
        return self

    def predict(self, table: pa.Table) -> np.ndarray:
        if self.by == "global":
            return np.full(table.num_rows, self.scale.clip(np.array(self.mu)), dtype=np.float64)
        codes = getattr(self.encoder.encode(table), "users" if self.by == "user" else "items")
        return np.where(codes >= 0, self.means[np.maximum(codes, 0)], np.nan)


class MedianModel:
    """The median train rating for everyone: the MAE-optimal constant, the honest floor for a
    model that predicts one rating everywhere (the mean is the RMSE-optimal one)."""

    def __init__(self, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.scale = scale

    def fit(self, train: pa.Table, valid: pa.Table | None = None) -> "MedianModel":
        self.median = float(np.median(train.column(RATING).to_numpy().astype(np.float64)))
        return self

    def predict(self, table: pa.Table) -> np.ndarray:
        return np.full(table.num_rows, self.scale.clip(np.array(self.median)), dtype=np.float64)


class BiasModel:
    """mu + b_u + b_i with L2 strength ``reg``, fit by alternating least squares (closed form)."""

    def __init__(self, reg: float, n_iter: int = 20, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.reg, self.n_iter, self.scale = reg, n_iter, scale

    def fit(self, train: pa.Table, valid: pa.Table | None = None) -> "BiasModel":
        self.encoder = IdEncoder(train)
        enc = self.encoder.encode(train)
        n_users, n_items = len(self.encoder.user_ids), len(self.encoder.item_ids)
        self.mu = float(enc.ratings.mean())
        self.b_user, self.b_item = np.zeros(n_users), np.zeros(n_items)
        for _ in range(self.n_iter):
            resid = enc.ratings - self.mu - self.b_user[enc.users]
            self.b_item = _group_mean(enc.items, resid, n_items, self.reg)
            resid = enc.ratings - self.mu - self.b_item[enc.items]
            self.b_user = _group_mean(enc.users, resid, n_users, self.reg)
        return self

    def predict(self, table: pa.Table) -> np.ndarray:
        enc = self.encoder.encode(table)
        b_u = np.where(enc.users >= 0, self.b_user[np.maximum(enc.users, 0)], 0.0)
        b_i = np.where(enc.items >= 0, self.b_item[np.maximum(enc.items, 0)], 0.0)
        return self.scale.clip(self.mu + b_u + b_i)


class MFModel:
    """Biased matrix factorization mu + b_u + b_i + p_u.q_i (Koren et al. 2009), trained by
    minibatch SGD on the per-example objective (e^2 + reg * (|p_u|^2 + |q_i|^2 + b_u^2 + b_i^2)) / 2,
    the same objective as Surprise's SVD; early stopping on valid (best epoch kept)."""

    def __init__(self, factors: int, reg: float, lr: float, max_epochs: int, patience: int,
                 batch_size: int, select_by: str, seed: int, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.factors, self.reg, self.lr = factors, reg, lr
        self.max_epochs, self.patience, self.batch_size = max_epochs, patience, batch_size
        self.select_by, self.seed, self.scale = select_by, seed, scale

    def fit(self, train: pa.Table, valid: pa.Table | None, epochs: int | None = None) -> "MFModel":
        """Early stopping on ``valid``; without it, exactly ``epochs`` epochs (a refit)."""
        import torch

        torch.manual_seed(self.seed)
        self.encoder = IdEncoder(train)
        enc = self.encoder.encode(train)
        self.mu = float(enc.ratings.mean())
        self.params = self._init_params(len(self.encoder.user_ids), len(self.encoder.item_ids))
        optimizer = torch.optim.SGD(list(self.params.values()), lr=self.lr)
        if valid is None:
            for epoch in range(epochs):
                self._train_epoch(enc, optimizer, epoch)
            self.best_epoch = epochs
            return self
        enc_valid = self.encoder.encode(valid)
        best, best_params, stale = np.inf, None, 0
        bar = tqdm(range(self.max_epochs), desc=f"mf k={self.factors} reg={self.reg}", leave=False, disable=None)
        for epoch in bar:
            self._train_epoch(enc, optimizer, epoch)
            score = selection_score(enc_valid.ratings, self._predict_codes(enc_valid), self.select_by)
            bar.set_postfix(valid=f"{score:.4f}")
            if score < best - 1e-5:
                best, best_params, stale, self.best_epoch = score, copy.deepcopy(self.params), 0, epoch + 1
            else:
                stale += 1
                if stale >= self.patience:
                    break
        self.params = best_params
        return self

    def predict(self, table: pa.Table) -> np.ndarray:
        return self._predict_codes(self.encoder.encode(table))

    def _init_params(self, n_users: int, n_items: int) -> dict:
        import torch

        scale = 0.1  # Surprise's init_std_dev
        return {
            "p": (torch.randn(n_users, self.factors) * scale).requires_grad_(),
            "q": (torch.randn(n_items, self.factors) * scale).requires_grad_(),
            "b_user": torch.zeros(n_users, requires_grad=True),
            "b_item": torch.zeros(n_items, requires_grad=True),
        }

    def _train_epoch(self, enc: Encoded, optimizer, epoch: int) -> None:
        import torch

        gen = torch.Generator().manual_seed(self.seed + epoch)
        order = torch.randperm(len(enc.ratings), generator=gen)
        users, items = torch.from_numpy(enc.users), torch.from_numpy(enc.items)
        ratings = torch.from_numpy(enc.ratings).float()
        p, q, b_u, b_i = (self.params[k] for k in ("p", "q", "b_user", "b_item"))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            u, i = users[idx], items[idx]
            pred = self.mu + b_u[u] + b_i[i] + (p[u] * q[i]).sum(1)
            penalty = (p[u] ** 2).sum(1) + (q[i] ** 2).sum(1) + b_u[u] ** 2 + b_i[i] ** 2
            loss = 0.5 * (((pred - ratings[idx]) ** 2) + self.reg * penalty).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def _predict_codes(self, enc: Encoded) -> np.ndarray:
        import torch

        with torch.no_grad():
            p, q = self.params["p"].numpy(), self.params["q"].numpy()
            b_u, b_i = self.params["b_user"].numpy(), self.params["b_item"].numpy()
        seen_u, seen_i = enc.users >= 0, enc.items >= 0
        u, i = np.maximum(enc.users, 0), np.maximum(enc.items, 0)
        dot = np.where(seen_u & seen_i, (p[u] * q[i]).sum(1), 0.0)
        return self.scale.clip(self.mu + np.where(seen_u, b_u[u], 0.0) + np.where(seen_i, b_i[i], 0.0) + dot)


def selection_score(true: np.ndarray, pred: np.ndarray, metric: str) -> float:
    err = pred - true
    return float(np.nanmean(np.abs(err)) if metric == "mae" else np.sqrt(np.nanmean(err**2)))
