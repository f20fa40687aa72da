"""--group-by: one row per group with n, not-ok count, seeds, and mean and std of each metric.

Only runs that differ in nothing but the seed are averaged: groups whose runs differ in other
settings are split by them (``settings_that_differ``), and a seed never counts twice in a group."""

from __future__ import annotations

import pandas as pd

from recexp.compare.errors import CompareError
from recexp.compare.table import RUN, flatten, require_columns

MEAN, STD = " mean", " std"


def group_runs(frame: pd.DataFrame, keys: list[str], metrics: list[str]) -> pd.DataFrame:
    """Aggregate over the runs of each group: ``n`` (ok runs), ``not_ok`` (failed, pruned, ...),
    ``seeds``, ``<metric> mean`` and ``<metric> std`` (sample std, empty for one run); only ok runs
    add values."""
    require_columns(frame, [*keys, *metrics])
    rows = []
    for values, group in frame.groupby(keys, dropna=False, sort=True):
        ok = group[group["status"] == "ok"]
        row = dict(zip(keys, values if isinstance(values, tuple) else (values,)))
        row.update(n=len(ok), not_ok=len(group) - len(ok), seeds=_seeds(group))
        for metric in metrics:
            numbers = pd.to_numeric(ok[metric], errors="coerce").dropna()
            row[metric + MEAN] = numbers.mean() if len(numbers) else None
            row[metric + STD] = numbers.std(ddof=1) if len(numbers) > 1 else None
        rows.append(row)
    columns = [*keys, "n", "not_ok", "seeds", *(m + s for m in metrics for s in (MEAN, STD))]
    return pd.DataFrame(rows, columns=columns)


def sort_key(grouped: pd.DataFrame, key: str) -> str:
    """A --sort key in the grouped view: a metric name sorts by its mean."""
    return key + MEAN if key not in grouped.columns and key + MEAN in grouped.columns else key


def _seeds(group: pd.DataFrame) -> str:
    seeds = {s for s in group["seed"] if s is not None and s == s}
    numeric = sorted(s for s in seeds if isinstance(s, (int, float)))
    return ",".join(str(s) for s in [*numeric, *sorted(str(s) for s in seeds if s not in numeric)])


# Config keys that may differ between the runs of one group: the seed, a sweep trial's identity,
# the tracker's naming, where the data came from (the data fingerprint decides sameness), how
# it may be fetched and the disk check (runs made before such a setting existed lack it).
FREE_KEYS = ("seed", "resume", "cache_dir", "min_free_gb", "dataset.allow_http", "dataset.max_extract_gb")
FREE_PREFIXES = ("optuna.", "logger.")
FREE_SUFFIXES = ("_path",)


def settings_that_differ(frame: pd.DataFrame, keys: list[str]) -> list[str]:
    """Config keys (dotted) whose value differs between runs of some group, the seed and the
    other free keys left out; sorted."""
    differing: set[str] = set()
    for _, group in frame.groupby(keys, dropna=False, sort=False):
        configs = [flatten(run.config) for run in group[RUN]]
        for key in set().union(*configs):
            if _free(key):
                continue
            if len({repr(config.get(key)) for config in configs}) > 1:
                differing.add(key)
    return sorted(differing)


def check_each_seed_once(frame: pd.DataFrame, keys: list[str]) -> None:
    """Refuse a group in which two ok runs share a seed: the mean would count that seed twice."""
    for values, group in frame.groupby(keys, dropna=False, sort=True):
        ok = group[group["status"] == "ok"]
        repeated = ok["seed"][ok["seed"].duplicated(keep=False)]
        if len(repeated):
            seed = repeated.iloc[0]
            dirs = ", ".join(ok.loc[ok["seed"] == seed, "run_dir"].astype(str))
            where = ", ".join(f"{k}={v}" for k, v in zip(keys, values if isinstance(values, tuple) else (values,)))
            raise CompareError(f"--group-by: group {where} has {int((ok['seed'] == seed).sum())} ok runs with seed "
                               f"{seed} ({dirs}); a seed counts once: narrow with --where run_dir~... or remove the repeat")


def _free(key: str) -> bool:
    return key in FREE_KEYS or key.startswith(FREE_PREFIXES) or key.endswith(FREE_SUFFIXES)
