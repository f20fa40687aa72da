"""The run summary: written to ``summary.md`` in the run dir and to the log when a run ends.

Base model vs trained model vs the kept (best valid) step: MAE with unparsed answers at the train
median (the ranking score) and coverage, then MAE / RMSE over the parsed answers only; the test
prediction histogram with a plain warning on collapse, wall time per stage, and the run dir; a
failed run says in which stage and why."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from recexp.eval.metrics import HEADLINE_LABELS, RANKING_KEY, format_score, is_score

log = logging.getLogger(__name__)
# the ranking score first, coverage beside it, then the parsed-only diagnostics (label, metric key)
COLUMNS = tuple((label, key) for key, label in HEADLINE_LABELS.items())
ROWS = (("base model, test", "base/test/"), ("trained, valid", "valid/"), ("trained, test", "test/"))
BAR_WIDTH = 30


def summary_markdown(metrics: dict[str, Any], run_dir: Path) -> str:
    """The summary as Markdown (also readable as plain text)."""
    parts = [_header(metrics, run_dir), _failure(metrics), _scores(metrics), _standing(metrics), _best_step(metrics),
             _histogram(metrics), _stage_times(metrics), _grpo_phases(metrics)]
    return "\n\n".join(p for p in parts if p) + "\n"


def log_summary(metrics: dict[str, Any], run_dir: Path) -> None:
    """To the log; a failed run's summary goes to run.log only (the terminal gets one paragraph)."""
    text = f"run summary (also in {run_dir / 'summary.md'}):\n{summary_markdown(metrics, run_dir).rstrip()}"
    if metrics.get("status") == "ok":
        log.info("%s", text)
    else:
        from recexp.run.failure import log_to_files

        log_to_files(__name__, logging.INFO, text)


def _header(metrics: dict[str, Any], run_dir: Path) -> str:
    title = f"# {metrics.get('paradigm')} on {metrics.get('dataset')} (model {metrics.get('model')}, seed {metrics.get('seed')})"
    wall = metrics.get("wall_time_s")
    status = f"status: **{metrics.get('status', 'unknown')}**" + (f", wall time {wall:.1f} s" if wall is not None else "")
    return f"{title}\n\n{status}  \nrun dir: `{run_dir}`"


def _failure(metrics: dict[str, Any]) -> str:
    if metrics.get("status") != "failed":
        return ""
    return (f"## Failed in stage {metrics.get('failed_stage', '?')}\n\n`{metrics.get('error', '')}`\n\n"
            "The full traceback is in `run.log`; the same command with `resume=true` runs again in this dir.")


def _scores(metrics: dict[str, Any]) -> str:
    rows = [(label, prefix) for label, prefix in ROWS if f"{prefix}mae" in metrics]
    if "base/test/mae" not in metrics:  # nothing before training to compare with: plain split names
        rows = [(label.removeprefix("trained, "), prefix) for label, prefix in rows]
    if not rows:
        return ""
    lines = ["| | " + " | ".join(name for name, _ in COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for label, prefix in rows:
        lines.append(f"| {label} | " + " | ".join(format_score(metrics.get(prefix + key)) for _, key in COLUMNS) + " |")
    return "## Scores\n\n" + "\n".join(lines) + _change(metrics)


def _change(metrics: dict[str, Any]) -> str:
    before, after = metrics.get(f"base/test/{RANKING_KEY}"), metrics.get(f"test/{RANKING_KEY}")
    if not (is_score(before) and is_score(after)):
        return ""
    word = "better" if after < before else "worse" if after > before else "unchanged"
    return (f"\n\nTraining moved test {HEADLINE_LABELS[RANKING_KEY]} from {before:.4f} to {after:.4f}: "
            f"{word} than the base model.")


def _standing(metrics: dict[str, Any]) -> str:
    """The run beside the baselines fitted on its split (recexp.eval.baselines), and the verdict."""
    from recexp.eval.baselines import standing_lines

    lines = standing_lines(metrics)
    return "## Where it stands (baselines fitted on the same split, same test cases)\n\n" + "\n".join(lines) if lines else ""


def _best_step(metrics: dict[str, Any]) -> str:
    if "grpo/best_step" not in metrics:
        return ""
    steps = metrics.get("grpo/steps")
    of = f" of {steps}" if steps is not None else ""
    return (f"Kept the best valid step: {metrics['grpo/best_step']}{of} "
            f"(valid MAE, unparsed at median, {format_score(metrics.get('grpo/best_valid_mae'))} during training); "
            "the trained rows above score that step.")


def _histogram(metrics: dict[str, Any]) -> str:
    shares = {key.rsplit("/", 1)[1]: value for key, value in metrics.items() if key.startswith("test/pred_hist/")}
    if not shares:
        return ""
    from recexp.eval.metrics import COLLAPSE_SHARE

    lines = ["## Test predictions (rounded)", "", "```"]
    for level in sorted(shares, key=float):
        share = shares[level] or 0.0
        lines.append(f"{level:>4} {'#' * round(share * BAR_WIDTH):<{BAR_WIDTH}} {100 * share:5.1f}%")
    lines.append("```")
    top_level, top = max(shares.items(), key=lambda kv: kv[1] or 0.0)
    if (top or 0.0) > COLLAPSE_SHARE:
        lines += ["", f"**Warning: collapse.** {100 * top:.0f}% of the test predictions are {top_level}: one rating "
                  "(almost) everywhere, so the MAE only measures that constant (compare `paradigm=global_median`)."]
    return "\n".join(lines)


def _stage_times(metrics: dict[str, Any]) -> str:
    times = {key[len("time/"):-len("_s")]: value for key, value in metrics.items()
             if key.startswith("time/") and key.endswith("_s")}
    if not times:
        return ""
    lines = ["## Wall time per stage", "", "| stage | seconds |", "|---|---|"]
    lines += [f"| {stage} | {seconds:.1f} |" for stage, seconds in times.items()]
    return "\n".join(lines)


def _grpo_phases(metrics: dict[str, Any]) -> str:
    """GRPO's seconds per optimizer step by phase (``recexp.trainers.phases``), means over the run."""
    prefix = "grpo/step_time/"
    phases = {key[len(prefix):-len("_s")]: value for key, value in metrics.items()
              if key.startswith(prefix) and key.endswith("_s") and is_score(value)}
    if not phases:
        return ""
    lines = ["## GRPO seconds per optimizer step, by phase (mean)", "", "| phase | seconds |", "|---|---|"]
    lines += [f"| {phase} | {seconds:.3f} |" for phase, seconds in phases.items()]
    return "\n".join(lines)


