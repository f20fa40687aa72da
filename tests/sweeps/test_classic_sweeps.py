"""Optuna sweeps over a classic paradigm (cheap jobs): samplers, grid, multi-objective, failures."""

from __future__ import annotations

import pytest
import yaml

from ..conftest import run_cli
from .helpers import BATCH, CLASSIC, LR, best_trial, metrics, study, sweep_args


@pytest.mark.parametrize("sampler", ["tpe", "random", "cmaes"])
def test_sampler_sweep_finishes_and_writes_best_trial(tmp_path, sampler):
    proc = run_cli(*sweep_args(tmp_path, sampler, f"hydra/sweeper/sampler={sampler}", "hydra.sweeper.n_trials=3",
                               *CLASSIC, LR, BATCH))
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = study(tmp_path, sampler).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3
    assert len({t.params["paradigm.cf.lr"] for t in trials}) == 3
    best = best_trial(tmp_path, sampler)
    assert best["values"]["valid/mae_median_fallback"] == min(t.value for t in trials)
    job = metrics(best["run_dir"])
    assert job["status"] == "ok" and job["optuna/trial_number"] == best["number"]
    assert job["optuna/params/paradigm.cf.lr"] == pytest.approx(best["params"]["paradigm.cf.lr"])
    assert set(yaml.safe_load((tmp_path / sampler / "importances.yaml").read_text())["importances"]) == {
        "paradigm.cf.lr", "paradigm.cf.batch_size"}


def test_grid_sampler_covers_each_point_once(tmp_path):
    proc = run_cli(*sweep_args(tmp_path, "grid", "hydra/sweeper/sampler=grid", "hydra.sweeper.n_trials=10", *CLASSIC,
                               "paradigm.cf.lr=choice(0.01, 0.05)", "paradigm.cf.batch_size=choice(64, 128)"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = study(tmp_path, "grid").trials
    assert len(trials) == 4  # capped at the grid size
    assert {(t.params["paradigm.cf.lr"], t.params["paradigm.cf.batch_size"]) for t in trials} == {
        (0.01, 64), (0.01, 128), (0.05, 64), (0.05, 128)}


def test_multi_objective_writes_the_pareto_front(tmp_path):
    proc = run_cli(*sweep_args(tmp_path, "mo", "hydra/sweeper/sampler=random", "hydra.sweeper.n_trials=3", *CLASSIC, LR,
                               "hydra.sweeper.objectives=[valid/mae,wall_time_s]",
                               "hydra.sweeper.direction=[minimize,minimize]"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    front = yaml.safe_load((tmp_path / "mo" / "best_trials.yaml").read_text())
    assert front and all(set(b["values"]) == {"valid/mae", "wall_time_s"} for b in front)
    assert "multi-objective" in yaml.safe_load((tmp_path / "mo" / "importances.yaml").read_text())["skipped"]
    assert [d.name for d in study(tmp_path, "mo").directions] == ["MINIMIZE", "MINIMIZE"]


def test_failing_trial_is_recorded_failed_and_the_sweep_goes_on(tmp_path):
    # k_core=1000 leaves no interaction: that job raises; max_failure_rate 0.5 x 2 trials allows one failure
    proc = run_cli(*sweep_args(tmp_path, "fail", "hydra/sweeper/sampler=grid", "hydra.sweeper.max_failure_rate=0.5",
                               *CLASSIC, "dataset.k_core=choice(2, 1000)"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = {t.params["dataset.k_core"]: t for t in study(tmp_path, "fail").trials}
    assert trials[2].state.name == "COMPLETE" and trials[1000].state.name == "FAIL"
    assert "Error" in trials[1000].user_attrs["error"]
    assert best_trial(tmp_path, "fail")["params"] == {"dataset.k_core": 2}


def test_failures_beyond_the_rate_stop_the_sweep(tmp_path):
    proc = run_cli(*sweep_args(tmp_path, "stop", "hydra.sweeper.n_trials=3", "hydra.sweeper.n_jobs=1", *CLASSIC, "dataset.k_core=choice(1000)"))
    assert proc.returncode != 0 and "max_failure_rate" in proc.stderr
    assert [t.state.name for t in study(tmp_path, "stop").trials] == ["FAIL"]


def test_sweep_config_errors_are_one_line(tmp_path):
    proc = run_cli(*sweep_args(tmp_path, "bad", *CLASSIC, LR, "hydra.sweeper.objectives=[valid/mae,valid/rmse]"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("config error: hydra.sweeper.direction: 1 direction(s) for 2 objective(s) "
                                   "['valid/mae', 'valid/rmse']; give one per objective")


def test_joblib_launcher_runs_trials_in_worker_processes(tmp_path):
    proc = run_cli(*sweep_args(tmp_path, "jl", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweeper.n_jobs=2",
                               "hydra.sweeper.n_trials=2", *CLASSIC, LR))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Joblib.Parallel(n_jobs=2" in proc.stderr + proc.stdout
    trials = study(tmp_path, "jl").trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    assert {metrics(t.user_attrs["run_dir"])["optuna/trial_number"] for t in trials} == {0, 1}
