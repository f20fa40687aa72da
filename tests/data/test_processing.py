"""Dedupe, k-core, splits and, above all, leakage-free contexts of ``process``."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recexp.data import cache
from recexp.data import columns as C
from recexp.data.processing import process
from recexp.data.raw import RawData
from recexp.data.synthetic import generate


def make_raw(records, chunk_sizes=()) -> RawData:
    """Interactions from (user, item, timestamp, rating) tuples; review_text 'r<read index>'.

    ``chunk_sizes`` cuts the table into several chunks to exercise chunk-aware gathering.
    """
    users, items, times, ratings = zip(*records) if records else ((), (), (), ())
    table = pa.table({
        C.USER: pa.array([f"u{u}" for u in users], pa.string()),
        C.ITEM: pa.array([f"i{i}" for i in items], pa.string()),
        C.RATING: pa.array(ratings, pa.float64()),
        C.TIMESTAMP: pa.array(times, pa.int64()),
        C.REVIEW_TITLE: pa.array([None if n % 3 == 0 else f"t{n}" for n in range(len(users))],
                                 pa.string()),
        C.REVIEW_TEXT: pa.array([f"r{n}" for n in range(len(users))], pa.string()),
    })
    cuts = np.cumsum([0, *chunk_sizes])
    cuts = [int(c) for c in cuts if c < table.num_rows] + [table.num_rows]
    pieces = [table.slice(a, b - a) for a, b in zip(cuts[:-1], cuts[1:])]
    return RawData(pa.concat_tables(pieces) if pieces else table)


def review_texts(p) -> list[str]:
    """Review text of each processed row, looked up in ``reviews`` through ``review_row``."""
    return p.reviews[C.REVIEW_TEXT].take(p.interactions[C.REVIEW_ROW]).to_pylist()


def read_index(p) -> list[int]:
    """Read index of each processed row (recovered from its review text)."""
    return [int(text[1:]) for text in review_texts(p)]


records_strategy = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 5),
              st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0])),
    max_size=45,
)


def assert_contexts_leak_free(p, history_k: int, item_reviews_k: int) -> None:
    """Every row's contexts are exactly its last-K strictly earlier rows, priors are exact."""
    df = p.interactions.to_pandas()
    users, items = df[C.USER].to_numpy(), df[C.ITEM].to_numpy()
    times, ratings = df[C.TIMESTAMP].to_numpy(), df[C.RATING].to_numpy()
    by_user = df.groupby(C.USER).indices
    by_item = df.groupby(C.ITEM).indices
    for row in range(len(df)):
        t = times[row]
        user_earlier = sorted((times[x], x) for x in by_user[users[row]] if times[x] < t)
        item_earlier = sorted((times[x], x) for x in by_item[items[row]] if times[x] < t)
        history = list(range(df[C.USER_CTX_START][row], df[C.USER_CTX_END][row]))
        reviews = list(p.item_order[df[C.ITEM_CTX_START][row]:df[C.ITEM_CTX_END][row]])
        for ctx_row in history:
            assert ctx_row != row and times[ctx_row] < t and users[ctx_row] == users[row]
        for ctx_row in reviews:
            assert ctx_row != row and times[ctx_row] < t and items[ctx_row] == items[row]
        assert history == [x for _, x in user_earlier][-history_k:]
        assert reviews == [x for _, x in item_earlier][-item_reviews_k:]
        assert_prior(df[C.USER_PRIOR_N][row], df[C.USER_PRIOR_MEAN][row],
                     [ratings[x] for _, x in user_earlier])
        assert_prior(df[C.ITEM_PRIOR_N][row], df[C.ITEM_PRIOR_MEAN][row],
                     [ratings[x] for _, x in item_earlier])


def assert_prior(n_prior, prior_mean, earlier_ratings) -> None:
    assert n_prior == len(earlier_ratings)
    if earlier_ratings:
        assert math.isclose(prior_mean, np.mean(earlier_ratings), rel_tol=1e-12)
    else:
        assert math.isnan(prior_mean)


