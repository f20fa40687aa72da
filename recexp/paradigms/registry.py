"""Named stages. Values are import paths, so listing or validating stages imports nothing heavy.

A stage is a function ``(state: RunState) -> RunState``."""

from __future__ import annotations

import importlib
from typing import Callable

STAGES: dict[str, str] = {
    "fit_cf": "recexp.paradigms.fit_cf:fit_cf",
    "evaluate": "recexp.paradigms.evaluate:evaluate",
    "evaluate_base": "recexp.paradigms.evaluate:evaluate_base",
    "load_model": "recexp.paradigms.llm:load_model",
    "grpo": "recexp.paradigms.grpo:grpo",
    "teacher_samples": "recexp.paradigms.samples:teacher_samples",
    "sft": "recexp.paradigms.sft:sft",
}


def get_stage(name: str) -> Callable:
    module_name, _, attr = STAGES[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)
