"""``dataset.strict=true`` holds on a warm cache: after a lenient run cached the splits of a file
with malformed lines, a strict run fails with the same error (file and line) as on a cold cache."""

from __future__ import annotations

import pytest

from recexp.data.raw import MalformedInputError

from ..conftest import run_cli
from .test_readers import write_lines
from .test_spill import _lines, _load


def _strict_error(path, cache) -> str:
    with pytest.raises(MalformedInputError) as info:
        _load(path, cache, "dataset.strict=true")
    return str(info.value)


def test_strict_fails_on_a_cache_a_lenient_run_built(tmp_path):
    path = write_lines(tmp_path / "reviews.json", _lines())
    cold = _strict_error(path, tmp_path / "cold")
    lenient = _load(path, tmp_path / "warm")
    assert lenient.metrics["data/skipped/bad_json"] == 2
    warm = _strict_error(path, tmp_path / "warm")
    assert warm == cold and f"{path}, line 102: malformed input (bad_json)" == cold
    assert _load(path, tmp_path / "warm").metrics["data/cache_hit"]  # lenient still reuses it
    leftovers = [p.name for p in (tmp_path / "warm" / "processed").iterdir()
                 if p.name.startswith(".") and not p.name.endswith(".lock")]  # the build lock file stays
    assert leftovers == []  # neither strict read left a spill file behind


def test_strict_reuses_a_clean_cache(tmp_path):
    path = write_lines(tmp_path / "clean.json", _lines()[:100] + _lines()[113:])
    _load(path, tmp_path / "c")
    assert _load(path, tmp_path / "c", "dataset.strict=true").metrics["data/cache_hit"]


def test_strict_run_on_a_warm_cache_is_one_paragraph_naming_file_and_line(tmp_path):
    path = write_lines(tmp_path / "reviews.json", _lines())
    common = ["paradigm=global_mean", "model=none", "dataset=amazon2014", f"dataset.reviews_path={path}",
              "dataset.k_core=3", "logger=none", f"cache_dir={tmp_path / 'cache'}"]
    ok = run_cli(*common, f"hydra.run.dir={tmp_path / 'lenient'}")
    assert ok.returncode == 0, ok.stderr[-2000:]
    strict = run_cli(*common, "dataset.strict=true", f"hydra.run.dir={tmp_path / 'strict'}")
    assert strict.returncode == 1
    assert f"{path}, line 102: malformed input (bad_json)" in strict.stderr
