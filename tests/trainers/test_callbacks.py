"""The valid-evaluation callback: the starting model is a candidate for the kept step."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from recexp.trainers.callbacks import ValidEvalCallback


def _callback(tmp_path: Path, maes: list[float]) -> ValidEvalCallback:
    values = iter(maes)

    def evaluate(model) -> dict:
        mae = next(values)
        return {"mae_median_fallback": mae, "mae_fallback": mae, "coverage": 1.0, "pearson": 0.0, "pred_top_share": 1.0}

    return ValidEvalCallback(evaluate, 5, tmp_path / "best", log_fn=lambda values: None)


MODEL = SimpleNamespace(save_pretrained=lambda d: Path(d).mkdir(exist_ok=True))


def test_the_starting_model_is_kept_when_training_only_makes_it_worse(tmp_path):
    callback = _callback(tmp_path, [0.75, 0.9, 0.8])
    callback.on_train_begin(None, SimpleNamespace(global_step=0, is_world_process_zero=True), None, model=MODEL)
    for step in (5, 10):
        callback.on_step_end(None, SimpleNamespace(global_step=step, is_world_process_zero=True), None, model=MODEL)
    assert callback.best["step"] == 0
    assert json.loads((tmp_path / "best" / "best.json").read_text())["step"] == 0
    assert [c["step"] for c in json.loads((tmp_path / "valid_curve.json").read_text())] == [0, 5, 10]


def test_a_resumed_run_does_not_evaluate_the_starting_model_again(tmp_path):
    callback = _callback(tmp_path, [0.7])
    callback.on_train_begin(None, SimpleNamespace(global_step=10, is_world_process_zero=True), None, model=MODEL)
    assert callback.best is None and not (tmp_path / "valid_curve.json").exists()


def test_the_starting_model_is_not_reported_to_a_pruner(tmp_path):
    reported = []
    callback = _callback(tmp_path, [0.75, 0.9])
    callback.report = lambda step, metrics: reported.append(step)
    callback.on_train_begin(None, SimpleNamespace(global_step=0, is_world_process_zero=True), None, model=MODEL)
    callback.on_step_end(None, SimpleNamespace(global_step=5, is_world_process_zero=True), None, model=MODEL)
    assert reported == [5]


def test_a_best_save_cut_short_leaves_no_best_json_vouching_for_it(tmp_path):
    """A kill while the better step's weights overwrite best/ must not leave the older step's
    best.json beside them: a resumed run would keep torn weights under the old record."""
    callback = _callback(tmp_path, [0.8, 0.7])
    callback.on_train_begin(None, SimpleNamespace(global_step=0, is_world_process_zero=True), None, model=MODEL)
    assert (tmp_path / "best" / "best.json").exists()

    def killed_mid_save(model, directory):
        raise KeyboardInterrupt("killed while saving")

    callback.save = killed_mid_save
    try:
        callback.on_step_end(None, SimpleNamespace(global_step=5, is_world_process_zero=True), None, model=MODEL)
    except KeyboardInterrupt:
        pass
    assert not (tmp_path / "best" / "best.json").exists()
