"""End-to-end runs of run.py on the built-in synthetic data (classic paradigms: seconds each)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from .conftest import run_cli

REQUIRED_METRICS = {
    "test/mae", "test/rmse", "test/coverage", "test/n", "valid/mae", "paradigm", "dataset", "seed",
    "data/fingerprint", "data/dir", "wall_time_s", "status",
}


def _run(run_dir: Path, *overrides: str) -> dict:
    proc = run_cli(f"hydra.run.dir={run_dir}", *overrides)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((run_dir / "metrics.json").read_text())


@pytest.mark.parametrize("paradigm", ["global_mean", "user_mean", "item_mean", "bias", "mf"])
def test_classic_paradigm_writes_run_outputs(tmp_path, paradigm):
    run_dir = tmp_path / paradigm
    metrics = _run(run_dir, f"paradigm={paradigm}", "logger=none", "paradigm.cf.max_epochs=30")
    assert REQUIRED_METRICS <= set(metrics)
    assert metrics["status"] == "ok" and metrics["paradigm"] == paradigm
    assert metrics["test/n"] == metrics["data/n_test"] > 0
    assert (Path(metrics["data/dir"]) / "test.parquet").exists()
    resolved = (run_dir / "resolved_config.yaml").read_text()
    assert "${" not in resolved and f"name: {paradigm}" in resolved
    assert (run_dir / "run.log").stat().st_size > 0
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    assert {"user_id", "item_id", "true", "pred", "split"} <= set(preds.columns)
    test = preds[preds.split == "test"]
    assert len(test) == metrics["test/n"] and metrics["test/coverage"] == 1.0  # a classic model rates every case
    err = test.pred - test.true  # the reported errors are those of the predictions written
    assert metrics["test/mae"] == pytest.approx(err.abs().mean()) and metrics["test/mae"] > 0
    assert metrics["test/rmse"] == pytest.approx((err**2).mean() ** 0.5)


def test_models_that_read_more_beat_the_median_constant(tmp_path):
    """bias and mf learn: test MAE clearly below global_median's (the MAE-optimal constant) on the same split."""
    runs = {p: _run(tmp_path / p, f"paradigm={p}", "logger=none") for p in ("global_median", "bias", "mf")}
    assert len({r["data/fingerprint"] for r in runs.values()}) == 1
    results = {p: r["test/mae"] for p, r in runs.items()}
    assert results["bias"] < results["global_median"] - 0.05, results
    assert results["mf"] < results["global_median"] - 0.05, results


def test_second_run_reuses_cached_splits(tmp_path):
    first = _run(tmp_path / "a", "paradigm=global_mean", "logger=none", "dataset.synthetic.n_users=120")
    second = _run(tmp_path / "b", "paradigm=user_mean", "logger=none", "dataset.synthetic.n_users=120")
    assert second["data/cache_hit"] and not first["data/cache_hit"]
    assert second["data/dir"] == first["data/dir"] and second["data/fingerprint"] == first["data/fingerprint"]
    other = _run(tmp_path / "c", "paradigm=global_mean", "logger=none", "dataset.synthetic.n_users=120", "dataset.k_core=6")
    assert other["data/fingerprint"] != first["data/fingerprint"]


def test_existing_run_dir_is_never_overwritten(tmp_path):
    run_dir = tmp_path / "run"
    _run(run_dir, "paradigm=global_mean", "logger=none")
    before = (run_dir / "metrics.json").read_text()
    proc = run_cli(f"hydra.run.dir={run_dir}", "paradigm=user_mean", "logger=none")
    assert proc.returncode == 2 and "already holds a run" in proc.stderr
    assert (run_dir / "metrics.json").read_text() == before


def test_wandb_offline_run_gets_config_summary_and_finish(tmp_path):
    run_dir = tmp_path / "run"
    metrics = _run(run_dir, "paradigm=bias", "logger=wandb", "logger.group=g1", "logger.tags=[t1]")
    assert metrics["logger/status"] == "ok"
    runs = list((run_dir / "wandb").glob("offline-run-*"))
    assert len(runs) == 1
    data = next(runs[0].glob("*.wandb")).read_bytes()
    assert b"test/mae" in data and b"data/fingerprint" in data and b"g1" in data
    debug = (run_dir / "wandb" / "debug.log").read_text()
    assert "finishing run" in debug and "got exitcode: 0" in debug


def test_multirun_opens_one_wandb_run_per_job(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "paradigm=global_mean,user_mean", f"hydra.sweep.dir={sweep}", "logger=wandb")
    assert proc.returncode == 0, proc.stderr[-3000:]
    job_dirs = sorted(p for p in sweep.iterdir() if (p / "metrics.json").exists())
    assert len(job_dirs) == 2
    run_ids = {next(j.glob("wandb/offline-run-*")).name.rsplit("-", 1)[1] for j in job_dirs}
    assert len(run_ids) == 2
    for job in job_dirs:
        assert "got exitcode: 0" in (job / "wandb" / "debug.log").read_text()


def test_failed_run_records_failure_and_finishes_wandb(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli(f"hydra.run.dir={run_dir}", "dataset=amazon2014", f"dataset.reviews_path={tmp_path}/absent.json.gz")
    assert proc.returncode != 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["status"] == "failed" and "absent.json.gz" in metrics["error"]
    assert "got exitcode: 1" in (run_dir / "wandb" / "debug.log").read_text()


def test_unreachable_wandb_never_fails_the_run(tmp_path):
    run_dir = tmp_path / "run"
    env = {"WANDB_MODE": "online", "WANDB_BASE_URL": "http://127.0.0.1:9", "WANDB_API_KEY": "x" * 40}
    proc = run_cli(f"hydra.run.dir={run_dir}", "paradigm=global_mean", "logger.mode=online",
                   "logger.init_timeout_s=5", env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["logger/status"].startswith("wandb init failed")
