"""The sweep presets are the config group ``sweep``: each ``NAME.yaml`` of the top-level ``sweeps/``
folder (``recexp.common.layout.SWEEPS_DIR``, shipped in the wheel) becomes ``sweep=NAME``, and so
does each one in ``$RECEXP_SWEEPS_DIR`` (a folder of one's own; a shipped preset keeps its name).

A search-path entry makes a folder a config *root*, so ``sweeps/*.yaml`` could only become a group
named after a subfolder. Instead this plugin, run by Hydra before every composition, registers each
preset in the ConfigStore as ``sweep/NAME`` (the package of its ``# @package`` header kept)."""

import os
from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.config_store import ConfigStore
from hydra.plugins.config_source import ConfigSource
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import OmegaConf

GROUP = "sweep"
ENV = "RECEXP_SWEEPS_DIR"


class RecexpSweepsSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        from recexp.common.layout import SWEEPS_DIR

        if os.environ.get(ENV):
            register_presets(Path(os.environ[ENV]))
        register_presets(SWEEPS_DIR)  # last: a shipped preset is not replaced by a same-named one of $ENV


def register_presets(folder: Path) -> None:
    """Store every ``folder/*.yaml`` as ``sweep/<stem>`` (defaults list and package kept)."""
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text()
        package = ConfigSource._get_header_dict(text).get("package")
        ConfigStore.instance().store(group=GROUP, name=path.stem, node=OmegaConf.create(text),
                                     package=package, provider="recexp-sweeps")
