"""What produced a run: the recexp code's git commit (when it sits in a git checkout) and the
versions of the libraries that shape results. Read without importing those libraries."""

from __future__ import annotations

import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = ("recexp", "torch", "transformers", "trl", "peft", "accelerate", "hydra-core", "omegaconf", "optuna",
             "wandb", "numpy", "pandas")
SOURCE = Path(__file__).resolve().parents[1]  # the recexp package


def provenance() -> dict[str, Any]:
    return {"git": git_state(SOURCE), "versions": library_versions(), "python": platform.python_version()}


def library_versions() -> dict[str, str | None]:
    """Installed distribution versions (None: not installed)."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(directory: Path) -> dict[str, Any] | None:
    """``{"commit", "dirty"}`` of the git checkout holding ``directory``; None outside one."""
    if shutil.which("git") is None:
        return None
    commit = _git(directory, "rev-parse", "HEAD")
    if commit is None or _git(directory, "ls-files", "--error-unmatch", "__init__.py") is None:  # not this code's repo
        return None
    status = _git(directory, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
