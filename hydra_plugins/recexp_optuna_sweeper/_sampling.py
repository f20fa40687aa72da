"""Samplers and pruners from their ``_target_`` configs.

A seeded sampler is re-created for every trial with seed ``seed + trial.number``: a sweep is
reproducible trial by trial, and several workers on one study (or a resumed sweep) never replay
the same random sequence, since trial numbers are unique across the study. (The grid sampler
keeps one seed: it fixes the order of the grid points, and the storage keeps workers apart.)"""

from typing import Any, Callable

import optuna
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from optuna.samplers import BaseSampler, GridSampler

from recexp.common.errors import ConfigError


def make_sampler(cfg: DictConfig, grid: Callable[[], dict]) -> BaseSampler:
    """The sampler of ``hydra.sweeper.sampler``; a GridSampler gets ``grid()`` as its search space."""
    spec = _spec(cfg, "sampler")
    is_grid = spec["_target_"].rsplit(".", 1)[-1] == "GridSampler"
    if is_grid:
        spec["search_space"] = grid()
    seed = spec.pop("seed", None)
    build = lambda s: _instantiate({**spec, **({} if s is None else {"seed": s})}, "sampler")  # noqa: E731
    # the grid's seed fixes its point order (grid ids), so it must stay the same for every trial
    return TrialSeededSampler(build, seed, per_trial=not is_grid)


def make_pruner(spec: dict | None) -> optuna.pruners.BasePruner:
    return _instantiate(spec or {"_target_": "optuna.pruners.NopPruner"}, "pruner")


def pruner_spec(cfg: DictConfig | None) -> dict:
    return _spec(cfg, "pruner") if cfg is not None else {"_target_": "optuna.pruners.NopPruner"}


def is_nop(spec: dict) -> bool:
    return spec["_target_"].rsplit(".", 1)[-1] == "NopPruner"


def _spec(cfg: DictConfig | None, what: str) -> dict:
    if cfg is None or "_target_" not in cfg:
        example = "tpe" if what == "sampler" else "median"
        raise ConfigError(f"hydra.sweeper.{what}: needs a _target_, e.g. hydra/sweeper/{what}={example}")
    return OmegaConf.to_container(cfg, resolve=True)


def _instantiate(spec: dict, what: str) -> Any:
    try:
        return instantiate(spec)
    except Exception as exc:  # a wrong class name or argument: one line naming the key
        cause = exc.__cause__ or exc
        raise ConfigError(f"hydra.sweeper.{what}: cannot build {spec['_target_']}: {cause}") from exc


class TrialSeededSampler(BaseSampler):
    """Delegates to a sampler re-created with seed ``seed + trial.number`` before each trial."""

    def __init__(self, build: Callable[[int | None], BaseSampler], seed: int | None, per_trial: bool = True) -> None:
        self._build, self._seed, self._per_trial = build, seed, per_trial
        self._inner = build(seed)

    @property
    def inner(self) -> BaseSampler:
        return self._inner

    def before_trial(self, study, trial) -> None:
        if self._seed is not None and self._per_trial:
            self._inner = self._build(self._seed + trial.number)
        self._inner.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self._inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values) -> None:
        # GridSampler.after_trial only calls study.stop(), which is for optimize() loops: the
        # sweeper stops by itself once the grid is covered (n_trials is capped at the grid size).
        if not isinstance(self._inner, GridSampler):
            self._inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._inner.reseed_rng()
