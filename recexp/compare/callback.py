"""A Hydra callback that writes the paired comparison of a finished multirun into its sweep dir
(``experiment=paper_table``): ``recexp compare <sweep dir> --paired --baseline ... --markdown
<sweep dir>/<markdown> --plot <sweep dir>``. Hydra skips it when a job failed; run that command
by hand then (the failed runs are listed, the others compared)."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


class PairedComparison(Callback):
    def __init__(self, baseline: str = "paradigm=reczero", group_by: str = "paradigm",
                 markdown: str = "paper_table.md") -> None:
        self.baseline, self.group_by, self.markdown = baseline, group_by, markdown

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        code = self.write(sweep_dir)
        if code:
            log.warning("paired comparison of %s failed (exit %d); rerun: %s", sweep_dir, code,
                        " ".join(["recexp", "compare", *self.arguments(sweep_dir)]))

    def write(self, sweep_dir: Path) -> int:
        """Write ``<sweep dir>/<markdown>`` and the PNGs; returns the compare command's exit code."""
        from recexp.compare.command import main

        return main(self.arguments(sweep_dir))

    def arguments(self, sweep_dir: Path) -> list[str]:
        return [str(sweep_dir), "--paired", "--baseline", self.baseline, "--group-by", self.group_by,
                "--markdown", str(sweep_dir / self.markdown), "--plot", str(sweep_dir)]
