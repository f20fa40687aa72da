"""Find run dirs (a dir holding metrics.json and resolved_config.yaml) under paths, and read them.

A dir holding only one of the two, or a file that does not parse, is an `Unreadable` entry: it is
counted and listed, never silently dropped. Sweep dirs need nothing special: their job subdirs are
ordinary run dirs, found by the same walk."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from recexp.compare.errors import CompareError

METRICS, CONFIG = "metrics.json", "resolved_config.yaml"
TRAIN_LOG, VALID_CURVE = "train_log.json", "valid_curve.json"
_SKIP_DIRS = {".hydra", "wandb", "__pycache__", ".git"}  # never hold run dirs


@dataclass
class Run:
    path: Path
    metrics: dict[str, Any]
    config: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.metrics.get("status") == "ok"

    def train_log(self) -> list[dict]:
        """TRL's log history (train_log.json), or [] when the run has none."""
        return _read_json_list(self.path / TRAIN_LOG)

    def valid_curve(self) -> list[dict]:
        """Valid metrics evaluated during training (valid_curve.json), or []."""
        return _read_json_list(self.path / VALID_CURVE)


@dataclass
class Unreadable:
    path: Path
    reason: str


@dataclass
class Found:
    runs: list[Run] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)


def find_runs(paths: list[Path]) -> Found:
    """Every run dir under ``paths`` (recursively), read; a missing path raises CompareError."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CompareError(f"no such path: {', '.join(missing)}")
    found = Found()
    for directory in sorted({d.resolve() for p in paths for d in candidate_dirs(p)}):
        entry = read_run(directory)
        (found.runs if isinstance(entry, Run) else found.unreadable).append(entry)
    return found


def candidate_dirs(root: Path):
    """Dirs under ``root`` holding metrics.json or resolved_config.yaml (not descending into them)."""
    if root.is_file():
        root = root.parent
    for directory, subdirs, files in os.walk(root):
        if METRICS in files or CONFIG in files:
            subdirs.clear()
            yield Path(directory)
        else:
            subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS)


def read_run(directory: Path) -> Run | Unreadable:
    """A Run, or Unreadable with the reason (missing file, bad JSON/YAML, not a mapping)."""
    for name in (METRICS, CONFIG):
        if not (directory / name).is_file():
            hint = " (still running, or killed)" if name == METRICS else ""
            return Unreadable(directory, f"no {name}{hint}")
    try:
        metrics = json.loads((directory / METRICS).read_text())
        config = yaml.safe_load((directory / CONFIG).read_text())
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        return Unreadable(directory, f"{type(exc).__name__}: {_first_line(str(exc))}")
    if not isinstance(metrics, dict) or not isinstance(config, dict):
        return Unreadable(directory, f"{METRICS} or {CONFIG} is not a mapping")
    return Run(directory, metrics, config)


def _read_json_list(path: Path) -> list[dict]:
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