def assert_sorted_by_user_time(p) -> None:
    keys = list(zip(p.interactions[C.USER].to_pylist(), p.interactions[C.TIMESTAMP].to_pylist()))
    assert keys == sorted(keys)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=records_strategy, k_core=st.integers(1, 3), history_k=st.integers(1, 4),
       item_reviews_k=st.integers(1, 4), dedupe=st.booleans(),
       strategy=st.sampled_from(["leave_last", "global_time"]),
       chunk_sizes=st.lists(st.integers(1, 10), max_size=4))
def test_contexts_never_leak_on_random_tables(records, k_core, history_k, item_reviews_k, dedupe,
                                               strategy, chunk_sizes):
    p = process(make_raw(records, chunk_sizes), dedupe=dedupe, k_core=k_core,
                split_strategy=strategy, history_k=history_k, item_reviews_k=item_reviews_k)
    assert_sorted_by_user_time(p)
    assert sorted(p.item_order.tolist()) == list(range(p.interactions.num_rows))
    assert_contexts_leak_free(p, history_k, item_reviews_k)
    # rows keep their own data through the reordering
    kept = [records[n] for n in read_index(p)]
    assert [f"u{u}" for u, *_ in kept] == p.interactions[C.USER].to_pylist()
    assert [f"i{i}" for _, i, *_ in kept] == p.interactions[C.ITEM].to_pylist()
    assert [r for *_, r in kept] == p.interactions[C.RATING].to_pylist()


def test_contexts_never_leak_on_synthetic_data():
    p = process(generate(n_users=120, n_items=80, seed=5), history_k=5, item_reviews_k=7)
    assert p.interactions.num_rows > 1000
    assert_contexts_leak_free(p, 5, 7)


def test_timestamps_spanning_the_int64_range():
    big = 2**62
    records = [(0, 0, big, 1.0), (0, 1, -big, 2.0), (0, 2, 0, 3.0), (1, 0, -big, 4.0),
               (1, 2, big, 5.0), (0, 3, 0, 4.0), (1, 1, big, 1.0)]
    p = process(make_raw(records), k_core=1, history_k=2, item_reviews_k=2)
    assert_sorted_by_user_time(p)
    assert_contexts_leak_free(p, 2, 2)


def test_item_order_sorted_by_item_time_row():
    p = process(make_raw([(0, 1, 5, 3.0), (1, 1, 5, 4.0), (0, 0, 2, 1.0), (1, 1, 1, 2.0),
                          (2, 1, 5, 5.0)]), k_core=1, dedupe=False)
    items = p.interactions[C.ITEM].to_pylist()
    times = p.interactions[C.TIMESTAMP].to_pylist()
    keys = [(items[r], times[r], r) for r in p.item_order]
    assert keys == sorted(keys)


def test_dedupe_keeps_latest_by_time_then_read_order():
    records = [(0, 0, 5, 1.0), (0, 0, 9, 2.0), (0, 0, 9, 3.0), (0, 0, 3, 4.0), (1, 0, 1, 5.0)]
    p = process(make_raw(records), k_core=1)
    assert p.interactions[C.RATING].to_pylist() == [3.0, 5.0]
    assert p.stats["n_raw"] == 5 and p.stats["n_after_dedupe"] == 2
    assert process(make_raw(records), k_core=1, dedupe=False).interactions.num_rows == 5


