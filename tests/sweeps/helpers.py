"""Shared pieces of the sweep tests: a cheap classic job, a sweep command line, the stored study."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import optuna
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
