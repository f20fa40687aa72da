"""Materialize the context of one processed row (what a prompt may show) as plain Python data.

Only strictly earlier interactions appear (the ranges come from ``process``); the target's own
rating is never part of the output. Rows are read with zero-copy slices and review text with
single-value lookups through ``review_row`` (never ``take``, which would concatenate the whole
text column), so building a context costs the same on a 5M-row table as on a small one.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from recexp.data import columns as C
from recexp.data.processing import Processed

ELLIPSIS = "…"
_REVIEW_FIELDS = (C.ITEM, C.RATING, C.TIMESTAMP)


def snippet(text: str | None, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars`` characters, "…" included."""
    if not text:
        return ""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    words = head.rsplit(None, 1)
    kept = words[0].rstrip() if len(words) == 2 else head[:max_chars - 1]
    return kept + ELLIPSIS


class ContextBuilder:
    """Builds prompt contexts for rows of a ``Processed`` dataset."""

    def __init__(self, processed: Processed, snippet_chars: int = 200):
        table = processed.interactions
        self._n_rows = table.num_rows
        self._reviews = table.select(_REVIEW_FIELDS)
        self._review_rows = table[C.REVIEW_ROW].to_numpy()
        self._titles = processed.reviews[C.REVIEW_TITLE]
        self._texts = processed.reviews[C.REVIEW_TEXT]
        self._targets = table.select((C.USER, C.ITEM, C.TIMESTAMP))
        self._ctx = {name: table[name].to_numpy() for name in C.CONTEXT_COLUMNS}
        self._item_order = processed.item_order
        self._items = processed.items
        self._meta_rows = _meta_rows(table[C.ITEM], processed.items)
        self._snippet_chars = snippet_chars

    def build(self, row: int) -> dict:
        """Context of one row: user history, target item with its earlier reviews, priors."""
        if not 0 <= row < self._n_rows:
            raise IndexError(f"row {row} out of range for {self._n_rows} interactions")
        ctx = {name: values[row] for name, values in self._ctx.items()}
        history_rows = range(ctx[C.USER_CTX_START], ctx[C.USER_CTX_END])
        review_rows = self._item_order[ctx[C.ITEM_CTX_START]:ctx[C.ITEM_CTX_END]]
        return {
            "user_history": [self._history_entry(r, review)
                             for r, review in zip(history_rows, self._review_range(history_rows))],
            "user_avg_rating": _mean_or_none(ctx[C.USER_PRIOR_MEAN]),
            "user_n_prior": int(ctx[C.USER_PRIOR_N]),
            "target_item": self._target_item(row, [self._review(r) for r in review_rows]),
            "item_avg_rating": _mean_or_none(ctx[C.ITEM_PRIOR_MEAN]),
            "item_n_prior": int(ctx[C.ITEM_PRIOR_N]),
            "target": self._targets.slice(row, 1).to_pylist()[0],
        }

    def _review_range(self, rows: range) -> list[dict]:
        reviews = self._reviews.slice(rows.start, len(rows)).to_pylist()
        return [self._with_text(review, row) for review, row in zip(reviews, rows)]

    def _review(self, row: int) -> dict:
        return self._with_text(self._reviews.slice(int(row), 1).to_pylist()[0], row)

    def _with_text(self, review: dict, row: int) -> dict:
        """``review`` plus the title and text of ``row``, looked up in read order."""
        at = int(self._review_rows[row])
        review[C.REVIEW_TITLE] = self._titles[at].as_py()
        review[C.REVIEW_TEXT] = self._texts[at].as_py()
        return review

    def _history_entry(self, row: int, review: dict) -> dict:
        return {"item_id": review[C.ITEM], "title": self._title(row, review[C.ITEM]),
                "categories": self._categories(row), **self._review_summary(review)}

    def _review_summary(self, review: dict) -> dict:
        return {"rating": review[C.RATING], "review_title": review[C.REVIEW_TITLE],
                "snippet": snippet(review[C.REVIEW_TEXT], self._snippet_chars),
                "timestamp": review[C.TIMESTAMP]}

    def _title(self, row: int, item_id: str) -> str:
        meta_row = self._meta_rows[row]
        title = self._items[C.TITLE][meta_row].as_py() if meta_row >= 0 else None
        return title or item_id

    def _categories(self, row: int) -> list[str]:
        meta_row = self._meta_rows[row]
        return (self._items[C.CATEGORIES][meta_row].as_py() or []) if meta_row >= 0 else []

    def _target_item(self, row: int, reviews: list[dict]) -> dict:
        item_id = self._targets[C.ITEM][row].as_py()
        meta_row = self._meta_rows[row]
        meta = self._items.slice(meta_row, 1).to_pylist()[0] if meta_row >= 0 else {}
        return {
            "item_id": item_id, "title": meta.get(C.TITLE) or item_id,
            "description": snippet(meta.get(C.DESCRIPTION), self._snippet_chars),
            "categories": meta.get(C.CATEGORIES) or [], "brand": meta.get(C.BRAND),
            "price": meta.get(C.PRICE),
            "reviews": [self._review_summary(review) for review in reviews],
        }


def _meta_rows(item_ids: pa.ChunkedArray, items: pa.Table | None) -> np.ndarray:
    """Per interaction row: the row of its item in the item table, or -1."""
    if items is None:
        return np.full(len(item_ids), -1, np.int64)
    return pc.fill_null(pc.index_in(item_ids, value_set=items[C.ITEM]), -1).to_numpy()


def _mean_or_none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
