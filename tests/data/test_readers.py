"""Raw-file readers: real sample slices, malformed lines, strict mode, block boundaries."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from recexp.data import jsonl
from recexp.data.columns import INTERACTION_COLUMNS, ITEM, ITEM_COLUMNS
from recexp.data.raw import MalformedInputError
from recexp.data.readers import DATA_FORMATS, read_raw

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"

INTERACTION_TYPES = [pa.string(), pa.string(), pa.float64(), pa.int64(), pa.string(), pa.string()]
ITEM_TYPES = [pa.string(), pa.string(), pa.string(), pa.list_(pa.string()), pa.string(),
              pa.float64()]

# folder, format, reviews, meta, reviews, users, items (README figures; yelp: users unchecked)
SAMPLES = [
    ("amazon2014_digital_music", "amazon2014", "reviews_Digital_Music_5.partial.json.gz",
     "meta_Digital_Music.partial.json.gz", 6908, 2490, 382),
    ("amazon2014_musical_instruments", "amazon2014", "reviews_Musical_Instruments_5.json.gz",
     "meta_Musical_Instruments.json.gz", 10261, 1429, 900),
    ("amazon2018_all_beauty", "amazon2018", "All_Beauty_5.json.gz", "item_titles.jsonl",
     5269, 991, 85),
    ("amazon2023_multicat", "amazon2023", "reviews.jsonl.gz", "meta.jsonl.gz", 3455, 354, 3228),
    ("yelp_sample", "yelp", "yelp_academic_dataset_review.head.json.gz", None, 3610, None, None),
]


def shared_sample(folder: str) -> Path:
    if not (SHARED / folder).is_dir():
        pytest.skip(f"shared sample data not found at {SHARED}")
    return SHARED / folder


def write_lines(path: Path, lines: list[str], gz: bool = False) -> Path:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def review(user="u1", item="i1", rating=5.0, ts=1_400_000_000, **extra) -> dict:
    """An Amazon 2014 review record; a field passed as None is left out."""
    record = {"reviewerID": user, "asin": item, "overall": rating, "unixReviewTime": ts,
              "summary": "title", "reviewText": "text", "helpful": [0, 0], **extra}
    return {key: value for key, value in record.items() if value is not None}


def review_line(**fields) -> str:
    return json.dumps(review(**fields))


def assert_contract(data) -> None:
    table = data.interactions
    assert table.column_names == list(INTERACTION_COLUMNS)
    assert table.schema.types == INTERACTION_TYPES
    if data.items is not None:
        assert data.items.column_names == list(ITEM_COLUMNS)
        assert data.items.schema.types == ITEM_TYPES


# --- real sample slices ------------------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.parametrize("folder, fmt, reviews, meta, n_reviews, n_users, n_items", SAMPLES)
def test_reads_shared_sample(folder, fmt, reviews, meta, n_reviews, n_users, n_items):
    root = shared_sample(folder)
    data = read_raw(fmt, root / reviews, meta and root / meta, progress=False)
    table = data.interactions
    assert_contract(data)
    assert table.num_rows == data.n_lines == n_reviews
    assert data.skipped == {}
    assert pc.all(pc.and_(pc.greater_equal(table["rating"], 1),
                          pc.less_equal(table["rating"], 5))).as_py()
    for column in ("user_id", "item_id"):
        assert pc.min(pc.utf8_length(table[column])).as_py() > 0
    if n_users is not None:
        assert pc.count_distinct(table["user_id"]).as_py() == n_users
        assert pc.count_distinct(table["item_id"]).as_py() == n_items
    low, high = pc.min_max(table["timestamp"]).values()
    assert 788_918_400 <= low.as_py() <= high.as_py() <= 1_893_456_000  # 1995 .. 2030
    assert (data.items is None) == (meta is None)


@pytest.mark.shared_data
def test_amazon2014_every_reviewed_item_has_a_title():
    root = shared_sample("amazon2014_digital_music")
    data = read_raw("amazon2014", root / "reviews_Digital_Music_5.partial.json.gz",
                    root / "meta_Digital_Music.partial.json.gz", progress=False)
    titled = data.items.filter(pc.is_valid(data.items["title"]))[ITEM]
    assert pc.all(pc.is_in(data.interactions[ITEM], value_set=titled)).as_py()
    assert data.items.num_rows == 7419
    assert pc.count_distinct(data.items[ITEM]).as_py() == 7419


@pytest.mark.shared_data
def test_amazon2023_timestamps_become_seconds():
    root = shared_sample("amazon2023_multicat")
    table = read_raw("amazon2023", root / "reviews.jsonl.gz", progress=False).interactions
    low, high = pc.min_max(table["timestamp"]).values()
    assert 946_684_800 <= low.as_py() <= high.as_py() <= 1_893_456_000  # 2000 .. 2030
    assert table["timestamp"][0].as_py() == 1627679830  # 1627679830425 ms


@pytest.mark.shared_data
def test_small_blocks_give_the_same_tables(monkeypatch):
    root = shared_sample("amazon2014_digital_music")
    paths = (root / "reviews_Digital_Music_5.partial.json.gz",
             root / "meta_Digital_Music.partial.json.gz")
    whole = read_raw("amazon2014", *paths, progress=False)
    monkeypatch.setattr(jsonl, "DEFAULT_BLOCK_BYTES", 64 << 10)
    blocked = read_raw("amazon2014", *paths, progress=False)
    assert blocked.interactions.equals(whole.interactions)
    assert blocked.items.equals(whole.items)


# --- malformed lines ---------------------------------------------------------------------------

MALFORMED = [
    review_line(user="good1"),                                   # 1
    '{"reviewerID": "u2", "asin": ',                             # 2 bad_json
    "",                                                          # 3 blank
    review_line(user=None),                                      # 4 missing_user
    review_line(user=""),                                        # 5 missing_user
    review_line(item=None),                                      # 6 missing_item
    review_line(rating=None),                                    # 7 missing_rating
    review_line(rating=0),                                       # 8 bad_rating
    review_line(rating=7),                                       # 9 bad_rating
    review_line(rating="five"),                                  # 10 bad_rating
    review_line(rating=float("nan")),                            # 11 bad_rating
    review_line(ts=None),                                        # 12 bad_timestamp
    "[1, 2]",                                                    # 13 bad_json
    "   ",                                                       # 14 blank
    review_line(user="good2", rating=1),                         # 15
]
MALFORMED_COUNTS = {"bad_json": 2, "missing_user": 2, "missing_item": 1, "missing_rating": 1,
                    "bad_rating": 4, "bad_timestamp": 1}


@pytest.mark.parametrize("gz", [False, True])
def test_malformed_lines_are_counted_and_skipped(tmp_path, gz, caplog):
    path = write_lines(tmp_path / "reviews.json", MALFORMED, gz=gz)
    with caplog.at_level(logging.WARNING):
        data = read_raw("amazon2014", path, progress=False)
    assert data.skipped == MALFORMED_COUNTS
    assert data.n_lines == 13
    assert data.interactions["user_id"].to_pylist() == ["good1", "good2"]
    assert data.interactions["rating"].to_pylist() == [5.0, 1.0]
    assert "bad_rating" in caplog.text


def test_valid_rows_only_log_nothing(tmp_path, caplog):
    path = write_lines(tmp_path / "reviews.json", [review_line(), review_line(user="u2")])
    with caplog.at_level(logging.WARNING):
        data = read_raw("amazon2014", path, progress=False)
    assert data.skipped == {} and data.n_lines == 2 and caplog.text == ""


@pytest.mark.parametrize("lines, line, reason", [
    (MALFORMED, 2, "bad_json"),
    ([review_line(), "", review_line(), review_line(rating=9)], 4, "bad_rating"),  # Arrow path
    ([review_line(), "", review_line(ts=None), review_line(rating="five")], 3, "bad_timestamp"),
    ([review_line(), "", review_line(), review_line(rating="five")], 4, "bad_rating"),
])
def test_strict_names_file_and_line(tmp_path, lines, line, reason):
    path = write_lines(tmp_path / "reviews.json", lines)
    with pytest.raises(MalformedInputError) as error:
        read_raw("amazon2014", path, strict=True, progress=False)
    assert str(path) in str(error.value)
    assert f"line {line}:" in str(error.value)
    assert reason in str(error.value)


@pytest.mark.parametrize("bad_line, reason", [
    (review_line(user=None), "missing_user"),  # found by the vectorised checks
    ("{broken", "bad_json"),                   # found after halving the rejected block
])
def test_strict_line_numbers_span_blocks(tmp_path, monkeypatch, bad_line, reason):
    lines = [review_line(user=f"u{i}") if i % 7 else "" for i in range(1, 400)]
    lines[300] = bad_line
    path = write_lines(tmp_path / "reviews.json.gz", lines, gz=True)
    monkeypatch.setattr(jsonl, "DEFAULT_BLOCK_BYTES", 8000)
    monkeypatch.setattr(jsonl, "MIN_SPLIT_BYTES", 300)
    with pytest.raises(MalformedInputError, match=f"line 301: .*{reason}"):
        read_raw("amazon2014", path, strict=True, progress=False)


@pytest.mark.parametrize("block_bytes, min_split", [(None, None), (700, None), (8000, 300)])
def test_blocks_match_line_by_line_parsing(tmp_path, monkeypatch, block_bytes, min_split):
    lines = [line for i in range(40) for line in MALFORMED if i % 3 or "five" not in line]
    path = write_lines(tmp_path / "reviews.json", lines)
    monkeypatch.setattr(jsonl, "DEFAULT_BLOCK_BYTES", block_bytes or jsonl.DEFAULT_BLOCK_BYTES)
    monkeypatch.setattr(jsonl, "MIN_SPLIT_BYTES", min_split or jsonl.MIN_SPLIT_BYTES)
    blocked = read_raw("amazon2014", path, progress=False)

    def reject(*args, **kwargs):
        raise pa.ArrowInvalid("forced line-by-line parsing")

    monkeypatch.setattr(jsonl.pj, "read_json", reject)
    by_line = read_raw("amazon2014", path, progress=False)
    assert blocked.interactions.equals(by_line.interactions)
    assert blocked.skipped == by_line.skipped
    assert blocked.n_lines == by_line.n_lines
    assert by_line.interactions.num_rows == 80


def test_two_objects_on_one_line_are_bad_json(tmp_path):
    path = write_lines(tmp_path / "reviews.json", [review_line(), review_line() + review_line()])
    data = read_raw("amazon2014", path, progress=False)
    assert data.skipped == {"bad_json": 1} and data.interactions.num_rows == 1


def test_invalid_utf8_is_bad_json(tmp_path):
    path = tmp_path / "reviews.json"
    path.write_bytes(review_line().encode() + b"\n" + review_line().encode()[:-3] + b'\xff"}\n')
    data = read_raw("amazon2014", path, progress=False)
    assert data.skipped == {"bad_json": 1} and data.interactions.num_rows == 1


# --- formats -----------------------------------------------------------------------------------


def test_gzip_is_detected_by_magic_bytes(tmp_path):
    lines = [review_line(), review_line(user="u2")]
    gz_named_plain = write_lines(tmp_path / "reviews.json", lines, gz=True)
    plain_named_gz = write_lines(tmp_path / "reviews.json.gz", lines)
    for path in (gz_named_plain, plain_named_gz):
        assert read_raw("amazon2014", path, progress=False).interactions.num_rows == 2


def test_review_text_is_truncated(tmp_path):
    path = write_lines(tmp_path / "reviews.json", [review_line(reviewText="héllo wörld")])
    assert read_raw("amazon2014", path, max_review_chars=5,
                    progress=False).interactions["review_text"].to_pylist() == ["héllo"]
    assert read_raw("amazon2014", path, max_review_chars=None,
                    progress=False).interactions["review_text"].to_pylist() == ["héllo wörld"]


def test_amazon2014_meta_literals(tmp_path):
    marker = tmp_path / "executed"
    meta = write_lines(tmp_path / "meta.json", [
        "{'asin': 'A', 'title': \"Don't\", 'price': 9.5, 'salesRank': {'Music': 3}, "
        "'categories': [['Music', 'Pop'], ['Music', 'Rock']], 'related': {'x': ['B']}}",
        f"{{'asin': 'X', 'title': __import__('os').mkdir({str(marker)!r})}}",
        "{'title': 'no id'}",
        '{"asin": "B", "title": "json line", "brand": "Acme"}',
        "{'asin': 'A', 'title': 'duplicate'}",
    ], gz=True)
    reviews = write_lines(tmp_path / "reviews.json", [review_line(item="A")])
    data = read_raw("amazon2014", reviews, meta, progress=False)
    assert not marker.exists()
    assert data.skipped == {"meta_bad_line": 1, "meta_missing_item": 1, "meta_duplicate_item": 1}
    assert data.items.to_pylist() == [
        {"item_id": "A", "title": "Don't", "description": None,
         "categories": ["Music", "Pop", "Rock"], "brand": None, "price": 9.5},
        {"item_id": "B", "title": "json line", "description": None, "categories": None,
         "brand": "Acme", "price": None},
    ]
    assert_contract(data)


def test_amazon2014_meta_strict(tmp_path):
    meta = write_lines(tmp_path / "meta.json", ["{'asin': 'A'}", "{'asin': 'B', 'title': f()}"])
    reviews = write_lines(tmp_path / "reviews.json", [review_line(item="A")])
    with pytest.raises(MalformedInputError, match="line 2: .*meta_bad_line"):
        read_raw("amazon2014", reviews, meta, strict=True, progress=False)


def test_amazon2018_meta(tmp_path):
    meta = write_lines(tmp_path / "meta.json", [json.dumps(record) for record in [
        {"asin": "A", "title": "t", "description": ["a", "b"], "category": ["X", "Y", "X"],
         "brand": "Acme", "price": "$1,299.99", "details": {"k": 1}},
        {"asin": "B", "title": "t2", "price": ""},
        {"asin": "C", "price": '<span class="a">x</span>', "brand": ""},
    ]])
    reviews = write_lines(tmp_path / "reviews.json", [review_line(item="A", verified=True,
                                                                  style={"Size:": "1"})])
    data = read_raw("amazon2018", reviews, meta, progress=False)
    assert data.items.to_pylist() == [
        {"item_id": "A", "title": "t", "description": "a b", "categories": ["X", "Y"],
         "brand": "Acme", "price": 1299.99},
        {"item_id": "B", "title": "t2", "description": None, "categories": None, "brand": None,
         "price": None},
        {"item_id": "C", "title": None, "description": None, "categories": None, "brand": None,
         "price": None},
    ]
    assert data.interactions.num_rows == 1
    assert_contract(data)


def test_amazon2023(tmp_path):
    base = {"title": "t", "text": "x", "asin": "child", "parent_asin": "P", "user_id": "u",
            "helpful_vote": 0, "verified_purchase": True}
    reviews = write_lines(tmp_path / "reviews.jsonl", [
        json.dumps({**base, "rating": 4.0, "timestamp": 1627679830425}),
        json.dumps({**base, "rating": "4.5", "timestamp": 1627679830999}),
        json.dumps({**base, "parent_asin": None, "rating": 4.0, "timestamp": 1}),
    ])
    meta = write_lines(tmp_path / "meta.jsonl", [json.dumps(record) for record in [
        {"parent_asin": "P", "title": "t", "main_category": "Books", "categories": ["Books", "SF"],
         "description": ["d"], "store": "S", "price": 12.5, "images": [{"a": 1}]},
        {"parent_asin": "Q", "title": "q", "main_category": None, "price": "17.25"},
        {"parent_asin": "R", "price": "from $3"},
    ]])
    data = read_raw("amazon2023", reviews, meta, progress=False)
    assert data.interactions.select(["item_id", "rating", "timestamp"]).to_pylist() == [
        {"item_id": "P", "rating": 4.0, "timestamp": 1627679830},
        {"item_id": "P", "rating": 4.5, "timestamp": 1627679830},
    ]
    assert data.skipped == {"missing_item": 1}
    assert data.items.to_pylist() == [
        {"item_id": "P", "title": "t", "description": "d", "categories": ["Books", "SF"],
         "brand": "S", "price": 12.5},
        {"item_id": "Q", "title": "q", "description": None, "categories": None, "brand": None,
         "price": 17.25},
        {"item_id": "R", "title": None, "description": None, "categories": None, "brand": None,
         "price": None},
    ]
    assert_contract(data)


def test_yelp(tmp_path):
    base = {"review_id": "r", "user_id": "u", "business_id": "b", "useful": 0, "funny": 0,
            "cool": 0, "text": "t"}
    reviews = write_lines(tmp_path / "review.json", [
        json.dumps({**base, "stars": 4, "date": "2018-07-07 22:09:11"}),
        json.dumps({**base, "stars": 5, "date": "2016-03-09"}),
        json.dumps({**base, "stars": 5, "date": "yesterday"}),
    ], gz=True)
    business = write_lines(tmp_path / "business.json", [
        json.dumps({"business_id": "b", "name": "Cafe", "categories": "Food, Coffee, Food",
                    "attributes": {"WiFi": "free"}, "stars": 4.5}),
        json.dumps({"business_id": "c", "name": "Shop", "categories": None}),
    ])
    data = read_raw("yelp", reviews, business, progress=False)
    assert data.interactions.select(["timestamp", "review_title"]).to_pylist() == [
        {"timestamp": 1531001351, "review_title": None},
        {"timestamp": 1457481600, "review_title": None},
    ]
    assert data.skipped == {"bad_timestamp": 1}
    assert data.items.select(["item_id", "title", "categories"]).to_pylist() == [
        {"item_id": "b", "title": "Cafe", "categories": ["Food", "Coffee"]},
        {"item_id": "c", "title": "Shop", "categories": None},
    ]
    assert_contract(data)


def test_empty_file_gives_empty_tables(tmp_path):
    path = write_lines(tmp_path / "reviews.json", [])
    data = read_raw("yelp", path, path, progress=False)
    assert data.interactions.num_rows == 0 and data.items.num_rows == 0
    assert_contract(data)


def test_registry_and_unknown_format(tmp_path):
    readers = {name for name, _ in DATA_FORMATS.items()}
    assert readers == {"amazon2014", "amazon2018", "amazon2023", "yelp", "imdb", "exp3rt"}
    assert set(DATA_FORMATS.names()) == readers | {"synthetic"}  # the allowed dataset.format values
    with pytest.raises(ValueError, match="amazon2014.*yelp"):
        read_raw("netflix", tmp_path / "x.json")
