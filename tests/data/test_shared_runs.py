"""Runs on the real slices in ../shared/data (skipped when absent): a 2023 multi-category file
that the default 5-core filter empties, and a Yelp review file given without business.json."""

from __future__ import annotations

import json

import pytest

from ..conftest import run_cli

pytestmark = pytest.mark.shared_data


def test_amazon2023_slice_that_filters_to_nothing_is_one_line(shared_data, tmp_path):
    root = shared_data / "amazon2023_multicat"
    proc = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "paradigm=mf", "dataset=amazon2023", "logger=none",
                   f"dataset.reviews_path={root / 'reviews.jsonl.gz'}", f"dataset.meta_path={root / 'meta.jsonl.gz'}",
                   timeout=300)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("config error:")]
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "read 3455, after dedupe 3452, after 5-core 0" in lines[0] and "lower dataset.k_core (now 5" in lines[0]


def test_yelp_reviews_without_metadata_run_offline(shared_data, tmp_path):
    run_dir = tmp_path / "run"
    reviews = shared_data / "yelp_sample" / "yelp_academic_dataset_review.head.json.gz"
    proc = run_cli(f"hydra.run.dir={run_dir}", "paradigm=global_mean", "dataset=yelp", "logger=none",
                   f"dataset.reviews_path={reviews}", "dataset.k_core=1", timeout=300,
                   env={"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "dataset.meta_path is not set: no item metadata" in (run_dir / "run.log").read_text()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["test/n"] > 0
