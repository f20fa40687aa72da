"""Yelp Open Dataset reviews and, optionally, ``business.json`` (items are businesses)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from recexp.data.readers._registry import reader
from recexp.data.readers.base import ReviewFormat, SourceFormat
from recexp.data.readers.normalize import interaction_rows, item_rows
from recexp.data.scale import RatingScale

REVIEW_SCHEMA = pa.schema([
    ("user_id", pa.string()), ("business_id", pa.string()), ("stars", pa.float64()),
    ("date", pa.string()), ("text", pa.string()),
])
META_SCHEMA = pa.schema([
    ("business_id", pa.string()), ("name", pa.string()), ("categories", pa.string()),
])
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def parse_dates(dates: pa.Array) -> pa.Array:
    """Yelp ``date`` strings (UTC) as int64 epoch seconds; unparseable ones as null."""
    parsed = [pc.strptime(dates, format=fmt, unit="s", error_is_null=True) for fmt in DATE_FORMATS]
    return pc.cast(pc.coalesce(*parsed), pa.int64())


def _interaction_rows(raw: pa.Table, max_chars: int | None,
                      scale: RatingScale) -> tuple[pa.Table, pa.Array]:
    no_title = pa.nulls(raw.num_rows, pa.string())
    return interaction_rows(raw["user_id"], raw["business_id"], raw["stars"],
                            parse_dates(raw["date"]), no_title, raw["text"], max_chars, scale)


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    categories = [None if text is None else [name.strip() for name in text.split(",")]
                  for text in raw["categories"].to_pylist()]
    n = raw.num_rows
    return item_rows(raw["business_id"], raw["name"], pa.nulls(n, pa.string()), categories,
                     pa.nulls(n, pa.string()), pa.nulls(n, pa.float64()))


FORMAT = SourceFormat(ReviewFormat(REVIEW_SCHEMA, _interaction_rows, rating_field="stars"),
                      META_SCHEMA, _item_rows)
read = reader("yelp", order=4)(FORMAT.read)
