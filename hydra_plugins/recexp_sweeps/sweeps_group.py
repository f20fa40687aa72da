"""Extra sweep presets from ``$RECEXP_SWEEPS_DIR``: each ``NAME.yaml`` there becomes ``sweep=NAME``.

The shipped presets are the ``sweep`` group of the package's config tree (``recexp/conf/sweep``);
this plugin, run by Hydra before every composition, registers a folder of one's own beside them
in the ConfigStore (the package of each file's ``# @package`` header kept)."""

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
        if os.environ.get(ENV):
            register_presets(Path(os.environ[ENV]))


def register_presets(folder: Path) -> None:
    """Store every ``folder/*.yaml`` as ``sweep/<stem>`` (defaults list and package kept)."""
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text()
        package = ConfigSource._get_header_dict(text).get("package")
        ConfigStore.instance().store(group=GROUP, name=path.stem, node=OmegaConf.create(text),
                                     package=package, provider="recexp-sweeps")
