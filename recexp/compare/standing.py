"""What `recexp compare` says below its table: where each run stands against the baselines fitted on
its split (the lines of its summary.md, ``recexp.eval.baselines``), and a warning when the runs were
produced by different library versions (their provenance.json)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterable

from recexp.compare.runs import Run
from recexp.eval.baselines import BASELINES, PREFIX, standing_rows, verdict

PROVENANCE = "provenance.json"


def standing_lines(runs: Iterable[Run]) -> list[str]:
    """For runs of one split: the baselines' test MAE (once per distinct set of test cases), then one
    verdict line per run; nothing when no run carries baselines."""
    runs = [r for r in runs if any(k.startswith(PREFIX) for k in r.metrics)]
    if not runs:
        return []
    lines = ["where each run stands (baselines fitted on its split, scored on its test cases):"]
    for baselines in dict.fromkeys(_baseline_line(r.metrics) for r in runs):
        lines.append(f"  baselines: {baselines}")
    for run in runs:
        what = f"{run.metrics.get('paradigm', '?')}, seed {run.metrics.get('seed', '?')}"
        lines.append(f"  {run.path.name} ({what}): {verdict(run.metrics) or 'no test MAE'}")
    return lines


def _baseline_line(metrics: dict[str, Any]) -> str:
    rows = standing_rows(metrics)[1:]
    return ", ".join(f"{name} {mae:.4f}" for name, mae, _ in rows if mae is not None) or \
        ", ".join(f"{name} -" for name in BASELINES)


def version_warning(runs: Iterable[Run]) -> str | None:
    """One line naming each library (and Python) whose version differs among the runs, with how
    many runs have each version; None when they agree (runs without provenance.json are skipped)."""
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        prov = _provenance(run)
        if prov is None:
            continue
        for name, version in {**prov.get("versions", {}), "python": prov.get("python")}.items():
            seen[name][str(version)].append(run.path.name)
    differing = {name: versions for name, versions in seen.items() if len(versions) > 1}
    if not differing:
        return None
    parts = [f"{name} " + " / ".join(f"{v} ({len(dirs)} run{'s' if len(dirs) > 1 else ''})"
                                     for v, dirs in versions.items())
             for name, versions in differing.items()]
    return ("warning: the compared runs were produced by different library versions (provenance.json): "
            + "; ".join(parts) + ". Differences between them may come from the libraries, not the settings")


def _provenance(run: Run) -> dict | None:
    try:
        value = json.loads((run.path / PROVENANCE).read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
