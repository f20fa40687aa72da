"""--paired: groups of runs compared case by case on the test split of one dataset.

Each run's ``predictions.parquet`` gives an absolute error per test case (``row``); a case the run
did not cover (no parsable answer, or absent from its file) is scored at the run's train median
(``eval/median_fallback`` in metrics.json, the MAE-optimal constant) and counted as uncovered.
Two groups (``--group-by``, default paradigm) are paired seed by seed; each case's error
difference is averaged over the paired seeds, and those per-case differences are tested
(``recexp.compare.significance``): bootstrap CI of the MAE difference, Wilcoxon signed-rank
p-value, Holm's correction across all the pairs of the table."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recexp.compare.errors import CompareError
from recexp.compare.filters import Condition, matches
from recexp.compare.runs import Run
from recexp.compare.significance import PairedTest, holm, paired_test
from recexp.compare.table import RUN, require_columns

PREDICTIONS = "predictions.parquet"
SPLIT = "test"
MEDIAN_KEY = "eval/median_fallback"
SCORED_AS = "uncovered cases scored at the run's train median (eval/median_fallback)"
COLUMNS = ["vs", "seeds", "n", "mae mean", "mae std", "vs_mae mean", "vs_mae std", "delta_mae",
           "ci_low", "ci_high", "p", "p_holm", "sig", "uncovered", "vs_uncovered", "unpaired"]


@dataclass
class Comparison:
    """One group against another, over their paired seeds."""

    group: tuple
    versus: tuple
    seeds: list = field(default_factory=list)
    mae: list[float] = field(default_factory=list)  # per paired seed
    vs_mae: list[float] = field(default_factory=list)
    uncovered: int = 0  # (case, seed) pairs the group's runs did not cover
    vs_uncovered: int = 0
    unpaired: list[str] = field(default_factory=list)
    test: PairedTest | None = None


def compare_groups(frame: pd.DataFrame, keys: list[str], baseline: Condition | None,
                   n_boot: int = 10_000, alpha: float = 0.05) -> pd.DataFrame:
    """The paired table: one row per compared pair of groups (each against the baseline group,
    or every pair without one), Holm-adjusted across the rows."""
    require_columns(frame, keys)
    ok = frame[frame["status"] == "ok"]
    groups = {key: _runs_by_seed(key, group, keys) for key, group in _grouped(ok, keys)}
    if len(groups) < 2:
        raise CompareError(f"--paired needs at least two groups of ok runs by {','.join(keys)}; found {len(groups)}")
    pairs = _pairs(ok, groups, keys, baseline)
    comparisons = [_compare(a, groups[a], b, groups[b], n_boot) for a, b in pairs]
    table = _table(comparisons, keys, alpha)
    if baseline is None:
        return table
    base = pairs[0][1]
    return pd.concat([pd.DataFrame([_baseline_row(base, groups[base], keys)], columns=table.columns), table],
                     ignore_index=True)


def case_predictions(run: Run) -> pd.DataFrame:
    """``row``, ``true``, ``pred`` (NaN: not parsed) of the run's test cases."""
    path = run.path / PREDICTIONS
    if not path.is_file():
        raise CompareError(f"--paired: {run.path} has no {PREDICTIONS}")
    frame = pd.read_parquet(path, columns=["split", "row", "true", "pred"])
    frame = frame[frame["split"] == SPLIT].drop(columns="split")
    if frame["row"].duplicated().any():
        raise CompareError(f"--paired: {path} holds a {SPLIT} case twice")
    return frame.astype({"true": "float64", "pred": "float64"})


def median_fallback(run: Run) -> float:
    value = run.metrics.get(MEDIAN_KEY)
    if not isinstance(value, (int, float)) or value != value:
        raise CompareError(f"--paired: {run.path} has no {MEDIAN_KEY} in metrics.json (a run made before "
                           "it existed); rerun it or leave it out with --where")
    return float(value)


def seed_differences(a: Run, b: Run) -> tuple[pd.Series, float, float, int, int]:
    """Per-case error differences |a| - |b| (indexed by row), both MAEs and uncovered counts."""
    merged = case_predictions(a).merge(case_predictions(b), on="row", how="outer", suffixes=("_a", "_b"))
    both = merged["true_a"].notna() & merged["true_b"].notna()
    if not np.allclose(merged.loc[both, "true_a"], merged.loc[both, "true_b"]):
        raise CompareError(f"--paired: {a.path} and {b.path} disagree on the true ratings of the same test cases")
    true = merged["true_a"].fillna(merged["true_b"])
    err_a = (merged["pred_a"].fillna(median_fallback(a)) - true).abs()
    err_b = (merged["pred_b"].fillna(median_fallback(b)) - true).abs()
    diffs = pd.Series((err_a - err_b).to_numpy(), index=merged["row"].to_numpy())
    return (diffs, float(err_a.mean()), float(err_b.mean()),
            int(merged["pred_a"].isna().sum()), int(merged["pred_b"].isna().sum()))


