"""Processed splits on disk: ``<cache>/processed/<name>-<fingerprint>/``.

Files: interactions.parquet (all rows, sorted, with split, context and ``review_row`` columns),
reviews.arrow (review title and text of every input row in read order, which ``review_row``
indexes; an uncompressed Arrow IPC file, memory-mapped when read, so the text is never loaded
whole), item_order.npy, items.parquet (when the source has metadata), train/valid/test.parquet
(each split's rows with a ``row`` column pointing into interactions.parquet), stats.json (written
last: marks the directory complete). Written into a temporary sibling and renamed, so a crash or
a concurrent job never leaves a half-written cache behind; ``recexp.data.pipeline`` builds it under
its build lock (``recexp.common.publish``: one builder at a time, orphans of killed builds removed)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recexp.common.publish import publish_dir
from recexp.data import spill
from recexp.data.columns import SPLITS
from recexp.data.processing import Processed

STATS_FILE = "stats.json"
REVIEWS_FILE = "reviews.arrow"


def is_complete(directory: Path) -> bool:
    """stats.json is written last; a directory without reviews.arrow has an older layout (text
    in reviews.parquet or inside interactions.parquet) and is rebuilt."""
    return (directory / STATS_FILE).exists() and (directory / REVIEWS_FILE).exists()


def write_processed(processed: Processed, directory: Path, extra_stats: dict) -> dict:
    """Write all files of a processed dataset atomically into ``directory``; return its stats."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        pq.write_table(processed.interactions, tmp / "interactions.parquet")
        if processed.reviews_file is not None:  # spilled while reading: a rename, no copy
            os.replace(processed.reviews_file, tmp / REVIEWS_FILE)
            processed.reviews_file = directory / REVIEWS_FILE
        else:
            spill.write_table(processed.reviews, tmp / REVIEWS_FILE)
        np.save(tmp / "item_order.npy", processed.item_order)
        if processed.items is not None:
            pq.write_table(processed.items, tmp / "items.parquet")
        for name in SPLITS:  # no text: `row` points into interactions, `review_row` into reviews
            _write_parts(processed.split_parts(name), tmp / f"{name}.parquet")
        stats = {"processing": processed.stats, **extra_stats}
        (tmp / STATS_FILE).write_text(json.dumps(stats, indent=2, sort_keys=True))
        publish_dir(tmp, directory, is_complete)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return stats


def read_stats(directory: Path) -> dict:
    """The stats of a complete cache directory (processing stats, source, skipped lines)."""
    return json.loads((directory / STATS_FILE).read_text())


def read_processed(directory: Path) -> tuple[Processed, dict]:
    """Load a complete cache directory; returns the data and its stats."""
    stats = read_stats(directory)
    items_path = directory / "items.parquet"
    processed = Processed(
        interactions=pq.read_table(directory / "interactions.parquet"),
        reviews=spill.read_mapped(directory / REVIEWS_FILE),
        item_order=np.load(directory / "item_order.npy"),
        items=pq.read_table(items_path) if items_path.exists() else None,
        stats=stats["processing"],
        reviews_file=directory / REVIEWS_FILE,
    )
    return processed, stats


def _write_parts(parts: Iterator[pa.Table], path: Path) -> None:
    """One parquet file from a non-empty stream of tables with the same schema."""
    first = next(parts)
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        for part in parts:
            writer.write_table(part)
