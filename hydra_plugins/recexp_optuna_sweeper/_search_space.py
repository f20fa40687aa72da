"""``hydra.sweeper.params`` (and sweep overrides on the command line) -> Optuna distributions,
and sampled values -> Hydra overrides. Syntax as in hydra-optuna-sweeper: ``choice(a,b)`` or
``a,b``, ``range(1,9,2)``, ``interval(0.1,0.3)``, ``tag(log, interval(1e-5,1e-3))``, ``tag(int, interval(1,9))``."""

import re
from dataclasses import dataclass
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, Override, RangeSweep
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from recexp.common.errors import ConfigError

PLAIN = re.compile(r"^[A-Za-z_][\w\-./]*$")


@dataclass(frozen=True)
class SearchSpace:
    distributions: dict[str, BaseDistribution]  # Optuna param name (the config key) -> distribution
    keys: dict[str, str]  # param name -> override key (with '+' when the key is new to the config)
    fixed: list[str]  # plain overrides passed to every trial unchanged

    def overrides(self, params: dict[str, Any]) -> list[str]:
        return [f"{self.keys[name]}={format_value(value)}" for name, value in params.items()] + self.fixed

    def grid(self) -> dict[str, list[Any]]:
        """The GridSampler search space: every param must be finite (choice or range)."""
        grid = {}
        for name, dist in self.distributions.items():
            if isinstance(dist, CategoricalDistribution):
                grid[name] = list(dist.choices)
            elif isinstance(dist, IntDistribution) and not dist.log:
                grid[name] = list(range(dist.low, dist.high + 1, dist.step))
            else:
                raise ConfigError(f"hydra.sweeper.params.{name}: the grid sampler needs choice() or range(), not interval()")
        return grid


def parse_search_space(params: dict[str, str] | None, arguments: list[str], is_new_key) -> SearchSpace:
    """Sweeps among ``params`` and ``arguments`` become distributions; the rest stay fixed overrides.
    ``is_new_key(key)`` says whether a param key is absent from the config (then it is added with '+')."""
    parser = OverridesParser.create()
    lines = [f"{key}={value}" for key, value in flatten(params or {}).items()] + list(arguments)
    distributions, keys, fixed = {}, {}, []
    for override in parser.parse_overrides(lines):
        if not override.is_sweep_override():
            fixed.append(override.input_line)
            continue
        name = override.get_key_element().lstrip("+~")
        distributions[name] = to_distribution(override)
        prefix = override.get_key_element()[: -len(name)] or ("+" if is_new_key(name) else "")
        keys[name] = prefix + name
    if not distributions:
        raise ConfigError("hydra.sweeper.params: nothing to search; give e.g. "
                          "'hydra.sweeper.params.trainer.args.learning_rate=tag(log, interval(1e-5, 1e-3))'")
    return SearchSpace(distributions, keys, fixed)


def flatten(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"trainer": {"args": {"beta": "interval(0,1)"}}}`` -> ``{"trainer.args.beta": "interval(0,1)"}``."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def to_distribution(override: Override) -> BaseDistribution:
    """The Optuna distribution of one sweep override; a malformed one raises ConfigError naming its key."""
    name = override.get_key_element().lstrip("+~")
    try:
        return _distribution(override, name)
    except ValueError as error:  # Optuna's own checks: low > high, log scale with low <= 0, ...
        if isinstance(error, ConfigError):
            raise
        raise ConfigError(f"{name}: {override.input_line.partition('=')[2]}: {error}") from None


def _distribution(override: Override, name: str) -> BaseDistribution:
    value = override.value()
    if isinstance(value, ChoiceSweep):
        if not value.list:
            raise ConfigError(f"{name}: choice() with no values searches nothing; give at least one")
        return CategoricalDistribution([_plain(v) for v in value.list])
    if isinstance(value, RangeSweep):
        values = list(override.sweep_iterator())
        if not values:
            raise ConfigError(f"{name}: range({value.start:g}, {value.stop:g}, {value.step:g}) holds no value")
        if all(isinstance(v, int) for v in values) and len(values) > 1 and "log" not in value.tags:
            return IntDistribution(values[0], values[-1], step=values[1] - values[0])
        return CategoricalDistribution(values)
    if isinstance(value, IntervalSweep):
        if not value.start < value.end:
            raise ConfigError(f"{name}: interval({value.start:g}, {value.end:g}) needs low < high")
        log = "log" in value.tags
        if "int" in value.tags:
            return IntDistribution(int(value.start), int(value.end), log=log)
        return FloatDistribution(float(value.start), float(value.end), log=log)
    raise ConfigError(f"hydra.sweeper.params.{name}: unsupported sweep {value!r}; use choice(), range() or interval()")


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise ConfigError(f"choice value {value!r}: only str, int, float, bool or null can be searched")


def format_value(value: Any) -> str:
    """A value as Hydra's override grammar reads it back unchanged."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if PLAIN.match(text) and text.lower() not in ("true", "false", "null", "nan", "inf"):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
