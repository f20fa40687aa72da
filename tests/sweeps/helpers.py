"""Shared pieces of the sweep tests: a cheap classic job, a sweep command line, the stored study,
and a real PostgreSQL server in a temporary directory on loopback (``PostgresServer``)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import optuna
import pytest
import yaml

from ..conftest import ROOT

# biased MF on the smoke data (conf/debug/smoke.yaml) with one (factors, reg) config and few
# epochs: ~1 s per job
CLASSIC = ["paradigm=mf", "debug=smoke", "paradigm.cf.max_epochs=5", "paradigm.cf.factors=[8]", "paradigm.cf.reg=[0.05]"]
LR = "paradigm.cf.lr=tag(log, interval(1e-3, 1e-1))"
BATCH = "paradigm.cf.batch_size=tag(int, interval(64, 256))"


def storage_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/optuna.db"


def sweep_args(tmp_path: Path, name: str, *overrides: str) -> list[str]:
    """`run.py -m` arguments of a recexp_optuna sweep into tmp_path (study storage and sweep dir)."""
    return ["-m", "hydra/sweeper=recexp_optuna", f"hydra.sweeper.study_name={name}",
            f"hydra.sweeper.storage={storage_url(tmp_path)}", f"hydra.sweep.dir={tmp_path / name}", *overrides]


def command(args: list[str]) -> list[str]:
    return [sys.executable, str(ROOT / "run.py"), *args]


def study(tmp_path: Path, name: str, url: str | None = None) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=url or storage_url(tmp_path))


def states(trials) -> list[str]:
    return sorted(t.state.name for t in trials)


def best_trial(tmp_path: Path, name: str) -> dict:
    return yaml.safe_load((tmp_path / name / "best_trial.yaml").read_text())


def metrics(run_dir: str | Path) -> dict:
    return json.loads((Path(run_dir) / "metrics.json").read_text())


PG_LIB = Path("/usr/lib/postgresql")  # Debian/Ubuntu: <version>/bin per installed server


def pg_bin() -> Path | None:
    """The bin dir of an installed PostgreSQL server, any version: initdb on PATH, pg_config --bindir,
    else the newest PG_LIB/*/bin."""
    found = [Path(initdb).resolve().parent] if (initdb := shutil.which("initdb")) else []
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        found += [Path(bindir.stdout.strip())] if bindir.returncode == 0 else []
    found += sorted(PG_LIB.glob("*/bin"), key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else -1,
                    reverse=True)
    return next((d for d in found if (d / "initdb").is_file() and (d / "pg_ctl").is_file()), None)


def missing_external(reason: str) -> None:
    """Skip for a missing external (PostgreSQL), but fail in CI (CI=true), where .ci/run installs it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} in CI (CI=true), where .ci/run installs PostgreSQL")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the postgres user then."""
    if os.geteuid() != 0:
        return cmd
    if not shutil.which("runuser"):
        missing_external("running as root without runuser: cannot start PostgreSQL as a non-root user")
    return ["runuser", "-u", "postgres", "--", *cmd]


class PostgresServer:
    """A PostgreSQL server of its own (initdb in a temporary directory, trust auth, listening on
    127.0.0.1 only); ``stop`` and ``start`` restart it on the same port and data."""

    def __init__(self) -> None:
        bin_dir = pg_bin()
        if bin_dir is None:
            missing_external(f"no PostgreSQL server (initdb, pg_ctl) on PATH, at pg_config --bindir or in {PG_LIB}/*/bin")
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="recexp-pg-"))  # not under pytest's 0700 tmp: the server user must reach it
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.data, self.port = self.root / "data", free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        subprocess.run(as_postgres([str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"]),
                       check=True, capture_output=True)
        self.start()

    def start(self) -> None:
        subprocess.run(as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                                    "-w", "-o", f"-p {self.port} -k {self.root} -h 127.0.0.1", "start"]),
                       check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m MODE``: fast rolls back open transactions and closes every connection."""
        subprocess.run(as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
                       check=mode != "immediate", capture_output=True)

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
