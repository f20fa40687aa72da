"""Amazon 2018 reviews and metadata (both JSON lines)."""

from __future__ import annotations

import os

import pyarrow as pa

from recexp.data.jsonl import (META_BAD_LINE, item_rows, join_words, parse_price, read_jsonl,
                               to_raw_data)
from recexp.data.raw import RawData
from recexp.data.readers.amazon2014 import read_reviews

META_SCHEMA = pa.schema([
    ("asin", pa.string()), ("title", pa.string()), ("description", pa.list_(pa.string())),
    ("category", pa.list_(pa.string())), ("brand", pa.string()), ("price", pa.string()),
])


def read(reviews_path: str | os.PathLike, meta_path: str | os.PathLike | None = None, *,
         strict: bool = False, max_review_chars: int | None = 256,
         progress: bool = True) -> RawData:
    """Read Amazon 2018 reviews and, when given, their metadata ({asin, title} lines suffice)."""
    reviews = read_reviews(reviews_path, strict=strict, max_review_chars=max_review_chars,
                           progress=progress)
    items = None
    if meta_path is not None:
        items = read_jsonl(meta_path, META_SCHEMA, _item_rows, strict=strict,
                           bad_line_reason=META_BAD_LINE, progress=progress)
    return to_raw_data(reviews, items)


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    return item_rows(raw["asin"], raw["title"], join_words(raw["description"]),
                     raw["category"].to_pylist(), raw["brand"], parse_price(raw["price"]))
