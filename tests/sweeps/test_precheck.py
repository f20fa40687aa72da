"""Sweeps are checked before the first trial: a mistake is one line (exit 2) and creates no study."""

from __future__ import annotations

import time

import optuna
import pytest
from optuna.trial import TrialState

from hydra_plugins.recexp_optuna_sweeper._precheck import refuse_failed_study
from hydra_plugins.recexp_optuna_sweeper._study import open_storage
from recexp.common.errors import ConfigError

from ..conftest import run_cli
from .helpers import storage_url


def _one_line_error(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("config error: "), proc.stderr[-3000:]
    return lines[0]


def test_misspelt_searched_key_is_one_line_fast_and_creates_no_study(tmp_path):
    started = time.perf_counter()
    proc = run_cli("-m", "sweep=grpo", "trainer.args.learnin_rate=tag(log, interval(1e-5,1e-3))",
                   f"hydra.sweeper.storage={storage_url(tmp_path)}", f"hydra.sweep.dir={tmp_path / 'sweep'}", timeout=60)
    elapsed = time.perf_counter() - started
    line = _one_line_error(proc)
    assert "trainer.args.learnin_rate" in line and "close matches: learning_rate" in line
    assert elapsed < 3.0, f"took {elapsed:.2f}s"
    assert not (tmp_path / "optuna.db").exists() and not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("override,expected", [
    ("trainer.args.learning_rate=tag(log, interval(1e-3, 1e-5))", "trainer.args.learning_rate: interval(0.001, 1e-05) needs low < high"),
    ("trainer.args.beta=tag(log, interval(0, 0.2))", "trainer.args.beta: tag(log, interval(0, 0.2)):"),
    ("datset.k_core=choice(1, 2)", "datset.k_core: datset is not in the composed config (did you mean dataset"),
    ("+dataset.k_cor=choice(1, 2)", "dataset.k_cor: unknown key (did you mean k_core?)"),
    ("reward=choice(reczero, reczro)", "reward=reczro is not a known choice (did you mean reczero"),
])
def test_malformed_search_space_is_one_line_naming_the_key(tmp_path, override, expected):
    proc = run_cli("-m", "sweep=grpo", override, f"hydra.sweeper.storage={storage_url(tmp_path)}",
                   f"hydra.sweep.dir={tmp_path / 'sweep'}", timeout=60)
    assert expected in _one_line_error(proc)
    assert not (tmp_path / "optuna.db").exists()


def test_unknown_preset_lists_the_presets(tmp_path):
    line = _one_line_error(run_cli("-m", "sweep=gpro", timeout=60))
    assert "sweep=gpro is not a known choice (did you mean grpo?)" in line and "embedded_default, grpo, reward_weights" in line


def test_preset_without_multirun_is_refused_with_the_command_to_type(tmp_path):
    line = _one_line_error(run_cli("sweep=grpo", "hydra.sweeper.n_trials=2", f"hydra.run.dir={tmp_path / 'run'}", timeout=60))
    assert "sweep=grpo is an Optuna sweep preset; without -m it would train once" in line
    assert "python run.py -m sweep=grpo hydra.sweeper.n_trials=2" in line and "recexp sweep grpo hydra.sweeper.n_trials=2" in line
    assert not (tmp_path / "run").exists()


def _study_with(tmp_path, *outcomes: tuple[TrialState, str]) -> str:
    url = storage_url(tmp_path)
    study = optuna.create_study(study_name="s", storage=url)
    for state, error in outcomes:
        trial = study.ask()
        if error:
            trial.set_user_attr("error", error)
        study.tell(trial, 1.0 if state == TrialState.COMPLETE else None, state=state)
    return url


def test_study_whose_trials_all_failed_on_config_errors_is_not_resumed(tmp_path):
    url = _study_with(tmp_path, (TrialState.FAIL, "ConfigError: trainer.args.x: not a field"),
                      (TrialState.FAIL, "ConfigError: trainer.args.x: not a field"))
    with pytest.raises(ConfigError, match=r"study 's' .* holds 2 trial\(s\), all failed on config errors .*optuna delete-study"):
        refuse_failed_study(open_storage(url), "s", url)


@pytest.mark.parametrize("outcomes", [
    [(TrialState.FAIL, "ConfigError: x"), (TrialState.COMPLETE, "")],
    [(TrialState.FAIL, "RunFailed: run failed in stage grpo: CUDA out of memory")],
])
def test_study_with_a_finished_trial_or_runtime_failures_resumes(tmp_path, outcomes):
    url = _study_with(tmp_path, *outcomes)
    refuse_failed_study(open_storage(url), "s", url)  # no error
    refuse_failed_study(open_storage(url), "absent", url)
