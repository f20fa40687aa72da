"""Where the docs tests find the config tree and the sweep presets: the one place to repoint if
they move (the top-level conf/ and sweeps/ once they exist, else the package's recexp/conf)."""

from __future__ import annotations

from pathlib import Path

from .markdown import REPO


def config_dir() -> Path:
    """The Hydra config tree the docs' commands compose against."""
    for candidate in (REPO / "conf", REPO / "recexp" / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError("no conf/config.yaml or recexp/conf/config.yaml")


def sweeps_dir() -> Path:
    """The folder of the sweep presets (the `sweep` group)."""
    top = REPO / "sweeps"
    return top if any(top.glob("*.yaml")) else config_dir() / "sweep"
