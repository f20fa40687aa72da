"""Run a paradigm's declared stages in order."""

from __future__ import annotations

import logging
import time

from recexp.paradigms.registry import get_stage
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)


def run_stages(stage_names: list[str], state: RunState) -> RunState:
    """Apply each stage to the state; record each stage's wall time as ``time/<stage>_s``."""
    for i, name in enumerate(stage_names, start=1):
        log.info("stage %d/%d: %s", i, len(stage_names), name)
        started = time.perf_counter()
        state = get_stage(name)(state)
        state.metrics[f"time/{name}_s"] = round(time.perf_counter() - started, 3)
    return state
