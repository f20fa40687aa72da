"""Amazon 2023 reviews and metadata (JSON lines; items are identified by ``parent_asin``)."""

from __future__ import annotations

import os
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from recexp.data.jsonl import (META_BAD_LINE, interaction_rows, item_rows, join_words, read_jsonl,
                               to_raw_data)
from recexp.data.raw import RawData

REVIEW_SCHEMA = pa.schema([
    ("user_id", pa.string()), ("parent_asin", pa.string()), ("rating", pa.float64()),
    ("timestamp", pa.float64()), ("title", pa.string()), ("text", pa.string()),
])
META_SCHEMA = pa.schema([
    ("parent_asin", pa.string()), ("title", pa.string()), ("main_category", pa.string()),
    ("categories", pa.list_(pa.string())), ("description", pa.list_(pa.string())),
    ("store", pa.string()), ("price", pa.float64()),
])


def read(reviews_path: str | os.PathLike, meta_path: str | os.PathLike | None = None, *,
         strict: bool = False, max_review_chars: int | None = 256,
         progress: bool = True) -> RawData:
    """Read Amazon 2023 reviews and, when given, their metadata."""
    reviews = read_jsonl(reviews_path, REVIEW_SCHEMA,
                         partial(_interaction_rows, max_chars=max_review_chars), strict=strict,
                         mismatch_reasons={"rating": "bad_rating"}, progress=progress)
    items = None
    if meta_path is not None:
        items = read_jsonl(meta_path, META_SCHEMA, _item_rows, strict=strict,
                           bad_line_reason=META_BAD_LINE, progress=progress)
    return to_raw_data(reviews, items)


def _interaction_rows(raw: pa.Table, max_chars: int | None) -> tuple[pa.Table, pa.Array]:
    seconds = pc.divide(raw["timestamp"], 1000.0)  # the 2023 release stores milliseconds
    return interaction_rows(raw["user_id"], raw["parent_asin"], raw["rating"], seconds,
                            raw["title"], raw["text"], max_chars)


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    """Items; ``main_category`` leads the categories (the list itself is often empty)."""
    categories = [[main, *(rest or [])] for main, rest in zip(raw["main_category"].to_pylist(),
                                                              raw["categories"].to_pylist())]
    return item_rows(raw["parent_asin"], raw["title"], join_words(raw["description"]),
                     categories, raw["store"], raw["price"])
