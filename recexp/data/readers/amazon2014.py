"""Amazon 2014 reviews (JSON lines) and metadata (one Python-literal dict per line)."""

from __future__ import annotations

import ast
import json
from typing import Any

import pyarrow as pa

from recexp.data.readers._registry import reader
from recexp.data.readers.base import ReviewFormat, SourceFormat
from recexp.data.readers.normalize import interaction_rows, item_rows
from recexp.data.scale import RatingScale

REVIEW_SCHEMA = pa.schema([
    ("reviewerID", pa.string()), ("asin", pa.string()), ("overall", pa.float64()),
    ("unixReviewTime", pa.float64()), ("summary", pa.string()), ("reviewText", pa.string()),
])
META_SCHEMA = pa.schema([
    ("asin", pa.string()), ("title", pa.string()), ("description", pa.string()),
    ("categories", pa.list_(pa.list_(pa.string()))), ("brand", pa.string()),
    ("price", pa.float64()),
])


def parse_python_literal(line: bytes) -> Any:
    """One metadata line: JSON when it is, else a Python literal (never evaluated as code)."""
    try:
        return json.loads(line)
    except ValueError:
        return ast.literal_eval(line.decode("utf-8"))


def _interaction_rows(raw: pa.Table, max_chars: int | None,
                      scale: RatingScale) -> tuple[pa.Table, pa.Array]:
    return interaction_rows(raw["reviewerID"], raw["asin"], raw["overall"], raw["unixReviewTime"],
                            raw["summary"], raw["reviewText"], max_chars, scale)


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    categories = [None if paths is None else [name for path in paths if path for name in path]
                  for paths in raw["categories"].to_pylist()]
    return item_rows(raw["asin"], raw["title"], raw["description"], categories, raw["brand"],
                     raw["price"])


REVIEWS = ReviewFormat(REVIEW_SCHEMA, _interaction_rows, rating_field="overall")
"""Review lines of the 2014 schema (the 2018 release uses the same fields)."""
FORMAT = SourceFormat(REVIEWS, META_SCHEMA, _item_rows, parse_meta_line=parse_python_literal)
read = reader("amazon2014", order=1)(FORMAT.read)
