"""Render a table as aligned text, Markdown or CSV. Text and Markdown format numbers for reading
(metrics to 4 decimals, mean ± std in the grouped view, failed runs in capitals, parsed-only metrics
named so); CSV keeps raw values and keys."""

from __future__ import annotations

import math
import numbers
from typing import Any

import pandas as pd

from recexp.compare.aggregate import MEAN, STD
from recexp.compare.table import LABELS

MISSING = "-"
_INTEGERS = ("seed", "n", "not_ok", "trial", "steps", "num_gen", "lora_r", "test/n", "valid/n",
             "uncovered", "vs_uncovered")
_METRIC_PREFIXES = ("test/", "valid/", "base/", "grpo/best_valid")
_PAIRED_ERRORS = ("mae", "vs_mae", "delta_mae", "ci_low", "ci_high")  # --paired: 4 decimals
_P_VALUES = ("p", "p_holm")  # --paired: 3 significant digits


def to_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


def to_text(frame: pd.DataFrame) -> str:
    """Columns padded to their widest cell; numbers right-aligned."""
    header, rows = readable(frame)
    if not rows:
        return "  ".join(header) + "\n(no runs match)\n"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    right = [all(_numeric_text(r[i]) for r in rows) for i in range(len(header))]
    lines = [_line(header, widths, right), _line(["-" * w for w in widths], widths, right)]
    lines += [_line(row, widths, right) for row in rows]
    return "\n".join(lines) + "\n"


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table."""
    header, rows = readable(frame)
    right = [bool(rows) and all(_numeric_text(r[i]) for r in rows) for i in range(len(header))]
    cells = lambda values: "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"  # noqa: E731
    lines = [cells(header), "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    return "\n".join(lines + [cells(row) for row in rows]) + "\n"


def readable(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and cell texts; '<m> mean' and '<m> std' columns merge into one '<m>' column; the
    parsed-only diagnostics are named so (``LABELS``)."""
    columns = [c for c in frame.columns if not (c.endswith(STD) and c[: -len(STD)] + MEAN in frame.columns)]
    header = [c[: -len(MEAN)] if c.endswith(MEAN) else c for c in columns]
    header = [LABELS.get(h, h) for h in header]
    rows = [[_cell(frame, index, column) for column in columns] for index in frame.index]
    return header, rows


def _cell(frame: pd.DataFrame, index: Any, column: str) -> str:
    value = frame.at[index, column]
    if column.endswith(MEAN):
        std = frame.at[index, column[: -len(MEAN)] + STD] if column[: -len(MEAN)] + STD in frame.columns else None
        text = format_value(column[: -len(MEAN)], value)
        return text if _missing(std) else f"{text} ± {format_value(column[: -len(MEAN)], std)}"
    if column == "status" and value not in ("ok", None):
        return str(value).upper()
    return format_value(column, value)


def format_value(column: str, value: Any) -> str:
    """Metrics to 4 decimals, wall time to 1, other floats in %g; missing values as '-'."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if isinstance(value, numbers.Integral) or (float(value).is_integer() and column in _INTEGERS):
        return str(int(value))
    if column.startswith(_METRIC_PREFIXES) or column in _PAIRED_ERRORS:
        return f"{value:.4f}"
    if column in _P_VALUES:
        return f"{value:.3g}"
    if column == "wall_time_s":
        return f"{value:.1f}"
    return f"{value:g}"


def _line(cells: list[str], widths: list[int], right: list[bool]) -> str:
    return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()


def _numeric_text(text: str) -> bool:
    head = text.split(" ± ")[0]
    try:
        float(head)
        return True
    except ValueError:
        return head == MISSING


def _missing(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) and math.isnan(value)
