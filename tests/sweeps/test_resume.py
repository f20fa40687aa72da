"""A sweep killed midway (SIGKILL) and re-run with the same command ends with exactly n_trials
COMPLETE trials: the killed trial's heartbeat goes stale, it is failed and re-queued; also when the
kill came between study.ask and the trial's first heartbeat (the resumed sweep gives it one; with no
params stored it never ran, so it is failed, not re-queued, and its slot is asked anew)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from ..conftest import ROOT
from .helpers import CLASSIC, LR, command, study, sweep_args

N_TRIALS = 5


def _complete(tmp_path) -> int:
    """COMPLETE trials so far, read-only: loading the study through Optuna while the sweeper creates
    the storage would race it on the schema (both stamp the alembic version)."""
    db = tmp_path / "optuna.db"
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            return con.execute("SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.Error:  # the schema is not created yet
        return 0


def _running_with_heartbeat(tmp_path) -> int:
    """RUNNING trials whose first heartbeat and params are stored (a trial still being asked is not
    "inside a trial": the ask stores its heartbeat before its params, and a kill in between is
    test_killed_right_after_ask_resumes)."""
    try:
        with closing(sqlite3.connect(f"file:{tmp_path / 'optuna.db'}?mode=ro", uri=True)) as con:
            return con.execute("SELECT COUNT(*) FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id "
                               "WHERE t.state = 'RUNNING' AND EXISTS "
                               "(SELECT 1 FROM trial_params p WHERE p.trial_id = t.trial_id)").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_sweep_resumes_to_exactly_n_trials(tmp_path):
    args = command(sweep_args(tmp_path, "resume", f"hydra.sweeper.n_trials={N_TRIALS}", "hydra.sweeper.n_jobs=1",
                              "hydra.sweeper.heartbeat_interval=1", *CLASSIC, LR, "paradigm.cf.max_epochs=30"))
    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while (_complete(tmp_path) < 2 or not _running_with_heartbeat(tmp_path)) and first.poll() is None \
            and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    interrupted = study(tmp_path, "resume").trials
    assert 2 <= sum(t.state.name == "COMPLETE" for t in interrupted) < N_TRIALS
    assert [t.state.name for t in interrupted].count("RUNNING") == 1  # killed inside a trial

    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = study(tmp_path, "resume").trials
    assert sum(t.state.name == "COMPLETE" for t in trials) == N_TRIALS
    assert sorted(t.state.name for t in trials).count("FAIL") == 1  # the killed trial, failed and re-queued
    for failed in (t for t in trials if t.state.name == "FAIL"):
        retried = [t for t in trials if t.system_attrs.get("failed_trial") == failed.number]
        assert retried and retried[0].params == failed.params and retried[0].state.name == "COMPLETE"
    assert (tmp_path / "resume" / "best_trial.yaml").exists()


# run.py in a process that dies (SIGKILL) at the sweeper's first heartbeat, i.e. right after its
# first study.ask created the trial: it is RUNNING, with no heartbeat and no params stored
DIE_AT_FIRST_HEARTBEAT = """
import os, runpy, signal, sys
from optuna.storages import RDBStorage
RDBStorage.record_heartbeat = lambda self, trial_id: os.kill(os.getpid(), signal.SIGKILL)
sys.argv = ["run.py", *sys.argv[1:]]
runpy.run_path("run.py", run_name="__main__")
"""


def _heartbeats(tmp_path) -> int:
    with closing(sqlite3.connect(f"file:{tmp_path / 'optuna.db'}?mode=ro", uri=True)) as con:
        return con.execute("SELECT COUNT(*) FROM trial_heartbeats").fetchone()[0]


@pytest.mark.slow  # two run.py processes and a grace period (~20 s); tests/sweeps/test_study.py covers it fast
def test_killed_right_after_ask_resumes(tmp_path):
    args = sweep_args(tmp_path, "asked", "hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1",
                      "hydra.sweeper.heartbeat_interval=1", *CLASSIC, LR)
    killed = subprocess.run([sys.executable, "-c", DIE_AT_FIRST_HEARTBEAT, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    orphan, = study(tmp_path, "asked").trials
    assert orphan.state.name == "RUNNING" and not orphan.params and _heartbeats(tmp_path) == 0

    proc = subprocess.run(command(args), capture_output=True, text=True, timeout=120)  # waited forever before
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "1 RUNNING trial(s) without a heartbeat" in proc.stdout + proc.stderr
    assert f"trial {orphan.number} failed as stale before its params were stored: it never ran; not re-queued" in \
        proc.stdout + proc.stderr
    failed, fresh = study(tmp_path, "asked").trials
    assert failed.number == orphan.number and failed.state.name == "FAIL"
    assert "failed_trial" not in fresh.system_attrs  # its slot asked anew, not a retry of a trial that never ran
    assert set(fresh.params) == {"paradigm.cf.lr"} and fresh.state.name == "COMPLETE"
