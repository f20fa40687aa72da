"""The config group ``sweep`` (``python run.py -m sweep=NAME``) reads its options from the
top-level ``sweeps/`` folder beside the primary config dir (``conf/``).

A search-path entry makes a folder a config *root*, so ``sweeps/*.yaml`` could only become a
group named after a subfolder. Instead this plugin, run by Hydra before every composition, finds
the primary config dir in the search path and registers each ``sweeps/NAME.yaml`` in the
ConfigStore as ``sweep/NAME`` with the package of its ``# @package`` header. It works from the
repository root, from any other working directory, and when recexp is pip-installed (the
plugin travels in the wheel; the presets are found beside the ``conf/`` that run.py uses).
``RECEXP_SWEEPS_DIR`` names another folder of presets."""

import os
from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.config_store import ConfigStore
from hydra.plugins.config_source import ConfigSource
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import OmegaConf

GROUP = "sweep"
FOLDER = "sweeps"


class RecexpSweepsSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        for folder in sweeps_folders(search_path):
            register_presets(folder)


def sweeps_folders(search_path: ConfigSearchPath) -> list[Path]:
    """``$RECEXP_SWEEPS_DIR`` if set, else ``sweeps/`` beside each file-based primary config dir."""
    if os.environ.get("RECEXP_SWEEPS_DIR"):
        return [Path(os.environ["RECEXP_SWEEPS_DIR"])]
    roots = [e.path.removeprefix("file://") for e in search_path.get_path()
             if e.provider == "main" and e.path and (e.path.startswith("file://") or "://" not in e.path)]
    folders = [Path(root).resolve().parent / FOLDER for root in roots]
    return [f for f in folders if f.is_dir()]


def register_presets(folder: Path) -> None:
    """Store every ``folder/*.yaml`` as ``sweep/<stem>`` (defaults list and package kept)."""
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text()
        package = ConfigSource._get_header_dict(text).get("package")
        ConfigStore.instance().store(group=GROUP, name=path.stem, node=OmegaConf.create(text),
                                     package=package, provider="recexp-sweeps")
