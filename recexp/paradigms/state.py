"""What stages pass to each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from recexp.data.pipeline import Dataset


@dataclass
class RunState:
    cfg: DictConfig
    run_dir: Path
    data: Dataset
    metrics: dict[str, Any] = field(default_factory=dict)
    predictor: Any = None  # has .predict(split_table) -> float array, NaN where it cannot predict
    tracker: Any = None
