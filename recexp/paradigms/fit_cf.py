"""Stage ``fit_cf``: fit a classic baseline on train, pick its hyperparameters on valid, then
(``paradigm.cf.refit``, default) refit them on train + valid for test (``recexp/paradigms/cf_refit.py``).
The model is the one ``paradigm.cf.model`` names in ``CF_MODELS`` (``recexp/paradigms/cf_models/``)."""

from __future__ import annotations

import logging

import numpy as np

from recexp.data.columns import RATING
from recexp.paradigms.cf_models import CF_MODELS
from recexp.paradigms.cf_models.base import CFModel, selection_score
from recexp.paradigms.cf_refit import RefitPredictor, fit_on_metrics, train_and_valid
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)


def fit_cf(state: RunState) -> RunState:
    """Fit every grid candidate of ``paradigm.cf``; keep the best on valid as the predictor."""
    cf = state.cfg.paradigm.cf
    train, valid = state.data.split("train"), state.data.split("valid")
    select_by = cf.select_by.value
    model_class = CF_MODELS.get(cf.model)
    grid = model_class.grid(cf)
    best_score, best = np.inf, None
    for params in grid:
        model = model_class.build(cf, params, state.cfg.seed, state.data.scale).fit(train, valid)
        score = selection_score(valid.column(RATING).to_numpy(), model.predict(valid), select_by)
        log.info("fit_cf %s %s: valid %s %.4f", cf.model, params, select_by, score)
        if best is None or score < best_score:
            best_score, best = score, (model, params)
    model, params = best
    state.predictor = _refit(cf, params, model, train, valid, state.cfg.seed, state.data.scale) if cf.refit else model
    state.metrics.update({f"cf/best/{k}": v for k, v in params.items()})
    state.metrics["cf/grid_size"] = len(grid)
    state.metrics.update(fit_on_metrics(cf.refit))
    if hasattr(model, "best_epoch"):
        state.metrics["cf/best/epochs"] = model.best_epoch
    return state


def _refit(cf, params: dict, selected: CFModel, train, valid, seed: int, scale) -> RefitPredictor:
    """The selected hyperparameters (and MF's selected epoch count) fit again on train + valid."""
    both = train_and_valid(train, valid)
    refit = type(selected).build(cf, params, seed, scale).fit(both, None, **selected.refit_args())
    log.info("fit_cf %s %s: refit on train + valid (%d interactions) for test", cf.model, params, both.num_rows)
    return RefitPredictor(selected, refit, valid)

