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
    predictor: Any = None  # .predict(split_table) -> float array (NaN: no prediction) or a frame with `pred`
    tracker: Any = None
    model_path: str | None = None  # LLM paradigms: where the current model is saved
    model: Any = None
    tokenizer: Any = None
    samples: Any = None  # teacher_samples: the SFT examples (a DataFrame, see recexp/paradigms/samples.py)
