"""Amazon 2014 reviews (JSON lines) and metadata (one Python-literal dict per line)."""

from __future__ import annotations

import ast
import json
import os
from functools import partial
from typing import Any

import pyarrow as pa

from recexp.data.jsonl import (META_BAD_LINE, JsonlResult, interaction_rows, item_rows,
                               read_jsonl, to_raw_data)
from recexp.data.raw import RawData

REVIEW_SCHEMA = pa.schema([
    ("reviewerID", pa.string()), ("asin", pa.string()), ("overall", pa.float64()),
    ("unixReviewTime", pa.float64()), ("summary", pa.string()), ("reviewText", pa.string()),
])
META_SCHEMA = pa.schema([
    ("asin", pa.string()), ("title", pa.string()), ("description", pa.string()),
    ("categories", pa.list_(pa.list_(pa.string()))), ("brand", pa.string()),
    ("price", pa.float64()),
])


def read(reviews_path: str | os.PathLike, meta_path: str | os.PathLike | None = None, *,
         strict: bool = False, max_review_chars: int | None = 256,
         progress: bool = True) -> RawData:
    """Read Amazon 2014 reviews and, when given, their metadata."""
    reviews = read_reviews(reviews_path, strict=strict, max_review_chars=max_review_chars,
                           progress=progress)
    items = None
    if meta_path is not None:
        items = read_jsonl(meta_path, META_SCHEMA, _item_rows, strict=strict,
                           bad_line_reason=META_BAD_LINE, parse_line=parse_python_literal,
                           progress=progress)
    return to_raw_data(reviews, items)


def read_reviews(path: str | os.PathLike, *, strict: bool, max_review_chars: int | None,
                 progress: bool) -> JsonlResult:
    """Review lines of the 2014 schema (the 2018 release uses the same fields)."""
    return read_jsonl(path, REVIEW_SCHEMA, partial(_interaction_rows, max_chars=max_review_chars),
                      strict=strict, mismatch_reasons={"overall": "bad_rating"},
                      progress=progress)


def parse_python_literal(line: bytes) -> Any:
    """One metadata line: JSON when it is, else a Python literal (never evaluated as code)."""
    try:
        return json.loads(line)
    except ValueError:
        return ast.literal_eval(line.decode("utf-8"))


def _interaction_rows(raw: pa.Table, max_chars: int | None) -> tuple[pa.Table, pa.Array]:
    return interaction_rows(raw["reviewerID"], raw["asin"], raw["overall"], raw["unixReviewTime"],
                            raw["summary"], raw["reviewText"], max_chars)


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    categories = [None if paths is None else [name for path in paths if path for name in path]
                  for paths in raw["categories"].to_pylist()]
    return item_rows(raw["asin"], raw["title"], raw["description"], categories, raw["brand"],
                     raw["price"])
