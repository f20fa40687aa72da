"""ContextBuilder output: structure, snippets, metadata fallbacks, and no target leakage."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recexp.data import columns as C
from recexp.data.context import ELLIPSIS, ContextBuilder, snippet
from recexp.data.processing import process
from recexp.data.raw import RawData
from recexp.data.synthetic import generate


@pytest.fixture(scope="module")
def processed():
    return process(generate(n_users=100, n_items=60, seed=11), history_k=4, item_reviews_k=3)


def test_snippet_cuts_at_word_boundary():
    assert snippet("short text", 20) == "short text"
    assert snippet(None, 20) == "" and snippet("", 20) == ""
    cut = snippet("the quick brown fox jumps over the lazy dog", 17)
    assert cut == "the quick brown" + ELLIPSIS and len(cut) <= 17
    assert snippet("abcdefghij", 5) == "abcd" + ELLIPSIS


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab \n", max_size=60), max_chars=st.integers(2, 40))
def test_snippet_is_a_bounded_prefix(text, max_chars):
    cut = snippet(text, max_chars)
    assert len(cut) <= max_chars
    assert text.startswith(cut.removesuffix(ELLIPSIS))
    if len(text) > max_chars:
        assert cut.endswith(ELLIPSIS)


def test_context_structure(processed):
    builder = ContextBuilder(processed, snippet_chars=60)
    row = processed.split("test")[C.ROW][0].as_py()
    ctx = builder.build(row)
    assert set(ctx) == {"user_history", "user_avg_rating", "user_n_prior", "target_item",
                        "item_avg_rating", "item_n_prior", "target"}
    assert set(ctx["target"]) == {"user_id", "item_id", "timestamp"}
    assert len(ctx["user_history"]) == 4 and ctx["user_n_prior"] >= 4
    first = ctx["user_history"][0]
    assert set(first) == {"item_id", "title", "categories", "rating", "review_title", "snippet", "timestamp"}
    times = [entry["timestamp"] for entry in ctx["user_history"]]
    assert times == sorted(times)
    assert all(len(entry["snippet"]) <= 60 for entry in ctx["user_history"])
    titles = dict(zip(processed.items[C.ITEM].to_pylist(), processed.items[C.TITLE].to_pylist()))
    assert first["title"] == titles[first["item_id"]]
    item = ctx["target_item"]
    assert set(item) == {"item_id", "title", "description", "categories", "brand", "price",
                         "reviews"}
    assert item["title"] == titles[item["item_id"]] and 1 <= len(item["categories"]) <= 3
    assert len(item["reviews"]) == 3
    assert set(item["reviews"][0]) == {"rating", "review_title", "snippet", "timestamp"}
    assert isinstance(ctx["user_avg_rating"], float) and isinstance(ctx["item_n_prior"], int)


def test_first_interaction_has_empty_context_and_no_average(processed):
    ctx = ContextBuilder(processed).build(0)  # row 0: the first user's first interaction
    assert ctx["user_history"] == [] and ctx["user_avg_rating"] is None
    assert ctx["user_n_prior"] == 0
    with pytest.raises(IndexError):
        ContextBuilder(processed).build(processed.interactions.num_rows)


def test_without_item_table_titles_fall_back_to_item_id(processed):
    ids = processed.interactions.select([C.USER, C.ITEM, C.RATING, C.TIMESTAMP])
    texts = processed.reviews.take(processed.interactions[C.REVIEW_ROW])
    bare = process(RawData(pa.Table.from_arrays([*ids.columns, *texts.columns],
                                                names=[*ids.column_names, *texts.column_names])))
    ctx = ContextBuilder(bare).build(bare.interactions.num_rows - 1)
    assert all(entry["title"] == entry["item_id"] for entry in ctx["user_history"])
    assert ctx["target_item"]["title"] == ctx["target_item"]["item_id"]
    assert ctx["target_item"]["categories"] == [] and ctx["target_item"]["price"] is None


def test_review_text_follows_review_row(processed):
    """Every shown review carries the title and text of its own row, fetched via review_row."""
    builder = ContextBuilder(processed, snippet_chars=1000)
    table = processed.interactions
    review_row = table[C.REVIEW_ROW].to_numpy()
    titles = processed.reviews[C.REVIEW_TITLE].to_pylist()
    texts = processed.reviews[C.REVIEW_TEXT].to_pylist()
    for row in range(0, table.num_rows, 13):
        ctx = builder.build(row)
        user_start = table[C.USER_CTX_START][row].as_py()
        item_start = table[C.ITEM_CTX_START][row].as_py()
        shown = [*zip(ctx["user_history"], itertools.count(user_start)),
                 *zip(ctx["target_item"]["reviews"], processed.item_order[item_start:])]
        for entry, ctx_row in shown:
            assert entry["review_title"] == titles[review_row[ctx_row]]
            assert entry["snippet"] == texts[review_row[ctx_row]]


def test_synthetic_contexts_only_show_the_past(processed):
    builder = ContextBuilder(processed)
    for row in range(processed.interactions.num_rows):
        ctx = builder.build(row)
        t = ctx["target"]["timestamp"]
        shown = ctx["user_history"] + ctx["target_item"]["reviews"]
        assert all(entry["timestamp"] < t for entry in shown)
        assert all(entry["item_id"] != ctx["target"]["item_id"] for entry in ctx["user_history"])


@settings(max_examples=200, deadline=None)
@given(records=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 4)),
                        max_size=30),
       k=st.integers(1, 3), dedupe=st.booleans())
def test_context_never_contains_the_target_row(records, k, dedupe):
    """Every review text is unique ('r<n>'), so a leaked target would show up verbatim."""
    table = pa.table({
        C.USER: pa.array([f"u{u}" for u, _, _ in records], pa.string()),
        C.ITEM: pa.array([f"i{i}" for _, i, _ in records], pa.string()),
        C.RATING: pa.array([float(1 + n % 5) for n in range(len(records))], pa.float64()),
        C.TIMESTAMP: pa.array([t for _, _, t in records], pa.int64()),
        C.REVIEW_TITLE: pa.array([f"t{n}" for n in range(len(records))], pa.string()),
        C.REVIEW_TEXT: pa.array([f"r{n}" for n in range(len(records))], pa.string()),
    })
    p = process(RawData(table), k_core=k, dedupe=dedupe)
    builder = ContextBuilder(p)
    texts = p.reviews[C.REVIEW_TEXT].take(p.interactions[C.REVIEW_ROW]).to_pylist()
    times = p.interactions[C.TIMESTAMP].to_pylist()
    for row in range(p.interactions.num_rows):
        ctx = builder.build(row)
        assert "rating" not in ctx["target"]
        shown = ctx["user_history"] + ctx["target_item"]["reviews"]
        assert texts[row] not in {entry["snippet"] for entry in shown}
        assert all(entry["timestamp"] < times[row] for entry in shown)
