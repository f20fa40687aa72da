"""Several processes, one run: `torchrun --nproc_per_node 2 run.py ...` on CPU (two real gloo ranks,
the code path `accelerate launch` takes on GPUs). Each run writes its files once, rank 0 does the
once-only work, the ranks share the training, and a killed or pruned run ends the same on both.

Slow (about 7 minutes together on 2 CPU cores, the shared tiny build included)."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

from .conftest import ROOT, run_cli

pytestmark = pytest.mark.slow
WORLD = 2
GRPO = ["debug=smoke", "trainer.args.max_steps=6"]  # conf/debug/smoke.yaml, 6 GRPO steps
RUN_FILES = ("metrics.json", "resolved_config.yaml", "predictions.parquet")


def torchrun(run_dir: Path, *overrides: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(_torchrun_command(run_dir, *overrides), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _torchrun_command(run_dir: Path, *overrides: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={WORLD}",
            str(ROOT / "run.py"), f"hydra.run.dir={run_dir}", *overrides]


def _ok(proc: subprocess.CompletedProcess, run_dir: Path) -> dict:
    assert proc.returncode == 0, proc.stderr[-4000:]
    return _metrics(run_dir)


def _metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def _assert_written_once(run_dir: Path, *extra: str) -> None:
    """One copy of each run file in the whole run dir, each rank logged its rank and the world size."""
    for name in (*RUN_FILES, *extra):
        assert [p.relative_to(run_dir) for p in run_dir.rglob(Path(name).name)] == [Path(name)], name
    log = (run_dir / "run.log").read_text()
    for rank in range(WORLD):
        assert f"[rank {rank}] process: rank {rank} of world size {WORLD}" in log


def test_reczero_on_two_ranks_writes_each_file_once(tmp_path):
    run_dir = tmp_path / "reczero"
    metrics = _ok(torchrun(run_dir, *GRPO), run_dir)
    assert metrics["status"] == "ok" and metrics["grpo/steps"] == 6 and metrics["world_size"] == WORLD
    _assert_written_once(run_dir, "train_log.json", "valid_curve.json", "best/best.json")
    predictions = pd.read_parquet(run_dir / "predictions.parquet")
    for split in ("valid", "test"):  # the ranks' shares rejoin to every row once
        rows = predictions[predictions.split == split]["row"]
        assert rows.is_unique and len(rows) == metrics[f"{split}/n"]


def _counting_teacher(payload: dict, number: int):
    """A four-step answer ending on the rating it is told, else on 3."""
    from .teachers.fake_server import completion, last_user_text

    told = re.search(r"actual rating of this item is (\d)", last_user_text(payload))
    return completion("<analyze user>User Preference: likes it.</analyze user>\n<analyze item>Item. [pos] good "
                      f"[neg] none</analyze item>\n<match>Fits.</match>\n<rate>{told.group(1) if told else 3}</rate>")


def test_recone_on_two_ranks_asks_the_teacher_once_per_request(tmp_path):
    from .teachers.fake_server import FakeServer

    run_dir = tmp_path / "recone"
    with FakeServer(_counting_teacher) as server:
        metrics = _ok(torchrun(run_dir, *GRPO, "paradigm=recone", "teacher=vllm",
                               f"teacher.base_url={server.url}", "teacher.model=fake-counting"), run_dir)
    assert metrics["status"] == "ok" and metrics["grpo/steps"] == 6 and metrics["world_size"] == WORLD
    assert metrics["recone/teacher_cached"] == metrics["recone/teacher_errors"] == 0
    assert server.calls == metrics["recone/teacher_calls"] > 0  # not once per rank
    _assert_written_once(run_dir, "samples.parquet", "sft_log.json", "train_log.json")
    assert len(pd.read_parquet(run_dir / "samples.parquet")) == metrics["samples/examples"]


def test_sft_on_two_ranks_runs_half_the_steps_of_one_process(tmp_path):
    sft = ["debug=smoke", "paradigm=sft_rating", "sft.args.per_device_train_batch_size=4"]
    one = run_cli(f"hydra.run.dir={tmp_path / 'one'}", *sft)
    single = _ok(one, tmp_path / "one")
    double = _ok(torchrun(tmp_path / "two", *sft), tmp_path / "two")
    assert double["status"] == "ok" and (single["world_size"], double["world_size"]) == (1, WORLD)
    assert double["sft/examples"] == single["sft/examples"]
    assert double["sft/steps"] == math.ceil(single["sft/steps"] / WORLD) < single["sft/steps"]
    _assert_written_once(tmp_path / "two", "samples.parquet", "sft_log.json")


def test_a_run_killed_on_one_rank_resumes_to_the_same_step_count(tmp_path):
    run_dir = tmp_path / "killed"
    overrides = [*GRPO, "trainer.args.save_steps=2", "trainer.valid_eval_steps=0"]  # checkpoint-4: the second
    proc = subprocess.Popen(_torchrun_command(run_dir, *overrides), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        rank1 = _wait_for_rank_1_after_checkpoint(proc, run_dir, "checkpoint-4")
        os.kill(rank1, signal.SIGKILL)
        assert proc.wait(timeout=120) != 0  # the launcher ends the other rank and fails
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not (run_dir / "metrics.json").exists() or _metrics(run_dir)["status"] != "ok"
    metrics = _ok(torchrun(run_dir, *overrides, "resume=true"), run_dir)
    assert metrics["status"] == "ok" and metrics["grpo/steps"] == 6 and metrics["world_size"] == WORLD
    assert "grpo: resuming from" in (run_dir / "run.log").read_text()


def _wait_for_rank_1_after_checkpoint(proc: subprocess.Popen, run_dir: Path, checkpoint: str) -> int:
    """Rank 1's pid (from its first log line) once ``checkpoint`` is complete."""
    deadline = time.time() + 600
    while not (run_dir / "checkpoints" / checkpoint / "trainer_state.json").exists():
        assert proc.poll() is None and time.time() < deadline, "run ended before the checkpoint"
        time.sleep(0.5)
    found = re.search(r"\[rank 1\] process: rank 1 of world size 2 \(local rank 1, pid (\d+)\)",
                      (run_dir / "run.log").read_text())
    assert found, "rank 1 did not log its pid"
    return int(found.group(1))


def test_a_pruned_two_process_trial_ends_pruned_on_both_ranks(tmp_path):
    """A trial job as the sweeper starts it (optuna.* set), whose study's pruner stops it at the first
    valid evaluation (ThresholdPruner: any MAE above 0)."""
    from recexp.sweeps.trial import PRUNER_ATTR

    storage = f"sqlite:///{tmp_path}/optuna.db"
    study = optuna.create_study(study_name="prune", storage=storage)
    study.set_user_attr(PRUNER_ATTR, {"_target_": "optuna.pruners.ThresholdPruner", "upper": 0.0})
    trial = study.ask()
    run_dir = tmp_path / "trial"
    proc = torchrun(run_dir, *GRPO, f"optuna.storage={storage}", "optuna.study_name=prune",
                    f"optuna.trial_id={trial._trial_id}", f"optuna.trial_number={trial.number}",
                    "optuna.objective=valid/mae_median_fallback")
    metrics = _ok(proc, run_dir)
    assert metrics["status"] == "pruned" and metrics["error"].startswith("TrialPruned: pruned at step 2")
    log = (run_dir / "run.log").read_text()
    assert all(f"[rank {rank}] run status: pruned" in log for rank in range(WORLD))
    stored = optuna.load_study(study_name="prune", storage=storage).trials[0]
    assert stored.intermediate_values and set(stored.intermediate_values) == {2}  # reported once, by rank 0
