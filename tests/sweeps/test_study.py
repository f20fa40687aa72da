"""fail_stale_trials: a RUNNING trial that never got a heartbeat (its sweep died inside or right
after study.ask) is given one, so it goes stale, is failed and re-queued with the same params; one
without its params never ran and is not re-queued."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import optuna
import pytest
from optuna.trial import TrialState

from hydra_plugins.recexp_optuna_sweeper._study import (
    RequeueStaleTrial,
    adopt_silent_trials,
    fail_stale_trials,
    open_storage,
    start_beating,
)

from .helpers import storage_url


def age_heartbeats(tmp_path, seconds: int) -> None:
    """Move every stored heartbeat ``seconds`` into the past (instead of waiting out the grace period)."""
    with closing(sqlite3.connect(tmp_path / "optuna.db")) as con:
        con.execute(f"UPDATE trial_heartbeats SET heartbeat = datetime(heartbeat, '-{seconds} seconds')")
        con.commit()


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_a_trial_without_heartbeat_is_failed_and_requeued(tmp_path):
    storage = open_storage(storage_url(tmp_path), heartbeat_interval=60)
    study = optuna.create_study(study_name="s", storage=storage)
    dead = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})  # its sweep dies here: no heartbeat
    live = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
    storage.record_heartbeat(live._trial_id)

    fail_stale_trials(study, storage)  # finds it silent: gives it a heartbeat, fails nothing yet
    assert [t.state for t in study.trials] == [TrialState.RUNNING, TrialState.RUNNING]
    assert adopt_silent_trials(study, storage) == []  # adopted once, not refreshed again

    age_heartbeats(tmp_path, 600)
    storage.record_heartbeat(live._trial_id)  # the live sweep keeps beating
    fail_stale_trials(study, storage)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.RUNNING, TrialState.WAITING]
    assert trials[2].params == {"x": dead.params["x"]} and trials[2].system_attrs["failed_trial"] == dead.number


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_a_stale_trial_without_its_params_never_ran_and_is_not_requeued(tmp_path):
    space = {"x": optuna.distributions.FloatDistribution(0, 1)}
    storage = open_storage(storage_url(tmp_path), heartbeat_interval=60, stale_trial_callback=RequeueStaleTrial(space))
    study = optuna.create_study(study_name="s", storage=storage)
    cut = study.ask()  # its sweep was cut off before storing its params
    ran = study.ask(space)  # its sweep died while it ran
    for trial in (cut, ran):
        start_beating(storage, trial._trial_id)

    age_heartbeats(tmp_path, 600)
    fail_stale_trials(study, storage)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.FAIL, TrialState.WAITING]
    assert trials[2].params == ran.params and trials[2].system_attrs["failed_trial"] == ran.number
