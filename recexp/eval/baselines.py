"""Where a run stands: the cheap classic baselines fitted on the run's own split and scored on the
same test cases (``baseline/<name>/test/*``), and one verdict line against the MAE-optimal constant.

The baselines are the classic paradigms of ``recexp/paradigms/cf_models`` with their preset's
settings (``conf/paradigm/<name>.yaml``), fitted as stage ``fit_cf`` fits them (milliseconds on a
split): ``paradigm=global_median`` alone would score the same test MAE."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from recexp.data.columns import RATING
from recexp.eval.metrics import RANKING_KEY, format_score, is_score

log = logging.getLogger(__name__)

BASELINES = ("global_median", "user_mean", "bias")
CONSTANT = "global_median"  # the MAE-optimal constant: the bar a model that reads nothing can at best reach
# the ranking score (unparsed / unknown ids scored at the train median, as the run's own) and the
# parsed-only diagnostics
KEPT = (RANKING_KEY, "rmse_median_fallback", "mae", "rmse", "coverage", "pearson")
PREFIX = "baseline/"


def baseline_metrics(data: Any, table: Any, fallback: np.ndarray, median: float, seed: int) -> dict[str, Any]:
    """``baseline/<name>/test/<metric>`` for every baseline on ``table`` (the run's test cases), and
    ``baseline/global_median/value`` (the constant it predicts)."""
    from recexp.eval.metrics import rating_metrics
    from recexp.paradigms.fit_cf import fit_selected

    metrics: dict[str, Any] = {}
    true = table.column(RATING).to_numpy()
    for name in BASELINES:
        pred = fit_selected(cf_config(name), data, seed, say=log.debug).predictor.predict(table)
        scores = rating_metrics(true, pred, fallback, median=median, scale=data.scale)
        metrics.update({f"{PREFIX}{name}/test/{key}": scores[key] for key in KEPT})
        if name == CONSTANT and len(pred):
            metrics[f"{PREFIX}{name}/value"] = float(pred[0])
    return metrics


def cf_config(name: str):
    """The ``paradigm.cf`` node of ``conf/paradigm/<name>.yaml`` on the typed schema."""
    from omegaconf import OmegaConf

    from recexp.common.layout import CONF_DIR
    from recexp.config import CFConfig

    preset = OmegaConf.load(CONF_DIR / "paradigm" / f"{name}.yaml")
    return OmegaConf.merge(OmegaConf.structured(CFConfig), preset.cf)


def run_score(metrics: dict[str, Any]) -> tuple[float | None, str]:
    """The run's test MAE for the verdict: unparsed answers scored at the train median when the run
    has that figure (an LLM's), else its plain test MAE; and what it is called."""
    for key, label in ((f"test/{RANKING_KEY}", "test MAE (unparsed at median)"), ("test/mae", "test MAE")):
        if is_score(metrics.get(key)):
            return float(metrics[key]), label
    return None, ""


def verdict(metrics: dict[str, Any]) -> str | None:
    """One line in plain words: below the MAE-optimal constant by how much, or NOT better than it."""
    score, label = run_score(metrics)
    constant = _baseline_mae(metrics, CONSTANT)
    value = metrics.get(f"{PREFIX}{CONSTANT}/value")
    if score is None or not is_score(constant):
        return None
    everywhere = f"predicting {value:g} everywhere" if is_score(value) else "the train median everywhere"
    if score < constant:
        return (f"Verdict: below the MAE-optimal constant by {constant - score:.2f}: {label} {score:.3f} "
                f"against {constant:.3f} for {everywhere}.")
    return f"Verdict: NOT better than {everywhere}: {label} {score:.3f} against {constant:.3f} for the constant."


def standing_rows(metrics: dict[str, Any]) -> list[tuple[str, float | None, float | None]]:
    """(name, test MAE, test RMSE): the run, then each baseline, on the same test cases."""
    score, label = run_score(metrics)
    rmse = metrics.get("test/rmse_median_fallback", metrics.get("test/rmse"))
    name = "this run" + (", unparsed at median" if "median" in label else "")
    rows = [(name, score, rmse if is_score(rmse) else None)]
    value = metrics.get(f"{PREFIX}{CONSTANT}/value")
    for name in BASELINES:
        mae = _baseline_mae(metrics, name)
        if mae is None:
            continue
        shown = f"{name} ({value:g} everywhere)" if name == CONSTANT and is_score(value) else name
        rmse = metrics.get(f"{PREFIX}{name}/test/rmse_median_fallback", metrics.get(f"{PREFIX}{name}/test/rmse"))
        rows.append((shown, mae, rmse))
    return rows


def _baseline_mae(metrics: dict[str, Any], name: str) -> float | None:
    """A baseline's test MAE scored as the run's (ids it cannot predict at the train median); the
    parsed-only MAE of metrics written before baselines kept that score."""
    return metrics.get(f"{PREFIX}{name}/test/{RANKING_KEY}", metrics.get(f"{PREFIX}{name}/test/mae"))


def standing_lines(metrics: dict[str, Any]) -> list[str]:
    """A Markdown table of ``standing_rows`` and the verdict in bold (nothing without baselines)."""
    rows = standing_rows(metrics)
    line = verdict(metrics)
    if len(rows) < 2 or line is None:
        return []
    table = ["| test, same cases | MAE | RMSE |", "|---|---|---|"]
    table += [f"| {name} | {format_score(mae)} | {format_score(rmse)} |" for name, mae, rmse in rows]
    return [*table, "", f"**{line}**"]


def log_standing(metrics: dict[str, Any]) -> None:
    """The baselines and the verdict in the run log as soon as test is scored."""
    parts = [f"{name} {mae:.4f}" for name, mae, _ in standing_rows(metrics)[1:] if is_score(mae)]
    if parts:
        log.info("evaluate: baselines fitted on this split, on the same test cases: test MAE %s", ", ".join(parts))
    line = verdict(metrics)
    if line:
        (log.info if line.startswith("Verdict: below") else log.warning)("%s", line)


