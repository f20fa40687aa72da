"""Stage ``fit_cf``: fit a classic baseline on train, pick its hyperparameters on valid, then
(``paradigm.cf.refit``, default) refit them on train + valid for test (``recexp/paradigms/cf_refit.py``)."""

from __future__ import annotations

import itertools
import logging

import numpy as np

from recexp.data.columns import RATING
from recexp.paradigms.cf_models import BiasModel, MeanModel, MedianModel, MFModel, selection_score
from recexp.paradigms.cf_refit import RefitPredictor, fit_on_metrics, train_and_valid
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)


def fit_cf(state: RunState) -> RunState:
    """Fit every grid candidate of ``paradigm.cf``; keep the best on valid as the predictor."""
    cf = state.cfg.paradigm.cf
    train, valid = state.data.split("train"), state.data.split("valid")
    select_by = cf.select_by.value
    best_score, best = np.inf, None
    for params in _grid(cf):
        model = _build(cf, params, state.cfg.seed, state.data.scale).fit(train, valid)
        score = selection_score(valid.column(RATING).to_numpy(), model.predict(valid), select_by)
        log.info("fit_cf %s %s: valid %s %.4f", cf.model.value, params, select_by, score)
        if best is None or score < best_score:
            best_score, best = score, (model, params)
    model, params = best
    state.predictor = _refit(cf, params, model, train, valid, state.cfg.seed, state.data.scale) if cf.refit else model
    state.metrics.update({f"cf/best/{k}": v for k, v in params.items()})
    state.metrics["cf/grid_size"] = len(_grid(cf))
    state.metrics.update(fit_on_metrics(cf.refit))
    if hasattr(model, "best_epoch"):
        state.metrics["cf/best/epochs"] = model.best_epoch
    return state


def _refit(cf, params: dict, selected, train, valid, seed: int, scale) -> RefitPredictor:
    """The selected hyperparameters (and MF's selected epoch count) fit again on train + valid."""
    both = train_and_valid(train, valid)
    if isinstance(selected, MFModel):
        refit = _build(cf, params, seed, scale).fit(both, None, epochs=selected.best_epoch)
    else:
        refit = _build(cf, params, seed, scale).fit(both)
    log.info("fit_cf %s %s: refit on train + valid (%d interactions) for test", cf.model.value, params, both.num_rows)
    return RefitPredictor(selected, refit, valid)


def _grid(cf) -> list[dict]:
    kind = cf.model.value
    if kind == "bias":
        return [{"reg": float(r)} for r in cf.reg]
    if kind == "mf":
        return [{"factors": int(k), "reg": float(r)} for k, r in itertools.product(cf.factors, cf.reg)]
    return [{}]


def _build(cf, params: dict, seed: int, scale):
    kind = cf.model.value
    if kind in ("global_mean", "user_mean", "item_mean"):
        return MeanModel(kind.removesuffix("_mean"), scale=scale)
    if kind == "global_median":
        return MedianModel(scale=scale)
    if kind == "bias":
        return BiasModel(reg=params["reg"], scale=scale)
    return MFModel(
        factors=params["factors"], reg=params["reg"], lr=cf.lr, max_epochs=cf.max_epochs,
        patience=cf.patience, batch_size=cf.batch_size, select_by=cf.select_by.value, seed=seed,
        scale=scale,
    )
