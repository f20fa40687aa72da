"""Amazon 2018 reviews and metadata (both JSON lines; {asin, title} metadata lines suffice)."""

from __future__ import annotations

import pyarrow as pa

from recexp.data.readers._registry import reader
from recexp.data.readers.amazon2014 import REVIEWS
from recexp.data.readers.base import SourceFormat
from recexp.data.readers.normalize import item_rows, join_words, parse_price

META_SCHEMA = pa.schema([
    ("asin", pa.string()), ("title", pa.string()), ("description", pa.list_(pa.string())),
    ("category", pa.list_(pa.string())), ("brand", pa.string()), ("price", pa.string()),
])


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    return item_rows(raw["asin"], raw["title"], join_words(raw["description"]),
                     raw["category"].to_pylist(), raw["brand"], parse_price(raw["price"]))


FORMAT = SourceFormat(REVIEWS, META_SCHEMA, _item_rows)
read = reader("amazon2018", order=2)(FORMAT.read)
