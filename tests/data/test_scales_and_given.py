"""Rating scales in the readers, the IMDb and EXP3RT readers, and given (pre-split) files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest
from omegaconf import OmegaConf

from recexp.config import DatasetConfig
from recexp.data.columns import SPLITS
from recexp.data.pipeline import load_dataset
from recexp.data.processing import process
from recexp.data.raw import MalformedInputError
from recexp.data.readers import read_raw
from recexp.data.scale import DEFAULT_SCALE, RatingScale

IMDB10 = RatingScale(1, 10)


def imdb_review(user="ur1", movie="tt01", rating="8", date="10 February 2006", **extra) -> str:
    record = {"review_date": date, "movie_id": movie, "user_id": user, "is_spoiler": False,
              "review_text": "A fine film.", "rating": rating, "review_summary": "Fine", **extra}
    return json.dumps({k: v for k, v in record.items() if v is not None})


def imdb_movie(movie="tt01", genre=("Drama", "Crime")) -> str:
    return json.dumps({"movie_id": movie, "plot_summary": f"The plot of {movie}.", "duration": "2h 1min",
                       "genre": list(genre), "rating": 8.1, "release_date": "1994-10-14",
                       "plot_synopsis": "..."})


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def exp3rt_record(user="/user/ur1/", item="0000001", score="7") -> dict:
    return {"user_id": user, "item_id": item, "user_persona": "[Like]\n- x\n\n[Average Rating]\n7.0",
            "item_synopsis": "[Like]\n- y", "score": score,
            "item_description": f"Title: Movie {item} (1999)\nGenres: Drama, Comedy\nDirectors: A B\nPlot: Things."}


def test_scale_basics():
    assert DEFAULT_SCALE.levels == (1, 2, 3, 4, 5) and DEFAULT_SCALE.width == 4.0
    assert IMDB10.levels == tuple(range(1, 11)) and IMDB10.at(0.75) == 7.75
    assert IMDB10.clip(np.array([0.2, 11.0])).tolist() == [1.0, 10.0]
    for bad in ([5, 1], [1, 1], [1.5, 5], [1, 5, 10]):
        with pytest.raises(ValueError, match="dataset.rating_scale"):
            RatingScale.of(bad)


def test_imdb_reader_on_a_1_to_10_scale(tmp_path):
    reviews = write(tmp_path / "IMDB_reviews.json", [
        imdb_review(rating="10"), imdb_review(user="ur2", rating="1"),
        imdb_review(user="ur3", rating="11"), imdb_review(user="ur4", rating="0"),
        imdb_review(user="ur5", rating="ten"), imdb_review(user="ur6", rating=None),
        imdb_review(user="ur7", date="yesterday"), '{"movie_id": ',
    ])
    meta = write(tmp_path / "IMDB_movie_details.json", [imdb_movie()])
    data = read_raw("imdb", reviews, meta, progress=False, scale=IMDB10)
    assert data.interactions["rating"].to_pylist() == [10.0, 1.0]
    assert data.interactions["timestamp"].to_pylist() == [1139529600, 1139529600]  # 2006-02-10 UTC
    assert data.interactions["review_title"].to_pylist() == ["Fine", "Fine"]
    assert data.skipped == {"bad_rating": 3, "missing_rating": 1, "bad_timestamp": 1, "bad_json": 1}
    item = data.items.to_pylist()[0]
    assert item["categories"] == ["Drama", "Crime"] and item["description"] == "The plot of tt01."
    assert item["title"] is None  # the details file has no title: prompts show the id


def test_the_scale_decides_what_is_a_bad_rating(tmp_path):
    reviews = write(tmp_path / "r.json", [imdb_review(rating=str(r)) for r in (1, 5, 6, 10)])
    on_five = read_raw("imdb", reviews, progress=False)
    assert on_five.interactions["rating"].to_pylist() == [1.0, 5.0]
    assert on_five.skipped == {"bad_rating": 2}


def test_exp3rt_reader(tmp_path):
    records = [exp3rt_record(), exp3rt_record(user="/user/ur2/", score="10"), [1, 2],
               exp3rt_record(score="11"), exp3rt_record(user=None)]
    path = tmp_path / "test.json"
    path.write_text(json.dumps(records, indent=2))
    data = read_raw("exp3rt", path, scale=IMDB10)
    assert data.interactions["rating"].to_pylist() == [7.0, 10.0]
    assert data.interactions["timestamp"].null_count == 2  # the files have no timestamps
    assert data.skipped == {"bad_record": 1, "bad_rating": 1, "missing_user": 1} and data.n_lines == 5
    item = data.items.to_pylist()[0]
    assert item["title"] == "Movie 0000001 (1999)" and item["categories"] == ["Drama", "Comedy"]
    assert item["description"] == "Directors: A B Plot: Things."
    with pytest.raises(MalformedInputError, match="record 3: malformed input \\(bad_record\\)"):
        read_raw("exp3rt", path, strict=True, scale=IMDB10)


@pytest.mark.shared_data
def test_exp3rt_reader_on_the_real_slice(shared_data):
    path = shared_data / "imdb_exp3rt" / "rating_bias" / "test_helpful.first500.json"
    data = read_raw("exp3rt", path, scale=IMDB10)
    assert data.interactions.num_rows == 500 and data.skipped == {}
    assert pc.count_distinct(data.interactions["user_id"]).as_py() == 219
    assert data.items.num_rows == 401 and data.items["title"].null_count == 0
    assert read_raw("exp3rt", path).skipped == {"bad_rating": 427}  # on 1-5 the 6-10 scores are out


def _load(tmp_path: Path, fmt: str, files: dict):
    cfg = OmegaConf.merge(OmegaConf.structured(DatasetConfig), {
        "name": f"given-{fmt}", "format": fmt, "rating_scale": [1, 10],
        "split": {"strategy": "given", **{f"{name}_path": str(path) for name, path in files.items()}},
    })
    return load_dataset(cfg, tmp_path / "cache")


def test_given_split_with_timestamps_uses_strictly_earlier_interactions(tmp_path):
    files = {
        "train": write(tmp_path / "train.json", [imdb_review(movie=f"tt{i}", rating=str(i + 1),
                                                              date=f"{i + 1} May 2010") for i in range(3)]),
        "valid": write(tmp_path / "valid.json", [imdb_review(movie="tt7", date="1 June 2010")]),
        "test": write(tmp_path / "test.json", [imdb_review(movie="tt8", rating="10", date="1 July 2010"),
                                               imdb_review(user="ur9", movie="tt0", date="1 April 2010")]),
    }
    data = _load(tmp_path, "imdb", files)
    assert data.metrics["data/context_source"] == "earlier_interactions"
    assert {s: data.split(s).num_rows for s in SPLITS} == {"train": 3, "valid": 1, "test": 2}  # no k-core
    test = data.split("test").to_pylist()
    ur1 = next(r for r in test if r["user_id"] == "ur1")
    assert ur1["user_prior_n"] == 4 and ur1["user_prior_mean"] == pytest.approx((1 + 2 + 3 + 8) / 4)
    ur9 = next(r for r in test if r["user_id"] == "ur9")  # rated tt0 before anyone: no item context
    assert ur9["item_prior_n"] == 0


def test_given_split_without_timestamps_takes_contexts_from_the_train_file(tmp_path):
    def array(path, records):
        path.write_text(json.dumps(records))
        return path

    files = {
        "train": array(tmp_path / "train.json", [exp3rt_record(item=f"{i:07d}", score=str(i + 2)) for i in range(3)]),
        "valid": array(tmp_path / "valid.json", [exp3rt_record(item="0000009", score="9")]),
        "test": array(tmp_path / "test.json", [exp3rt_record(item="0000008", score="10"),
                                               exp3rt_record(item="0000000", user="/user/ur5/")]),
    }
    data = _load(tmp_path, "exp3rt", files)
    assert data.metrics["data/context_source"] == "train_file"
    interactions = data.processed.interactions.to_pylist()
    by_split = {s: [r for r in interactions if r["split"] == s] for s in SPLITS}
    assert [r["user_prior_n"] for r in by_split["train"]] == [0, 1, 2]  # earlier rows of the train file
    ur1_test = next(r for r in by_split["test"] if r["user_id"] == "/user/ur1/")
    assert ur1_test["user_prior_n"] == 3 and ur1_test["user_prior_mean"] == pytest.approx(3.0)  # train only
    assert by_split["valid"][0]["user_prior_n"] == 3
    new_user = next(r for r in by_split["test"] if r["user_id"] == "/user/ur5/")
    assert new_user["user_prior_n"] == 0 and new_user["item_prior_n"] == 1  # item 0000000 was in train
    assert all(r["timestamp"] is None for r in interactions)


def test_given_split_test_file_alone(tmp_path):
    path = tmp_path / "test.json"
    path.write_text(json.dumps([exp3rt_record(), exp3rt_record(item="0000002")]))
    data = _load(tmp_path, "exp3rt", {"test": path})
    assert {s: data.split(s).num_rows for s in SPLITS} == {"train": 0, "valid": 0, "test": 2}


def test_no_timestamps_need_a_given_split(tmp_path):
    path = tmp_path / "test.json"
    path.write_text(json.dumps([exp3rt_record()]))
    raw = read_raw("exp3rt", path, scale=IMDB10)
    with pytest.raises(ValueError, match="strategy=leave_last needs timestamps"):
        process(raw, split_strategy="leave_last")
