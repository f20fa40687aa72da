"""IMDb (ratings 1-10) and given splits end to end: classic baselines, RecZero, zero-shot on EXP3RT."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from recexp.prompts.settings import template_of
from recexp.rewards import build_reward_funcs

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
    imdb = _imdb(tmp_path)
    metrics = _run(tmp_path / "mf", "paradigm=mf", *imdb, "logger=none", "paradigm.cf.max_epochs=30")
    median = _run(tmp_path / "median", "paradigm=global_median", *imdb, "logger=none")
    assert metrics["status"] == "ok" and metrics["test/n"] > 0
    assert metrics["data/fingerprint"] == median["data/fingerprint"]
    assert {f"test/pred_hist/{r}" for r in range(1, 11)} <= set(metrics)
    preds = pd.read_parquet(tmp_path / "mf" / "predictions.parquet")
    assert preds.true.max() > 5 and preds.pred.max() > 5  # predictions on the 10-point scale, not clipped to 5
    # learns: below the MAE-optimal constant (the train median) on the same split
    assert metrics["test/mae"] < median["test/mae"], (metrics["test/mae"], median["test/mae"])


def test_classic_baselines_on_given_split_files(tmp_path):
    files = write_given_split(tmp_path / "split")
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "paradigm=global_median,user_mean,item_mean,bias,mf", f"hydra.sweep.dir={sweep}",
                   "dataset=imdb", "dataset.split.strategy=given", "logger=none",
                   *[f"dataset.split.{name}_path={path}" for name, path in files.items()])
    assert proc.returncode == 0, proc.stderr[-4000:]
    runs = [json.loads(p.read_text()) for p in sorted(sweep.glob("*/metrics.json"))]
    assert len(runs) == 5 and all(r["status"] == "ok" for r in runs)
    for metrics in runs:
        assert metrics["data/context_source"] == "earlier_interactions"
        assert metrics["test/n"] == metrics["data/n_test"] == 40 and metrics["data/n_valid"] == 40  # as given
    maes = {r["paradigm"]: r["test/mae"] for r in runs}
    assert maes["bias"] < maes["global_median"], maes  # the MAE-optimal constant on the same given split


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
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    assert "test/pred_hist/10" in metrics and metrics["test/coverage"] == preds.pred.notna().mean()
    assert preds.pred.dropna().between(1, 10).all()
    assert "contexts from the train file alone" in (run_dir / "run.log").read_text()


def test_reczero_on_imdb(tmp_path):
    run_dir = tmp_path / "rz"
    metrics = _run(run_dir, "paradigm=reczero", *_imdb(tmp_path), *SMALL_LLM,
                   "trainer.args.max_steps=2", "trainer.max_train_prompts=32", "reward.weights.format=0.5")
    assert metrics["status"] == "ok" and metrics["grpo/steps"] == 2
    assert "base/test/pred_hist/10" in metrics and "test/pred_hist/10" in metrics
    cfg = OmegaConf.load(run_dir / "resolved_config.yaml")
    weights = dict(cfg.reward.weights)
    steps = [h for h in json.loads((run_dir / "train_log.json").read_text()) if "reward" in h]
    assert len(steps) == 2
    assert weights == {"format": 0.5, "rating": 1.0}
    for h in steps:  # the reward trained on is the configured weighted sum of the logged parts
        assert h["reward"] == pytest.approx(sum(w * h[f"rewards/{name}/mean"] for name, w in weights.items()))
    # the rewards as the run builds them score on IMDb's 1-10 scale: 1 - 2 |error| / 9
    funcs, _ = build_reward_funcs(weights, template_of(cfg).tags, template_of(cfg).scale)
    rating = next(f for f in funcs if f.__name__ == "rating")
    answer = "".join(f"<{tag}>x</{tag}>" for tag in template_of(cfg).tags[:-1]) + "<rate>8</rate>"
    assert rating(completions=[answer] * 3, rating=[8, 10, 1]) == pytest.approx([1.0, 1 - 4 / 9, 1 - 14 / 9])
