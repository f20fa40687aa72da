"""Normalized interactions -> deduped, k-core, split table with per-row context ranges.

Everything is computed on integer codes and numpy arrays. Review title and text are never
reordered: they stay in read order in ``Processed.reviews`` and each processed row points at its
review through ``review_row`` (see ``recexp.data.columns`` for the contract).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recexp.data import columns as C
from recexp.data.raw import RawData


@dataclass
class Processed:
    """interactions: processed table (row = position); reviews: the input's review title and
    text in read order (``interactions[review_row]`` indexes it); item_order: rows sorted by
    (item, time, row); items: item table restricted to the remaining items (None without
    metadata); stats: counts."""

    interactions: pa.Table
    reviews: pa.Table
    item_order: np.ndarray
    items: pa.Table | None
    stats: dict[str, int]
    reviews_file: Path | None = None  # ``reviews`` memory-mapped from this Arrow file (spilled while reading)

    def split(self, name: str) -> pa.Table:
        """The rows of one split, with their position in ``interactions`` as column ``row``.

        Holds no text: review title and text stay in ``reviews``, reachable via ``review_row``."""
        return pa.concat_tables(list(self.split_parts(name)))

    def split_parts(self, name: str, part_rows: int = 1 << 18) -> Iterator[pa.Table]:
        """``split(name)`` in consecutive pieces, each filtered from at most ``part_rows``
        interactions, so that writing a large split never holds all of it at once."""
        if name not in C.SPLITS:
            raise ValueError(f"unknown split {name!r}; expected one of {C.SPLITS}")
        for start in range(0, max(self.interactions.num_rows, 1), part_rows):
            part = self.interactions.slice(start, part_rows)
            mask = pc.equal(part[C.SPLIT], name)
            rows = np.flatnonzero(mask.to_numpy()) + start
            yield part.filter(mask).append_column(C.ROW, pa.array(rows, pa.int64()))


def process(raw: RawData, *, dedupe: bool = True, k_core: int = 5,
            split_strategy: str | Enum = "leave_last", valid_frac: float = 0.1,
            test_frac: float = 0.1, history_k: int = 10, item_reviews_k: int = 10) -> Processed:
    """Dedupe (keep latest), iterative k-core, split, and strictly-earlier contexts per row.

    With ``split_strategy="given"`` the rows keep the split of their file (``raw.splits``) and
    are used as they come (no dedupe, no k-core); ``stats["context_source"]`` says where contexts
    come from (see ``_times``). Consumes ``raw.interactions`` (set to None). The text columns are
    passed on uncopied, in read order, as ``Processed.reviews``; the other input columns are
    released once coded. Text spilled while reading (``raw.reviews``) is used as it is."""
    strategy = getattr(split_strategy, "value", split_strategy)
    given = strategy == "given"
    table, raw.interactions = raw.interactions, None
    reviews = raw.reviews if raw.reviews is not None else table.select(list(C.REVIEW_COLUMNS))
    users, user_ids = _codes(table[C.USER])
    items, item_ids = _codes(table[C.ITEM])
    times, timed = _times(table[C.TIMESTAMP], raw.splits, strategy)
    ratings = table[C.RATING].to_numpy()
    del table  # arrow's pool may keep the freed pages (mimalloc does): return them to the OS
    pa.default_memory_pool().release_unused()
    rows, stats = _select_rows(users, items, times, dedupe and not given, 0 if given else k_core)
    users, items, times, ratings = users[rows], items[rows], times[rows], ratings[rows]
    split = raw.splits[rows] if given else _split(users, times, strategy, valid_frac, test_frac)
    item_order = _order_by(items, times)
    contexts = _context_columns(users, items, times, ratings, item_order, history_k,
                                item_reviews_k)
    stats.update(n_users=_n_distinct(users), n_items=_n_distinct(items),
                 **{f"n_{name}": int(np.sum(split == code)) for code, name in enumerate(C.SPLITS)})
    columns = {
        C.USER: user_ids.take(users), C.ITEM: item_ids.take(items),
        C.RATING: pa.array(ratings, pa.float64()),
        C.TIMESTAMP: pa.array(times, pa.int64()) if timed else pa.nulls(len(times), pa.int64()),
        C.REVIEW_ROW: pa.array(rows, pa.int64()),
        C.SPLIT: pa.DictionaryArray.from_arrays(split, pa.array(C.SPLITS)).cast(pa.string()),
    }
    for name in C.CONTEXT_COLUMNS:  # int32 positions become int64 columns one at a time
        values = contexts.pop(name)
        columns[name] = pa.array(values, pa.int64() if values.dtype.kind == "i" else None)
    if given:
        stats["context_source"] = "earlier_interactions" if timed else "train_file"
    kept_item_ids = item_ids.take(np.unique(items))
    return Processed(pa.table(columns), reviews, item_order,
                     _restrict_items(raw.items, kept_item_ids), stats, raw.reviews_file)


def _times(column: pa.ChunkedArray, splits: np.ndarray | None,
           strategy: str) -> tuple[np.ndarray, bool]:
    """The timestamps as int64, and whether the files have them.

    Files without timestamps (format exp3rt) split only as given, and then contexts come from the
    train file alone: train rows are timed by read order (each sees the train rows before it),
    valid and test rows all after them (each sees the whole train file, no valid or test row)."""
    if strategy == "given" and splits is None:
        raise ValueError("split strategy 'given' needs the split of every row (RawData.splits)")
    if column.null_count == 0:
        return column.to_numpy(), True
    if column.null_count != len(column):
        raise ValueError("timestamps: some rows have one and others not")
    if strategy != "given":
        raise ValueError(f"dataset.split.strategy={strategy} needs timestamps and these files have "
                         "none; use dataset.split.strategy=given with one file per split")
    train = splits == 0
    times = np.full(len(splits), np.count_nonzero(train), np.int64)
    times[train] = np.arange(np.count_nonzero(train))
    return times, False


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
    packed = major.astype(np.int64)  # built in place: one key-sized temporary
    packed <<= minor_bits
    packed |= minor - minor.min()
    return np.argsort(packed, kind="stable")


def _latest_per_pair(users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Mask keeping the last row of each (user, item) pair; rows are in (user, time, read) order."""
    pairs = users.astype(np.int64)
    pairs <<= 32
    pairs |= items
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
    keep = np.arange(len(users), dtype=_index_dtype(len(users)))
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
    from_end = end - 1 - np.arange(len(users), dtype=end.dtype)
    from_end[end - start < 3] = -1
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
    user = _contexts(users, times, ratings, history_k)
    item = _contexts(items[item_order], times[item_order], ratings[item_order], item_reviews_k)
    for at, values in enumerate(item):  # back to row positions, one array at a time
        item[at] = _unsort(values, item_order)
    names = (C.USER_CTX_START, C.USER_CTX_END, C.USER_PRIOR_N, C.USER_PRIOR_MEAN,
             C.ITEM_CTX_START, C.ITEM_CTX_END, C.ITEM_PRIOR_N, C.ITEM_PRIOR_MEAN)
    columns = dict(zip(names, user + item))
    return {name: columns[name] for name in C.CONTEXT_COLUMNS}


