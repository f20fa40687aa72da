"""Classic baselines: hyperparameters chosen on valid, then refit on train + valid for test;
valid is still predicted by the train-only fit; metrics.json says what each split's model saw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.layout import CONF_DIR
from recexp.data.pipeline import load_dataset
from recexp.paradigms.cf_models.mf import MFModel
from recexp.paradigms.cf_refit import RefitPredictor
from recexp.paradigms.fit_cf import fit_cf
from recexp.paradigms.state import RunState

SMALL_DATA = ["debug=smoke"]  # conf/debug/smoke.yaml: 80 users x 60 items


def _fit(tmp_path: Path, *overrides: str) -> RunState:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[*SMALL_DATA, *overrides])
    state = RunState(cfg=cfg, run_dir=tmp_path, data=load_dataset(cfg.dataset, cfg.cache_dir))
    return fit_cf(state)


def _ratings(state: RunState, *splits: str) -> np.ndarray:
    return np.concatenate([state.data.split(s).column("rating").to_numpy() for s in splits]).astype(float)


def test_global_mean_predicts_valid_from_train_and_test_from_train_and_valid(tmp_path):
    state = _fit(tmp_path, "paradigm=global_mean")
    assert state.metrics["cf/fit_on/valid"] == "train" and state.metrics["cf/fit_on/test"] == "train+valid"
    valid, test = (state.predictor.predict(state.data.split(s)) for s in ("valid", "test"))
    assert np.allclose(valid, _ratings(state, "train").mean())
    assert np.allclose(test, _ratings(state, "train", "valid").mean())


def test_mf_refit_keeps_the_selected_hyperparameters_and_epochs(tmp_path):
    state = _fit(tmp_path, "paradigm=mf", "paradigm.cf.factors=[4]", "paradigm.cf.reg=[0.05,0.1]",
                 "paradigm.cf.max_epochs=6", "paradigm.cf.patience=2")
    predictor = state.predictor
    assert isinstance(predictor, RefitPredictor) and isinstance(predictor.refit, MFModel)
    assert predictor.refit.reg == state.metrics["cf/best/reg"] and predictor.refit.factors == 4
    assert predictor.refit.best_epoch == predictor.selected.best_epoch == state.metrics["cf/best/epochs"]
    valid = state.data.split("valid")
    assert np.array_equal(predictor.predict(valid), predictor.selected.predict(valid))
    test = state.data.split("test")
    assert np.array_equal(predictor.predict(test), predictor.refit.predict(test))
    assert len(predictor.refit.encoder.user_ids) >= len(predictor.selected.encoder.user_ids)


def test_refit_can_be_turned_off_for_ablations(tmp_path):
    state = _fit(tmp_path, "paradigm=bias", "paradigm.cf.reg=[1.0]", "paradigm.cf.refit=false")
    assert not isinstance(state.predictor, RefitPredictor)
    assert state.metrics["cf/fit_on/test"] == "train"
