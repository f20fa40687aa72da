"""Drive a real `python run.py` run through attempts: start one, SIGKILL its whole process group
as soon as a marker shows it is inside a stage (a log line, a file that appears), then run it
again with resume=true. No kill is timed: every kill waits for its marker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..conftest import ROOT

POLL_S = 0.002  # the fast stages (a cache write) stay inside their window for a second or so


@dataclass
class Attempt:
    number: int
    out: Path  # the attempt's stdout and stderr: its own log lines (run.log accumulates every attempt)
    returncode: int | None = None

    def log(self) -> str:
        return self.out.read_text(errors="replace") if self.out.exists() else ""


class Run:
    """One run dir and cache dir, run again and again: the first attempt plain, later ones with
    resume=true (the documented way to run again in the dir of a killed run)."""

    def __init__(self, root: Path, *overrides: str, cache: Path | None = None, name: str = "run") -> None:
        self.root, self.overrides = root, overrides
        self.dir = root / name
        self.cache = cache if cache is not None else root / "cache"
        self.attempts: list[Attempt] = []

    def command(self) -> list[str]:
        resume = ["resume=true"] if self.attempts else []
        return [sys.executable, str(ROOT / "run.py"), f"hydra.run.dir={self.dir}", f"cache_dir={self.cache}",
                *self.overrides, *resume]

    def start(self) -> tuple[Attempt, subprocess.Popen]:
        attempt = Attempt(len(self.attempts) + 1, self.root / f"{self.dir.name}-attempt{len(self.attempts) + 1}.out")
        command = self.command()
        self.attempts.append(attempt)
        with attempt.out.open("w") as out:  # the child keeps its own descriptor
            proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        return attempt, proc

    def kill_when(self, marker: Callable[[Attempt], bool], timeout: float = 600) -> Attempt:
        """Start the next attempt and kill -9 its process group once ``marker(attempt)`` holds;
        fail when the run ends (or ``timeout`` passes) first."""
        attempt, proc = self.start()
        deadline = time.monotonic() + timeout
        try:
            while not marker(attempt):
                if proc.poll() is not None:
                    raise AssertionError(f"attempt {attempt.number} ended (exit {proc.returncode}) before its "
                                         f"marker:\n{attempt.log()[-3000:]}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"attempt {attempt.number}: no marker within {timeout}s")
                time.sleep(POLL_S)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            attempt.returncode = proc.wait()
        assert attempt.returncode == -signal.SIGKILL, f"attempt {attempt.number} exited {attempt.returncode}"
        return attempt

    def finish(self, timeout: float = 600) -> tuple[Attempt, dict]:
        """Run the next attempt to its end; it must succeed. Returns it and its metrics."""
        attempt, proc = self.start()
        try:
            attempt.returncode = proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        assert attempt.returncode == 0, f"attempt {attempt.number} failed:\n{attempt.log()[-4000:]}"
        metrics = json.loads((self.dir / "metrics.json").read_text())
        assert metrics["status"] == "ok", metrics.get("error")
        return attempt, metrics


def appeared(directory: Path, pattern: str) -> Callable[[Attempt], bool]:
    """Marker: a path matching ``pattern`` exists in ``directory``."""
    return lambda attempt: directory.is_dir() and any(directory.glob(pattern))


def logged(text: str) -> Callable[[Attempt], bool]:
    """Marker: the attempt has logged ``text``."""
    return lambda attempt: text in attempt.log()


def orphans(directory: Path) -> list[Path]:
    """Temporary siblings of cache entries (``.<name>-*``) in ``directory``: what killed builds leave."""
    return sorted(p for p in directory.glob(".*-*") if not p.name.endswith(".lock"))