def _contexts(groups: np.ndarray, times: np.ndarray, ratings: np.ndarray, k: int) -> list:
    """For rows sorted by (group, time): the last-k strictly earlier rows of the group as
    [start, end), and count / mean rating of all strictly earlier rows of the group."""
    group_start = _group_bounds(groups, end=False)[0]
    end = _run_starts(groups, times)  # first row of the same (group, time): earlier rows precede
    start = np.maximum(group_start, end - k)
    n_prior = end - group_start
    cumulative = np.empty(len(ratings) + 1)
    cumulative[0] = 0.0
    np.cumsum(ratings, out=cumulative[1:])
    mean = cumulative[end]
    mean -= cumulative[group_start]
    with np.errstate(invalid="ignore"):
        mean /= n_prior
    return [start, end, n_prior, mean]


def _index_dtype(n: int) -> type:
    """int32 for row positions when they fit: halves the index temporaries of large tables."""
    return np.int32 if n < 2**31 - 1 else np.int64


def _group_bounds(codes: np.ndarray, end: bool = True) -> tuple[np.ndarray, ...]:
    """For ascending codes: per row, the first and (if ``end``) one-past-last row of its code."""
    counts = np.bincount(codes).astype(_index_dtype(len(codes)))
    ends = np.cumsum(counts, dtype=counts.dtype)
    starts = ends - counts
    return (starts[codes], ends[codes]) if end else (starts[codes],)


def _run_starts(groups: np.ndarray, times: np.ndarray) -> np.ndarray:
    """For rows sorted by (group, time): the first row with the same group and time."""
    change = np.ones(len(groups), bool)
    change[1:] = (groups[1:] != groups[:-1]) | (times[1:] != times[:-1])
    starts = np.arange(len(groups), dtype=_index_dtype(len(groups)))
    starts[~change] = 0
    return np.maximum.accumulate(starts, out=starts)


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Scatter values computed in ``order`` back to row positions."""
    out = np.empty_like(values)
    out[order] = values
    return out


def _n_distinct(codes: np.ndarray) -> int:
    return int(np.count_nonzero(np.bincount(codes)))


def _restrict_items(items: pa.Table | None, kept_item_ids: pa.Array) -> pa.Table | None:
    if items is None:
        return None
    return items.filter(pc.is_in(items[C.ITEM], value_set=kept_item_ids))
