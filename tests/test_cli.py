"""`recexp run` / `recexp sweep` from any directory (configs from the package), and extras."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from recexp.cli import hydra_argv
from recexp.common.errors import ConfigError
from recexp.common.extras import EXTRAS, missing_extra, require_extra

from .conftest import ROOT


def test_recexp_run_works_outside_the_checkout(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "recexp.cli", "run", "paradigm=global_mean", "logger=none"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = list((tmp_path / "outputs" / "runs").glob("*/*_global_mean_synthetic"))
    assert len(runs) == 1 and (runs[0] / "run.log").stat().st_size > 0 and (runs[0] / "summary.md").exists()


def test_sweep_arguments_become_hydra_multirun():
    assert hydra_argv("sweep", ["grpo", "hydra.sweeper.n_trials=4"]) == ["-m", "sweep=grpo", "hydra.sweeper.n_trials=4"]
    assert hydra_argv("sweep", ["paradigm=bias,mf"]) == ["-m", "paradigm=bias,mf"]
    assert hydra_argv("run", ["paradigm=mf"]) == ["paradigm=mf"]


def test_missing_extra_is_one_line_naming_it(monkeypatch):
    monkeypatch.setitem(EXTRAS, "plots", "recexp_no_such_module")
    assert missing_extra("plots", "recexp compare --plot") == (
        "recexp compare --plot needs the optional package recexp_no_such_module: pip install 'recexp[plots]'")
    with pytest.raises(ConfigError, match=r"pip install 'recexp\[plots\]'"):
        require_extra("plots", "x")
    monkeypatch.setitem(EXTRAS, "slurm", "hydra_plugins.recexp_no_such_plugin")
    assert "recexp[slurm]" in missing_extra("slurm", "hydra/launcher=slurm_gpu")
    assert missing_extra("openai", "teacher=openai") is None  # installed with [dev]
