"""Rating-prediction metrics. A missing prediction (NaN) is never scored as correct:

- ``mae``/``rmse``: over the cases that have a prediction; ``coverage``: their fraction;
- ``mae_fallback``/``rmse_fallback``: over all cases, a missing prediction replaced by the
  declared fallback (the user's prior mean rating, else the train global mean): for reporting;
- ``mae_median_fallback``/``rmse_median_fallback``: over all cases, a missing prediction scored
  at the train median (the MAE-optimal constant). Model selection (best step, sweep objectives)
  uses this one: not answering can never beat the constant baseline, unlike the user-mean fallback;
- ``mae_by_true/<r>``: MAE (with fallback) among cases whose true rating rounds to r, for every
  level r of the rating scale (``dataset.rating_scale``; errors are in the scale's units);
- ``pred_hist/<r>``: fraction of the predictions that round to r (half up, ``recexp.eval.rounding``) (a collapse onto one rating
  shows here while MAE can still look fine); ``pred_top_share``: the share of the most frequent
  predicted rating (1.0 for a constant predictor); ``pearson``: correlation of prediction and truth
  over the covered cases (NaN when either is constant);
- ``n``: number of cases.
"""

from __future__ import annotations

import math

import numpy as np

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.eval.rounding import round_rating

RATING_LEVELS = DEFAULT_SCALE.levels  # the default scale's; a run uses its dataset's
# Model selection (the best GRPO step, sweep objectives): valid MAE with unparsed answers scored at
# the train median, so a model cannot win by answering less (the user-mean fallback lets it).
SELECTION_KEY = "mae_median_fallback"
# Ranking runs (recexp compare, summary.md) uses the same score, with coverage beside it; ``mae`` and
# ``rmse`` score the parsed answers only (a model that answers less looks better): diagnostics.
RANKING_KEY = SELECTION_KEY
PARSED_ONLY = ("mae", "rmse")
HEADLINE_LABELS = {RANKING_KEY: "MAE (unparsed at median)", "coverage": "coverage",
                   "mae": "MAE (parsed only)", "rmse": "RMSE (parsed only)"}
# one rounded rating predicted for more than this share of the cases: the model has collapsed onto it
COLLAPSE_SHARE = 0.9


def is_score(value: object) -> bool:
    """A finite number (a metric that was computed)."""
    return isinstance(value, (int, float)) and math.isfinite(value)


def format_score(value: object) -> str:
    """Four decimals, or "-" for a metric that is missing or not finite (tables, summaries)."""
    return f"{value:.4f}" if is_score(value) else "-"


def rating_metrics(true: np.ndarray, pred: np.ndarray, fallback: np.ndarray,
                   median: float | None = None, scale: RatingScale = DEFAULT_SCALE) -> dict[str, float]:
    """Metrics of ``pred`` against ``true`` on ``scale``; ``median`` (the train median) adds the
    ``*_median_fallback`` errors."""
    true, pred, fallback = (np.asarray(a, dtype=np.float64) for a in (true, pred, fallback))
    covered = ~np.isnan(pred)
    filled = np.where(covered, pred, fallback)
    metrics = {"n": int(true.size), "coverage": float(covered.mean()) if true.size else 0.0}
    metrics.update(_errors(true[covered], pred[covered], suffix=""))
    metrics.update(_errors(true, filled, suffix="_fallback"))
    if median is not None:
        metrics.update(_errors(true, np.where(covered, pred, median), suffix="_median_fallback"))
    for level in scale.levels:
        mask = round_rating(true) == level
        if mask.any():
            metrics[f"mae_by_true/{level}"] = float(np.abs(filled[mask] - true[mask]).mean())
    metrics.update(_prediction_spread(true[covered], pred[covered], scale.levels))
    return metrics


def _prediction_spread(true: np.ndarray, pred: np.ndarray, levels: tuple[int, ...]) -> dict[str, float]:
    spread = {f"pred_hist/{level}": float(np.mean(round_rating(pred) == level)) if pred.size else 0.0
              for level in levels}
    spread["pred_top_share"] = _top_share(pred)
    constant = pred.size < 2 or np.ptp(pred) == 0 or np.ptp(true) == 0
    spread["pearson"] = float("nan") if constant else float(np.corrcoef(pred, true)[0, 1])
    return spread


def _top_share(pred: np.ndarray) -> float:
    """Share of the most frequent rounded prediction (NaN when nothing was predicted)."""
    return top_rating(pred)[1]


def top_rating(pred: np.ndarray) -> tuple[float, float]:
    """The most frequent prediction rounded by the rating rule, and its share of the predictions
    (NaN, NaN when nothing was predicted; missing predictions are left out)."""
    pred = np.asarray(pred, dtype=np.float64)
    pred = pred[~np.isnan(pred)]
    if pred.size == 0:
        return float("nan"), float("nan")
    values, counts = np.unique(round_rating(pred), return_counts=True)
    return float(values[counts.argmax()]), float(counts.max() / pred.size)


def _errors(true: np.ndarray, pred: np.ndarray, suffix: str) -> dict[str, float]:
    if true.size == 0:
        return {f"mae{suffix}": float("nan"), f"rmse{suffix}": float("nan")}
    err = pred - true
    return {f"mae{suffix}": float(np.abs(err).mean()), f"rmse{suffix}": float(np.sqrt((err**2).mean()))}
