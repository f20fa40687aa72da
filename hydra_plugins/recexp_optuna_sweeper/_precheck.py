"""Checks before a sweep's first trial (and before any study is created or resumed).

``preflight_sweep`` runs them from ``recexp.run.preflight`` before Hydra starts (`run.py -m`); the
sweeper repeats the cheap ones.

- every distribution is well formed (each ``to_distribution`` error names its key);
- every trial config composes and validates: the search space is composed at a few probe points
  (each choice at least once, every numeric param at its low and high end) and each probe goes
  through ``recexp.run.validation.validate``, so a misspelt key fails with its close matches;
- a stored study whose trials all failed on config errors is not resumed silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from omegaconf import DictConfig, OmegaConf
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.storages import BaseStorage
from optuna.trial import TrialState

from hydra_plugins.recexp_optuna_sweeper._search_space import SearchSpace
from recexp.common.errors import CONFIG_ERRORS, ConfigError
from recexp.common.secrets import mask_url
from recexp.run.error_messages import describe

_ABSENT = object()
CONFIG_ERROR_ATTR = "recexp/config_error"  # set on a trial that failed on a config error
CONFIG_ERROR_NAMES = ("ConfigError", "ConfigCompositionException", "MissingConfigException",
                      "OverrideParseException", "ConfigKeyError", "ConfigAttributeError", "ValidationError")


def preflight_sweep(config_name: str, overrides: list[str], config_dir: Path) -> DictConfig:
    """Compose the sweep's base config (returned); for a recexp_optuna sweep, check its search space
    (keys, distributions) and the trial config at each probe point. Creates nothing."""
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from hydra_plugins.recexp_optuna_sweeper._search_space import parse_search_space

    parsed = OverridesParser.create().parse_overrides(overrides)
    plain = [o.input_line for o in parsed if not o.is_sweep_override()]
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        cfg = compose(config_name, overrides=plain, return_hydra_config=True)
        if not str(cfg.hydra.sweeper.get("_target_", "")).endswith("RecexpOptunaSweeper"):
            return cfg
        params = OmegaConf.to_container(cfg.hydra.sweeper.params, resolve=True)
        task = [o.input_line for o in parsed if not o.get_key_element().lstrip("+~").startswith("hydra.")]
        space = parse_search_space(params, task, lambda key: _is_new_key(cfg, key))
        check_new_keys(space, cfg)
        hydra_overrides = [line for line in plain if line not in task]
        check_trial_configs(space, lambda trial: compose(config_name, overrides=hydra_overrides + trial,
                                                          return_hydra_config=True))
    return cfg


def _is_new_key(cfg: DictConfig, key: str) -> bool:
    return "/" not in key and OmegaConf.select(cfg, key, default=_ABSENT) is _ABSENT


def probe_params(space: SearchSpace) -> list[dict[str, Any]]:
    """Param sets that use every choice once and every numeric range at both ends."""
    sizes = [len(d.choices) for d in space.distributions.values() if isinstance(d, CategoricalDistribution)]
    return [{name: _probe_value(dist, i) for name, dist in space.distributions.items()}
            for i in range(max([2, *sizes]))]


def _probe_value(dist: BaseDistribution, i: int) -> Any:
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[i % len(dist.choices)]
    return dist.high if i % 2 else dist.low


def check_new_keys(space: SearchSpace, config: DictConfig) -> None:
    """Searched keys that are not in the composed config (added with '+') must be keys the trial
    config accepts: a TRL argument under trainer.args / sft.args, or a schema field. Checked
    without composing, so a misspelt key fails at once, with its close matches."""
    from recexp.common.errors import close_matches
    from recexp.run.error_messages import schema_keys
    from recexp.trainers.args import check_trainer_args

    kinds = {"trainer.args": "grpo", "sft.args": "sft"}
    for name, key in space.keys.items():
        if not key.startswith("+"):
            continue
        parent, _, leaf = name.rpartition(".")
        if parent in kinds:
            check_trainer_args(kinds[parent], {leaf: None}, prefix=parent)
            continue
        if parent and OmegaConf.select(config, parent, default=None) is None:
            hint = close_matches(parent, _dotted_keys(config))
            raise ConfigError(f"{name}: {parent} is not in the composed config"
                              + (f" (did you mean {' or '.join(hint)}?)" if hint else ""))
        allowed = schema_keys(parent)
        if allowed and leaf not in allowed:
            hint = close_matches(leaf, allowed)
            raise ConfigError(f"{name}: unknown key" + (f" (did you mean {' or '.join(hint)}?)" if hint else "")
                              + f"; allowed keys here: {', '.join(allowed)}")


def _dotted_keys(config: DictConfig, prefix: str = "") -> list[str]:
    """Every node path of the task config (Hydra's own node left out)."""
    keys = []
    for key, value in config.items():
        if key == "hydra" and not prefix:
            continue
        keys.append(f"{prefix}{key}")
        if isinstance(value, DictConfig):
            keys += _dotted_keys(value, f"{prefix}{key}.")
    return keys


def check_trial_configs(space: SearchSpace, compose: Callable[[list[str]], DictConfig]) -> None:
    """Compose and validate the trial config at each probe point; raise ConfigError on the first
    that fails (``compose(overrides)`` returns the full config, Hydra's node included)."""
    from recexp.run.validation import task_config, validate

    for params in probe_params(space):
        overrides = space.overrides(params)
        try:
            validate(task_config(compose(overrides)))
        except CONFIG_ERRORS as exc:
            raise ConfigError(f"{describe(exc)} (a trial of this sweep would fail: no study was created "
                              f"or changed; trial overrides: {' '.join(overrides)})") from None


def refuse_failed_study(storage: BaseStorage, study_name: str, url: str) -> None:
    """A stored study whose every trial failed on a config error is refused: resuming it would
    count those failures and mix a broken search space into the study."""
    try:
        study_id = storage.get_study_id_from_name(study_name)
    except KeyError:
        return
    trials = storage.get_all_trials(study_id, deepcopy=False)
    if not trials or not all(t.state == TrialState.FAIL and _config_failure(t.user_attrs) for t in trials):
        return
    first = str(trials[0].user_attrs.get("error", ""))[:160]
    url = mask_url(url)
    raise ConfigError(f"study '{study_name}' in {url} holds {len(trials)} trial(s), all failed on config errors "
                      f"(first: {first}); delete it (optuna delete-study --study-name {study_name} --storage {url}) "
                      "or choose another hydra.sweeper.study_name")


def _config_failure(user_attrs: dict) -> bool:
    if user_attrs.get(CONFIG_ERROR_ATTR):
        return True
    return str(user_attrs.get("error", "")).startswith(CONFIG_ERROR_NAMES)
