"""Evaluation metrics: a missing prediction is never scored as correct."""

import math

import numpy as np

from recexp.eval.metrics import rating_metrics


def test_missing_predictions_count_against_coverage_not_accuracy():
    true = np.array([5.0, 4.0, 1.0, 3.0])
    pred = np.array([5.0, np.nan, np.nan, 2.0])
    fallback = np.array([3.0, 3.0, 3.0, 3.0])
    m = rating_metrics(true, pred, fallback)
    assert m["n"] == 4 and m["coverage"] == 0.5
    assert m["mae"] == 0.5  # over the two predicted cases only
    assert m["mae_fallback"] == (0 + 1 + 2 + 1) / 4  # the fallback fills the gaps, never the truth
    assert math.isclose(m["rmse_fallback"], math.sqrt((0 + 1 + 4 + 1) / 4))
    assert m["mae_by_true/1"] == 2.0 and m["mae_by_true/5"] == 0.0


def test_histogram_and_correlation_expose_a_collapsed_model():
    true = np.array([1.0, 2.0, 4.0, 5.0, 4.0])
    collapsed = rating_metrics(true, np.full(5, 4.0), np.full(5, 3.0))
    assert collapsed["pred_hist/4"] == 1.0 and math.isnan(collapsed["pearson"])
    reading = rating_metrics(true, true + 0.1, np.full(5, 3.0))
    assert reading["pearson"] > 0.99 and sum(reading[f"pred_hist/{r}"] for r in range(1, 6)) == 1.0


def test_no_prediction_at_all():
    m = rating_metrics(np.array([4.0, 5.0]), np.array([np.nan, np.nan]), np.array([4.0, 4.0]))
    assert m["coverage"] == 0.0 and math.isnan(m["mae"]) and m["mae_fallback"] == 0.5


def test_halves_round_up_in_the_histogram_like_exact_match():
    m = rating_metrics(np.array([4.0, 4.0, 3.0, 5.0]), np.array([4.5, 3.5, 2.5, 4.49]), np.full(4, 3.0))
    assert m["pred_hist/5"] == 0.25 and m["pred_hist/4"] == 0.5 and m["pred_hist/3"] == 0.25
    assert m["pred_top_share"] == 0.5
