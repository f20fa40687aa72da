"""A run that fails: one paragraph on the terminal, the traceback in run.log, the reason in
summary.md and metrics.json, and the same command with resume=true runs again in that dir."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import run_cli


def _amazon2014_reviews(path: Path, n_users: int = 30, n_items: int = 12) -> None:
    """A small 2014-format review file in which every user rated every item once."""
    lines = [json.dumps({"reviewerID": f"u{u}", "asin": f"i{i}", "overall": float(1 + (u * i) % 5),
                         "unixReviewTime": 1_400_000_000 + 3600 * (u * n_items + i), "reviewText": "ok", "summary": "s"})
             for u in range(n_users) for i in range(n_items)]
    path.write_text("\n".join(lines) + "\n")


def test_failed_run_explains_itself_and_resumes_in_its_dir(tmp_path):
    run_dir, reviews = tmp_path / "run", tmp_path / "reviews.json"
    command = [f"hydra.run.dir={run_dir}", "paradigm=global_mean", "logger=none", "dataset=amazon2014",
               f"dataset.reviews_path={reviews}"]
    proc = run_cli(*command, timeout=120)
    assert proc.returncode == 1
    paragraph = proc.stderr[proc.stderr.index("run failed in stage"):].strip().splitlines()
    assert paragraph[0].startswith("run failed in stage load_data: DataFileMissingError:") and len(paragraph) == 4
    assert f"full traceback: {run_dir / 'run.log'}" in paragraph[2] and "resume=true" in paragraph[3]
    assert "Traceback (most recent call last)" not in proc.stderr
    log = (run_dir / "run.log").read_text()
    assert "Traceback (most recent call last)" in log and "DataFileMissingError" in log
    summary = (run_dir / "summary.md").read_text()
    assert "status: **failed**" in summary and "## Failed in stage load_data" in summary and "reviews.json" in summary
    assert json.loads((run_dir / "metrics.json").read_text())["failed_stage"] == "load_data"

    refused = run_cli(*command, timeout=60)  # without resume=true the dir is kept, and the message says how
    assert refused.returncode == 2 and "holds a failed run" in refused.stderr and "resume=true" in refused.stderr

    _amazon2014_reviews(reviews)  # the cause is fixed: the same command with resume=true runs there
    proc = run_cli(*command, "resume=true", "dataset.k_core=1", timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["status"] == "ok" and "failed_stage" not in metrics
    assert "status: **ok**" in (run_dir / "summary.md").read_text()


def test_data_filtered_to_nothing_is_one_line_naming_counts_and_key(tmp_path):
    proc = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "paradigm=mf", "logger=none", "dataset.k_core=1000", timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("config error:")]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr[-2000:]
    assert "leaves the train/valid/test split(s) empty" in lines[0] and "after 1000-core 0" in lines[0]
    assert "lower dataset.k_core (now 1000" in lines[0]
    assert "Traceback" not in proc.stderr
