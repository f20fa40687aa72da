"""GRPO rollouts decode from a bf16 copy of the float32 policy: after every optimizer step the copy
equals the masters rounded to bf16, generation reads the copy, the masters stay float32, and a
resumed run rebuilds the copy from the restored weights (CPU, a tiny random Qwen2 model)."""

from __future__ import annotations

import pytest
import torch

from recexp.trainers.grpo_trainer import RecexpGRPOTrainer
from recexp.trainers.phases import PHASES, PREFIX

TINY = dict(hidden_size=32, intermediate_size=64, layers=2, heads=2, kv_heads=1, max_position_embeddings=256, seed=0)
CORPUS = ["<rate>4</rate> the user liked the sound", "rate the item from 1 to 5"] * 5


@pytest.fixture(scope="module")
def tokenizer():
    from recexp.models.tiny import build_tokenizer

    return build_tokenizer(CORPUS, vocab_size=300, tags=("rate",))


def _model(tokenizer):
    from recexp.models.tiny import build_model

    return build_model(tokenizer, TINY).to(torch.float32)


def _rounded(model) -> dict:
    return {n: p.detach().to(torch.bfloat16) for n, p in model.named_parameters()}


class Spy(RecexpGRPOTrainer):
    """Records, at every generation, which model TRL generated with and how it compares to the masters."""

    def _generate_single_turn(self, *args, **kwargs):
        generate = self.rollout.model.generate
        seen = self.seen

        def spying_generate(*a, **k):
            masters = _rounded(self.model)
            copy = dict(self.rollout.model.named_parameters())
            seen.append({"step": self.state.global_step,
                         "equal": all(torch.equal(copy[n], masters[n]) for n in masters),
                         "copy_dtypes": {p.dtype for p in copy.values()},
                         "master_dtypes": {p.dtype for p in self.model.parameters()}})
            return generate(*a, **k)

        self.rollout.model.generate = spying_generate
        try:
            return super()._generate_single_turn(*args, **kwargs)
        finally:
            self.rollout.model.generate = generate


def _trainer(tokenizer, tmp_path, cls=Spy, max_steps=3, **extra):
    from datasets import Dataset
    from trl import GRPOConfig

    args = GRPOConfig(output_dir=str(tmp_path / "checkpoints"), use_cpu=True, bf16=False, max_steps=max_steps,
                      per_device_train_batch_size=4, num_generations=4, max_completion_length=6, report_to="none",
                      save_strategy="steps", save_steps=1, beta=0.0, learning_rate=0.05, logging_steps=1,
                      gradient_checkpointing=False, seed=0, **extra)
    data = Dataset.from_dict({"prompt": ["rate the item", "the user liked"] * 8})
    trainer = cls(model=_model(tokenizer), args=args, train_dataset=data, processing_class=tokenizer,
                  reward_funcs=lambda completions, **_: [float(len(c)) for c in completions],
                  rollout_dtype=torch.bfloat16)
    trainer.seen = []
    return trainer


def test_rollouts_read_a_bf16_copy_refreshed_after_every_optimizer_step(tokenizer, tmp_path):
    trainer = _trainer(tokenizer, tmp_path)
    start = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    assert [s["step"] for s in trainer.seen] == [0, 1, 2]  # one generation before each of the 3 steps
    assert all(s["equal"] for s in trainer.seen)
    assert all(s["copy_dtypes"] == {torch.bfloat16} and s["master_dtypes"] == {torch.float32} for s in trainer.seen)
    moved = [n for n, p in trainer.model.named_parameters() if not torch.equal(p, start[n])]
    assert moved, "the masters never changed: the test would not see a stale copy"
    # the copy now holds step 2's weights; the masters moved on at step 3
    assert trainer.rollout.step == 2


def test_a_stale_copy_is_caught(tokenizer, tmp_path):
    """The spy's check can fail: a trainer that never refreshes generates from step 0's weights."""

    class NeverRefreshes(Spy):
        def _generating_from_copy(self):
            self.rollout.refresh_if_stale = lambda master, step: False
            return super()._generating_from_copy()

    trainer = _trainer(tokenizer, tmp_path, cls=NeverRefreshes)
    trainer.train()
    assert [s["equal"] for s in trainer.seen] == [True, False, False]


def test_a_resumed_run_rebuilds_the_copy_from_the_restored_weights(tokenizer, tmp_path):
    first = _trainer(tokenizer, tmp_path, max_steps=2)
    first.train()
    resumed = _trainer(tokenizer, tmp_path, max_steps=3)
    resumed.train(resume_from_checkpoint=str(tmp_path / "checkpoints" / "checkpoint-2"))
    assert [s["step"] for s in resumed.seen] == [2]
    assert resumed.seen[0]["equal"]


def test_each_step_logs_the_seconds_of_every_phase(tokenizer, tmp_path):
    trainer = _trainer(tokenizer, tmp_path, max_steps=2)
    trainer.train()
    logged = [h for h in trainer.state.log_history if f"{PREFIX}step_s" in h]
    assert len(logged) == 2
    for record in logged:
        phases = [record[f"{PREFIX}{name}_s"] for name in PHASES]
        assert record[f"{PREFIX}generate_s"] > 0 and record[f"{PREFIX}forward_backward_s"] > 0
        assert record[f"{PREFIX}optimizer_s"] > 0  # opened in on_pre_optimizer_step, closed in on_optimizer_step
        assert sum(phases) + record[f"{PREFIX}other_s"] == pytest.approx(record[f"{PREFIX}step_s"], rel=1e-6)
