"""Refit of a classic baseline on train + valid before test (``paradigm.cf.refit``).

An LLM's test prompt shows the user's valid interaction as history, so a classic baseline fit on
train alone would see one interaction fewer per user. The valid-selected hyperparameters are kept
(for MF also the selected epoch count); valid cases are still predicted by the train-only fit, so
``valid/*`` stays an honest selection score, and every other case by the refit model."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from recexp.data.columns import ROW

FIT_ON_TRAIN, FIT_ON_TRAIN_VALID = "train", "train+valid"


class RefitPredictor:
    """Valid cases from ``selected`` (fit on train), all others from ``refit`` (train + valid)."""

    def __init__(self, selected, refit, valid: pa.Table) -> None:
        self.selected, self.refit = selected, refit
        self.valid_rows = set(valid.column(ROW).to_pylist())

    def predict(self, table: pa.Table) -> np.ndarray:
        in_valid = np.array([row in self.valid_rows for row in table.column(ROW).to_pylist()], dtype=bool)
        if in_valid.all():
            return self.selected.predict(table)
        if not in_valid.any():
            return self.refit.predict(table)
        return np.where(in_valid, self.selected.predict(table), self.refit.predict(table))


def train_and_valid(train: pa.Table, valid: pa.Table) -> pa.Table:
    return pa.concat_tables([train, valid.select(train.column_names).cast(train.schema)])


def fit_on_metrics(refit: bool) -> dict[str, str]:
    """Which data each prediction's model was fit on (metrics.json ``cf/fit_on/<split>``)."""
    return {"cf/fit_on/valid": FIT_ON_TRAIN, "cf/fit_on/test": FIT_ON_TRAIN_VALID if refit else FIT_ON_TRAIN}
