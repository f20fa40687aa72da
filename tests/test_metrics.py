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


def test_median_fallback_scores_unparsed_answers_at_the_median_not_the_user_mean():
    true = np.array([5.0, 2.0, 4.0])
    pred = np.array([4.0, np.nan, np.nan])
    user_mean = np.array([4.0, 2.0, 4.0])  # a fallback better than the model
    m = rating_metrics(true, pred, user_mean, median=4.0)
    assert m["mae_fallback"] == (1 + 0 + 0) / 3
    assert m["mae_median_fallback"] == (1 + 2 + 0) / 3  # answering less cannot win selection
    assert "mae_median_fallback" not in rating_metrics(true, pred, user_mean)


def test_top_share_is_the_share_of_the_most_frequent_rating():
    true = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert rating_metrics(true, np.array([4.0, 4.0, 4.2, 3.0, np.nan]), true)["pred_top_share"] == 0.75
    assert rating_metrics(true, np.full(5, 4.0), true)["pred_top_share"] == 1.0
    assert math.isnan(rating_metrics(true, np.full(5, np.nan), true)["pred_top_share"])


def test_run_log_says_plainly_when_one_rating_dominates(caplog):
    import logging

    from recexp.paradigms.evaluate import warn_if_collapsed

    with caplog.at_level(logging.WARNING, logger="recexp.paradigms.evaluate"):
        warn_if_collapsed("test", np.array([4.0] * 19 + [3.0]), median=4.0)
        warn_if_collapsed("valid", np.array([4.0] * 8 + [3.0, 2.0]), median=4.0)
    assert len(caplog.records) == 1
    assert "test: the model predicts 4 for 95% of the cases" in caplog.records[0].message


def test_halves_round_up_in_the_histogram_like_exact_match():
    m = rating_metrics(np.array([4.0, 4.0, 3.0, 5.0]), np.array([4.5, 3.5, 2.5, 4.49]), np.full(4, 3.0))
    assert m["pred_hist/5"] == 0.25 and m["pred_hist/4"] == 0.5 and m["pred_hist/3"] == 0.25
    assert m["pred_top_share"] == 0.5
