"""Normalized interactions -> deduped, k-core, split table with per-row context ranges.

Everything is computed on integer codes and numpy arrays; text columns are gathered exactly
once, at the end, with the final permutation (see ``recexp.data.columns`` for the contract).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recexp.data import columns as C
from recexp.data.raw import RawData

_TAKE_BATCH_ROWS = 1 << 18


@dataclass
class Processed:
    """interactions: processed table (row = position); item_order: rows sorted by (item, time, row);
    items: item table restricted to the remaining items (None without metadata); stats: counts."""

    interactions: pa.Table
    item_order: np.ndarray
    items: pa.Table | None
    stats: dict[str, int]

    def split(self, name: str) -> pa.Table:
        """The rows of one split, with their position in ``interactions`` as column ``row``.

        Review title and text are left out (they stay in ``interactions``, reachable through
        ``row``): splits are read for ids, ratings and contexts, and copying the text of the
        train split would double the memory of a large dataset."""
        if name not in C.SPLITS:
            raise ValueError(f"unknown split {name!r}; expected one of {C.SPLITS}")
        mask = pc.equal(self.interactions[C.SPLIT], name)
        rows = np.flatnonzero(mask.to_numpy())
        columns = self.interactions.drop_columns([C.REVIEW_TITLE, C.REVIEW_TEXT])
        return columns.filter(mask).append_column(C.ROW, pa.array(rows, pa.int64()))


def process(raw: RawData, *, dedupe: bool = True, k_core: int = 5,
            split_strategy: str | Enum = "leave_last", valid_frac: float = 0.1,
            test_frac: float = 0.1, history_k: int = 10, item_reviews_k: int = 10) -> Processed:
    """Dedupe (keep latest), iterative k-core, split, and strictly-earlier contexts per row.

    Consumes ``raw.interactions`` (set to None): each input column is released as soon as its
    output is gathered, which bounds peak memory to the input plus one output column."""
    strategy = getattr(split_strategy, "value", split_strategy)
    table, raw.interactions = raw.interactions, None
    users, _ = _codes(table[C.USER])
    items, item_ids = _codes(table[C.ITEM])
    times = table[C.TIMESTAMP].to_numpy()
    rows, stats = _select_rows(users, items, times, dedupe, k_core)

    users, items, times = users[rows], items[rows], times[rows]
    ratings = table[C.RATING].to_numpy()[rows].astype(np.float64)
    split = _split(users, times, strategy, valid_frac, test_frac)
    item_order = _order_by(items, times)
    contexts = _context_columns(users, items, times, ratings, item_order, history_k,
                                item_reviews_k)
    stats.update(n_users=_n_distinct(users), n_items=_n_distinct(items),
                 **{f"n_{name}": int(np.sum(split == code)) for code, name in enumerate(C.SPLITS)})

    gathered = {}
    for name in (C.USER, C.ITEM, C.REVIEW_TITLE, C.REVIEW_TEXT):
        gathered[name] = _take(table[name], rows)
        table = table.drop_columns([name])
    interactions = pa.table({
        C.USER: gathered[C.USER], C.ITEM: gathered[C.ITEM],
        C.RATING: pa.array(ratings, pa.float64()), C.TIMESTAMP: pa.array(times, pa.int64()),
        C.REVIEW_TITLE: gathered[C.REVIEW_TITLE], C.REVIEW_TEXT: gathered[C.REVIEW_TEXT],
        C.SPLIT: pa.DictionaryArray.from_arrays(split, pa.array(C.SPLITS)).cast(pa.string()),
        **{name: pa.array(values) for name, values in contexts.items()},
    })
    kept_item_ids = item_ids.take(np.unique(items))
    return Processed(interactions, item_order, _restrict_items(raw.items, kept_item_ids), stats)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Integer codes following the sorted order of the distinct values, and those values."""
    values = pc.unique(column)
    values = values.take(pc.sort_indices(values))
    return pc.index_in(column, value_set=values).to_numpy(), values


