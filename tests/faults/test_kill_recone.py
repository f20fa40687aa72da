"""A RecOne run killed with kill -9 in each of its stages in turn, resumed each time with
resume=true: while the tiny model is built, while the teacher is being asked (an
OpenAI-compatible server that stalls on a chosen call), during SFT (after a checkpoint) and
during the final evaluation. Each rerun reuses what was finished (data cache, tiny model, cached
teacher replies, SFT and GRPO checkpoints), says in its log what it starts over, and the last one
ends with status ok at the step counts of an uninterrupted run."""

from __future__ import annotations

import json
import re
import threading

import pytest

from ..teachers.fake_server import FakeServer, completion, last_user_text
from .killing import Run, appeared, orphans

N_SAMPLES = 40  # debug=smoke: the teacher is asked about 40 train interactions first
ANSWERED = 20  # replies cached before the teacher stage is killed
SFT_STEPS = 15  # 40 examples, batch 16: 3 steps an epoch, 5 epochs
GRPO_STEPS = 2


class StallingTeacher:
    """A four-step answer ending on the rating it is told, else on 3; the call numbered
    ``stall_at`` hangs until released (the run is killed meanwhile)."""

    def __init__(self, stall_at: int) -> None:
        self.stall_at = stall_at
        self.stalled = threading.Event()
        self.release = threading.Event()

    def __call__(self, payload: dict, number: int):
        if number == self.stall_at:
            self.stalled.set()
            self.release.wait(120)
            return 503, "stalled", {}
        told = re.search(r"actual rating of this item is (\d)", last_user_text(payload))
        return completion("<analyze user>User Preference: likes it.</analyze user>\n<analyze item>Item. [pos] good "
                          f"[neg] none</analyze item>\n<match>Fits.</match>\n<rate>{told.group(1) if told else 3}</rate>")


def cache_entries(cache) -> list:
    return sorted((cache / "teacher").rglob("*.json"))


@pytest.mark.slow
def test_a_recone_run_killed_in_every_stage_resumes_and_reuses_what_was_finished(tmp_path):
    teacher = StallingTeacher(stall_at=ANSWERED + 1)
    with FakeServer(teacher) as server:
        try:
            _kill_in_every_stage(tmp_path, server, teacher)
        finally:
            teacher.release.set()


def _kill_in_every_stage(tmp_path, server, teacher) -> None:
    run = Run(tmp_path, "debug=smoke", "paradigm=recone", "teacher=vllm", f"teacher.base_url={server.url}",
              "teacher.model=fake", "teacher.concurrency=1", "model.tiny.warmup_steps=10",
              "sft.args.num_train_epochs=5", "sft.args.save_strategy=steps", "+sft.args.save_steps=2",
              f"trainer.args.max_steps={GRPO_STEPS}")
    models = run.cache / "models"

    # 1. load_model, building the tiny model: only its temporary sibling is left
    run.kill_when(appeared(models, ".tiny-*-*"))
    [orphan] = orphans(models)
    assert not list(models.glob("tiny-*")), "the kill landed after the tiny model was published"

    # 2. teacher_samples, ANSWERED replies in: each is cached whole, nothing else is written
    second = run.kill_when(lambda a: teacher.stalled.is_set() and len(cache_entries(run.cache)) == ANSWERED)
    log = second.log()
    assert "data: reusing cached splits" in log and f"model: removing {orphan}, left by a build" in log
    assert "model: building tiny model" in log and orphans(models) == []
    [tiny] = models.glob("tiny-*")
    assert (tiny / "tiny_build.json").exists()
    assert all(json.loads(p.read_text())["text"] for p in cache_entries(run.cache))
    assert not list((run.cache / "teacher").rglob("*.tmp")) and not (run.dir / "samples.parquet").exists()
    calls = server.calls

    # 3. sft, after its checkpoint-2 was saved
    third = run.kill_when(appeared(run.dir / "sft_checkpoints" / "checkpoint-2", "trainer_state.json"))
    log = third.log()
    assert f"model: reusing tiny model {tiny}" in log and "teacher_samples: resume=true" in log
    assert f"teacher: {ANSWERED} of {N_SAMPLES} replies served from {run.cache / 'teacher'}" in log
    assert "evaluate_base: resume=true: scoring test from the start" in log
    assert f"sft: no checkpoint to resume from in {run.dir / 'sft_checkpoints'}; training from the start" in log
    assert not (run.dir / "sft_model").exists(), "the kill landed after SFT"
    asked = server.calls - calls  # the stalled request is asked again, every answered one is not

    # 4. evaluate: SFT resumed from a checkpoint, GRPO finished; no predictions yet
    fourth = run.kill_when(lambda a: "stage 6/6: evaluate" in a.log())
    log = fourth.log()
    resumed = re.search(r"sft: resuming from (\S+)/checkpoint-(\d+)", log)
    assert resumed and resumed.group(1) == str(run.dir / "sft_checkpoints") and int(resumed.group(2)) >= 2
    assert "grpo: no checkpoint to resume from" in log and (run.dir / "checkpoints" / f"checkpoint-{GRPO_STEPS}").is_dir()
    assert not (run.dir / "predictions.parquet").exists(), "the kill landed after the evaluation"

    # 5. the last attempt: everything reused, evaluation starts over and the run ends ok
    calls = server.calls
    fifth, metrics = run.finish()
    log = fifth.log()
    assert "evaluate: resume=true: scoring valid and test from the start" in log
    last = run.dir / "checkpoints" / f"checkpoint-{GRPO_STEPS}"
    assert f"grpo: resuming from {last}" in log and f"grpo: {last} is at the last step" in log  # no step more
    assert metrics["sft/steps"] == SFT_STEPS and metrics["grpo/steps"] == GRPO_STEPS
    assert server.calls == calls and metrics["recone/teacher_cached"] == metrics["recone/teacher_calls"]
    assert metrics["recone/teacher_calls"] == ANSWERED + asked  # every request was answered once
    assert metrics["data/cache_hit"] is True and (run.dir / "predictions.parquet").exists()
