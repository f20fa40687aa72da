"""Two sweep workers on one study in a real PostgreSQL server run disjoint trials that add up
to exactly n_trials (skipped when no PostgreSQL server is installed, except in CI (CI=true), where
.ci/run installs one and its absence fails)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from .helpers import BATCH, CLASSIC, LR, command, study

PG_LIB = Path("/usr/lib/postgresql")  # Debian/Ubuntu: <version>/bin per installed server
N_TRIALS = 6


def _pg_bin() -> Path | None:
    """The bin dir of an installed PostgreSQL server, any version: initdb on PATH, pg_config --bindir,
    else the newest PG_LIB/*/bin."""
    found = [Path(initdb).resolve().parent] if (initdb := shutil.which("initdb")) else []
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        found += [Path(bindir.stdout.strip())] if bindir.returncode == 0 else []
    found += sorted(PG_LIB.glob("*/bin"), key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else -1,
                    reverse=True)
    return next((d for d in found if (d / "initdb").is_file() and (d / "pg_ctl").is_file()), None)


def _missing(reason: str) -> None:
    """Skip for a missing external, but fail in CI (CI=true), where .ci/run installs it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} in CI (CI=true), where .ci/run installs PostgreSQL")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the postgres user then."""
    if os.geteuid() != 0:
        return cmd
    if not shutil.which("runuser"):
        _missing("running as root without runuser: cannot start PostgreSQL as a non-root user")
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture
def postgres():
    bin_dir = _pg_bin()
    if bin_dir is None:
        _missing(f"no PostgreSQL server (initdb, pg_ctl) on PATH, at pg_config --bindir or in {PG_LIB}/*/bin")
    root = Path(tempfile.mkdtemp(prefix="recexp-pg-"))  # not under pytest's 0700 tmp: the server user must reach it
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data = root / "data"
    port = _free_port()
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]),
                   check=True, capture_output=True)
    log = data.parent / "server.log"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
                                 f"-p {port} -k {data.parent} -h 127.0.0.1", "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


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
