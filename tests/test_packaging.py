"""The wheel carries the top-level conf/ and sweeps/ inside the package (recexp/shipped/, setup.py),
and an installed recexp runs from an empty directory with them (recexp.common.layout)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("setup.py", "pyproject.toml", "README.md", "recexp", "hydra_plugins", "conf", "sweeps")


def _build_wheel(tmp: Path) -> Path:
    """Build the wheel from a copy of the sources (a build writes build/ beside them)."""
    source = tmp / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist"), str(source)], check=True, capture_output=True)
    return next((tmp / "dist").glob("recexp-*.whl"))


def _files(folder: Path, pattern: str) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_holds_the_whole_tree(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"recexp/shipped/conf/{f}" for f in _files(ROOT / "conf", "**/*.yaml")} <= names
    assert {f"recexp/shipped/sweeps/{f}" for f in _files(ROOT / "sweeps", "*.yaml") | {"README.md"}} <= names
    code = {f"{package}/{f}" for package in ("recexp", "hydra_plugins") for f in _files(ROOT / package, "**/*.py")}
    assert code <= names, sorted(code - names)
    assert not [n for n in names if n.startswith(("conf/", "sweeps/"))]  # nothing at the top of site-packages


@pytest.mark.slow
def test_an_installed_recexp_runs_from_an_empty_directory(wheel, tmp_path):
    """pip install of the wheel (no checkout on the path), then `recexp run` elsewhere (~1 min)."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)  # the dependencies come from this Python
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True, capture_output=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"OMP_NUM_THREADS": "1"}

    def recexp(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([env_dir / "bin" / "recexp", *args], cwd=empty, env=env, capture_output=True, text=True)

    where = subprocess.run([python, "-c", "import recexp.common.layout as l; print(l.CONF_DIR)"], cwd=empty, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(env_dir / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
                        / "site-packages" / "recexp" / "shipped" / "conf")
    done = recexp("run", "paradigm=global_mean", "logger=none", f"hydra.run.dir={empty / 'run'}",
                  f"cache_dir={tmp_path / 'cache'}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((empty / "run" / "metrics.json").read_text())["status"] == "ok"
    refused = recexp("run", "sweep=grpo")  # the sweep group is there: a preset without -m is refused
    assert "sweep=grpo is an Optuna sweep preset" in refused.stderr
