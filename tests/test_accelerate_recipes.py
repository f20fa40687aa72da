"""The accelerate config presets (recipes/accelerate/): each parses with accelerate's own loader,
names a valid distributed type, and every nested option is one `accelerate launch` knows."""

from __future__ import annotations

import pytest
import yaml

from .conftest import ROOT

RECIPES = ROOT / "recipes" / "accelerate"
EXPECTED = {"ddp.yaml": "MULTI_GPU", "fsdp.yaml": "FSDP", "zero2.yaml": "DEEPSPEED", "zero3.yaml": "DEEPSPEED"}
NESTED = ("deepspeed_config", "fsdp_config")


def _launch_options() -> set[str]:
    from accelerate.commands.launch import launch_command_parser

    return {action.dest for action in launch_command_parser()._actions}


def test_the_four_presets_are_shipped():
    assert {p.name for p in RECIPES.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_parses_and_names_a_valid_distributed_type(name):
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.utils import DistributedType

    config = ClusterConfig.from_yaml_file(str(RECIPES / name))  # unknown top-level keys raise
    assert isinstance(config.distributed_type, DistributedType)
    assert config.distributed_type.value == EXPECTED[name]
    assert config.num_machines == 1 and not config.use_cpu


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nested_options_are_accelerate_launch_options(name):
    raw = yaml.safe_load((RECIPES / name).read_text())
    options = _launch_options()
    nested = {key for group in NESTED for key in (raw.get(group) or {})}
    assert nested <= options, sorted(nested - options)
    if raw["distributed_type"] == "DEEPSPEED":
        assert raw["deepspeed_config"]["zero_stage"] == int(name[4])
