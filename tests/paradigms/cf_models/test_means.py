"""user_mean / item_mean predict NaN for ids train never saw, also when it saw none of them (a
test-only slice: the run's baselines fit such a train split too)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from recexp.data.columns import ITEM, RATING, USER
from recexp.paradigms.cf_models.means import MeanModel


def _table(users, items, ratings):
    return pa.table({USER: users, ITEM: items, RATING: np.asarray(ratings, dtype=np.float64)})


def test_known_users_get_their_mean_and_unseen_ones_nan():
    model = MeanModel("user").fit(_table(["a", "a", "b"], ["x", "y", "x"], [4, 2, 5]))
    pred = model.predict(_table(["b", "z", "a"], ["x", "x", "y"], [1, 1, 1]))
    assert pred[0] == 5 and np.isnan(pred[1]) and pred[2] == 3


def test_a_train_split_without_users_predicts_nan_everywhere():
    model = MeanModel("user").fit(_table(["a"], ["x"], [4]).slice(0, 0))
    assert np.isnan(model.predict(_table(["z", "w"], ["x", "x"], [1, 1]))).all()
