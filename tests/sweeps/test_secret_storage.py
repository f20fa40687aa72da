"""A storage URL with a password never lands in what a sweep writes: the URL comes from the variable
named by ``hydra.sweeper.storage_env``, trials read it as ``${oc.env:NAME}``, and the run dirs, the
Hydra files, the logs and the W&B offline files hold no password (PostgreSQL part skipped when no
server is installed, outside CI: tests/sweeps/helpers.py PostgresServer); a literal password on the
command line is refused in one line."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..conftest import run_cli
from .helpers import CLASSIC, LR, study
from .test_postgres_workers import postgres  # noqa: F401  (fixture)

ENV = "RECEXP_TEST_OPTUNA_STORAGE"
PASSWORD = "Pa55wordXyzzy"


def _sweep(tmp_path: Path, url: str, *extra: str):
    args = ["-m", "hydra/sweeper=recexp_optuna", "hydra.sweeper.study_name=secret", f"hydra.sweeper.storage_env={ENV}",
            f"hydra.sweep.dir={tmp_path / 'secret'}", "hydra.sweeper.n_trials=2", "hydra.sweeper.n_jobs=1",
            *CLASSIC, LR, *extra]
    return run_cli(*args, env={ENV: url})


def _files_holding(root: Path, secret: str) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_trials_read_the_storage_from_the_environment(tmp_path):
    url = f"sqlite:///{tmp_path}/db-from-env/optuna.db"
    proc = _sweep(tmp_path, url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [t.state.name for t in study(tmp_path, "secret", url=url).trials] == ["COMPLETE"] * 2
    hydra_files = [*(tmp_path / "secret").rglob(".hydra/*.yaml"), *(tmp_path / "secret").rglob("multirun.yaml")]
    assert hydra_files
    assert [str(p) for p in hydra_files if "db-from-env" in p.read_text()] == []
    overrides = yaml.safe_load(next((tmp_path / "secret").rglob(".hydra/overrides.yaml")).read_text())
    assert f"optuna.storage=${{oc.env:{ENV}}}" in overrides


def test_no_file_of_a_sweep_holds_the_password(tmp_path, postgres):  # noqa: F811
    url = postgres.replace("postgres@", f"postgres:{PASSWORD}@")  # the server trusts any password
    proc = _sweep(tmp_path, url, "logger=wandb", "logger.mode=offline")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len([p for p in (tmp_path / "secret").rglob("offline-run-*") if p.is_dir()]) == 3  # W&B: 2 trials + the study's report run
    assert len(list((tmp_path / "secret").rglob("resolved_config.yaml"))) == 2
    assert _files_holding(tmp_path / "secret", PASSWORD) == []
    assert PASSWORD not in proc.stdout + proc.stderr


def test_a_literal_password_is_refused_in_one_line(tmp_path):
    proc = run_cli("-m", "hydra/sweeper=recexp_optuna", f"hydra.sweep.dir={tmp_path / 's'}",
                   f"hydra.sweeper.storage=postgresql+psycopg://user:{PASSWORD}@127.0.0.1:1/db", *CLASSIC, LR)
    assert proc.returncode == 2 and PASSWORD not in proc.stdout + proc.stderr
    assert "hydra.sweeper.storage: postgresql+psycopg://user:***@127.0.0.1:1/db carries a password" in proc.stderr
    assert "hydra.sweeper.storage_env=" in proc.stderr
