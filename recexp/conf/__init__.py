"""The Hydra config tree (``pkg://recexp/conf``): groups, experiment and sweep presets, shipped in the package."""

from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent
