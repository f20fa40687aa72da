"""Processed splits on disk: ``<cache>/processed/<name>-<fingerprint>/``.

Files: interactions.parquet (all rows, sorted, with split and context columns), item_order.npy,
items.parquet (when the source has metadata), train/valid/test.parquet (each split's rows with
a ``row`` column pointing into interactions.parquet, without the review text), stats.json (written last: marks the
directory complete). Written into a temporary sibling and renamed, so a crash or a concurrent
job never leaves a half-written cache behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from recexp.data.columns import SPLITS
from recexp.data.processing import Processed

STATS_FILE = "stats.json"


def is_complete(directory: Path) -> bool:
    return (directory / STATS_FILE).exists()


def write_processed(processed: Processed, directory: Path, extra_stats: dict) -> dict:
    """Write all files of a processed dataset atomically into ``directory``; return its stats."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        pq.write_table(processed.interactions, tmp / "interactions.parquet")
        np.save(tmp / "item_order.npy", processed.item_order)
        if processed.items is not None:
            pq.write_table(processed.items, tmp / "items.parquet")
        for name in SPLITS:  # text stays in interactions.parquet; `row` points there
            pq.write_table(processed.split(name), tmp / f"{name}.parquet")
        stats = {"processing": processed.stats, **extra_stats}
        (tmp / STATS_FILE).write_text(json.dumps(stats, indent=2, sort_keys=True))
        _publish(tmp, directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return stats


def read_processed(directory: Path) -> tuple[Processed, dict]:
    """Load a complete cache directory; returns the data and its stats."""
    stats = json.loads((directory / STATS_FILE).read_text())
    items_path = directory / "items.parquet"
    processed = Processed(
        interactions=pq.read_table(directory / "interactions.parquet"),
        item_order=np.load(directory / "item_order.npy"),
        items=pq.read_table(items_path) if items_path.exists() else None,
        stats=stats["processing"],
    )
    return processed, stats


def _publish(tmp: Path, directory: Path) -> None:
    try:
        os.rename(tmp, directory)
    except OSError:
        if not is_complete(directory):  # another job published first: keep theirs, else retry once
            shutil.rmtree(directory, ignore_errors=True)
            os.rename(tmp, directory)
