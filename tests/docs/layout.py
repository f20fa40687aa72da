"""Where the docs tests find the config tree and the sweep presets: the project's own answer
(recexp.common.layout), so the docs are checked against the tree a run reads."""

from __future__ import annotations

from pathlib import Path

from recexp.common.layout import CONF_DIR, SWEEPS_DIR


def config_dir() -> Path:
    """The Hydra config tree the docs' commands compose against."""
    return CONF_DIR


def sweeps_dir() -> Path:
    """The folder of the sweep presets (the `sweep` group)."""
    return SWEEPS_DIR
