"""ask_trial: an outage cutting a trial's ask between its transactions leaves one trial with every
param, not a second trial and a RUNNING one without params (the server-restart fault scenario)."""

from __future__ import annotations

import optuna
import pytest
import sqlalchemy.exc
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from hydra_plugins.recexp_optuna_sweeper._ask import ask_trial
from hydra_plugins.recexp_optuna_sweeper._core import _finish_once
from hydra_plugins.recexp_optuna_sweeper._study import BEATING_ATTR, open_storage
from recexp.sweeps import storage as storage_module
from recexp.sweeps.storage import StorageRetry

from .helpers import storage_url

SPACE = {"lr": FloatDistribution(1e-4, 1e-1, log=True), "batch": IntDistribution(8, 64, step=8),
         "opt": CategoricalDistribution(["adam", "sgd"])}
pytestmark = pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")


def _down() -> sqlalchemy.exc.OperationalError:
    return sqlalchemy.exc.OperationalError("COMMIT", {}, ConnectionResetError("terminating connection"))


@pytest.fixture
def study(tmp_path, monkeypatch):
    monkeypatch.setattr(storage_module.time, "sleep", lambda s: None)
    storage = open_storage(storage_url(tmp_path), heartbeat_interval=60)
    return optuna.create_study(study_name="s", storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))


def _cut(monkeypatch, storage, method: str, after_commit: bool, times: int = 1) -> list[str]:
    """Make ``storage.<method>`` fail like a dropped connection ``times`` times, before its commit
    or after it (the answer lost)."""
    real, failures = getattr(storage, method), []

    def cut(*args, **kwargs):
        if len(failures) < times:
            failures.append(method)
            if after_commit:
                real(*args, **kwargs)
            raise _down()
        return real(*args, **kwargs)

    monkeypatch.setattr(storage, method, cut)
    return failures


def _ask(study):
    return ask_trial(study, study._storage, SPACE, StorageRetry("sqlite:///x", timeout=5))


def _check_one_trial_with_every_param(study, trial) -> None:
    trials = study.get_trials(deepcopy=False)
    assert [t.number for t in trials] == [trial.number] == [0]
    stored = trials[0]
    assert stored.state == TrialState.RUNNING and set(stored.params) == set(SPACE)
    assert stored.params == trial.params
    assert stored.system_attrs[BEATING_ATTR] == trial._trial_id


@pytest.mark.parametrize("after_commit", [False, True], ids=["cut-before-commit", "answer-lost"])
def test_a_param_store_cut_off_is_retried_on_the_same_trial(study, monkeypatch, after_commit):
    failures = _cut(monkeypatch, study._storage, "set_trial_param", after_commit, times=2)
    trial = _ask(study)
    assert failures == ["set_trial_param"] * 2
    _check_one_trial_with_every_param(study, trial)


def test_a_heartbeat_cut_off_is_retried(study, monkeypatch):
    failures = _cut(monkeypatch, study._storage, "record_heartbeat", after_commit=False)
    trial = _ask(study)
    assert failures == ["record_heartbeat"]
    _check_one_trial_with_every_param(study, trial)


def test_a_trial_creation_cut_off_before_its_commit_is_retried(study, monkeypatch):
    failures = _cut(monkeypatch, study._storage, "create_new_trial", after_commit=False)
    trial = _ask(study)
    assert failures == ["create_new_trial"]
    _check_one_trial_with_every_param(study, trial)


def test_a_requeued_trial_is_asked_with_its_params(study):
    study.enqueue_trial({"lr": 0.01, "batch": 16, "opt": "sgd"})
    trial = _ask(study)
    assert trial.params == {"lr": 0.01, "batch": 16, "opt": "sgd"}


def test_a_trial_failed_as_stale_while_asked_is_left_and_another_asked(study, monkeypatch):
    storage, real, failed = study._storage, study._storage.set_trial_param, []

    def fail_first_trial(trial_id, *args):
        if not failed:  # another worker failed it as stale during an outage, before its params were stored
            failed.append(trial_id)
            storage.set_trial_state_values(trial_id, TrialState.FAIL)
        return real(trial_id, *args)

    monkeypatch.setattr(storage, "set_trial_param", fail_first_trial)
    trial = _ask(study)
    first, second = study.get_trials(deepcopy=False)
    assert failed == [first._trial_id] and first.state == TrialState.FAIL
    assert trial.number == second.number == 1 and second.state == TrialState.RUNNING
    assert set(second.params) == set(SPACE)


def test_finishing_a_trial_twice_returns_it_as_stored(study):
    """A tell (or a surplus drop) retried after its commit was lost finds the trial finished: no
    UpdateFinishedTrialError from setting its attrs again."""
    trial = _ask(study)
    first = _finish_once(study, study._storage, trial, TrialState.FAIL, attrs={"recexp/surplus": True})
    again = _finish_once(study, study._storage, trial, TrialState.FAIL, attrs={"recexp/surplus": True})
    assert first.state == again.state == TrialState.FAIL and again.user_attrs == {"recexp/surplus": True}
    done = _ask(study)
    told = _finish_once(study, study._storage, done, TrialState.COMPLETE, [0.5], {"run_dir": "/r"})
    assert told.state == TrialState.COMPLETE and told.user_attrs == {"run_dir": "/r"}
