"""Stages ``evaluate`` and ``evaluate_base``: score the state's predictor, in one place for every
paradigm. ``evaluate`` scores valid and test (keys ``valid/*``, ``test/*``, predictions.parquet);
``evaluate_base`` scores the model before training on test (``base/test/*``, base_predictions.parquet)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from recexp.common.distributed import is_main_process
from recexp.common.publish import atomic_path
from recexp.data.columns import ITEM, RATING, ROW, USER, USER_PRIOR_MEAN
from recexp.eval.baselines import baseline_metrics, log_standing
from recexp.eval.lengths import completion_lengths
from recexp.eval.metrics import COLLAPSE_SHARE, RANKING_KEY, rating_metrics, top_rating
from recexp.eval.predictor import Predictor, RatingsPredictor
from recexp.eval.shared import predict_shared
from recexp.eval.subset import eval_subset
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)
FALLBACK = "user_prior_mean, else train global mean"


def evaluate(state: RunState) -> RunState:
    _say_restart(state, "evaluate", "valid and test")
    return score_splits(state, ("valid", "test"), prefix="", filename="predictions.parquet")


def evaluate_base(state: RunState) -> RunState:
    _say_restart(state, "evaluate_base", "test")
    return score_splits(state, ("test",), prefix="base/", filename="base_predictions.parquet")


def _say_restart(state: RunState, stage: str, splits: str) -> None:
    """resume=true: evaluation keeps no partial predictions, so it always scores from the start."""
    if state.cfg.resume:
        log.info("%s: resume=true: scoring %s from the start (evaluation saves no partial predictions)",
                 stage, splits)


def score_splits(state: RunState, splits: tuple[str, ...], prefix: str, filename: str) -> RunState:
    """Predict each split (a seeded subset of ``eval.max_samples`` cases when set), write metrics
    under ``{prefix}{split}/`` and the predictions file."""
    global_mean, median = train_mean(state), train_median(state)
    frames = []
    predictor = eval_predictor(state)
    for split in splits:
        table = state.data.split(split)
        if table.num_rows == 0:
            log.warning("evaluate: split %s is empty", split)
            continue
        state.metrics[f"{prefix}{split}/n_cases"] = table.num_rows
        table = eval_subset(table, state.cfg.eval.max_samples, state.cfg.eval.subset_seed)
        if table.num_rows < state.metrics[f"{prefix}{split}/n_cases"]:
            log.info("%s%s: scoring a seeded subset of %d of %d cases (eval.max_samples, eval.subset_seed %d)", prefix,
                     split, table.num_rows, state.metrics[f"{prefix}{split}/n_cases"], state.cfg.eval.subset_seed)
        frame = _predict(predictor, table, split, global_mean)
        metrics = rating_metrics(frame["true"], frame["pred"], frame["fallback"], median=median,
                                 scale=state.data.scale)
        if "unparsed_roles" in frame:  # a chain of roles: share of answers where a role missed its tag
            metrics["chain_unparsed"] = float((frame["unparsed_roles"] != "").mean())
        if "completion" in frame:  # LLM paradigms: mean_completion_tokens (a sweep objective)
            metrics.update(completion_lengths(frame["completion"], state.tokenizer))
        state.metrics.update({f"{prefix}{split}/{k}": v for k, v in metrics.items()})
        log.info("%s%s: mae (unparsed at median) %.4f coverage %.3f; parsed only: mae %.4f rmse %.4f pearson %.3f "
                 "top rating share %.2f", prefix, split, metrics[RANKING_KEY], metrics["coverage"], metrics["mae"],
                 metrics["rmse"], metrics["pearson"], metrics["pred_top_share"])
        warn_if_collapsed(f"{prefix}{split}", frame["pred"], median)
        if split == "test" and not prefix:  # where the run stands: baselines on the same cases
            state.metrics.update(baseline_metrics(state.data, table, frame["fallback"].to_numpy(), median,
                                                  state.cfg.seed))
            log_standing(state.metrics)
        frames.append(frame)
    if _through_vllm(state):  # give the engine's GPU memory back
        predictor.generate_fn.close()
    state.metrics["eval/fallback"] = FALLBACK
    state.metrics["eval/median_fallback"] = median
    state.metrics["eval/max_samples"] = state.cfg.eval.max_samples
    state.metrics["eval/subset_seed"] = state.cfg.eval.subset_seed
    if state.model is not None:  # LLM paradigms: how evaluation decodes
        from recexp.eval.decoding import decoding_metrics

        state.metrics.update(decoding_metrics(state.model, state.tokenizer, state.cfg.eval.max_new_tokens,
                                              state.cfg.eval.backend.value))
    if is_main_process():
        with atomic_path(state.run_dir / filename) as tmp:  # the old file or the new one, never torn
            pd.concat(frames, ignore_index=True).to_parquet(tmp, index=False)
    return state


def eval_predictor(state: RunState) -> Predictor:
    """The state's predictor as evaluate calls it: a classic paradigm's rating model (no LLM loaded)
    through RatingsPredictor; an LLM's, generating through vLLM when ``eval.backend=vllm``."""
    if state.model is None:
        return RatingsPredictor(state.predictor)
    if not _through_vllm(state):
        return state.predictor
    from recexp.eval.vllm_backend import vllm_predictor

    return vllm_predictor(state)


def _through_vllm(state: RunState) -> bool:
    return state.model is not None and state.cfg.eval.backend.value == "vllm"


def warn_if_collapsed(name: str, pred, median: float) -> None:
    """Say plainly when one rating is predicted for more than ``COLLAPSE_SHARE`` of the cases."""
    value, share = top_rating(pred)
    if share > COLLAPSE_SHARE:
        log.warning("%s: the model predicts %g for %.0f%% of the cases: it has collapsed onto one rating and "
                    "reads nothing from the prompt; its MAE only says how good that constant is (the train "
                    "median, the best constant under MAE, is %g: compare paradigm=global_median)",
                    name, value, 100 * share, median)


def train_mean(state: RunState) -> float:
    """The train mean rating (NaN without train rows: a given split with a test file alone)."""
    ratings = state.data.split("train").column(RATING).to_numpy()
    return float(np.mean(ratings)) if len(ratings) else float("nan")


def train_median(state: RunState) -> float:
    """The train median rating: the MAE-optimal constant, what an unparsed answer scores in
    ``*_median_fallback`` (model selection); NaN without train rows."""
    ratings = state.data.split("train").column(RATING).to_numpy()
    return float(np.median(ratings)) if len(ratings) else float("nan")


def fallback_ratings(table, global_mean: float) -> np.ndarray:
    """The declared fallback for a missing prediction: the user's prior mean, else the train mean."""
    prior = table.column(USER_PRIOR_MEAN).to_numpy(zero_copy_only=False).astype(np.float64)
    return np.where(np.isnan(prior), global_mean, prior)


def _predict(predictor: Predictor, table, split: str, global_mean: float) -> pd.DataFrame:
    frame = pd.DataFrame({
        "split": split,
        "row": table.column(ROW).to_numpy(),
        "user_id": table.column(USER).to_pylist(),
        "item_id": table.column(ITEM).to_pylist(),
        "true": table.column(RATING).to_numpy(),
        "fallback": fallback_ratings(table, global_mean),
    })
    predicted = predict_shared(predictor, table)  # with several processes each rank predicts a share
    return pd.concat([frame, predicted.reset_index(drop=True)], axis=1)
