"""The normalized output of every reader (and of the synthetic generator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa


class MalformedInputError(ValueError):
    """Raised in strict mode on the first malformed input line (message names file and line)."""


@dataclass
class RawData:
    """Normalized tables before processing.

    interactions: columns of ``recexp.data.columns.INTERACTION_COLUMNS`` (see there for types)
    items: columns of ``recexp.data.columns.ITEM_COLUMNS`` or None when the source has no metadata
    skipped: malformed input lines skipped, per reason (e.g. ``bad_json``, ``missing_user``,
        ``bad_rating``; metadata reasons are prefixed ``meta_``)
    n_lines: input lines read from the review file(s)
    splits: per interaction, its split code (index into ``recexp.data.columns.SPLITS``) when the
        files come split (``dataset.split.strategy=given``), else None
    reviews: the review title and text, one row per interaction, when they were spilled to disk
        while reading (memory-mapped from ``reviews_file``; ``interactions`` then lacks them), else None
    """

    interactions: pa.Table
    items: pa.Table | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    n_lines: int = 0
    splits: np.ndarray | None = None
    reviews: pa.Table | None = None
    reviews_file: Path | None = None
