"""``eval.max_samples``: a seeded subset of a split's cases, in their original order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def eval_subset(table: pa.Table, max_samples: int | None, seed: int) -> pa.Table:
    """At most ``max_samples`` rows of ``table`` drawn without replacement by ``seed`` (the
    same rows for the same split and seed, whatever the run's own seed); all when None."""
    if max_samples is None or max_samples >= table.num_rows:
        return table
    if max_samples < 1:
        raise ValueError(f"eval.max_samples: must be >= 1 or null, got {max_samples}")
    picked = np.sort(np.random.default_rng(seed).choice(table.num_rows, size=max_samples, replace=False))
    return table.take(pa.array(picked))
