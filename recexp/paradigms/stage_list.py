"""Check a paradigm's stage list against the stages' contracts (``recexp.paradigms.registry``)
before any stage runs: every stage known, every need given by an earlier stage, every stage's
config check passed. Imports nothing heavy (a stage's check imports what it checks against)."""

from __future__ import annotations

from omegaconf import DictConfig

from recexp.common.errors import ConfigError
from recexp.paradigms.registry import STAGES, resolve


def check_stage_list(cfg: DictConfig, stages: list[str] | None = None) -> None:
    """Raise ConfigError (one line, naming the key) when ``stages`` (default: ``paradigm.stages``)
    cannot run with ``cfg``."""
    stages = list(cfg.paradigm.stages if stages is None else stages)
    if not stages:
        raise ConfigError("paradigm.stages: empty; a paradigm lists at least one stage")
    for i, name in enumerate(stages):
        if name not in STAGES:
            raise ConfigError(f"paradigm.stages[{i}]: unknown stage '{name}'; allowed: {', '.join(sorted(STAGES))}")
    _check_needs(stages)
    for name in dict.fromkeys(stages):
        if STAGES[name].check is not None:
            resolve(STAGES[name].check)(cfg)


def uses_model(stages: list[str]) -> bool:
    """Whether a stage of the list loads, needs or trains an LLM."""
    return any("model" in STAGES[name].needs or "model" in STAGES[name].gives for name in stages)


def _check_needs(stages: list[str]) -> None:
    given: set[str] = set()
    for name in stages:
        stage = STAGES[name]
        for need, why in stage.needs.items():
            if need not in given:
                givers = " or ".join(_givers(need))
                raise ConfigError(f"paradigm.stages: stage {name} {why}; list {givers} before {name}")
        given.update(stage.gives)


def _givers(slot: str) -> list[str]:
    """Stages that give ``slot``: those that need nothing first (what a paradigm starts from) when
    there are some (a predictor: fit_cf or load_model, not sft or grpo), else all."""
    givers = [name for name, stage in STAGES.items() if slot in stage.gives]
    return [name for name in givers if not STAGES[name].needs] or givers