def test_k_core_hand_built_example():
    # peeling cascades: items 2, 3 and user 5 go first, then users 2, 3 and item 4, then user 4
    records = [(0, 0, 1, 4.0), (0, 1, 2, 4.0), (1, 0, 3, 4.0), (1, 1, 4, 4.0),
               (2, 0, 5, 4.0), (2, 2, 6, 4.0), (3, 3, 7, 4.0), (3, 0, 8, 4.0),
               (4, 0, 9, 4.0), (4, 4, 10, 4.0), (5, 4, 11, 4.0)]
    p = process(make_raw(records), k_core=2)
    pairs = set(zip(p.interactions[C.USER].to_pylist(), p.interactions[C.ITEM].to_pylist()))
    assert pairs == {("u0", "i0"), ("u0", "i1"), ("u1", "i0"), ("u1", "i1")}
    assert p.stats["n_after_kcore"] == 4 and p.stats["n_users"] == 2 and p.stats["n_items"] == 2
    assert p.items is None


def is_k_core(pairs, k) -> bool:
    users = [u for u, _ in pairs]
    items = [i for _, i in pairs]
    return all(users.count(u) >= k for u in users) and all(items.count(i) >= k for i in items)


@settings(max_examples=100, deadline=None)
@given(pairs=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=10),
       k=st.integers(2, 3))
def test_k_core_is_the_maximal_k_core(pairs, k):
    pairs = sorted(pairs)
    p = process(make_raw([(u, i, n, 3.0) for n, (u, i) in enumerate(pairs)]), k_core=k)
    got = {pairs[n] for n in read_index(p)}
    assert is_k_core(list(got), k)
    cores = [set(s) for size in range(len(pairs) + 1)
             for s in itertools.combinations(pairs, size) if is_k_core(list(s), k)]
    assert got == set().union(*cores)


def test_leave_last_split():
    # user 0: read order not time order; user 1: ties at the end; user 2: only 2 rows
    records = [(0, 0, 30, 1.0), (0, 1, 10, 2.0), (0, 2, 20, 3.0), (0, 3, 5, 4.0),
               (1, 0, 7, 1.0), (1, 1, 9, 2.0), (1, 2, 9, 3.0), (2, 0, 1, 4.0), (2, 1, 2, 5.0)]
    p = process(make_raw(records), k_core=1)
    got = dict(zip(read_index(p), p.interactions[C.SPLIT].to_pylist()))
    assert got == {0: "test", 2: "valid", 1: "train", 3: "train",
                   6: "test", 5: "valid", 4: "train", 7: "train", 8: "train"}
    assert (p.stats["n_train"], p.stats["n_valid"], p.stats["n_test"]) == (5, 2, 2)


def test_split_returns_rows_with_positions():
    p = process(generate(n_users=60, n_items=40, seed=2))
    for name in C.SPLITS:
        part = p.split(name)
        assert part.num_rows == p.stats[f"n_{name}"]
        expected = p.interactions.take(part[C.ROW]).to_pandas()
        assert expected.equals(part.drop_columns([C.ROW]).to_pandas())  # NaN-aware
        pieces = pa.concat_tables(list(p.split_parts(name, part_rows=97)))
        assert pieces.to_pandas().equals(part.to_pandas())
    with pytest.raises(ValueError):
        p.split("holdout")


def test_cache_round_trip(tmp_path):
    p = process(generate(n_users=60, n_items=40, seed=2))
    cache.write_processed(p, tmp_path / "ds", {"source": "test"})
    assert cache.is_complete(tmp_path / "ds")
    back, stats = cache.read_processed(tmp_path / "ds")
    assert back.interactions.to_pandas().equals(p.interactions.to_pandas())
    assert back.reviews.equals(p.reviews) and C.REVIEW_TEXT not in back.interactions.column_names
    assert np.array_equal(back.item_order, p.item_order) and back.items.equals(p.items)
    assert stats == {"processing": p.stats, "source": "test"}
    for name in C.SPLITS:
        on_disk = pq.read_table(tmp_path / "ds" / f"{name}.parquet").to_pandas()
        assert on_disk.equals(p.split(name).to_pandas())


@settings(max_examples=100, deadline=None)
@given(records=records_strategy, valid_frac=st.sampled_from([0.0, 0.1, 0.3]),
       test_frac=st.sampled_from([0.0, 0.1, 0.2]))
