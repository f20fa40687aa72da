"""recexp.config: the GRPO and SFT trainers have their own schemas; an option typed for one slot
fails to compose in the other, in one line naming the slot and where the option goes."""

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from recexp.common.layout import CONF_DIR
from recexp.config import GRPOTrainerConfig, SFTTrainerConfig
from recexp.run.error_messages import describe


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def test_each_slot_has_its_schema():
    cfg = _compose("paradigm=recone")
    assert OmegaConf.get_type(cfg.trainer) is GRPOTrainerConfig and OmegaConf.get_type(cfg.sft) is SFTTrainerConfig
    assert (cfg.trainer.kind, cfg.sft.kind) == ("grpo", "sft")


@pytest.mark.parametrize("override,expected", [
    ("trainer=sft", "trainer: the SFT trainer goes in the sft slot: trainer@sft=sft (tune it with sft.args.KEY=...)"),
    ("trainer@sft=grpo", "sft: the GRPO trainer goes in the trainer slot: trainer=grpo "
                         "(tune it with trainer.args.KEY=...)"),
])
def test_a_trainer_in_the_wrong_slot_fails_at_composition(override, expected):
    with pytest.raises(ConfigCompositionException) as error:
        _compose("paradigm=recone", override)
    assert describe(error.value) == expected


def test_none_fits_either_slot():
    cfg = _compose("paradigm=mf", "trainer@sft=none")
    assert (cfg.trainer.name, cfg.sft.name, cfg.sft.kind) == ("none", "none", "none")
