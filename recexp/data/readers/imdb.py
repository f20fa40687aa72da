"""IMDB Spoiler Dataset (Misra, 2019): ``IMDB_reviews.json`` and ``IMDB_movie_details.json``.

Both are JSON lines. A review line holds review_date ("10 February 2006"), movie_id ("tt0111161"),
user_id, is_spoiler, review_text, rating (a string, "1".."10") and review_summary (the review's
title); a movie line holds movie_id, plot_summary, duration, genre (a list), rating (the IMDb
average), release_date and plot_synopsis. The details have no movie title: prompts show the id.
Ratings are on the 1-10 scale (``conf/dataset/imdb.yaml`` sets ``rating_scale: [1, 10]``)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from recexp.data.readers._registry import reader
from recexp.data.readers.base import ReviewFormat, SourceFormat
from recexp.data.readers.normalize import interaction_rows, item_rows
from recexp.data.scale import RatingScale

REVIEW_SCHEMA = pa.schema([
    ("user_id", pa.string()), ("movie_id", pa.string()), ("rating", pa.string()),
    ("review_date", pa.string()), ("review_summary", pa.string()), ("review_text", pa.string()),
])
META_SCHEMA = pa.schema([
    ("movie_id", pa.string()), ("plot_summary", pa.string()), ("genre", pa.list_(pa.string())),
])
DATE_FORMAT = "%d %B %Y"
_NUMBER = r"^[0-9]+(\.[0-9]+)?$"


def parse_dates(dates: pa.Array) -> pa.Array:
    """``review_date`` strings ("10 February 2006", UTC) as epoch seconds; others as null."""
    return pc.cast(pc.strptime(dates, format=DATE_FORMAT, unit="s", error_is_null=True), pa.int64())


def parse_ratings(ratings: pa.Array) -> pa.Array:
    """Rating strings as float64: null stays null (missing), a non-number becomes NaN (bad)."""
    stripped = pc.utf8_trim_whitespace(ratings)
    number = pc.match_substring_regex(stripped, _NUMBER)
    return pc.cast(pc.if_else(number, stripped, "nan"), pa.float64())


def _interaction_rows(raw: pa.Table, max_chars: int | None,
                      scale: RatingScale) -> tuple[pa.Table, pa.Array]:
    return interaction_rows(raw["user_id"], raw["movie_id"], parse_ratings(raw["rating"]),
                            parse_dates(raw["review_date"]), raw["review_summary"],
                            raw["review_text"], max_chars, scale)


def _item_rows(raw: pa.Table) -> tuple[pa.Table, pa.Array]:
    n = raw.num_rows
    return item_rows(raw["movie_id"], pa.nulls(n, pa.string()), raw["plot_summary"],
                     raw["genre"].to_pylist(), pa.nulls(n, pa.string()), pa.nulls(n, pa.float64()))


FORMAT = SourceFormat(ReviewFormat(REVIEW_SCHEMA, _interaction_rows, rating_field="rating"),
                      META_SCHEMA, _item_rows)
read = reader("imdb", order=5)(FORMAT.read)
