"""kill -9 inside the write of a run output (metrics.json and train logs through write_json,
predictions.parquet / samples.parquet through atomic_path, summary.md through write_atomically):
the file is the old one or the new one, never torn, and the killed write leaves only its ``.tmp``
sibling. The kill is not timed: a watcher thread in the writing process SIGKILLs it the moment a
file of the output's directory holds part of the new content (bigger than nothing, smaller than
the whole)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pandas as pd
import pytest

from recexp.common.publish import TMP_SUFFIX

from ..conftest import ROOT

WRITE_AND_DIE_INSIDE = """
import os, signal, sys, threading
from pathlib import Path
import numpy as np
import pandas as pd
from recexp.common.jsonio import write_json
from recexp.common.publish import atomic_path, write_atomically

kind, target, version, size = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
old = target.stat().st_size if target.exists() else -1

def partial(path):
    try:
        now = path.stat().st_size
    except FileNotFoundError:
        return False
    return 0 < now < size and not (path == target and now == old)

watching = threading.Event()

def watch():
    while True:
        if any(partial(p) for p in target.parent.iterdir()):
            os.kill(os.getpid(), signal.SIGKILL)
        watching.set()

if version == 2 and size > 0:
    sys.setswitchinterval(1e-5)  # the watcher gets the interpreter back at once while the write runs
    threading.Thread(target=watch, daemon=True).start()
    watching.wait()
rows = 2_500_000  # two parquet row groups, 20 MB of text: the write lasts long enough to be caught inside
if kind == "metrics":
    write_json(target, {"version": version, "log": "x" * 10 * rows})
elif kind == "predictions":
    with atomic_path(target) as tmp:
        pd.DataFrame({"row": np.arange(rows), "pred": np.full(rows, float(version))}).to_parquet(tmp, index=False)
elif kind == "summary":
    write_atomically(target, f"# run {version}\\n" + "| a | b |\\n" * rows)
"""


def _write(kind: str, target, version: int, size: int = 0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WRITE_AND_DIE_INSIDE, kind, str(target), str(version), str(size)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def _version(kind: str, target) -> int:
    """The version the file holds; raises when it is torn (unreadable)."""
    if kind == "metrics":
        return json.loads(target.read_text())["version"]
    if kind == "predictions":
        return int(pd.read_parquet(target)["pred"].iloc[-1])
    return int(target.read_text().splitlines()[0].removeprefix("# run "))


@pytest.mark.parametrize("kind, name", [("metrics", "metrics.json"), ("predictions", "predictions.parquet"),
                                        ("summary", "summary.md")])
def test_a_write_killed_inside_leaves_the_old_file(tmp_path, kind, name):
    scratch, run_dir = tmp_path / "scratch", tmp_path / "run"
    scratch.mkdir()
    run_dir.mkdir()
    assert _write(kind, scratch / name, 2).returncode == 0  # the new file's size, to know a partial one
    size = (scratch / name).stat().st_size
    target = run_dir / name
    assert _write(kind, target, 1).returncode == 0
    killed = _write(kind, target, 2, size)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert _version(kind, target) == 1  # the old file, whole
    leftovers = [p.name for p in run_dir.iterdir() if p != target]
    assert len(leftovers) == 1 and leftovers[0].startswith(f".{name}-") and leftovers[0].endswith(TMP_SUFFIX)
    assert _write(kind, target, 2).returncode == 0 and _version(kind, target) == 2  # and the next write goes through
