"""Biased MF (paradigm=mf) against Surprise's SVD, both fitted on the same data.

    pip install -e ".[bench]"   # scikit-surprise: not a run dependency
    python benchmarks/mf_vs_surprise.py [--datasets synthetic music instruments beauty] [--fit-on train+valid|train]

Both sides pick their hyperparameters on the valid split after fitting on train: our `mf` its
(factors, reg) and early-stopped epoch count, "SVD tuned" its (n_factors, reg_all, n_epochs);
"SVD default" uses Surprise's defaults. For test, both sides are then fitted on the same data,
``--fit-on``: ``train+valid`` (default; the project's default, ``paradigm.cf.refit=true``: the
selected settings refit on train + valid, as an LLM's test prompt shows the valid interaction) or
``train`` (``paradigm.cf.refit=false``; Surprise keeps its train-only fit). Prints test MAE / RMSE
per dataset and what every row was fitted on, with the constants global_median (the MAE-optimal
one) and global_mean (the RMSE-optimal one) as floors.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from shared_datasets import DATASETS  # benchmarks/shared_datasets.py

import recexp.config  # noqa: F401
from recexp.common.layout import CONF_DIR
from recexp.data.pipeline import load_dataset
from recexp.paradigms.cf_refit import FIT_ON_TRAIN, FIT_ON_TRAIN_VALID
from recexp.paradigms.runner import run_stages
from recexp.paradigms.state import RunState


def compose_cfg(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=overrides + ["logger=none"])


def ours(overrides: list[str], paradigm: str, fit_on: str) -> tuple[float, float, float, str]:
    refit = "true" if fit_on == FIT_ON_TRAIN_VALID else "false"
    cfg = compose_cfg(overrides + [f"paradigm={paradigm}", f"paradigm.cf.refit={refit}"])
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        state = run_stages(list(cfg.paradigm.stages), RunState(cfg=cfg, run_dir=Path(tmp), data=data))
    metrics = state.metrics
    return metrics["test/mae"], metrics["test/rmse"], time.perf_counter() - started, metrics["cf/fit_on/test"]


def surprise_svd(overrides: list[str], tuned: bool, fit_on: str) -> tuple[float, float, float, str]:
    """SVD fitted on train for every candidate, the best on valid MAE kept; with ``fit_on`` train+valid,
    its settings are fitted again on train + valid for test (as ``paradigm.cf.refit`` does for ours)."""
    from surprise import SVD

    cfg = compose_cfg(overrides)
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    frames = {s: data.split(s).select(["user_id", "item_id", "rating"]).to_pandas() for s in ("train", "valid", "test")}
    scale = (data.scale.lo, data.scale.hi)
    started = time.perf_counter()
    grid = itertools.product([16, 64, 100], [0.02, 0.05, 0.1], [20, 50]) if tuned else [(100, 0.02, 20)]
    best, train = None, _trainset(frames["train"], scale)
    for k, reg, epochs in grid:
        algo = SVD(n_factors=k, reg_all=reg, n_epochs=epochs, random_state=0).fit(train)
        valid_mae = _errors(algo, frames["valid"])[0]
        if best is None or valid_mae < best[0]:
            best = (valid_mae, algo, (k, reg, epochs))
    algo = best[1]
    if fit_on == FIT_ON_TRAIN_VALID:
        k, reg, epochs = best[2]
        both = pd.concat([frames["train"], frames["valid"]], ignore_index=True)
        algo = SVD(n_factors=k, reg_all=reg, n_epochs=epochs, random_state=0).fit(_trainset(both, scale))
    mae, rmse = _errors(algo, frames["test"])
    return mae, rmse, time.perf_counter() - started, fit_on


def _trainset(frame: pd.DataFrame, scale: tuple[int, int]):
    from surprise import Dataset, Reader

    return Dataset.load_from_df(frame, Reader(rating_scale=scale)).build_full_trainset()


def _errors(algo, frame) -> tuple[float, float]:
    pred = np.array([algo.predict(u, i).est for u, i in zip(frame.user_id, frame.item_id)])
    err = pred - frame.rating.to_numpy()
    return float(np.abs(err).mean()), float(np.sqrt((err**2).mean()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--fit-on", choices=[FIT_ON_TRAIN_VALID, FIT_ON_TRAIN], default=FIT_ON_TRAIN_VALID,
                        help="the data every model is fitted on for test (default: %(default)s)")
    args = parser.parse_args()
    if importlib.util.find_spec("surprise") is None:
        raise SystemExit('scikit-surprise is not installed: pip install -e ".[bench]"')
    print(f"hyperparameters selected on valid after fitting on train; test predictions fitted on {args.fit_on}")
    print(f"{'dataset':<12} {'model':<14} {'test MAE':>9} {'test RMSE':>10} {'fit s':>7}  fitted on (test)")
    for name in args.datasets:
        rows = [(p, ours(DATASETS[name], p, args.fit_on)) for p in ("global_median", "global_mean", "bias", "mf")]
        rows += [("SVD default", surprise_svd(DATASETS[name], tuned=False, fit_on=args.fit_on)),
                 ("SVD tuned", surprise_svd(DATASETS[name], tuned=True, fit_on=args.fit_on))]
        for model, (mae, rmse, secs, fitted_on) in rows:
            print(f"{name:<12} {model:<14} {mae:>9.4f} {rmse:>10.4f} {secs:>7.1f}  {fitted_on}")


if __name__ == "__main__":
    main()
