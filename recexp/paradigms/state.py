"""What stages pass to each other. The types are imported for type checkers only, so this module
stays light (stage modules import it, and their config checks run while a config is validated)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig

if TYPE_CHECKING:
    import pandas as pd
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from recexp.data.pipeline import Dataset
    from recexp.eval.predictor import Predictor, RatingModel
    from recexp.tracking.tracker import NullTracker


@dataclass
class RunState:
    cfg: DictConfig  # the launcher: the composed, validated config
    run_dir: Path  # the launcher
    data: Dataset  # the launcher: the loaded splits
    metrics: dict[str, Any] = field(default_factory=dict)  # every stage adds its keys
    # what evaluate scores: fit_cf's RatingModel, or load_model's LLM Predictor (replaced by sft and grpo)
    predictor: Predictor | RatingModel | None = None
    tracker: NullTracker | None = None  # the launcher: the run's W&B tracker (a NullTracker without one)
    model_path: str | None = None  # load_model; replaced by sft and grpo: where the current model is saved
    model: PreTrainedModel | None = None  # load_model; replaced by sft and grpo (a PEFT model with LoRA)
    tokenizer: PreTrainedTokenizerBase | None = None  # load_model; sft reloads it with the tuned model
    samples: pd.DataFrame | None = None  # teacher_samples: the SFT examples (columns: recexp/paradigms/samples.py)
