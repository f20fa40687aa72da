"""Training callbacks: greedy valid MAE every N steps, keeping the best checkpoint and the curve
(``valid_curve.json`` next to ``best_dir``, one record per evaluation, kept across resumes)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np
from transformers import TrainerCallback

from recexp.eval.metrics import SELECTION_KEY

log = logging.getLogger(__name__)


class ValidEvalCallback(TrainerCallback):
    """Every ``every`` steps: greedy-evaluate a fixed valid subset, log ``valid_during/*``, save the
    model to ``best_dir`` when valid MAE improves, then hand the metrics to ``report`` (sweeps: pruning).
    Valid curves are noisy (RL on small models moves MAE by several hundredths between evaluations),
    so the final evaluation uses the best step, not the last."""

    def __init__(self, evaluate: Callable[[Any], dict], every: int, best_dir: Path,
                 log_fn: Callable[[dict], None], report: Callable[[int, dict], None] | None = None) -> None:
        self.evaluate, self.every, self.best_dir, self.log_fn = evaluate, every, best_dir, log_fn
        self.report = report  # e.g. an Optuna trial's report + prune check (recexp.sweeps.trial)
        self.best = _load_best(best_dir)
        self.curve_path = best_dir.parent / "valid_curve.json"
        self.history: list[dict] = _load_curve(self.curve_path)

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        """Step 0: the starting model (RecOne's SFT model, a warmed-up base) is a candidate too, so
        a GRPO stage that only makes it worse keeps it (a resumed run has evaluated it already)."""
        if state.global_step == 0 and state.is_world_process_zero:
            self._evaluate(0, model)
        return control

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.every == 0 and state.is_world_process_zero:
            self._evaluate(state.global_step, model)
        return control

    def _evaluate(self, step: int, model: Any) -> None:
        metrics = self.evaluate(model)
        record = {"step": step, **metrics}
        self.history = [h for h in self.history if h["step"] < step] + [record]  # a resume re-evaluates steps
        self.curve_path.write_text(json.dumps(self.history, indent=1, default=float))
        self.log_fn({f"valid_during/{k}": v for k, v in record.items()})
        mae = metrics[SELECTION_KEY]
        log.info("step %d: valid mae (unparsed at the train median) %.4f, coverage %.2f, pearson %.2f, "
                 "top rating share %.2f", step, mae, metrics["coverage"], metrics["pearson"], metrics["pred_top_share"])
        if np.isfinite(mae) and (self.best is None or mae < self.best.get(SELECTION_KEY, np.inf)):
            self.best = record
            model.save_pretrained(self.best_dir)
            (self.best_dir / "best.json").write_text(json.dumps(record, indent=2))
        if self.report is not None:
            self.report(step, metrics)  # may raise TrialPruned, which ends the run


def _load_best(best_dir: Path) -> dict | None:
    path = best_dir / "best.json"
    return json.loads(path.read_text()) if path.exists() else None


def _load_curve(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.exists() else []
