"""Strict JSON files: NaN and infinities become null, so every JSON parser reads them; written atomically."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from recexp.common.publish import write_atomically


def strict(value: Any) -> Any:
    """``value`` with every non-finite float (also numpy's) replaced by None, containers walked."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that never writes NaN/Infinity (they become null); other objects via str."""
    kwargs.setdefault("default", str)
    return json.dumps(strict(value), allow_nan=False, **kwargs)


def write_json(path: Path, value: Any, indent: int = 2, **kwargs: Any) -> None:
    """Write strict JSON atomically (``recexp.common.publish.atomic_path``: the old file or the new one, never torn)."""
    write_atomically(Path(path), dumps(value, indent=indent, **kwargs) + "\n")
