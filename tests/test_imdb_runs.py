"""IMDb (ratings 1-10) and given splits end to end: classic baselines, RecZero, zero-shot on EXP3RT."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from .conftest import run_cli
from .imdb_files import write_given_split, write_imdb

SMALL_LLM = ["debug=smoke", "eval.batch_size=32"]  # conf/debug/smoke.yaml (IMDb data keeps its size)


def _run(run_dir: Path, *overrides: str) -> dict:
    proc = run_cli(f"hydra.run.dir={run_dir}", *overrides)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads((run_dir / "metrics.json").read_text())


def _imdb(tmp_path: Path) -> list[str]:
    reviews, meta = write_imdb(tmp_path / "imdb")
    return ["dataset=imdb", f"dataset.reviews_path={reviews}", f"dataset.meta_path={meta}"]


def test_mf_on_imdb_in_ten_point_units(tmp_path):
    metrics = _run(tmp_path / "mf", "paradigm=mf", *_imdb(tmp_path), "logger=none", "paradigm.cf.max_epochs=30")
    assert metrics["status"] == "ok" and metrics["test/n"] > 0
    assert {f"test/pred_hist/{r}" for r in range(1, 11)} <= set(metrics)
    preds = pd.read_parquet(tmp_path / "mf" / "predictions.parquet")
    assert preds.true.max() > 5 and preds.pred.between(1, 10).all()
    assert 0 < metrics["test/mae"] < 4  # on 1-10: a global-mean guess is about 2


def test_classic_baselines_on_given_split_files(tmp_path):
    files = write_given_split(tmp_path / "split")
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "paradigm=global_mean,user_mean,item_mean,bias,mf", f"hydra.sweep.dir={sweep}",
                   "dataset=imdb", "dataset.split.strategy=given", "logger=none",
                   *[f"dataset.split.{name}_path={path}" for name, path in files.items()])
    assert proc.returncode == 0, proc.stderr[-4000:]
    runs = [json.loads(p.read_text()) for p in sorted(sweep.glob("*/metrics.json"))]
    assert len(runs) == 5 and all(r["status"] == "ok" for r in runs)
    for metrics in runs:
        assert metrics["data/context_source"] == "earlier_interactions"
        assert metrics["test/n"] == metrics["data/n_test"] == 40 and metrics["data/n_valid"] == 40  # as given
    maes = {r["paradigm"]: r["test/mae"] for r in runs}
    assert maes["bias"] < maes["global_mean"]


def test_training_paradigm_names_the_missing_split_file(tmp_path):
    files = write_given_split(tmp_path / "split")
    proc = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "paradigm=mf", "dataset=imdb", "dataset.split.strategy=given",
                   f"dataset.split.test_path={files['test']}", f"dataset.split.valid_path={files['valid']}")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("config error: dataset.split.train_path: required with dataset.split.strategy=given "
                                   "(paradigm=mf trains (stage fit_cf)); pass dataset.split.train_path=/path/to/train file")
    assert not (tmp_path / "run").exists()


@pytest.mark.shared_data
def test_zero_shot_on_the_exp3rt_slice(tmp_path, shared_data):
    test_file = shared_data / "imdb_exp3rt" / "rating_bias" / "test_helpful.first500.json"
    run_dir = tmp_path / "zs"
    metrics = _run(run_dir, "paradigm=zero_shot", "dataset=exp3rt_imdb", f"dataset.split.test_path={test_file}",
                   *SMALL_LLM)
    assert metrics["status"] == "ok" and metrics["test/n"] == 500 and "valid/mae" not in metrics
    assert metrics["data/context_source"] == "train_file" and metrics["data/n_train"] == 0
    assert "test/pred_hist/10" in metrics and 0 <= metrics["test/coverage"] <= 1
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    assert preds.pred.dropna().between(1, 10).all()
    assert "contexts from the train file alone" in (run_dir / "run.log").read_text()


def test_reczero_on_imdb(tmp_path):
    run_dir = tmp_path / "rz"
    metrics = _run(run_dir, "paradigm=reczero", *_imdb(tmp_path), *SMALL_LLM,
                   "trainer.args.max_steps=2", "trainer.max_train_prompts=32")
    assert metrics["status"] == "ok" and metrics["grpo/steps"] == 2
    assert "base/test/pred_hist/10" in metrics and "test/pred_hist/10" in metrics
    log = json.loads((run_dir / "train_log.json").read_text())
    rewards = [h["rewards/rating/mean"] for h in log if "rewards/rating/mean" in h]
    assert rewards and all(-1 <= r <= 1 for r in rewards)
