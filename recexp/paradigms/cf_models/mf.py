"""``mf``: biased matrix factorization (Koren et al. 2009), minibatch SGD with early stopping on
valid. torch is imported inside the methods that train or predict."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import numpy as np
import pyarrow as pa
from tqdm.auto import tqdm

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.paradigms.cf_models._registry import CF_MODELS
from recexp.paradigms.cf_models.base import CFModel, Encoded, IdEncoder, lookup, selection_score


@CF_MODELS.register("mf", order=6)
class MFModel(CFModel):
    """Biased matrix factorization mu + b_u + b_i + p_u.q_i (Koren et al. 2009), trained by
    minibatch SGD on the per-example objective (e^2 + reg * (|p_u|^2 + |q_i|^2 + b_u^2 + b_i^2)) / 2,
    the same objective as Surprise's SVD; early stopping on valid (best epoch kept)."""

    def __init__(self, factors: int, reg: float, lr: float, max_epochs: int, patience: int,
                 batch_size: int, select_by: str, seed: int, scale: RatingScale = DEFAULT_SCALE) -> None:
        self.factors, self.reg, self.lr = factors, reg, lr
        self.max_epochs, self.patience, self.batch_size = max_epochs, patience, batch_size
        self.select_by, self.seed, self.scale = select_by, seed, scale

    @classmethod
    def grid(cls, cf: Any) -> list[dict]:
        return [{"factors": int(k), "reg": float(r)} for k, r in itertools.product(cf.factors, cf.reg)]

    @classmethod
    def build(cls, cf: Any, params: dict, seed: int, scale: RatingScale) -> "MFModel":
        return cls(factors=params["factors"], reg=params["reg"], lr=cf.lr, max_epochs=cf.max_epochs,
                   patience=cf.patience, batch_size=cf.batch_size, select_by=cf.select_by.value, seed=seed,
                   scale=scale)

    def refit_args(self) -> dict:
        """A refit on train + valid runs the epoch count early stopping selected."""
        return {"epochs": self.best_epoch}

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
        return self.scale.clip(self.mu + lookup(b_u, enc.users, 0.0) + lookup(b_i, enc.items, 0.0) + dot)
