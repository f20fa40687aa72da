"""Two sweep workers on one study in a real PostgreSQL server run disjoint trials that add up
to exactly n_trials (skipped when no PostgreSQL server is installed, except in CI (CI=true), where
.ci/run installs one and its absence fails: helpers.PostgresServer)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .helpers import BATCH, CLASSIC, LR, PostgresServer, command, study

N_TRIALS = 6


@pytest.fixture
def postgres_server():
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres():
    """The URL of a fresh PostgreSQL server (tests/sweeps/helpers.py: PostgresServer)."""
    server = PostgresServer()
    try:
        yield server.url
    finally:
        server.close()


def test_two_workers_share_one_study(tmp_path, postgres):
    args = ["-m", "hydra/sweeper=recexp_optuna", "hydra.sweeper.study_name=pg", f"hydra.sweeper.storage={postgres}",
            f"hydra.sweep.dir={tmp_path / 'pg'}", f"hydra.sweeper.n_trials={N_TRIALS}", "hydra.sweeper.n_jobs=1",
            *CLASSIC, LR, BATCH]
    workers = [subprocess.Popen(command(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    errors = [w.communicate(timeout=300)[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], errors[0][-2000:] + errors[1][-2000:]
    trials = study(tmp_path, "pg", url=postgres).trials
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert len(complete) == N_TRIALS
    assert all(t.user_attrs.get("recexp/surplus") for t in trials if t.state.name != "COMPLETE")
    assert len({t.number for t in complete}) == N_TRIALS
    assert len({tuple(sorted(t.params.items())) for t in complete}) == N_TRIALS
    run_dirs = {t.user_attrs["run_dir"] for t in complete}
    assert len(run_dirs) == N_TRIALS and all((Path(d) / "metrics.json").exists() for d in run_dirs)