def _order_by(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """Stable (int64) order of rows by (major, minor): one argsort of a packed key when the
    non-negative ``major`` codes and the range of ``minor`` fit in 62 bits together."""
    if len(major) == 0:
        return np.arange(0)
    minor_bits = (int(minor.max()) - int(minor.min())).bit_length()
    if int(major.max()).bit_length() + minor_bits > 62:
        return np.lexsort((minor, major))
    packed = (major.astype(np.int64) << minor_bits) | (minor - minor.min())
    return np.argsort(packed, kind="stable")


def _latest_per_pair(users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Mask keeping the last row of each (user, item) pair; rows are in (user, time, read) order."""
    pairs = (users.astype(np.int64) << 32) | items
    return ~pd.Series(pairs).duplicated(keep="last").to_numpy()


def _select_rows(users: np.ndarray, items: np.ndarray, times: np.ndarray, dedupe: bool,
                 k_core: int) -> tuple[np.ndarray, dict[str, int]]:
    """Raw row indices kept after dedupe and k-core, in (user, time, read) order, with counts."""
    rows = _order_by(users, times)  # stable: equal timestamps keep read order
    stats = {"n_raw": len(rows)}
    if dedupe:
        rows = rows[_latest_per_pair(users[rows], items[rows])]
    stats["n_after_dedupe"] = len(rows)
    rows = rows[_k_core(users[rows], items[rows], k_core)]
    stats["n_after_kcore"] = len(rows)
    return rows, stats


def _k_core(users: np.ndarray, items: np.ndarray, k: int) -> np.ndarray:
    """Indices of the maximal subset where every user and item has >= k rows (k <= 1: all)."""
    keep = np.arange(len(users))
    if k <= 1:
        return keep
    while True:
        u, i = users[keep], items[keep]
        enough = (np.bincount(u)[u] >= k) & (np.bincount(i)[i] >= k)
        if enough.all():
            return keep
        keep = keep[enough]


def _split(users: np.ndarray, times: np.ndarray, strategy: str, valid_frac: float,
           test_frac: float) -> np.ndarray:
    """Split codes (indices into ``C.SPLITS``) for rows sorted by (user, time)."""
    if strategy == "leave_last":
        return _leave_last(users)
    if strategy == "global_time":
        return _global_time(times, valid_frac, test_frac)
    raise ValueError(f"unknown split strategy {strategy!r}")


def _leave_last(users: np.ndarray) -> np.ndarray:
    """Per user: last row -> test, the one before -> valid; users with < 3 rows stay in train."""
    start, end = _group_bounds(users)
    from_end = np.where(end - start >= 3, end - 1 - np.arange(len(users)), -1)
    return np.select([from_end == 0, from_end == 1], [2, 1], 0).astype(np.int8)


def _global_time(times: np.ndarray, valid_frac: float, test_frac: float) -> np.ndarray:
    """One time cut: rows at or after the cut times go to test / valid (ties stay together)."""
    if valid_frac < 0 or test_frac < 0 or valid_frac + test_frac >= 1:
        raise ValueError("need valid_frac, test_frac >= 0 and valid_frac + test_frac < 1")
    ordered = np.sort(times)
    n_test = int(round(test_frac * len(times)))
    n_valid = int(round(valid_frac * len(times)))
    test = times >= ordered[-n_test] if n_test else np.zeros(len(times), bool)
    valid = ~test & (times >= ordered[-n_test - n_valid]) if n_valid else np.zeros_like(test)
    return (2 * test + valid).astype(np.int8)


def _context_columns(users, items, times, ratings, item_order, history_k, item_reviews_k):
    """The ``C.CONTEXT_COLUMNS`` arrays for rows sorted by (user, time)."""
    u_start, u_end, u_n, u_mean = _contexts(users, times, ratings, history_k)
    i_start, i_end, i_n, i_mean = (_unsort(values, item_order) for values in _contexts(
        items[item_order], times[item_order], ratings[item_order], item_reviews_k))
    return {C.USER_CTX_START: u_start, C.USER_CTX_END: u_end,
            C.ITEM_CTX_START: i_start, C.ITEM_CTX_END: i_end,
            C.USER_PRIOR_N: u_n, C.USER_PRIOR_MEAN: u_mean,
            C.ITEM_PRIOR_N: i_n, C.ITEM_PRIOR_MEAN: i_mean}


def _contexts(groups: np.ndarray, times: np.ndarray, ratings: np.ndarray, k: int):
    """For rows sorted by (group, time): the last-k strictly earlier rows of the group as
    [start, end), and count / mean rating of all strictly earlier rows of the group."""
    group_start, _ = _group_bounds(groups)
    end = _run_starts(groups, times)  # first row of the same (group, time): earlier rows precede
    start = np.maximum(group_start, end - k)
    n_prior = end - group_start
    cumulative = np.concatenate([[0.0], np.cumsum(ratings)])
    with np.errstate(invalid="ignore"):
        mean = (cumulative[end] - cumulative[group_start]) / n_prior
    return start, end, n_prior, mean


def _group_bounds(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ascending codes: per row, the first and one-past-last row of its code."""
    counts = np.bincount(codes)
    ends = np.cumsum(counts)
    return (ends - counts)[codes], ends[codes]


def _run_starts(groups: np.ndarray, times: np.ndarray) -> np.ndarray:
    """For rows sorted by (group, time): the first row with the same group and time."""
    change = np.ones(len(groups), bool)
    change[1:] = (groups[1:] != groups[:-1]) | (times[1:] != times[:-1])
    return np.maximum.accumulate(np.where(change, np.arange(len(groups)), 0))


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Scatter values computed in ``order`` back to row positions."""
    out = np.empty_like(values)
    out[order] = values
    return out


def _n_distinct(codes: np.ndarray) -> int:
    return int(np.count_nonzero(np.bincount(codes)))


def _take(column: pa.ChunkedArray, rows: np.ndarray) -> pa.ChunkedArray:
    """``column[rows]`` in batches, without concatenating the column's chunks first (pyarrow's
    ``ChunkedArray.take`` does, which would copy the text columns twice)."""
    chunks = column.chunks
    bounds = np.cumsum([0] + [len(chunk) for chunk in chunks])
    pieces = [_take_batch(chunks, bounds, rows[at:at + _TAKE_BATCH_ROWS])
              for at in range(0, len(rows), _TAKE_BATCH_ROWS)]
    return pa.chunked_array(pieces, type=column.type)


def _take_batch(chunks: list[pa.Array], bounds: np.ndarray, rows: np.ndarray) -> pa.Array:
    """Gather ``rows`` chunk by chunk, then restore the requested order."""
    chunk_of = np.searchsorted(bounds, rows, side="right") - 1
    by_chunk = np.argsort(chunk_of, kind="stable")
    cuts = np.searchsorted(chunk_of[by_chunk], np.arange(len(chunks) + 1))
    parts = [chunks[c].take(rows[by_chunk[a:b]] - bounds[c])
             for c, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])) if b > a]
    if len(parts) == 1:
        return parts[0]
    return pa.concat_arrays(parts).take(np.argsort(by_chunk))


def _restrict_items(items: pa.Table | None, kept_item_ids: pa.Array) -> pa.Table | None:
    if items is None:
        return None
    return items.filter(pc.is_in(items[C.ITEM], value_set=kept_item_ids))
