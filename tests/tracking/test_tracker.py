"""With a real offline W&B run (not a stand-in): a trial its pruner stopped ends its run finished
(exit code 0) with the ``pruned`` tag and summary ``state: pruned``; a failure exits 1 untagged.
Read back from the run's own transaction log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from recexp.config import LoggerBackend, LoggerConfig
from recexp.sweeps.trial import TrialPruned
from recexp.tracking.tracker import PRUNED, Tracker, open_tracker

from .wandb_log import run_view

CONFIG = {"paradigm": {"name": "reczero"}, "dataset": {"name": "synthetic"}, "model": {"name": "tiny"}, "seed": 3}


@pytest.fixture
def offline(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    return OmegaConf.structured(LoggerConfig(backend=LoggerBackend.wandb, tags=["sweep"], group="study"))


def finished_view(run_dir: Path, wait_s: float = 60.0) -> dict:
    """The run's view once its transaction log holds the exit record. wandb-core writes the log in
    its own process and may still be flushing when ``finish`` returns on a loaded machine, so the
    log is read again until the record is there (or ``wait_s`` passes: the assertions then fail)."""
    import time

    deadline = time.monotonic() + wait_s
    while True:
        logs = list(run_dir.glob("wandb/offline-run-*/run-*.wandb"))
        assert len(logs) <= 1, logs
        view = run_view(logs[0]) if logs else {"exit_code": None}
        if view["exit_code"] is not None or time.monotonic() > deadline:
            assert logs, f"no W&B transaction log under {run_dir}"
            return view
        time.sleep(0.5)


def test_a_pruned_trial_finishes_its_real_run_tagged_pruned(offline, tmp_path):
    run_dir = tmp_path / "0_reczero_synthetic"
    run_dir.mkdir()
    with pytest.raises(TrialPruned):
        with open_tracker(offline, run_dir, CONFIG, "trial") as tracker:
            assert isinstance(tracker, Tracker)  # a real run, not the null tracker
            tracker.log({"valid/mae": 0.9}, step=2)
            raise TrialPruned("pruned at step 2")
    view = finished_view(run_dir)
    assert view["exit_code"] == 0
    assert view["tags"] == ["sweep", PRUNED]
    assert json.loads(view["summary"]["state"]) == PRUNED
    assert json.loads(view["summary"]["paradigm"]) == "reczero"


def test_a_failed_trial_exits_1_untagged(offline, tmp_path):
    run_dir = tmp_path / "1_reczero_synthetic"
    run_dir.mkdir()
    with pytest.raises(RuntimeError):
        with open_tracker(offline, run_dir, CONFIG, "trial"):
            raise RuntimeError("boom")
    view = finished_view(run_dir)
    assert view["exit_code"] == 1 and view["tags"] == ["sweep"] and "state" not in view["summary"]
