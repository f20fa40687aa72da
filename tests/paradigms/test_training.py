"""recexp.paradigms.training: which checkpoint a resumed stage continues from (and what its log
says), and that a checkpoint at the last step is trained no further."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from types import SimpleNamespace

from omegaconf import OmegaConf

from recexp.paradigms.training import resume_checkpoint, train


def _state(resume: bool) -> SimpleNamespace:
    return SimpleNamespace(cfg=OmegaConf.create({"resume": resume}))


def _checkpoint(directory: Path, step: int) -> Path:
    path = directory / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return path


class ResumingTrainer:
    """Resumes as transformers does: the checkpoint's step is loaded, then a step is trained
    before the step count is compared with max_steps."""

    def __init__(self, output_dir: Path, max_steps: int) -> None:
        self.args = SimpleNamespace(output_dir=str(output_dir), max_steps=max_steps)
        self.callbacks: list = []
        self.trained = 0

    def add_callback(self, callback) -> None:
        self.callbacks.append(callback)

    def remove_callback(self, callback) -> None:
        self.callbacks.remove(callback)

    def train(self, resume_from_checkpoint: str | None = None):
        from transformers.trainer_utils import TrainOutput

        state = json.loads((Path(resume_from_checkpoint) / "trainer_state.json").read_text()) if resume_from_checkpoint else {}
        self.state = SimpleNamespace(global_step=state.get("global_step", 0), max_steps=self.args.max_steps)
        while True:
            for callback in self.callbacks:
                callback.on_step_begin(self.args, self.state, None)
            self.state.global_step += 1
            self.trained += 1
            if self.state.global_step >= self.state.max_steps:
                return TrainOutput(self.state.global_step, 0.5, {})


def test_resume_checkpoint_names_the_last_complete_one_or_says_training_starts_over(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="recexp.paradigms.training")
    assert resume_checkpoint(_state(False), str(tmp_path), "sft") is None and caplog.text == ""
    assert resume_checkpoint(_state(True), str(tmp_path / "none"), "sft") is None
    assert f"sft: no checkpoint to resume from in {tmp_path / 'none'}; training from the start" in caplog.text
    _checkpoint(tmp_path, 2)
    (tmp_path / "checkpoint-4").mkdir()  # killed while saving: no trainer_state.json
    assert resume_checkpoint(_state(True), str(tmp_path), "grpo") == str(tmp_path / "checkpoint-2")
    assert f"grpo: resuming from {tmp_path / 'checkpoint-2'}" in caplog.text


def test_a_checkpoint_at_the_last_step_is_trained_no_further(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="recexp.paradigms.training")
    _checkpoint(tmp_path, 4)
    trainer = ResumingTrainer(tmp_path, max_steps=4)
    result = train(trainer, _state(True), "grpo")
    assert trainer.trained == 0 and result.global_step == 4 and math.isnan(result.training_loss)
    assert trainer.callbacks == [] and "is at the last step (step 4 of 4); nothing left to train" in caplog.text

    longer = ResumingTrainer(tmp_path, max_steps=6)  # resumed with more steps: trains the rest
    assert train(longer, _state(True), "grpo").global_step == 6 and longer.trained == 2
    fresh = ResumingTrainer(tmp_path, max_steps=3)
    assert train(fresh, _state(False), "grpo").global_step == 3 and fresh.trained == 3
