"""--group-by: one row per group with n, not-ok count, seeds, and mean and std of each metric."""

from __future__ import annotations

import pandas as pd

from recexp.compare.table import require_columns

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
