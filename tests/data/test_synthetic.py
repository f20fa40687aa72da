"""The synthetic generator: determinism, value ranges, and learnable rating structure."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from recexp.data import columns as C
from recexp.data.processing import process
from recexp.data.synthetic import ATTRIBUTES, generate


@pytest.fixture(scope="module")
def raw():
    return generate()  # the default size: must be quick (< 2 s)


def test_same_seed_same_tables_other_seed_differs():
    a, b = generate(n_users=50, n_items=40, seed=7), generate(n_users=50, n_items=40, seed=7)
    assert a.interactions.equals(b.interactions) and a.items.equals(b.items)
    c = generate(n_users=50, n_items=40, seed=8)
    assert not a.interactions.equals(c.interactions)


def test_shapes_and_value_ranges():
    raw = generate(n_users=70, n_items=50, n_attributes=6, min_per_user=4, max_per_user=9, seed=3)
    df = raw.interactions.to_pandas()
    assert raw.interactions.column_names == list(C.INTERACTION_COLUMNS)
    assert raw.items.column_names == list(C.ITEM_COLUMNS)
    assert raw.n_lines == len(df)
    per_user = df.groupby(C.USER)
    assert per_user.size().between(4, 9).all() and per_user.ngroups == 70
    assert (per_user[C.ITEM].nunique() == per_user.size()).all()
    assert per_user[C.TIMESTAMP].apply(lambda t: t.is_monotonic_increasing and t.is_unique).all()
    assert df[C.TIMESTAMP].is_monotonic_increasing  # a log in time order, users interleaved
    assert not df[C.USER].is_monotonic_increasing
    assert df[C.TIMESTAMP].max() - df[C.TIMESTAMP].min() < 2.1 * 365 * 24 * 3600
    assert set(df[C.RATING]) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert df[C.REVIEW_TEXT].str.len().between(100, 400).all()
    assert df[C.REVIEW_TITLE].str.len().gt(0).all()
    items = raw.items.to_pandas()
    assert len(items) == 50 and items[C.TITLE].is_unique and set(df[C.ITEM]) <= set(items[C.ITEM])
    allowed = set(ATTRIBUTES[:6])
    assert items[C.CATEGORIES].apply(lambda c: 1 <= len(c) <= 3 and set(c) <= allowed).all()
    assert (items[C.PRICE] > 0).all() and items[C.BRAND].notna().all()


def test_reviews_mention_item_title_and_attributes():
    raw = generate(n_users=20, n_items=30, seed=1)
    titles = dict(zip(raw.items[C.ITEM].to_pylist(), raw.items[C.TITLE].to_pylist()))
    categories = dict(zip(raw.items[C.ITEM].to_pylist(), raw.items[C.CATEGORIES].to_pylist()))
    for item, text in zip(raw.interactions[C.ITEM].to_pylist(),
                          raw.interactions[C.REVIEW_TEXT].to_pylist()):
        assert titles[item] in text
        assert all(category in text for category in categories[item])


def test_invalid_sizes_raise():
    with pytest.raises(ValueError):
        generate(n_attributes=len(ATTRIBUTES) + 1)
    with pytest.raises(ValueError):
        generate(n_items=10, min_per_user=8, max_per_user=30)


def test_rating_distribution_is_not_degenerate(raw):
    shares = pc.value_counts(raw.interactions[C.RATING]).to_pylist()
    shares = {row["values"]: row["counts"] / raw.interactions.num_rows for row in shares}
    assert set(shares) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert max(shares.values()) <= 0.45


def test_context_predictor_beats_global_mean(raw):
    """Prior means plus liked / disliked attributes seen in the history predict test ratings."""
    p = process(raw)
    df = p.interactions.to_pandas()
    categories = dict(zip(p.items[C.ITEM].to_pylist(), p.items[C.CATEGORIES].to_pylist()))
    global_mean = df.loc[df[C.SPLIT] == "train", C.RATING].mean()
    test = df[df[C.SPLIT] == "test"]
    predictions = [predict(df, categories, row, global_mean) for row in test.itertuples()]
    mae = np.abs(np.array(predictions) - test[C.RATING].to_numpy()).mean()
    mae_global = np.abs(global_mean - test[C.RATING].to_numpy()).mean()
    assert mae < 0.85 * mae_global


def predict(df, categories, row, global_mean) -> float:
    user_mean = row.user_prior_mean if row.user_prior_n else global_mean
    item_shift = row.item_prior_mean - global_mean if row.item_prior_n else 0.0
    history = df.iloc[row.user_ctx_start:row.user_ctx_end]
    liked = {c for item in history.loc[history[C.RATING] >= 4, C.ITEM] for c in categories[item]}
    disliked = {c for item in history.loc[history[C.RATING] <= 2, C.ITEM] for c in categories[item]}
    target = categories[row.item_id]
    overlap = (len(liked.intersection(target)) - len(disliked.intersection(target))) / len(target)
    return float(np.clip(user_mean + item_shift + 0.8 * overlap, 1, 5))
