"""experiment=paper_table: every paradigm x seeds 1-3 as one multirun, whose end writes the paired
comparison against RecZero into the sweep dir (the full preset takes hours: composition only)."""

from __future__ import annotations

from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.layout import CONF_DIR
from recexp.run.validation import validate

from .compare.test_paired import make_run, noisy

CONF = CONF_DIR


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=["experiment=paper_table", *overrides], return_hydra_config=True)


def test_it_sweeps_every_paradigm_over_three_seeds():
    cfg = _compose()
    params = cfg.hydra.sweeper.params
    assert set(params.paradigm.split(",")) == {p.stem for p in (CONF / "paradigm").glob("*.yaml")}
    assert params.seed == "1,2,3" and cfg.logger.group == "paper_table"
    validate(OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]))


def test_it_composes_with_the_slurm_launcher():
    cfg = _compose("hydra/launcher=slurm_gpu")
    assert cfg.hydra.launcher.gpus_per_node == 1 and cfg.hydra.sweeper.params.seed == "1,2,3"


def test_its_callback_writes_the_paired_table_and_plots_into_the_sweep_dir(tmp_path, capsys):
    cfg = _compose(f"hydra.sweep.dir={tmp_path}")
    for seed in (1, 2, 3):
        make_run(tmp_path, "reczero", seed, noisy(seed))
        make_run(tmp_path, "mf", seed, noisy(seed) + 0.4)
        make_run(tmp_path, "recone", seed, noisy(seed))
    callback = instantiate(cfg.hydra.callbacks.paired_comparison)
    callback.on_multirun_end(cfg)
    table = (tmp_path / "paper_table.md").read_text()
    assert table.splitlines()[2].startswith("| reczero | (baseline) |") and "| mf | reczero |" in table
    assert (tmp_path / "paired_synthetic.png").is_file() and (tmp_path / "metrics_synthetic.png").is_file()
