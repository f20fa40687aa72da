"""Paired statistics: bootstrap interval, Wilcoxon p-value, Holm's correction."""

import numpy as np
import pytest

from recexp.compare.significance import holm, paired_test


def test_identical_errors_give_p_one_and_a_zero_interval():
    test = paired_test(np.zeros(50), n_boot=500)
    assert test.p_value == 1.0 and test.mean_diff == 0.0 and (test.ci_low, test.ci_high) == (0.0, 0.0)


def test_a_known_shift_gives_a_small_p_and_an_interval_around_it():
    diffs = 0.5 + np.random.default_rng(1).normal(0, 0.3, size=200)
    test = paired_test(diffs, n_boot=2000)
    assert test.p_value < 1e-10 and test.ci_low < diffs.mean() < test.ci_high and test.ci_low > 0.4


def test_the_interval_is_reproducible():
    diffs = np.random.default_rng(2).normal(0, 1, size=100)
    assert paired_test(diffs, n_boot=1000) == paired_test(diffs, n_boot=1000)


def test_holm_adjusts_in_order_and_keeps_nan():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, float("nan")])[0] == 0.5
    assert np.isnan(holm([0.5, float("nan")])[1])
    assert holm([0.9, 0.8]) == [1.0, 1.0]
