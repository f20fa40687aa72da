"""Where the Hydra config tree (``conf/``) and the sweep presets (``sweeps/``) are.

One tree, two layouts. In a checkout (``python run.py``, ``pip install -e .``) they are the top-level
folders beside the ``recexp`` package. A wheel (``pip install .``) carries the same folders inside
the package as ``recexp/shipped/conf`` and ``recexp/shipped/sweeps`` (mapped at build time: setup.py),
so ``recexp run`` works from any directory. Imports nothing heavy."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # recexp/
SHIPPED = "shipped"  # the wheel's folder (inside recexp/) that holds conf/ and sweeps/


def project_root() -> Path:
    """The folder holding ``conf/`` and ``sweeps/``: ``recexp/shipped`` in a wheel, else the checkout."""
    for root in (PACKAGE_DIR / SHIPPED, PACKAGE_DIR.parent):
        if (root / "conf" / "config.yaml").is_file():
            return root
    raise FileNotFoundError(f"no conf/config.yaml in {PACKAGE_DIR / SHIPPED} (an installed wheel) or "
                            f"{PACKAGE_DIR.parent} (a checkout): reinstall recexp")


ROOT = project_root()
CONF_DIR = ROOT / "conf"  # the primary config dir: config.yaml and one folder per group
SWEEPS_DIR = ROOT / "sweeps"  # the sweep presets, the config group ``sweep`` (hydra_plugins/recexp_sweeps)
