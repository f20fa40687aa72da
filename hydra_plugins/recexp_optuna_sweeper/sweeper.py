"""``hydra/sweeper=recexp_optuna``: the Sweeper plugin class Hydra discovers.

Hydra imports every module of hydra_plugins on each start, except those named ``_*``: this one
stays light and imports Optuna and the implementation (``_core``) only when a sweep starts."""

from typing import Any, List

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class RecexpOptunaSweeper(Sweeper):
    def __init__(self, **kwargs: Any) -> None:
        from hydra_plugins.recexp_optuna_sweeper._core import OptunaSweeperImpl

        self.impl = OptunaSweeperImpl(**kwargs)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.impl.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: List[str]) -> Any:
        return self.impl.sweep(arguments)
