"""Run a paradigm's declared stages in order."""

from __future__ import annotations

import logging
import time
from typing import Callable

from recexp.paradigms.registry import STAGES, get_stage, resolve
from recexp.paradigms.stage_list import check_stage_list
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)


def run_stages(stage_names: list[str], state: RunState,
               on_stage: Callable[[str], None] | None = None) -> RunState:
    """Check the stage list (``recexp.paradigms.stage_list``) and run the stages' prechecks on the
    loaded data, then apply each stage to the state; record each stage's wall time as
    ``time/<stage>_s``. ``on_stage(name)`` is told each stage as it starts."""
    check_stage_list(state.cfg, stage_names)
    for name in stage_names:
        if STAGES[name].precheck is not None:
            if on_stage is not None:
                on_stage(f"{name} (precheck)")
            resolve(STAGES[name].precheck)(state)
    for i, name in enumerate(stage_names, start=1):
        if on_stage is not None:
            on_stage(name)
        log.info("stage %d/%d: %s", i, len(stage_names), name)
        started = time.perf_counter()
        state = get_stage(name)(state)
        state.metrics[f"time/{name}_s"] = round(time.perf_counter() - started, 3)
    return state