def run_mae(run: Run) -> tuple[float, int, int]:
    """The run's test MAE with uncovered cases at its train median, its case and uncovered counts."""
    cases = case_predictions(run)
    errors = (cases["pred"].fillna(median_fallback(run)) - cases["true"]).abs()
    return float(errors.mean()), len(cases), int(cases["pred"].isna().sum())


def _baseline_row(key: tuple, runs: dict, keys: list[str]) -> dict:
    """The baseline group's own line (its MAE over its seeds), first in the table."""
    seeds = sorted(runs, key=str)
    scored = [run_mae(runs[seed]) for seed in seeds]
    maes = [mae for mae, _, _ in scored]
    row = {**dict(zip(keys, key)), "vs": "(baseline)", "seeds": ",".join(map(str, seeds)), "n": scored[0][1],
           "mae mean": _mean(maes), "mae std": _std(maes), "uncovered": sum(u for _, _, u in scored),
           "sig": "", "unpaired": "-"}
    return row


def _grouped(frame: pd.DataFrame, keys: list[str]):
    for values, group in frame.groupby(keys, dropna=False, sort=True):
        yield (values if isinstance(values, tuple) else (values,)), group


def _runs_by_seed(key: tuple, group: pd.DataFrame, keys: list[str]) -> dict:
    runs: dict = {}
    for seed, run in zip(group["seed"], group[RUN]):
        if seed in runs:
            raise CompareError(f"--paired: group {_label(key)} has several runs with seed {seed} "
                               f"({runs[seed].path}, {run.path}); narrow with --where or add keys to --group-by")
        runs[seed] = run
    return runs


def _pairs(frame: pd.DataFrame, groups: dict, keys: list[str], baseline: Condition | None) -> list[tuple]:
    if baseline is None:
        return list(itertools.combinations(sorted(groups, key=str), 2))
    require_columns(frame, [baseline.key])
    hits = {key for key, group in _grouped(frame, keys)
            if group[baseline.key].map(lambda v: matches(v, baseline)).all()}
    if len(hits) != 1:
        found = ", ".join(sorted(map(_label, hits))) or "none"
        raise CompareError(f"--baseline {baseline}: must select exactly one group by {','.join(keys)}; "
                           f"selects {found}")
    base = hits.pop()
    return [(key, base) for key in sorted(groups, key=str) if key != base]


def _compare(a: tuple, runs_a: dict, b: tuple, runs_b: dict, n_boot: int) -> Comparison:
    comparison = Comparison(a, b)
    seeds = [s for s in runs_a if s in runs_b]
    comparison.unpaired = [f"{_label(a)}:{s}" for s in runs_a if s not in runs_b] + \
                          [f"{_label(b)}:{s}" for s in runs_b if s not in runs_a]
    per_seed = []
    for seed in sorted(seeds, key=str):
        diffs, mae_a, mae_b, unc_a, unc_b = seed_differences(runs_a[seed], runs_b[seed])
        per_seed.append(diffs)
        comparison.seeds.append(seed)
        comparison.mae.append(mae_a)
        comparison.vs_mae.append(mae_b)
        comparison.uncovered += unc_a
        comparison.vs_uncovered += unc_b
    if per_seed:
        per_case = pd.concat(per_seed).groupby(level=0).mean()  # each case once: its mean over seeds
        comparison.test = paired_test(per_case.to_numpy(), n_boot=n_boot)
    return comparison


def _table(comparisons: list[Comparison], keys: list[str], alpha: float) -> pd.DataFrame:
    adjusted = holm([c.test.p_value if c.test else float("nan") for c in comparisons])
    rows = [_row(c, keys, p_holm, alpha) for c, p_holm in zip(comparisons, adjusted)]
    return pd.DataFrame(rows, columns=[*keys, *COLUMNS])


def _row(c: Comparison, keys: list[str], p_holm: float, alpha: float) -> dict:
    test = c.test or paired_test(np.array([]))
    row = dict(zip(keys, c.group))
    row.update({
        "vs": _label(c.versus), "seeds": ",".join(map(str, c.seeds)) or "-", "n": test.n,
        "mae mean": _mean(c.mae), "mae std": _std(c.mae),
        "vs_mae mean": _mean(c.vs_mae), "vs_mae std": _std(c.vs_mae),
        "delta_mae": test.mean_diff, "ci_low": test.ci_low, "ci_high": test.ci_high,
        "p": test.p_value, "p_holm": p_holm, "sig": "*" if p_holm < alpha else "",
        "uncovered": c.uncovered, "vs_uncovered": c.vs_uncovered, "unpaired": " ".join(c.unpaired) or "-",
    })
    return row


def _label(key: tuple) -> str:
    return ",".join(str(v) for v in key)


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _std(values: list[float]) -> float | None:
    return float(np.std(values, ddof=1)) if len(values) > 1 else None
