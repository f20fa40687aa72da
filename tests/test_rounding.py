"""The one rounding rule for ratings (half up), shared by metrics, exact_match and teacher checks."""

import numpy as np

from recexp.eval.rounding import round_rating
from recexp.rewards import make_reward


def test_halves_round_up_scalars_and_arrays():
    assert [round_rating(x) for x in (4.5, 3.5, 2.5, 4.49, 1.0)] == [5.0, 4.0, 3.0, 4.0, 1.0]
    assert round_rating(np.array([0.5, 1.5, 2.5])).tolist() == [1.0, 2.0, 3.0]


def test_exact_match_and_pred_hist_agree_on_halves():
    from recexp.eval.metrics import rating_metrics

    exact = make_reward("exact_match", "direct")
    for pred, true in ((4.5, 5), (3.5, 4), (2.5, 3)):
        assert exact(None, [f"<rate>{pred}</rate>"], [true]) == [1.0]
        assert rating_metrics(np.array([true]), np.array([pred]), np.array([3.0]))[f"pred_hist/{true}"] == 1.0
