"""Data that filters down to nothing (or leaves a split a paradigm needs empty) stops the run with
one line: how many interactions each step kept and which key to change."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from recexp.common.errors import ConfigError

TRAINING_STAGES = ("fit_cf", "teacher_samples", "sft", "grpo")  # they read the train and valid splits


class DataTooSmallError(ConfigError):
    """The processed data cannot feed this run (the message names the key to change)."""


def check_enough_data(stats: dict[str, Any], cfg: DictConfig) -> None:
    """Raise DataTooSmallError when the test split, or (for a paradigm that trains) the train or valid
    split, is empty; ``stats`` are the run's ``data/*`` metrics."""
    needed = ["test"]
    if any(stage in TRAINING_STAGES for stage in cfg.paradigm.stages):
        needed = ["train", "valid", "test"]
    empty = [split for split in needed if not stats.get(f"data/n_{split}")]
    if not empty:
        return
    raise DataTooSmallError(f"data: dataset={cfg.dataset.name} leaves the {'/'.join(empty)} split(s) empty "
                       f"({_counts(stats, cfg.dataset)}); {_advice(stats, cfg.dataset)}")


def _counts(stats: dict[str, Any], ds: DictConfig) -> str:
    steps = [f"read {stats.get('data/n_raw', 0)}", f"after dedupe {stats.get('data/n_after_dedupe', 0)}",
             f"after {ds.k_core}-core {stats.get('data/n_after_kcore', 0)}",
             "split train {} / valid {} / test {}".format(*(stats.get(f"data/n_{s}", 0) for s in ("train", "valid", "test")))]
    return ", ".join(steps)


def _advice(stats: dict[str, Any], ds: DictConfig) -> str:
    strategy = ds.split.strategy.value
    if strategy == "given":
        return "the split files (dataset.split.*_path) hold no rows for it"
    kept, before = stats.get("data/n_after_kcore", 0), stats.get("data/n_after_dedupe", 0)
    if ds.k_core > 1 and kept < before / 2:
        return (f"the k-core filter removed {before - kept} of {before}: lower dataset.k_core "
                f"(now {ds.k_core}; dataset.k_core=1 keeps every interaction)")
    if strategy == "leave_last":
        return ("split.strategy=leave_last gives valid and test rows only to users with >= 3 interactions: "
                "lower dataset.k_core or use dataset.split.strategy=global_time")
    return "raise dataset.split.valid_frac / dataset.split.test_frac"
