"""RecOne and the distillation baselines end to end on the tiny model and synthetic data, and
their config checks (one line, before any heavy import)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from .conftest import run_cli
from .test_run import REQUIRED_METRICS

LLM_METRICS = REQUIRED_METRICS | {"base/test/mae_fallback", "samples/examples", "samples/interactions",
                                  "sft/steps", "sft/train_loss", "model", "test/pred_hist/1"}



def _run(run_dir: Path, *overrides: str) -> dict:
    """A smoke run (conf/debug/smoke.yaml: GRPO sizes only for the paradigms with a GRPO stage)."""
    proc = run_cli(f"hydra.run.dir={run_dir}", "debug=smoke", *overrides)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads((run_dir / "metrics.json").read_text())


@pytest.mark.parametrize("paradigm,counts", [
    ("recone", ["recone/aligned", "recone/rationalized", "recone/dropped", "grpo/steps"]),
    ("distill_exp3rt", ["exp3rt/kept", "exp3rt/dropped"]),
    ("distill_reason4rec", ["reason4rec/kept", "reason4rec/dropped"]),
    ("distill_recsaver", ["recsaver/verified", "recsaver/rejected"]),
    ("sft_rating", ["rating_only/examples"]),
])
def test_paradigm_runs_and_writes_the_shared_metrics(tmp_path, paradigm, counts):
    metrics = _run(tmp_path / paradigm, f"paradigm={paradigm}", "paradigm.samples.n_samples=40")  # counted below
    assert metrics["status"] == "ok" and metrics["paradigm"] == paradigm
    assert LLM_METRICS | set(counts) <= set(metrics)
    samples = pd.read_parquet(tmp_path / paradigm / "samples.parquet")
    assert len(samples) == metrics["samples/examples"] == metrics["sft/examples"] > 0
    assert (tmp_path / paradigm / "sft_model" / "config.json").exists()
    predictions = pd.read_parquet(tmp_path / paradigm / "predictions.parquet")
    assert len(predictions[predictions.split == "test"]) == metrics["test/n"]
    if paradigm == "recone":
        n = metrics["recone/aligned"] + metrics["recone/rationalized"] + metrics["recone/dropped"]
        assert n == 40 and metrics["samples/examples"] == n - metrics["recone/dropped"]
    if paradigm == "distill_reason4rec":  # the chain is played at inference, role by role
        roles = [line.split("]")[0] for line in predictions["completion"].iloc[0].splitlines() if line.startswith("[")]
        assert roles[:3] == ["[summarizer", "[reasoner", "[predictor"]
        test = predictions[predictions.split == "test"]  # the share of answers where a role missed its tag
        assert metrics["test/chain_unparsed"] == (test.unparsed_roles != "").mean()


def test_recone_reuses_samples_from_an_earlier_run(tmp_path):
    first = _run(tmp_path / "first", "paradigm=recone", "trainer.args.max_steps=2")
    second = _run(tmp_path / "second", "paradigm=recone", "trainer.args.max_steps=2", "teacher=none",
                  f"paradigm.samples.samples_path={tmp_path / 'first'}")
    assert second["samples/reused_from"] == str(tmp_path / "first")
    assert "recone/teacher_calls" not in second and first["recone/teacher_calls"] > 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "first" / "samples.parquet"),
                                  pd.read_parquet(tmp_path / "second" / "samples.parquet"))
    other = run_cli(f"hydra.run.dir={tmp_path / 'other'}", "debug=smoke", "paradigm=distill_exp3rt",
                    f"paradigm.samples.samples_path={tmp_path / 'first'}")
    assert other.returncode != 0 and "holds samples.method=recone examples; this paradigm uses samples.method=exp3rt" in other.stderr


@pytest.mark.parametrize("overrides,expected", [
    (["paradigm=recone", "teacher=none"], "teacher: paradigm=recone needs a teacher"),
    (["paradigm=recone", "+sft.args.max_prompt_length=5"], "sft.args.max_prompt_length: not a field of the installed trl.SFTConfig"),
    (["paradigm=recone", "sft.args.num_train_epochs=abc"], "sft.args.num_train_epochs: expected float"),
    (["paradigm=recone", "trainer@sft=none"], "sft: stage sft needs the SFT slot filled"),
    (["paradigm=distill_exp3rt", "trainer=sft"], "trainer: the SFT trainer goes in the sft slot: trainer@sft=sft"),
    (["paradigm=sft_rating", "prompt=think_before_rec"], "use prompt=direct"),
    (["paradigm=distill_exp3rt", "trainer=grpo", "paradigm.stages=[load_model,teacher_samples,sft,grpo]"],
     "chains several roles"),
    (["paradigm=distill_recsaver", "paradigm.stages=[load_model,sft,evaluate]"], "list teacher_samples before sft"),
    (["paradigm=recone", "teacher=openai"], "teacher.base_url: required"),
    (["paradigm=recone", "teacher=deepseek"], "teacher.api_key_env: the environment variable DEEPSEEK_API_KEY is not set"),
    (["paradigm=recone", "paradigm.samples.method=bogus"], "paradigm.samples.method"),
])
def test_invalid_teacher_and_sft_configs_fail_in_one_line(tmp_path, overrides, expected):
    proc = run_cli(f"hydra.run.dir={tmp_path / 'run'}", *overrides, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], proc.stderr
    assert not (tmp_path / "run").exists()


def _fake_teacher(payload: dict, number: int):
    """A four-step answer ending on the rating it is told, else on 3; every 5th call fails once."""
    import re

    from .teachers.fake_server import completion, last_user_text

    if number % 5 == 0:
        return 500, "overloaded", {}
    told = re.search(r"actual rating of this item is (\d)", last_user_text(payload))
    rating = told.group(1) if told else "3"
    return completion("<analyze user>User Preference: likes it.</analyze user>\n<analyze item>Item. [pos] good "
                      f"[neg] none</analyze item>\n<match>Fits.</match>\n<rate>{rating}</rate>")


def test_recone_with_an_openai_compatible_teacher_caches_every_reply(tmp_path):
    from .teachers.fake_server import FakeServer

    with FakeServer(_fake_teacher) as server:
        teacher = ["teacher=vllm", f"teacher.base_url={server.url}", "teacher.model=fake",
                   "teacher.backoff_s=0.01", "trainer.args.max_steps=1"]
        first = _run(tmp_path / "first", "paradigm=recone", *teacher)
        calls = server.calls
        second = _run(tmp_path / "second", "paradigm=recone", *teacher)
    answered = first["recone/teacher_calls"]
    assert first["recone/teacher_errors"] == 0 and calls > answered  # the 500s were retried
    assert first["recone/dropped"] == 0  # told the rating, this teacher always complies
    samples = pd.read_parquet(tmp_path / "first" / "samples.parquet")
    assert set(samples[samples.kind == "aligned"]["true"]) == {3}  # its unprompted answer is always 3
    assert 3 not in set(samples[samples.kind == "rationalized"]["true"])
    assert len(samples[samples.kind == "aligned"]) == first["recone/aligned"] > 0
    assert server.calls == calls  # the rerun made no call
    assert second["recone/teacher_cached"] == second["recone/teacher_calls"] == answered
    assert all(p["model"] == "fake" for p in server.payloads)
