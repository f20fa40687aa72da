"""Review text spilled to disk while reading gives the same processed data as text kept in memory,
also with dataset.sample_users; the spill becomes the cache's memory-mapped reviews.arrow."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401
from recexp.common.layout import CONF_DIR
from recexp.common.publish import lock_path
from recexp.data import columns as C
from recexp.data.pipeline import load_dataset
from recexp.data.processing import process
from recexp.data.readers import read_raw
from recexp.data.sample_users import UserSampler

from .test_readers import MALFORMED, review_line, write_lines


def _lines() -> list[str]:
    good = [review_line(user=f"u{u}", item=f"i{(u * 5 + k) % 30}", ts=1_400_000_000 + 7 * k + u,
                        reviewText=f"text of u{u} on {k}", summary=f"title {u}/{k}")
            for u in range(50) for k in range(6)]
    return good[:100] + MALFORMED + good[100:]


def _load(path, cache, *extra):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["dataset=amazon2014", f"dataset.reviews_path={path}",
                                           f"cache_dir={cache}", "dataset.k_core=3", *extra])
    return load_dataset(cfg.dataset, cfg.cache_dir)


def _texts(processed) -> list:
    return processed.reviews.take(processed.interactions[C.REVIEW_ROW]).to_pylist()


@pytest.mark.parametrize("sample", [None, 20])
def test_spilled_text_matches_text_in_memory(tmp_path, sample):
    path = write_lines(tmp_path / "r.json", _lines())
    extra = [f"dataset.sample_users={sample}"] if sample else []
    spilled = _load(path, tmp_path / "cache", *extra)
    sampler = UserSampler(sample, seed=0) if sample else None
    in_memory = process(read_raw("amazon2014", path, progress=False, sampler=sampler), k_core=3)
    assert spilled.processed.interactions.to_pandas().equals(in_memory.interactions.to_pandas())  # NaN == NaN
    assert _texts(spilled.processed) == _texts(in_memory)
    assert spilled.processed.reviews.num_rows == in_memory.reviews.num_rows
    assert (spilled.directory / "reviews.arrow").exists()
    lock = lock_path(spilled.directory)
    leftovers = [p for p in spilled.directory.parent.iterdir() if p.name.startswith(".") and p != lock]
    assert not leftovers  # no spill left (the build lock file stays: recexp.common.publish)


def test_the_cache_reads_the_text_memory_mapped(tmp_path):
    path = write_lines(tmp_path / "r.json", _lines())
    first = _load(path, tmp_path / "cache")
    again = _load(path, tmp_path / "cache")
    assert again.metrics["data/cache_hit"] and _texts(again.processed) == _texts(first.processed)
    assert again.processed.reviews_file == again.directory / "reviews.arrow"
