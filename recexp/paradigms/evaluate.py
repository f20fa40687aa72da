"""Stage ``evaluate``: score the state's predictor on valid and test, in one place for every paradigm."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from recexp.data.columns import ITEM, RATING, ROW, USER, USER_PRIOR_MEAN
from recexp.eval.metrics import rating_metrics
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)
EVAL_SPLITS = ("valid", "test")


def evaluate(state: RunState) -> RunState:
    """Write predictions.parquet (split, row, user_id, item_id, true, pred, fallback) and metrics."""
    global_mean = float(np.mean(state.data.split("train").column(RATING).to_numpy()))
    frames = []
    for split in EVAL_SPLITS:
        table = state.data.split(split)
        if table.num_rows == 0:
            log.warning("evaluate: split %s is empty", split)
            continue
        frame = _predict(state.predictor, table, split, global_mean)
        metrics = rating_metrics(frame["true"], frame["pred"], frame["fallback"])
        state.metrics.update({f"{split}/{k}": v for k, v in metrics.items()})
        frames.append(frame)
    state.metrics["eval/fallback"] = "user_prior_mean, else train global mean"
    pd.concat(frames, ignore_index=True).to_parquet(state.run_dir / "predictions.parquet", index=False)
    return state


def _predict(predictor, table, split: str, global_mean: float) -> pd.DataFrame:
    prior = table.column(USER_PRIOR_MEAN).to_numpy(zero_copy_only=False).astype(np.float64)
    return pd.DataFrame(
        {
            "split": split,
            "row": table.column(ROW).to_numpy(),
            "user_id": table.column(USER).to_pylist(),
            "item_id": table.column(ITEM).to_pylist(),
            "true": table.column(RATING).to_numpy(),
            "pred": np.asarray(predictor.predict(table), dtype=np.float64),
            "fallback": np.where(np.isnan(prior), global_mean, prior),
        }
    )
