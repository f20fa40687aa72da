"""TRL's GRPOTrainer with two additions: rollouts decode from a low-precision inference copy of
the policy (``recexp.models.inference_copy``), refreshed from the float32 masters whenever an
optimizer step has changed them, and the seconds of each phase of a step are logged
(``recexp.trainers.phases``: ``time/<phase>_s`` in the trainer's logs, so in ``train_log.json``,
run.log and W&B).

The copy serves TRL's transformers paths (``generate`` and continuous batching); vLLM keeps its
own engine, which TRL syncs itself. TRL's importance-sampling correction of the rollout/training
mismatch (``vllm_importance_sampling_correction``) needs the sampler's log-probs, which only vLLM
returns: with the transformers paths the bf16 rollout policy is treated as the float32 one."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any, Iterator

from transformers import TrainerCallback
from trl import GRPOTrainer

from recexp.models.inference_copy import InferenceCopy
from recexp.trainers.phases import PREFIX, PhaseTimer

log = logging.getLogger(__name__)


class RecexpGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer(..., rollout_dtype=torch.bfloat16)``; ``rollout_dtype=None`` generates from the
    policy itself, as TRL does."""

    def __init__(self, *args: Any, rollout_dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phases = PhaseTimer()
        self.rollout = None
        if rollout_dtype is not None and not self.use_vllm:
            if self._sharded():
                log.warning("rollouts: the policy's weights are sharded (FSDP or DeepSpeed ZeRO-3); no %s inference "
                            "copy is made, TRL gathers the policy to generate", rollout_dtype)
            else:
                self.rollout = InferenceCopy.of(self._policy(), rollout_dtype)
        self.add_callback(_FlushPhases(self))

    def _sharded(self) -> bool:
        plugin = self.accelerator.state.deepspeed_plugin if self.is_deepspeed_enabled else None
        return self.is_fsdp_enabled or (plugin is not None and plugin.zero_stage == 3)

    def _policy(self) -> Any:
        return self.accelerator.unwrap_model(self.model)

    def _generate(self, *args: Any, **kwargs: Any):
        with self.phases.phase("generate"):  # tokenizing prompts, decoding and detokenizing completions
            return super()._generate(*args, **kwargs)

    def _generate_single_turn(self, *args: Any, **kwargs: Any):
        with self._generating_from_copy():
            return super()._generate_single_turn(*args, **kwargs)

    @contextlib.contextmanager
    def _generating_from_copy(self) -> Iterator[None]:
        """TRL unwraps ``model_wrapped`` to generate: point it at the refreshed copy meanwhile."""
        if self.rollout is None:
            yield
            return
        self.rollout.refresh_if_stale(self._policy(), self.state.global_step)
        wrapped, self.model_wrapped = self.model_wrapped, self.rollout.model
        try:
            yield
        finally:
            self.model_wrapped = wrapped
            self.rollout.model.eval()  # TRL's continuous-batching path leaves it in train mode

    def _calculate_rewards(self, *args: Any, **kwargs: Any):
        with self.phases.phase("reward"):
            return super()._calculate_rewards(*args, **kwargs)

    def _get_per_token_logps_and_entropies(self, *args: Any, **kwargs: Any):
        import torch

        if torch.is_grad_enabled():  # the training forward pass: part of forward_backward
            return super()._get_per_token_logps_and_entropies(*args, **kwargs)
        with self.phases.phase("logprobs"):  # old / reference policy, no grad
            return super()._get_per_token_logps_and_entropies(*args, **kwargs)

    def training_step(self, *args: Any, **kwargs: Any):
        with self.phases.remainder("forward_backward"):
            return super().training_step(*args, **kwargs)


class _FlushPhases(TrainerCallback):
    """Times the optimizer step and hands each step's phase seconds to TRL's averaged metrics, with
    ``time/step_s`` (from the previous step's end) and ``time/other_s``: the step less its phases
    (reading and templating the batch, logging, checkpoints, valid evaluations)."""

    def __init__(self, trainer: RecexpGRPOTrainer) -> None:
        self.trainer = trainer
        self._optimizer = contextlib.ExitStack()  # the optimizer phase, open between the two callbacks
        self._last_end = time.perf_counter()

    def on_train_begin(self, args, state, control, **kwargs):
        self._last_end = time.perf_counter()

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        self._optimizer.enter_context(self.trainer.phases.phase("optimizer"))

    def on_optimizer_step(self, args, state, control, **kwargs):
        self._optimizer.close()

    def on_step_end(self, args, state, control, **kwargs):
        now = time.perf_counter()
        phases = self.trainer.phases.flush()
        step = now - self._last_end
        phases[f"{PREFIX}other_s"] = max(0.0, step - sum(phases.values()))
        phases[f"{PREFIX}step_s"] = step
        self._last_end = now
        metrics = self.trainer._metrics["train"]
        for key, seconds in phases.items():
            metrics[key].append(seconds)
