"""``dataset.sample_users``: N users chosen by a seeded hash while reading, before k-core; the same
users whatever the file order or block size; a larger N keeps a superset."""

from __future__ import annotations

import random

import pyarrow.compute as pc
import pytest

from recexp.common.layout import CONF_DIR
from recexp.data import jsonl
from recexp.data.columns import USER
from recexp.data.readers import read_raw
from recexp.data.sample_users import UserSampler

from .test_readers import MALFORMED, MALFORMED_COUNTS, review_line, write_lines


def _lines(n_users: int = 60, per_user: int = 7) -> list[str]:
    return [review_line(user=f"u{u}", item=f"i{(u * 7 + k) % 40}", ts=1_400_000_000 + k)
            for u in range(n_users) for k in range(per_user)]


def _users(raw) -> set[str]:
    return set(pc.unique(raw.interactions[USER]).to_pylist())


def test_keeps_exactly_n_users_with_all_their_rows(tmp_path):
    path = write_lines(tmp_path / "r.json", _lines())
    raw = read_raw("amazon2014", path, progress=False, sampler=UserSampler(10, seed=0))
    assert len(_users(raw)) == 10 and raw.interactions.num_rows == 10 * 7


def test_same_users_whatever_the_order_and_block_size(tmp_path, monkeypatch):
    lines = _lines()
    shuffled = random.Random(1).sample(lines, len(lines))
    first = _users(read_raw("amazon2014", write_lines(tmp_path / "a.json", lines), progress=False,
                            sampler=UserSampler(12, seed=3)))
    monkeypatch.setattr(jsonl, "DEFAULT_BLOCK_BYTES", 1 << 10)  # many small blocks
    second = _users(read_raw("amazon2014", write_lines(tmp_path / "b.json", shuffled), progress=False,
                             sampler=UserSampler(12, seed=3)))
    assert first == second


def test_seed_changes_the_users_and_more_users_is_a_superset(tmp_path):
    path = write_lines(tmp_path / "r.json", _lines())
    ten = _users(read_raw("amazon2014", path, progress=False, sampler=UserSampler(10, seed=0)))
    twenty = _users(read_raw("amazon2014", path, progress=False, sampler=UserSampler(20, seed=0)))
    other = _users(read_raw("amazon2014", path, progress=False, sampler=UserSampler(10, seed=1)))
    assert ten < twenty and ten != other


def test_more_users_than_the_file_has_keeps_all(tmp_path):
    path = write_lines(tmp_path / "r.json", _lines(n_users=5))
    raw = read_raw("amazon2014", path, progress=False, sampler=UserSampler(100, seed=0))
    assert len(_users(raw)) == 5


def test_malformed_lines_are_still_counted(tmp_path):
    path = write_lines(tmp_path / "m.json", MALFORMED)
    raw = read_raw("amazon2014", path, progress=False, sampler=UserSampler(1, seed=0))
    assert raw.skipped == MALFORMED_COUNTS and len(_users(raw)) == 1


def test_applied_before_k_core_and_in_the_fingerprint(tmp_path):
    from hydra import compose, initialize_config_dir

    import recexp.config  # noqa: F401
    from recexp.data.pipeline import load_dataset


    path = write_lines(tmp_path / "r.json", _lines())

    def load(*extra):
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose("config", overrides=["dataset=amazon2014", f"dataset.reviews_path={path}",
                                               f"cache_dir={tmp_path / 'cache'}", *extra])
        return load_dataset(cfg.dataset, cfg.cache_dir)

    whole, sampled = load(), load("dataset.sample_users=15")
    assert sampled.metrics["data/n_raw"] == 15 * 7 and sampled.processed.stats["n_users"] <= 15
    assert sampled.fingerprint != whole.fingerprint


def test_rejects_zero_users():
    with pytest.raises(ValueError, match="dataset.sample_users"):
        UserSampler(0, seed=0)
