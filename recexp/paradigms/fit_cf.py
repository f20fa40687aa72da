"""Stage ``fit_cf``: fit a classic baseline on train, pick its hyperparameters on valid, then
(``paradigm.cf.refit``, default) refit them on train + valid for test (``recexp/paradigms/cf_refit.py``).
The model is the one ``paradigm.cf.model`` names in ``CF_MODELS`` (``recexp/paradigms/cf_models/``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

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
    fitted = fit_selected(cf, state.data, state.cfg.seed)
    state.predictor = fitted.predictor
    state.metrics.update({f"cf/best/{k}": v for k, v in fitted.params.items()})
    state.metrics["cf/grid_size"] = fitted.grid_size
    state.metrics.update(fit_on_metrics(cf.refit))
    if hasattr(fitted.model, "best_epoch"):
        state.metrics["cf/best/epochs"] = fitted.model.best_epoch
    return state


@dataclass
class Fitted:
    predictor: Any  # what scores test: the refit model when cf.refit (valid cases: the selected one)
    model: CFModel  # the valid-selected model, fit on train
    params: dict
    grid_size: int


def fit_selected(cf, data, seed: int, say: Callable[..., None] = log.info) -> Fitted:
    """The ``cf`` model with the grid candidate best on valid, refit on train + valid when ``cf.refit``
    (stage ``fit_cf``, and the baselines every run is compared with: ``recexp.eval.baselines``)."""
    train, valid = data.split("train"), data.split("valid")
    select_by = cf.select_by.value
    model_class = CF_MODELS.get(cf.model)
    grid = model_class.grid(cf)
    best_score, best = np.inf, None
    for params in grid:
        model = model_class.build(cf, params, seed, data.scale).fit(train, valid)
        score = selection_score(valid.column(RATING).to_numpy(), model.predict(valid), select_by)
        say("fit_cf %s %s: valid %s %.4f", cf.model, params, select_by, score)
        if best is None or score < best_score:
            best_score, best = score, (model, params)
    model, params = best
    predictor = _refit(cf, params, model, train, valid, seed, data.scale, say) if cf.refit else model
    return Fitted(predictor, model, params, len(grid))


def _refit(cf, params: dict, selected: CFModel, train, valid, seed: int, scale, say) -> RefitPredictor:
    """The selected hyperparameters (and MF's selected epoch count) fit again on train + valid."""
    both = train_and_valid(train, valid)
    refit = type(selected).build(cf, params, seed, scale).fit(both, None, **selected.refit_args())
    say("fit_cf %s %s: refit on train + valid (%d interactions) for test", cf.model, params, both.num_rows)
    return RefitPredictor(selected, refit, valid)

