"""GRPO without a learning signal says so.

- ``SignalMonitor`` (a callback) warns when, for ``patience`` logging steps in a row, every group's
  rewards were identical (TRL's ``frac_reward_zero_std`` = 1: zero advantages, zero gradient) or most
  completions hit ``max_completion_length`` (``completions/clipped_ratio``: clipped answers have no
  ``<rate>``, so every reward is the format penalty).
- ``check_completion_budget`` fails before training when ``max_completion_length`` is shorter than
  the template's own answers (written from the facts of sampled train prompts, as the tiny model's
  warm-up and the rule-based teacher write them; a real LLM's answers are longer still).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from transformers import TrainerCallback

from recexp.common.errors import ConfigError

log = logging.getLogger(__name__)

ZERO_STD_KEY = "frac_reward_zero_std"
CLIPPED_KEY = "completions/clipped_ratio"
CLIPPED_MAJORITY = 0.5
BUDGET_PROMPTS = 50


class SignalMonitor(TrainerCallback):
    """Warn (once per cause) after ``patience`` consecutive logs without a learning signal."""

    def __init__(self, patience: int = 3) -> None:
        self.patience = patience
        self.streaks = {ZERO_STD_KEY: 0, CLIPPED_KEY: 0}
        self.warned: set[str] = set()

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        self._track(ZERO_STD_KEY, logs.get(ZERO_STD_KEY), lambda v: v >= 0.999, state.global_step,
                    "every group's rewards were identical (frac_reward_zero_std = 1): the advantages "
                    "and the policy gradient are zero. Likely causes: all completions clipped or "
                    "unparsable (format -1 everywhere), a collapsed policy (temperature too low, "
                    "beta 0), or too few generations per prompt (trainer.args.num_generations)")
        self._track(CLIPPED_KEY, logs.get(CLIPPED_KEY), lambda v: v > CLIPPED_MAJORITY, state.global_step,
                    f"most completions hit max_completion_length={args.max_completion_length} "
                    f"(completions/clipped_ratio > {CLIPPED_MAJORITY}): clipped answers have no <rate> and "
                    "earn only the format penalty; raise trainer.args.max_completion_length")
        return control

    def _track(self, key: str, value: Any, bad, step: int, message: str) -> None:
        if value is None:
            return
        self.streaks[key] = self.streaks[key] + 1 if bad(float(value)) else 0
        if self.streaks[key] >= self.patience and key not in self.warned:
            self.warned.add(key)
            log.warning("grpo: no learning signal at step %d for %d logging steps: %s", step, self.streaks[key], message)


def answer_lengths(state, n: int = BUDGET_PROMPTS) -> np.ndarray:
    """Token lengths of the template's answers (about what each budgeted prompt shows) for ``n``
    sampled train prompts."""
    from recexp.data.context import ContextBuilder
    from recexp.prompts.facts import fact_sheet, write_answer
    from recexp.prompts.render import shown_context
    from recexp.prompts.settings import prompt_settings, template_of

    cfg = state.cfg
    template, settings = template_of(cfg), prompt_settings(cfg.prompt)
    rows = state.data.split("train").column("row").to_numpy()
    rows = np.random.default_rng(cfg.seed).choice(rows, size=min(n, len(rows)), replace=False)
    builder = ContextBuilder(state.data.processed, snippet_chars=settings["snippet_chars"])
    answers = []
    for row in rows:
        shown = shown_context(template, builder.build(int(row)), tokenizer=state.tokenizer, **settings)
        facts = fact_sheet(shown, item_reviews_limit=settings["item_reviews_limit"], scale=template.scale)
        answers.append(write_answer(template, facts, template.scale.hi))
    eos = 1 if state.tokenizer.eos_token else 0
    return np.array([len(state.tokenizer(a, add_special_tokens=False)["input_ids"]) + eos for a in answers])


def check_completion_budget(state) -> None:
    """Fail when ``trainer.args.max_completion_length`` would clip most of the template's answers."""
    limit = state.cfg.trainer.args.get("max_completion_length")
    if limit is None:
        return
    lengths = answer_lengths(state)
    if lengths.size and np.median(lengths) > limit:
        raise ConfigError(
            f"trainer.args.max_completion_length={limit} is shorter than the {state.cfg.prompt.template} "
            f"template's own answers (median {int(np.median(lengths))} tokens, max {int(lengths.max())}, "
            f"over {lengths.size} train prompts): most completions would be clipped before <rate>; "
            f"set it to at least {int(lengths.max())}")
    log.info("grpo: template answers take %d-%d tokens (median %d); max_completion_length %d",
             lengths.min(), lengths.max(), int(np.median(lengths)), limit)
