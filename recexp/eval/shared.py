"""Prediction shared between the processes of a run: each rank predicts an equal slice of a split
and every rank gets the whole, in row order.

Every rank runs the same number of rows (the last slice is padded by repeating the last row, and
the copies are dropped after gathering), hence the same number of generation batches: under FSDP or
ZeRO-3 each forward pass is a collective over the sharded weights, so a rank that stopped early
would leave the others waiting. With one process this is ``predictor.predict(table)``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recexp.common import distributed


def predict_shared(predictor: Any, table: Any, **kwargs: Any) -> Any:
    """``predictor.predict`` over ``table`` (a pyarrow table), the work split across the ranks."""
    if not distributed.is_multi_process() or table.num_rows == 0:
        return predictor.predict(table, **kwargs)
    n = table.num_rows
    rows = rank_slice(n, distributed.rank(), distributed.world_size())
    parts = distributed.gather(predictor.predict(table.take(rows), **kwargs))
    return _first_rows(parts, n)


def rank_slice(n: int, rank: int, world_size: int) -> np.ndarray:
    """Row positions of ``rank``'s contiguous slice of ``n`` rows, ``ceil(n / world_size)`` long
    on every rank (positions past the end repeat the last row)."""
    per_rank = -(-n // world_size)
    return np.minimum(np.arange(rank * per_rank, (rank + 1) * per_rank), n - 1)


def _first_rows(parts: list[Any], n: int) -> Any:
    """The gathered slices joined in rank order, without the padding copies."""
    if isinstance(parts[0], pd.DataFrame):
        return pd.concat(parts, ignore_index=True).iloc[:n].reset_index(drop=True)
    return np.concatenate([np.asarray(p) for p in parts])[:n]
