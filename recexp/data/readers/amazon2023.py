"""Amazon 2023 reviews and metadata (JSON lines; items are identified by ``parent_asin``)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from recexp.data.readers._registry import reader
from recexp.data.readers.base import ReviewFormat, SourceFormat
from recexp.data.readers.normalize import interaction_rows, item_rows, join_words
from recexp.data.scale import RatingScale

REVIEW_SCHEMA = pa.schema([
    ("user_id", pa.string()), ("parent_asin", pa.string()), ("rating", pa.float64()),
    ("timestamp", pa.float64()), ("title", pa.string()), ("text", pa.string()),
])
META_SCHEMA = pa.schema([
    ("parent_asin", pa.string()), ("title", pa.string()), ("main_category", pa.string()),
    ("categories", pa.list_(pa.string())), ("description", pa.list_(pa.string())),
    ("store", pa.string()), ("price", pa.float64()),
])


def _interaction_rows(raw: pa.Table, max_chars: int | None,
                      scale: RatingScale) -> tuple[pa.Table, pa.Array]:
    seconds = pc.divide(raw["timestamp"], 1000.0)  # the 2023 release stores milliseconds
    return interaction_rows(raw["user_id"], raw["parent_asin"], raw["rating"], seconds,
                            raw["title"], raw["text"], max_chars, scale)


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    """Items; ``main_category`` leads the categories (the list itself is often empty)."""
    categories = [[main, *(rest or [])] for main, rest in zip(raw["main_category"].to_pylist(),
                                                              raw["categories"].to_pylist())]
    return item_rows(raw["parent_asin"], raw["title"], join_words(raw["description"]),
                     categories, raw["store"], raw["price"])


FORMAT = SourceFormat(ReviewFormat(REVIEW_SCHEMA, _interaction_rows, rating_field="rating"),
                      META_SCHEMA, _item_rows)
read = reader("amazon2023", order=3)(FORMAT.read)
