"""recexp.eval.predictor: a classic rating model is scored through RatingsPredictor, the same
frame evaluate wrote when it took the model's array itself."""

import numpy as np
import pyarrow as pa

from recexp.eval.predictor import RatingsPredictor


class _Constant:
    def predict(self, table: pa.Table) -> np.ndarray:
        return np.full(table.num_rows, 4, dtype=np.int64)


def test_ratings_become_the_pred_column_as_float64():
    frame = RatingsPredictor(_Constant()).predict(pa.table({"row": [3, 1, 2]}))
    assert list(frame.columns) == ["pred"] and frame["pred"].dtype == np.float64
    assert frame["pred"].tolist() == [4.0, 4.0, 4.0]
