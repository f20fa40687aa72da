"""Training callbacks: greedy valid MAE every N steps, keeping the best checkpoint and the curve
(``valid_curve.json`` next to ``best_dir``, one record per evaluation, kept across resumes).

With several processes every rank evaluates (``evaluate`` shares the subset between them, so a
sharded model is never left waiting), rank 0's metrics are broadcast so every rank takes the same
best-step and prune path, and only rank 0 writes the files."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np
from transformers import TrainerCallback

from recexp.common import distributed
from recexp.common.jsonio import write_json
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
        # saves the model into best_dir on every rank; the GRPO stage binds the trainer's save_model
        # (it gathers a sharded model and writes on rank 0)
        self.save: Callable[[Any, Path], None] = _save_on_main

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        """Step 0: the starting model (RecOne's SFT model, a warmed-up base) is a candidate too, so
        a GRPO stage that only makes it worse keeps it (a resumed run has evaluated it already)."""
        if state.global_step == 0:  # every rank: the evaluation is shared between them
            self._evaluate(0, model)
        return control

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.every == 0:
            self._evaluate(state.global_step, model)
        return control

    def _evaluate(self, step: int, model: Any) -> None:
        metrics = distributed.broadcast_from_main(self.evaluate(model))  # one decision for every rank
        record = {"step": step, **metrics}
        self.history = [h for h in self.history if h["step"] < step] + [record]  # a resume re-evaluates steps
        if distributed.is_main_process():
            write_json(self.curve_path, self.history, indent=1)
        self.log_fn({f"valid_during/{k}": v for k, v in record.items()})
        mae = metrics[SELECTION_KEY]
        log.info("step %d: valid mae (unparsed at the train median) %.4f, coverage %.2f, pearson %.2f, "
                 "top rating share %.2f", step, mae, metrics["coverage"], metrics["pearson"], metrics["pred_top_share"])
        if np.isfinite(mae) and (self.best is None or mae < self.best.get(SELECTION_KEY, np.inf)):
            self.best = record
            if distributed.is_main_process():  # a save cut short must not leave best.json vouching for it
                (self.best_dir / "best.json").unlink(missing_ok=True)
            self.save(model, self.best_dir)
            if distributed.is_main_process():
                write_json(self.best_dir / "best.json", record)
        if self.report is not None and step > 0:  # step 0 is the starting model: nothing to prune yet
            self.report(step, metrics)  # may raise TrialPruned (on every rank), which ends the run


def _save_on_main(model: Any, directory: Path) -> None:
    if distributed.is_main_process():
        model.save_pretrained(directory)


def _load_best(best_dir: Path) -> dict | None:
    path = best_dir / "best.json"
    return json.loads(path.read_text()) if path.exists() else None


def _load_curve(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.exists() else []


class TrainingFinished(Exception):
    """Raised by ``StopAtLastStep``: the checkpoint training resumed from is at the last step."""


class StopAtLastStep(TrainerCallback):
    """Resumed from a checkpoint at its last step (a run killed after training, e.g. while it
    evaluated), transformers trains one step more: it compares the step count with max_steps only
    after a step. This stops it before that step (``recexp.paradigms.training.train`` catches it),
    once the checkpoint's weights and state are loaded."""

    def on_step_begin(self, args, state, control, **kwargs):
        if state.max_steps > 0 and state.global_step >= state.max_steps:
            raise TrainingFinished(f"step {state.global_step} of {state.max_steps}")
        return control
