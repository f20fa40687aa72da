"""The sweep presets compose from sweeps/ (the `sweep` group), their params parse, and their GRPO
choices respect TRL's batching rule; the launcher presets compose."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

import recexp.config  # noqa: F401  (registers the schema)
from hydra_plugins.recexp_optuna_sweeper._search_space import format_value, parse_search_space
from recexp.common.layout import CONF_DIR, SWEEPS_DIR
from recexp.run.validation import validate
from recexp.trainers.args import check_grpo_batching

PRESETS = sorted(p.stem for p in SWEEPS_DIR.glob("*.yaml"))


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def test_presets_are_the_sweep_group():
    assert PRESETS == ["embedded_default", "grpo", "reward_weights"]
    assert _compose().hydra.runtime.choices.get("sweep") is None  # sweep: null by default


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_composes_validates_and_parses(preset):
    cfg = _compose(f"sweep={preset}")
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("RecexpOptunaSweeper") and sweeper.study_name == preset
    assert sweeper.sampler._target_ == "optuna.samplers.TPESampler" and sweeper.pruner._target_.endswith("MedianPruner")
    assert str(cfg.hydra.sweep.dir) == f"outputs/sweeps/{preset}" and preset in str(sweeper.storage)
    validate(OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]))
    space = parse_search_space(OmegaConf.to_container(sweeper.params), [], lambda key: False)
    assert space.distributions and not space.fixed


def test_reward_weights_choices_are_reward_presets_that_validate():
    space = parse_search_space(OmegaConf.to_container(_compose("sweep=reward_weights").hydra.sweeper.params), [],
                               lambda key: False)
    for reward in space.distributions["reward"].choices:
        cfg = _compose(f"reward={reward}", "reward.weights.format=0.5")
        validate(OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]))


@pytest.mark.parametrize("preset", ["grpo", "embedded_default"])
def test_num_generations_choices_divide_the_generation_batch(preset):
    cfg = _compose(f"sweep={preset}")
    space = parse_search_space(OmegaConf.to_container(cfg.hydra.sweeper.params), [], lambda key: False)
    args = OmegaConf.to_container(cfg.trainer.args)
    for generations in space.distributions["trainer.args.num_generations"].choices:
        check_grpo_batching({**args, "num_generations": generations})


@pytest.mark.parametrize("value", [0.001, 3, "dr_grpo", "sqlite:////tmp/a b/optuna.db", "it's", True, None])
def test_values_survive_the_override_grammar(value):
    override = OverridesParser.create().parse_override(f"key={format_value(value)}")
    assert override.value() == value


def test_launcher_presets_compose():
    assert _compose("hydra/launcher=joblib").hydra.launcher._target_.endswith("JoblibLauncher")
    slurm = _compose("hydra/launcher=slurm_gpu").hydra.launcher
    assert slurm._target_.endswith("SlurmLauncher") and slurm.gpus_per_node == 1


def test_params_added_from_the_command_line_are_flattened():
    cfg = _compose("sweep=grpo", '+hydra.sweeper.params.trainer.args.epsilon="interval(0.1,0.3)"')
    space = parse_search_space(OmegaConf.to_container(cfg.hydra.sweeper.params), [], lambda key: key.endswith("epsilon"))
    assert space.distributions["trainer.args.epsilon"].high == 0.3
    assert space.overrides({"trainer.args.epsilon": 0.2}) == ["+trainer.args.epsilon=0.2"]


@pytest.mark.parametrize("sampler", ["tpe", "random", "grid", "cmaes", "nsgaii"])
@pytest.mark.parametrize("pruner", ["nop", "median", "percentile", "hyperband", "threshold"])
def test_presets_take_any_sampler_and_pruner(sampler, pruner):
    sweeper = _compose("sweep=grpo", f"hydra/sweeper/sampler={sampler}", f"hydra/sweeper/pruner={pruner}").hydra.sweeper
    assert sweeper.sampler.seed == 42 and sweeper.pruner._target_.startswith("optuna.pruners.")


@pytest.mark.parametrize("pruner", ["nop", "median", "percentile", "hyperband", "threshold"])
def test_pruner_presets_build(pruner):
    from hydra_plugins.recexp_optuna_sweeper._sampling import make_pruner, pruner_spec

    cfg = _compose("sweep=grpo", f"hydra/sweeper/pruner={pruner}", "hydra.sweeper.pruner.upper=1.5"
                   if pruner == "threshold" else "hydra.sweeper.n_jobs=1").hydra.sweeper.pruner
    assert type(make_pruner(pruner_spec(cfg))).__name__.lower().startswith(pruner)


def test_seeded_sampler_is_reproducible_per_trial_and_differs_between_trials():
    import optuna

    from hydra_plugins.recexp_optuna_sweeper._sampling import make_sampler

    def draws():
        study = optuna.create_study(sampler=make_sampler(_compose("sweep=grpo", "hydra/sweeper/sampler=random")
                                                         .hydra.sweeper.sampler, dict))
        return [study.ask({"x": optuna.distributions.FloatDistribution(0, 1)}).params["x"] for _ in range(3)]

    first = draws()
    assert first == draws() and len(set(first)) == 3
