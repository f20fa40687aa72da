"""``dataset.split.strategy=given``: train, valid and test come as separate files of one format
(as EXP3RT and Reason4Rec publish theirs), read with that format's reader and tagged with their
split. A split without a file is empty (an evaluation-only paradigm needs the test file alone)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa

from recexp.data.columns import SPLITS
from recexp.data.raw import RawData
from recexp.data.readers import read_raw
from recexp.data.readers.normalize import first_per_item
from recexp.data.scale import RatingScale


def split_paths(split_cfg) -> dict[str, str]:
    """The given files by split name (``dataset.split.<split>_path``), those that are set."""
    paths = {name: split_cfg.get(f"{name}_path") for name in SPLITS}
    return {name: path for name, path in paths.items() if path is not None}


def read_given(fmt: str, files: dict[str, Path], meta: Path | None, *, strict: bool,
               max_review_chars: int | None, scale: RatingScale) -> RawData:
    """One ``RawData`` of every given split file, with ``splits`` set; metadata read once."""
    parts, codes, skipped, n_lines = [], [], Counter(), 0
    for code, name in enumerate(SPLITS):
        if name not in files:
            continue
        raw = read_raw(fmt, files[name], meta if not parts else None, strict=strict,
                       max_review_chars=max_review_chars, scale=scale)
        skipped.update(raw.skipped)
        n_lines += raw.n_lines
        codes.append(np.full(raw.interactions.num_rows, code, np.int8))
        parts.append(raw)
    interactions = pa.concat_tables([raw.interactions for raw in parts])
    items = [raw.items for raw in parts if raw.items is not None]
    items_table = first_per_item(pa.concat_tables(items)) if items else None
    return RawData(interactions, items_table, dict(skipped), n_lines, np.concatenate(codes))
