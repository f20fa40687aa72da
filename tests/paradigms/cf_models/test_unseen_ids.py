"""The CF baselines predict for ids train never saw (NaN for user_mean / item_mean, the global mean
for bias), also when train saw none (a test-only slice: the run's baselines fit such a train split)."""

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


def test_bias_falls_back_to_the_global_mean_for_unseen_ids_also_without_train_users():
    from recexp.paradigms.cf_models.bias import BiasModel

    empty = _table(["a"], ["x"], [4]).slice(0, 0)
    model = BiasModel(reg=0.0).fit(_table(["a", "b"], ["x", "x"], [4, 2]))
    assert model.predict(_table(["z"], ["y"], [1]))[0] == 3.0
    assert len(BiasModel(reg=0.0).fit(empty).predict(_table(["z"], ["y"], [1]))) == 1