def test_global_time_respects_one_cut(records, valid_frac, test_frac):
    p = process(make_raw(records), k_core=1, split_strategy="global_time",
                valid_frac=valid_frac, test_frac=test_frac)
    times = {name: p.split(name)[C.TIMESTAMP].to_pylist() for name in C.SPLITS}
    assert max(times["train"], default=-1) < min(times["valid"] + times["test"], default=99)
    assert max(times["valid"], default=-1) < min(times["test"], default=99)
    n = p.interactions.num_rows
    assert len(times["test"]) >= round(test_frac * n)
    assert len(times["valid"]) + len(times["test"]) >= round(valid_frac * n) + round(test_frac * n)


def test_global_time_fractions_on_synthetic_data():
    p = process(generate(seed=1), split_strategy="global_time", valid_frac=0.1, test_frac=0.2)
    n = p.interactions.num_rows
    assert p.stats["n_test"] == pytest.approx(0.2 * n, abs=3)
    assert p.stats["n_valid"] == pytest.approx(0.1 * n, abs=3)
    train, valid, test = (p.split(name)[C.TIMESTAMP].to_numpy() for name in C.SPLITS)
    assert train.max() < valid.min() and valid.max() < test.min()


def test_stats_and_items_restricted_to_remaining():
    raw = generate(n_users=80, n_items=200, seed=4)
    n_raw = raw.interactions.num_rows
    p = process(raw, k_core=5)
    assert raw.interactions is None  # consumed, so its memory is released while processing
    kept = set(p.interactions[C.ITEM].to_pylist())
    assert set(p.items[C.ITEM].to_pylist()) == kept and p.stats["n_items"] == len(kept)
    assert p.stats["n_users"] == len(set(p.interactions[C.USER].to_pylist()))
    assert p.stats["n_raw"] == n_raw
    assert sum(p.stats[f"n_{s}"] for s in C.SPLITS) == p.stats["n_after_kcore"]
    assert p.interactions.column_names == [C.USER, C.ITEM, C.RATING, C.TIMESTAMP, C.REVIEW_ROW,
                                           C.SPLIT, *C.CONTEXT_COLUMNS]
    assert p.reviews.column_names == list(C.REVIEW_COLUMNS) and p.reviews.num_rows == n_raw


@settings(max_examples=100, deadline=None)
@given(records=records_strategy, dedupe=st.booleans(), k_core=st.integers(1, 3),
       chunk_sizes=st.lists(st.integers(1, 10), max_size=4))
def test_reviews_stay_in_read_order_and_review_row_points_at_them(records, dedupe, k_core,
                                                                  chunk_sizes):
    raw = make_raw(records, chunk_sizes)
    texts = {name: raw.interactions[name] for name in C.REVIEW_COLUMNS}
    p = process(raw, dedupe=dedupe, k_core=k_core)
    for name, column in texts.items():
        assert p.reviews[name].equals(column)  # the input's text, in read order
    assert review_texts(p) == [f"r{n}" for n in p.interactions[C.REVIEW_ROW].to_pylist()]
    titles = p.reviews[C.REVIEW_TITLE].take(p.interactions[C.REVIEW_ROW]).to_pylist()
    assert titles == [None if n % 3 == 0 else f"t{n}" for n in read_index(p)]


def test_reviews_share_the_input_buffers():
    raw = generate(n_users=30, n_items=40, seed=3)
    buffers = {name: [chunk.buffers()[2].address for chunk in raw.interactions[name].chunks]
               for name in C.REVIEW_COLUMNS}
    p = process(raw)
    for name, addresses in buffers.items():  # zero-copy: the text is never gathered
        assert [chunk.buffers()[2].address for chunk in p.reviews[name].chunks] == addresses


def test_empty_and_unknown_strategy():
    p = process(make_raw([]))
    assert p.interactions.num_rows == 0 and len(p.item_order) == 0
    with pytest.raises(ValueError):
        process(make_raw([(0, 0, 1, 3.0)]), split_strategy="random")
