"""RecZero end to end on a small tiny model and small synthetic data (about a minute each).

The full-size default (`python run.py`) is the `slow` test at the bottom."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT, run_cli

SMALL = ["debug=smoke"]  # conf/debug/smoke.yaml: a smaller tiny model, small data, 4 GRPO steps
STEPS = ["trainer.args.max_steps=4", "trainer.args.save_steps=2"]  # the step and checkpoint counts asserted


def _metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def _run_ok(run_dir: Path, *overrides: str) -> dict:
    proc = run_cli(f"hydra.run.dir={run_dir}", *SMALL, *overrides)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return _metrics(run_dir)


def test_reczero_runs_and_reports_base_and_trained_figures(tmp_path):
    run_dir = tmp_path / "run"
    metrics = _run_ok(run_dir, *STEPS, "logger=wandb")
    for key in ("base/test/mae", "base/test/coverage", "test/mae", "test/rmse", "test/coverage",
                "test/mae_fallback", "valid/mae", "test/pred_hist/4", "grpo/steps", "prompts/train_shortened"):
        assert key in metrics, key
    assert metrics["grpo/steps"] == 4 and metrics["status"] == "ok"
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    assert {"completion", "pred", "true", "prompt_shortened"} <= set(preds.columns)
    _assert_never_imputed(preds)
    test = preds[preds.split == "test"]
    assert metrics["test/coverage"] == test.pred.notna().mean()
    assert metrics["test/mae_median_fallback"] == pytest.approx(
        (test.pred.fillna(metrics["eval/median_fallback"]) - test.true).abs().mean())
    assert sorted(p.name for p in (run_dir / "checkpoints").glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4"]
    assert (run_dir / "best" / "best.json").exists() and (run_dir / "train_log.json").exists()
    runs = list((run_dir / "wandb").glob("offline-run-*"))
    assert len(runs) == 1  # TRL reported into the launcher's run
    data = next(runs[0].glob("*.wandb")).read_bytes()
    assert b"rewards/format/mean" in data and b"valid_during/mae" in data and b"base/test/mae" in data


def _assert_never_imputed(preds: pd.DataFrame) -> None:
    """Every prediction is the rating parsed from its own completion: NaN where none parses (never
    the true rating, nor any other fill-in)."""
    from recexp.rewards import parse_rating

    parsed = preds.completion.map(parse_rating).astype("float64")
    unparsed = parsed.isna()
    assert preds.pred[unparsed].isna().all(), preds[unparsed & preds.pred.notna()][["completion", "pred", "true"]]
    assert (preds.pred[~unparsed] == parsed[~unparsed]).all()


def test_a_collapsed_run_says_it_is_not_better_than_the_constant_in_a_clean_log(tmp_path):
    """Two GRPO steps from the smoke student: the summary and the log say it is NOT better than
    predicting the median everywhere, and the log (W&B on, as in the README command) carries no
    ResourceWarning and no deprecation warning."""
    run_dir = tmp_path / "collapsed"
    proc = run_cli(f"hydra.run.dir={run_dir}", *SMALL, "logger=wandb", "trainer.args.max_steps=2",
                   "trainer.args.save_steps=2", "trainer.args.logging_steps=1")  # a completions table per step
    assert proc.returncode == 0, proc.stderr[-4000:]
    metrics = _metrics(run_dir)
    assert metrics["test/mae_median_fallback"] >= metrics["baseline/global_median/test/mae"]
    line = "Verdict: NOT better than predicting 4 everywhere"
    assert line in (run_dir / "summary.md").read_text()
    log = (run_dir / "run.log").read_text()
    assert line in log
    for text in (log, proc.stdout + proc.stderr):  # the console too: some warnings come at exit
        noise = [t for t in text.splitlines() if any(w in t for w in ("ResourceWarning", "DeprecationWarning",
                                                                       "FutureWarning", "is deprecated"))]
        assert noise == []


def test_completion_budget_shorter_than_the_template_answers_fails_in_one_line(tmp_path):
    proc = run_cli(f"hydra.run.dir={tmp_path / 'run'}", *SMALL, "trainer.args.max_completion_length=12")
    assert proc.returncode == 2, proc.stderr[-2000:]
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("config error: trainer.args.max_completion_length=12 is shorter than the think_before_rec")


def test_tiny_model_tags_are_ordinary_tokens_and_survive_decoding(tmp_path):
    run_dir = tmp_path / "zs"
    _run_ok(run_dir, "paradigm=zero_shot")
    from transformers import AutoTokenizer

    model_dir = next((Path(os.environ["RECEXP_CACHE_DIR"]) / "models").glob("tiny-*"))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    for tag in ("<analyze user>", "</analyze user>", "<rate>", "</rate>", "[pos]", "[neg]"):
        ids = tokenizer.encode(tag, add_special_tokens=False)
        assert len(ids) == 1, tag
        assert tokenizer.decode(ids, skip_special_tokens=True) == tag
    assert tokenizer.chat_template and "<|im_start|>" in tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)


def test_pretrained_loading_path_on_a_local_directory(tmp_path):
    """model=qwen2_5_0_5b_instruct with model.path pointing at a saved (tiny) model directory."""
    _run_ok(tmp_path / "first", "paradigm=zero_shot")
    model_dir = next((Path(os.environ["RECEXP_CACHE_DIR"]) / "models").glob("tiny-*"))
    # debug=smoke shortens prompts and answers for model=tiny only: the pretrained choice states them
    proc = run_cli(f"hydra.run.dir={tmp_path / 'local'}", *SMALL, "paradigm=zero_shot",
                   "model=qwen2_5_0_5b_instruct", f"model.path={model_dir}", "model.dtype=float32",
                   "model.attn_implementation=null", "model.max_prompt_tokens=256", "eval.max_new_tokens=64")
    assert proc.returncode == 0, proc.stderr[-4000:]
    metrics = _metrics(tmp_path / "local")
    assert metrics["model"] == "qwen2_5_0_5b_instruct" and "test/mae" in metrics


def test_tiny_overrides_on_a_pretrained_model_fail_in_one_line(tmp_path):
    proc = run_cli(f"hydra.run.dir={tmp_path / 'x'}", "model=qwen2_5_0_5b_instruct", "model.tiny.layers=2")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("config error: model.tiny.layers=2: sets a key under a node that is null in this "
                                   "config (for example model.tiny.* with a pretrained model)")


def test_lora_grpo_runs(tmp_path):
    metrics = _run_ok(tmp_path / "lora", "trainer.args.max_steps=4", "model.lora.enabled=true", "model.lora.r=4",
                      "trainer.valid_eval_steps=0")
    assert metrics["grpo/steps"] == 4


def test_killed_run_resumes_from_last_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    overrides = [*SMALL, "trainer.args.max_steps=8", "trainer.args.save_steps=2", "trainer.valid_eval_steps=0"]
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), f"hydra.run.dir={run_dir}", *overrides],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 600
    while not (run_dir / "checkpoints" / "checkpoint-4").exists():
        assert proc.poll() is None and time.time() < deadline, "run ended before its second checkpoint"
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (run_dir / "metrics.json").exists() or _metrics(run_dir)["status"] != "ok"
    resumed = run_cli(f"hydra.run.dir={run_dir}", *overrides, "resume=true")
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    metrics = _metrics(run_dir)
    assert metrics["status"] == "ok" and metrics["grpo/steps"] == 8
    assert "resuming from" in (run_dir / "run.log").read_text()


def test_resume_skips_a_checkpoint_whose_save_was_killed(tmp_path):
    from recexp.paradigms.training import last_complete_checkpoint

    assert last_complete_checkpoint(tmp_path / "none") is None
    for step in (2, 4, 10):
        (tmp_path / f"checkpoint-{step}").mkdir()
    for step in (2, 4):
        (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    assert last_complete_checkpoint(tmp_path) == str(tmp_path / "checkpoint-4")  # 10 has no trainer_state.json


def test_resume_refuses_a_finished_run(tmp_path):
    run_dir = tmp_path / "done"
    _run_ok(run_dir, "paradigm=zero_shot")
    proc = run_cli(f"hydra.run.dir={run_dir}", *SMALL, "paradigm=zero_shot", "resume=true")
    assert proc.returncode == 2 and "already finished" in proc.stderr


@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    """The README's main job, `python run.py` on the embedded default, beside `global_median` on the
    same split: (metrics, baseline metrics, wall seconds)."""
    root = tmp_path_factory.mktemp("main_job")
    started = time.time()
    proc = run_cli(f"hydra.run.dir={root / 'main'}", "logger=none", timeout=1800)
    elapsed = time.time() - started
    assert proc.returncode == 0, proc.stderr[-4000:]
    median = run_cli(f"hydra.run.dir={root / 'median'}", "logger=none", "paradigm=global_median")
    assert median.returncode == 0, median.stderr[-2000:]
    return _metrics(root / "main"), _metrics(root / "median"), elapsed


@pytest.mark.slow
def test_default_main_job_learns_the_format_within_ten_minutes(main_job):
    metrics, baseline, elapsed = main_job
    assert baseline["data/fingerprint"] == metrics["data/fingerprint"]
    assert metrics["test/coverage"] >= 0.95
    # below the MAE-optimal constant (global_median) on the same split, unparsed answers at the median
    assert metrics["test/mae_median_fallback"] < baseline["test/mae"], (metrics["test/mae_median_fallback"],
                                                                       baseline["test/mae"])
    assert elapsed < 600, f"took {elapsed:.0f}s"


@pytest.mark.slow
def test_default_main_job_reads_the_context(main_job):
    """From the shipped student (the 2,400-step warm-up) the main job must read the prompt, not
    predict one rating: test MAE below the MAE-optimal constant (global_median) on the same split,
    Pearson >= 0.3, and no rating above 80% of the predictions."""
    metrics, baseline, _ = main_job
    assert metrics["test/mae"] < baseline["test/mae"], (metrics["test/mae"], baseline["test/mae"])
    assert metrics["test/pearson"] >= 0.3, metrics["test/pearson"]
    assert metrics["test/pred_top_share"] < 0.8, metrics["test/pred_top_share"]
