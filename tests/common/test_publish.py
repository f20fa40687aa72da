"""recexp.common.publish: one builder at a time (a killed holder frees the lock), and the orphans of
killed builds removed by the next builder, nothing else."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from recexp.common.publish import TMP_SUFFIX, atomic_path, build_lock, lock_path, remove_orphans, write_atomically
from tests.conftest import ROOT

HOLD = """
import sys, time
from pathlib import Path
from recexp.common.publish import build_lock
with build_lock(Path(sys.argv[1]), "test"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_builder_waits_for_the_holder_and_goes_on_when_it_is_killed(tmp_path, caplog):
    target = tmp_path / "models" / "tiny-0123"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        got = threading.Event()

        def build() -> None:
            with build_lock(target, "model"):
                got.set()

        caplog.set_level(logging.INFO, logger="recexp.common.publish")
        waiter = threading.Thread(target=build, daemon=True)
        waiter.start()
        deadline = time.monotonic() + 60
        while "model: another process is building" not in caplog.text:  # logged before it blocks
            assert time.monotonic() < deadline and waiter.is_alive()
            time.sleep(0.01)
        assert not got.is_set() and str(lock_path(target)) in caplog.text
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # kill -9: the system releases its lock
        holder.wait()
    waiter.join(timeout=60)
    assert got.is_set()


def test_remove_orphans_removes_the_targets_temporary_siblings_only(tmp_path, caplog):
    target = tmp_path / "synthetic-ae3cfb90cb19432b"
    target.mkdir()
    (target / "stats.json").write_text("{}")
    tmp_dir = tmp_path / ".synthetic-ae3cfb90cb19432b-x1y2"
    tmp_dir.mkdir()
    (tmp_dir / "interactions.parquet").write_text("half")
    spill = tmp_path / ".synthetic-ae3cfb90cb19432b-4242-reviews.arrow"
    spill.write_text("half")
    kept = [target, lock_path(target), tmp_path / ".other-0123-x1y2", tmp_path / "synthetic-ae3cfb90cb19432b.txt"]
    for path in kept[1:]:
        path.write_text("")
    caplog.set_level(logging.INFO, logger="recexp.common.publish")
    with build_lock(target, "data"):
        removed = remove_orphans(target, "data")
    assert removed == sorted([spill, tmp_dir]) and not spill.exists() and not tmp_dir.exists()
    assert all(path.exists() for path in kept) and (target / "stats.json").exists()
    assert f"data: removing {tmp_dir}, left by a build of {target.name} that was killed" in caplog.text


def test_atomic_path_replaces_the_target_or_leaves_it(tmp_path):
    target = tmp_path / "report.txt"  # not metrics.json: the session checks every metrics.json is JSON
    write_atomically(target, "old")
    with pytest.raises(RuntimeError, match="cut short"):
        with atomic_path(target) as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".report.txt-") and tmp.name.endswith(TMP_SUFFIX)
            tmp.write_text("half")
            raise RuntimeError("cut short")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.txt"]
    write_atomically(target, "new")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_atomic_files_get_the_mode_the_umask_gives(tmp_path):
    """Not mkstemp's 0600: a run's outputs stay readable by the group as a plain write would leave them."""
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "summary.md", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "summary.md").stat().st_mode & 0o777 == 0o644
