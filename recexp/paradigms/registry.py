"""Named stages, each with its contract. Entries are import paths, so listing stages or checking a
stage list imports nothing heavy.

A stage is a function ``(state: RunState) -> RunState``. Its entry says what it ``needs`` from an
earlier stage and what it ``gives`` (slots of RunState: "model" is the model and its tokenizer,
"predictor" what ``evaluate`` scores, "samples" the teacher's SFT examples), its config ``check``
(``(cfg) -> None``, raising ConfigError; a light function next to the stage) and its ``precheck``
on the loaded data (``(state) -> None``). ``recexp.paradigms.stage_list`` checks a paradigm
against these before any stage runs. Adding a stage: its module, one line here, the paradigm yaml."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Stage:
    run: str  # "module:function" of the stage
    needs: dict[str, str] = field(default_factory=dict)  # slot -> why (the error's words: "trains on teacher samples")
    gives: tuple[str, ...] = ()
    check: str | None = None  # "module:function": (cfg) -> None, imports nothing heavy
    precheck: str | None = None  # "module:function": (state) -> None, on the loaded data before any stage runs


STAGES: dict[str, Stage] = {
    "fit_cf": Stage("recexp.paradigms.fit_cf:fit_cf", gives=("predictor",),
                    check="recexp.paradigms.fit_cf_check:check_fit_cf"),
    "evaluate": Stage("recexp.paradigms.evaluate:evaluate", needs={"predictor": "scores a predictor"}),
    "evaluate_base": Stage("recexp.paradigms.evaluate:evaluate_base",
                           needs={"model": "scores the model before training"}),
    "load_model": Stage("recexp.paradigms.load_model:load_model", gives=("model", "predictor"),
                        check="recexp.paradigms.load_model:check_load_model"),
    "grpo": Stage("recexp.paradigms.grpo:grpo", needs={"model": "trains the model"}, gives=("model", "predictor"),
                  check="recexp.paradigms.grpo:check_grpo"),
    "teacher_samples": Stage("recexp.paradigms.samples:teacher_samples",
                             needs={"model": "fits the prompts to the student's tokenizer"}, gives=("samples",),
                             check="recexp.paradigms.samples_check:check_teacher_samples",
                             precheck="recexp.paradigms.samples_provenance:precheck_samples"),
    "sft": Stage("recexp.paradigms.sft:sft",
                 needs={"model": "trains the model", "samples": "trains on teacher samples"},
                 gives=("model", "predictor"), check="recexp.paradigms.sft:check_sft"),
}


def get_stage(name: str) -> Callable:
    """The stage function called ``name``."""
    return resolve(STAGES[name].run)


def resolve(path: str) -> Callable[..., Any]:
    """The object at ``"module:attribute"``."""
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)
