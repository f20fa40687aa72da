"""Asking a trial so that a storage outage in the middle of it leaves no trial behind.

``study.ask(distributions)`` is several transactions: create (or pop a re-queued) trial, then one
per param. Retried as a whole after an outage cut it between them, it would create a second trial
and leave the first RUNNING without params, to go stale (a FAIL that never ran, _study.RequeueStaleTrial).
Here each step is retried on its own, on the same trial: the trial, its first heartbeat, then each
param; a param whose store committed with its answer lost is read back, not stored twice."""

from __future__ import annotations

import logging
from typing import Any, Callable

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import RDBStorage

from hydra_plugins.recexp_optuna_sweeper._study import start_beating

log = logging.getLogger(__name__)
SUGGEST: dict[type, Callable[[optuna.Trial, str, Any], Any]] = {
    FloatDistribution: lambda t, name, d: t.suggest_float(name, d.low, d.high, step=d.step, log=d.log),
    IntDistribution: lambda t, name, d: t.suggest_int(name, d.low, d.high, step=d.step, log=d.log),
    CategoricalDistribution: lambda t, name, d: t.suggest_categorical(name, d.choices),
}


def ask_trial(study: optuna.Study, storage: RDBStorage, distributions: dict[str, BaseDistribution],
              retry: Callable[[Callable[[], Any], str], Any]) -> optuna.Trial:
    """A RUNNING trial with a heartbeat and every param of ``distributions`` stored; ``retry`` runs
    each storage step (``recexp.sweeps.storage.StorageRetry``). A trial failed as stale meanwhile (by
    another worker, after an outage longer than the grace period) never ran: another is asked."""
    while True:
        trial = retry(study.ask, "asking a trial")
        try:
            return _complete(study, storage, trial, distributions, retry)
        except UpdateFinishedTrialError:
            log.warning("trial %d was failed as stale before its params were stored (a storage outage longer than "
                        "the heartbeat grace period); asking another", trial.number)


def _complete(study: optuna.Study, storage: RDBStorage, trial: optuna.Trial,
              distributions: dict[str, BaseDistribution], retry: Callable) -> optuna.Trial:
    """The trial's first heartbeat, then each of its params."""
    retry(lambda: start_beating(storage, trial._trial_id), "recording a heartbeat")
    for name, distribution in distributions.items():
        trial = retry(param_step(study, storage, trial, name, distribution), "asking a trial")
    return trial


def param_step(study: optuna.Study, storage: RDBStorage, trial: optuna.Trial, name: str,
               distribution: BaseDistribution) -> Callable[[], optuna.Trial]:
    """Sampling and storing one param of ``trial``, as a step to retry; it returns the trial. A retry
    first reads back whether the attempt cut off stored the param with its answer lost."""
    attempts = 0

    def step() -> optuna.Trial:
        nonlocal attempts, trial
        attempts += 1
        if attempts > 1 and name in storage.get_trial(trial._trial_id).params:
            trial = optuna.Trial(study, trial._trial_id)
        SUGGEST[type(distribution)](trial, name, distribution)
        return trial

    return step
