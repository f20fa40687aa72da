"""Normalization shared by the format readers.

Builds interaction and item rows per the contract of ``recexp.data.columns`` together with
their per-row skip reasons, and assembles ``RawData`` from what ``recexp.data.jsonl`` read.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from recexp.data.columns import (
    BRAND,
    CATEGORIES,
    DESCRIPTION,
    ITEM,
    PRICE,
    RATING,
    REVIEW_TEXT,
    REVIEW_TITLE,
    TIMESTAMP,
    TITLE,
    USER,
)
from recexp.data.jsonl import JsonlResult
from recexp.data.raw import RawData
from recexp.data.scale import DEFAULT_SCALE, RatingScale

log = logging.getLogger(__name__)

MAX_ABS_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z


def interaction_rows(user: pa.Array, item: pa.Array, rating: pa.Array, seconds: pa.Array | None,
                     title: pa.Array, text: pa.Array, max_chars: int | None,
                     scale: RatingScale = DEFAULT_SCALE) -> tuple[pa.Table, pa.Array]:
    """Normalized interaction rows and their skip reasons; ``seconds`` may be fractional, or None
    for a format without timestamps (the column is then null); a rating outside ``scale`` is
    ``bad_rating``."""
    rating = pc.cast(rating, pa.float64())
    reasons = {
        "missing_user": is_blank(user),
        "missing_item": is_blank(item),
        "missing_rating": pc.is_null(rating),
        "bad_rating": pc.invert(pc.and_(pc.greater_equal(rating, scale.lo),
                                        pc.less_equal(rating, scale.hi))),
    }
    if seconds is None:
        whole_seconds = pa.nulls(len(rating), pa.int64())
    else:
        seconds = pc.cast(seconds, pa.float64())
        good_time = pc.fill_null(
            pc.and_(pc.is_finite(seconds), pc.less_equal(pc.abs(seconds), MAX_ABS_SECONDS)), False)
        reasons["bad_timestamp"] = pc.invert(good_time)
        whole_seconds = pc.cast(pc.floor(pc.if_else(good_time, seconds, None)), pa.int64())
    if max_chars is not None:
        text = pc.utf8_slice_codeunits(text, 0, max_chars)
    table = pa.table({USER: user, ITEM: item, RATING: rating, TIMESTAMP: whole_seconds,
                      REVIEW_TITLE: title, REVIEW_TEXT: text})
    return table, first_reason(reasons)


def item_rows(item: pa.Array, title: pa.Array, description: pa.Array, categories: list,
              brand: pa.Array, price: pa.Array) -> tuple[pa.Table, pa.Array]:
    """Normalized item rows and their skip reasons; ``categories`` are Python lists or None."""
    table = pa.table({
        ITEM: item, TITLE: title, DESCRIPTION: empty_to_null(description),
        CATEGORIES: pa.array([unique_strings(c) for c in categories], pa.list_(pa.string())),
        BRAND: empty_to_null(brand), PRICE: pc.cast(price, pa.float64()),
    })
    return table, first_reason({"meta_missing_item": is_blank(item)})


def to_raw_data(reviews: JsonlResult, items: JsonlResult | None) -> RawData:
    """Assemble ``RawData``; items are deduplicated by id, keeping the first row of each."""
    if items is None:
        return RawData(reviews.table, None, dict(reviews.skipped), reviews.n_lines)
    item_table = first_per_item(items.table)
    n_duplicates = items.table.num_rows - item_table.num_rows
    if n_duplicates:
        log.warning("metadata: %d rows repeat an item id; kept the first of each", n_duplicates)
    skipped = reviews.skipped + items.skipped + Counter(meta_duplicate_item=n_duplicates)
    return RawData(reviews.table, item_table, dict(skipped), reviews.n_lines)


def first_reason(masks: dict[str, pa.Array]) -> pa.Array:
    """Per row, the first reason whose mask is true (null when none is)."""
    conditions = pa.StructArray.from_arrays(
        [_combined(pc.fill_null(mask, False)) for mask in masks.values()], list(masks))
    return pc.case_when(conditions, *[pa.scalar(reason) for reason in masks])


def _combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def is_blank(strings: pa.Array) -> pa.Array:
    """True where a string is null, empty or whitespace only."""
    return pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(strings)), 0), True)


def empty_to_null(strings: pa.Array) -> pa.Array:
    """Blank strings as null."""
    return pc.if_else(is_blank(strings), pa.scalar(None, pa.string()), strings)


def join_words(lists: pa.Array) -> pa.Array:
    """Each list of strings joined with a space (null stays null)."""
    return pc.binary_join(lists, " ")


def parse_price(strings: pa.Array) -> pa.Array:
    """Prices like ``"$1,299.99"`` as float64; anything else (ranges, HTML, empty) as null."""
    digits = pc.replace_substring_regex(strings, r"[$,\s]", "")
    number = pc.match_substring_regex(digits, r"^\d+(\.\d+)?$")
    return pc.cast(pc.if_else(number, digits, None), pa.float64())


def unique_strings(values: list | None) -> list[str] | None:
    """Non-blank strings of ``values`` without repeats, in first-seen order (None when none)."""
    unique = dict.fromkeys(v for v in values or () if isinstance(v, str) and v.strip())
    return list(unique) or None


def first_per_item(items: pa.Table) -> pa.Table:
    """The first row of every item id."""
    codes = pc.index_in(items[ITEM], value_set=pc.unique(items[ITEM])).to_numpy()
    _, first = np.unique(codes, return_index=True)
    return items.take(np.sort(first))
