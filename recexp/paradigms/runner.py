"""Run a paradigm's declared stages in order."""

from __future__ import annotations

import logging
import time
from typing import Callable

from recexp.paradigms.registry import get_stage
from recexp.paradigms.samples_provenance import precheck_samples
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)


# Checks that need the loaded data but must fail before any stage runs (no model loaded or built).
PRECHECKS: dict[str, Callable[[RunState], None]] = {"teacher_samples": precheck_samples}


def run_stages(stage_names: list[str], state: RunState,
               on_stage: Callable[[str], None] | None = None) -> RunState:
    """Run the stages' prechecks, then apply each stage to the state; record each stage's wall
    time as ``time/<stage>_s``. ``on_stage(name)`` is told each stage as it starts."""
    for name in stage_names:
        if name in PRECHECKS:
            if on_stage is not None:
                on_stage(f"{name} (precheck)")
            PRECHECKS[name](state)
    for i, name in enumerate(stage_names, start=1):
        if on_stage is not None:
            on_stage(name)
        log.info("stage %d/%d: %s", i, len(stage_names), name)
        started = time.perf_counter()
        state = get_stage(name)(state)
        state.metrics[f"time/{name}_s"] = round(time.perf_counter() - started, 3)
    return state
