"""Seconds per optimizer step spent in each phase of a GRPO step, for ``train_log.json``, W&B and
``summary.md``: where a slow run's time goes (generation, rewards, the no-grad log-prob passes of
the old / reference policy, forward + backward, the optimizer step).

On a GPU each phase ends with ``torch.cuda.synchronize()``: kernels are asynchronous, so without it
a phase's time would be billed to whichever later phase waits for them."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from typing import Iterator

PHASES = ("generate", "reward", "logprobs", "forward_backward", "optimizer")
PREFIX = "time/"


class PhaseTimer:
    """Accumulates seconds per phase until ``flush`` hands them over (once per optimizer step)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._open = 0  # nesting depth: a phase inside a phase is not billed twice

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self._open:
            yield
            return
        _synchronize()
        self._open += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            _synchronize()
            self.seconds[name] += time.perf_counter() - started
            self._open -= 1

    @contextlib.contextmanager
    def remainder(self, name: str) -> Iterator[None]:
        """Bill to ``name`` the time of the block less what phases inside it billed."""
        _synchronize()
        billed, started = sum(self.seconds.values()), time.perf_counter()
        try:
            yield
        finally:
            _synchronize()
            inner = sum(self.seconds.values()) - billed
            self.seconds[name] += time.perf_counter() - started - inner

    def flush(self) -> dict[str, float]:
        """``{time/<phase>_s: seconds}`` for every phase (0 when it did not run), then reset."""
        out = {f"{PREFIX}{name}_s": self.seconds.get(name, 0.0) for name in PHASES}
        self.seconds.clear()
        return out


def _synchronize() -> None:
    import torch

    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
