"""One row per run: identity, key hyperparameters, headline metrics; plus every metric and every
config leaf (dotted key) so that --where, --sort and --param can use any of them."""

from __future__ import annotations

import difflib
import os
from collections import Counter
from typing import Any, Iterable

import pandas as pd

from recexp.compare.errors import CompareError
from recexp.compare.runs import Run
from recexp.eval.metrics import PARSED_ONLY, RANKING_KEY

RUN = "_run"  # column holding the Run object (plots read train logs through it)
FINGERPRINT_CHARS = 12
IDENTITY = ("paradigm", "dataset", "model")
# the ranking score (unparsed answers at the train median; the default sort) with coverage beside it,
# then the parsed-only diagnostics; the text and Markdown headers name them (LABELS), CSV keeps the keys
RANK = f"test/{RANKING_KEY}"
HEADLINE = (RANK, "test/coverage", "test/mae", "test/rmse")
LABELS = {f"test/{key}": f"test/{key} (parsed only)" for key in PARSED_ONLY}
TRAILER = ("seed", "fingerprint", "wall_time_s", "status", "run_dir")
# Short column name -> dotted config key; shown when at least one run sets it.
HYPERPARAMS = {
    "lr": "trainer.args.learning_rate",
    "beta": "trainer.args.beta",
    "num_gen": "trainer.args.num_generations",
    "temp": "trainer.args.temperature",
    "steps": "trainer.args.max_steps",
    "sft_lr": "sft.args.learning_rate",
    "teacher": "teacher.name",
}
# Optuna trial jobs carry their study and trial in the config (set by the sweeper).
SWEEP = {"study": "optuna.study_name", "trial": "optuna.trial_number"}
_EMPTY = (None, "none", "")


def build_frame(runs: Iterable[Run]) -> pd.DataFrame:
    """The wide table: one row per run, all columns (display ones and every metric/config key)."""
    rows = [_row(run) for run in runs]
    return pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(columns=[*IDENTITY, *HEADLINE, *TRAILER, RUN])


def display_columns(frame: pd.DataFrame, params: list[str], metrics: list[str]) -> list[str]:
    """Identity, hyperparameters that some run sets, --param keys, headline and --metric keys,
    Optuna study, trial and ``optuna/*`` metrics when present, then seed, fingerprint, wall time,
    status and run dir."""
    require_columns(frame, [*params, *metrics])
    hyper = [c for c in _hyperparam_columns(frame) if _is_set(frame[c])]
    sweep = [c for c in SWEEP if _is_set(frame[c])]
    optuna = [*sweep, *sorted(c for c in frame.columns if isinstance(c, str) and c.startswith("optuna/"))]
    columns = [*IDENTITY, *hyper, *params, *HEADLINE, *metrics, *optuna, *TRAILER]
    return list(dict.fromkeys(c for c in columns if c in frame.columns))


def optional_columns(frame: pd.DataFrame) -> list[str]:
    """Display columns worth showing only when they vary among the shown runs."""
    optuna = [c for c in frame.columns if isinstance(c, str) and c.startswith("optuna/")]
    return [*_hyperparam_columns(frame), *SWEEP, *optuna, "seed", "fingerprint", "wall_time_s"]


def drop_constant_columns(view: pd.DataFrame) -> pd.DataFrame:
    """``view`` without the optional columns that hold one value (or nothing) in every row."""
    constant = [c for c in optional_columns(view) if c in view.columns
                and len({repr(None if _missing(v) else v) for v in view[c]}) <= 1 and len(view) > 1]
    return view.drop(columns=constant)


def require_columns(frame: pd.DataFrame, keys: Iterable[str]) -> None:
    """Raise CompareError naming close matches for a key no run has."""
    for key in keys:
        if key not in frame.columns:
            close = difflib.get_close_matches(key, [str(c) for c in frame.columns if c != RUN], n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CompareError(f"unknown key '{key}': no run has it in metrics.json or resolved_config.yaml{hint}")


def check_same_data(frame: pd.DataFrame) -> None:
    """Refuse to compare runs on different data: CompareError naming each fingerprint and its run count."""
    counts = Counter(fp for fp in frame.get("fingerprint", pd.Series(dtype=object)) if isinstance(fp, str))
    if len(counts) > 1:
        listed = ", ".join(f"{fp} ({n} run{'s' * (n != 1)})" for fp, n in counts.most_common())
        raise CompareError(
            f"runs use different data (fingerprints {listed}); narrow with --where fingerprint=... "
            "or --where dataset=..., or pass --allow-mixed-data")


def _row(run: Run) -> dict[str, Any]:
    config = flatten(run.config)
    row: dict[str, Any] = {**config, **run.metrics}
    for column in IDENTITY:
        row[column] = run.metrics.get(column, config.get(f"{column}.name"))
    row["seed"] = run.metrics.get("seed", config.get("seed"))
    for column, key in {**HYPERPARAMS, **SWEEP}.items():
        row[column] = config.get(key)
    if config.get("sft.name") in _EMPTY:  # an empty SFT slot still holds the scale preset's args
        row["sft_lr"] = None
    row["lora_r"] = config.get("model.lora.r") if config.get("model.lora.enabled") else None
    for name, weight in (run.config.get("reward") or {}).get("weights", {}).items():
        row[f"w.{name}"] = weight
    fingerprint = run.metrics.get("data/fingerprint")
    row["fingerprint"] = fingerprint[:FINGERPRINT_CHARS] if isinstance(fingerprint, str) else None
    row["status"] = run.metrics.get("status", "unknown")
    row["run_dir"] = _short_path(run.path)
    row[RUN] = run
    return row


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Nested config -> {dotted.key: leaf}; lists become their text."""
    if isinstance(tree, dict):
        out: dict[str, Any] = {}
        for key, value in tree.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: str(tree) if isinstance(tree, list) else tree}


def _hyperparam_columns(frame: pd.DataFrame) -> list[str]:
    weights = sorted(c for c in frame.columns if isinstance(c, str) and c.startswith("w."))
    return [*HYPERPARAMS, "lora_r", *weights]


def _is_set(values: pd.Series) -> bool:
    return any(not _missing(v) and v not in _EMPTY for v in values)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _short_path(path) -> str:
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)
