"""--where conditions and --sort over the run table.

A condition is KEY OP VALUE with OP one of = != < <= > >= ~ (regex search). Numbers compare as
numbers; = and != on text accept shell-style wildcards (``paradigm=rec*``). A run without the key
matches no condition except !=."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from recexp.compare.errors import CompareError
from recexp.compare.table import require_columns

_CONDITION = re.compile(r"^\s*(?P<key>[^<>=!~\s][^<>=!~]*?)\s*(?P<op><=|>=|!=|==|=|<|>|~)\s*(?P<value>.*?)\s*$")
_ORDERED = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


@dataclass(frozen=True)
class Condition:
    key: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}{self.op}{self.value}"


def parse_condition(text: str) -> Condition:
    """'test/mae<0.9' -> Condition('test/mae', '<', '0.9'); CompareError when it does not parse."""
    match = _CONDITION.match(text)
    if not match:
        raise CompareError(f"--where '{text}': expected KEY OP VALUE with OP one of = != < <= > >= ~")
    condition = Condition(match["key"], "=" if match["op"] == "==" else match["op"], match["value"])
    if condition.op in _ORDERED and _number(condition.value) is None:
        raise CompareError(f"--where '{text}': '{condition.op}' needs a number, got '{condition.value}'")
    if condition.op == "~":
        try:
            re.compile(condition.value)
        except re.error as exc:
            raise CompareError(f"--where '{text}': bad regular expression: {exc}") from None
    return condition


def apply_where(frame: pd.DataFrame, conditions: list[Condition]) -> pd.DataFrame:
    """Rows matching every condition."""
    require_columns(frame, [c.key for c in conditions])
    keep = pd.Series(True, index=frame.index)
    for condition in conditions:
        keep &= frame[condition.key].map(lambda v, c=condition: matches(v, c))
    return frame[keep]


def matches(value: Any, condition: Condition) -> bool:
    """Whether one cell satisfies the condition."""
    if _missing(value):
        return condition.op == "!="
    left, right = _number(value), _number(condition.value)
    if condition.op in _ORDERED:
        if left is None:
            raise CompareError(f"--where '{condition}': '{condition.key}' holds text ('{value}'), not numbers")
        return getattr(left, f"__{_ORDERED[condition.op]}__")(right)
    if condition.op == "~":
        return re.search(condition.value, _text(value)) is not None
    if left is not None and right is not None:
        equal = left == right
    else:
        equal = fnmatch.fnmatchcase(_text(value), condition.value)
    return equal if condition.op == "=" else not equal


def sort_frame(frame: pd.DataFrame, key: str, descending: bool = False) -> pd.DataFrame:
    """Sort by one column (numbers numerically, else as text); runs without it go last."""
    require_columns(frame, [key])
    numbers = pd.to_numeric(frame[key].map(_number), errors="coerce")
    has_text = frame[key].map(lambda v: not _missing(v) and _number(v) is None).any()
    order = frame[key].map(lambda v: None if _missing(v) else _text(v)) if has_text else numbers
    return frame.assign(_order=order).sort_values("_order", ascending=not descending, na_position="last",
                                                   kind="stable").drop(columns="_order")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)
