"""Biased MF (paradigm=mf) against Surprise's SVD on the same splits.

    pip install scikit-surprise   # not a project dependency
    python benchmarks/mf_vs_surprise.py [--datasets synthetic music instruments beauty]

Surprise is given the same train split; "SVD default" uses its defaults, "SVD tuned" picks
(n_factors, reg_all, n_epochs) on our valid split, as our mf picks (factors, reg) on valid.
Prints test MAE / RMSE per dataset.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from shared_datasets import DATASETS  # benchmarks/shared_datasets.py

import recexp.config  # noqa: F401
from recexp.common.layout import CONF_DIR
from recexp.data.pipeline import load_dataset
from recexp.paradigms.runner import run_stages
from recexp.paradigms.state import RunState


def compose_cfg(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=overrides + ["logger=none"])


def ours(overrides: list[str], paradigm: str) -> tuple[float, float, float]:
    cfg = compose_cfg(overrides + [f"paradigm={paradigm}"])
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        state = run_stages(list(cfg.paradigm.stages), RunState(cfg=cfg, run_dir=Path(tmp), data=data))
    return state.metrics["test/mae"], state.metrics["test/rmse"], time.perf_counter() - started


def surprise_svd(overrides: list[str], tuned: bool) -> tuple[float, float, float]:
    from surprise import SVD, Dataset, Reader

    cfg = compose_cfg(overrides)
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    frames = {s: data.split(s).select(["user_id", "item_id", "rating"]).to_pandas() for s in ("train", "valid", "test")}
    trainset = Dataset.load_from_df(frames["train"], Reader(rating_scale=(1, 5))).build_full_trainset()
    started = time.perf_counter()
    grid = itertools.product([16, 64, 100], [0.02, 0.05, 0.1], [20, 50]) if tuned else [(100, 0.02, 20)]
    best = None
    for k, reg, epochs in grid:
        algo = SVD(n_factors=k, reg_all=reg, n_epochs=epochs, random_state=0).fit(trainset)
        valid_mae = _errors(algo, frames["valid"])[0]
        if best is None or valid_mae < best[0]:
            best = (valid_mae, algo)
    mae, rmse = _errors(best[1], frames["test"])
    return mae, rmse, time.perf_counter() - started


def _errors(algo, frame) -> tuple[float, float]:
    pred = np.array([algo.predict(u, i).est for u, i in zip(frame.user_id, frame.item_id)])
    err = pred - frame.rating.to_numpy()
    return float(np.abs(err).mean()), float(np.sqrt((err**2).mean()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    args = parser.parse_args()
    print(f"{'dataset':<12} {'model':<14} {'test MAE':>9} {'test RMSE':>10} {'fit s':>7}")
    for name in args.datasets:
        rows = [(p, ours(DATASETS[name], p)) for p in ("global_mean", "bias", "mf")]
        rows += [("SVD default", surprise_svd(DATASETS[name], tuned=False)),
                 ("SVD tuned", surprise_svd(DATASETS[name], tuned=True))]
        for model, (mae, rmse, secs) in rows:
            print(f"{name:<12} {model:<14} {mae:>9.4f} {rmse:>10.4f} {secs:>7.1f}")


if __name__ == "__main__":
    main()
