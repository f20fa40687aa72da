"""Paired tests on per-case error differences: a bootstrap confidence interval of the mean
difference, a Wilcoxon signed-rank p-value, and Holm's correction across several comparisons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BOOTSTRAP_SEED = 0  # the interval is reproducible: same runs, same numbers


@dataclass(frozen=True)
class PairedTest:
    mean_diff: float  # mean of the differences (A - B): the MAE difference
    ci_low: float
    ci_high: float
    p_value: float  # Wilcoxon signed-rank, two-sided; 1.0 when every difference is 0
    n: int  # number of differences (cases)


def paired_test(diffs: np.ndarray, n_boot: int = 10_000, confidence: float = 0.95) -> PairedTest:
    """Test whether the differences ``diffs`` (one per case) are centred on 0."""
    diffs = np.asarray(diffs, dtype=np.float64)
    if diffs.size == 0:
        return PairedTest(float("nan"), float("nan"), float("nan"), float("nan"), 0)
    low, high = bootstrap_ci(diffs, n_boot, confidence)
    return PairedTest(float(diffs.mean()), low, high, wilcoxon_p(diffs), int(diffs.size))


def bootstrap_ci(diffs: np.ndarray, n_boot: int, confidence: float) -> tuple[float, float]:
    """Percentile interval of the mean difference over ``n_boot`` resamples of the cases."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = np.empty(n_boot)
    chunk = max(1, 2_000_000 // max(diffs.size, 1))  # bounded memory on large test sets
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        picks = rng.integers(0, diffs.size, size=(stop - start, diffs.size))
        means[start:stop] = diffs[picks].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def wilcoxon_p(diffs: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value; zero differences are dropped (scipy's 'wilcox'),
    and identical errors everywhere give 1.0 (no evidence of a difference)."""
    from scipy.stats import wilcoxon

    if not np.any(diffs != 0):
        return 1.0
    return float(wilcoxon(diffs, zero_method="wilcox", alternative="two-sided").pvalue)


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given; NaN stays NaN and is not counted)."""
    indexed = sorted((p, i) for i, p in enumerate(p_values) if p == p)
    adjusted = [float("nan")] * len(p_values)
    running, m = 0.0, len(indexed)
    for rank, (p, i) in enumerate(indexed):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
