"""sweep=grpo on the tiny model and small synthetic data: trials report the valid metric during
GRPO, the study keeps the best trial, and a pruned trial ends as PRUNED with status pruned."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..conftest import run_cli
from .helpers import best_trial, metrics, study, sweep_args

# debug=smoke (conf/debug/smoke.yaml) with its valid check every 2 steps (the reports asserted
# below), a shorter warm-up (the format is not needed: the objective is valid/mae_median_fallback),
# less data, shorter answers, no base evaluation
FAST = [
    "debug=smoke", "trainer.valid_eval_steps=2", "model.tiny.warmup_steps=8", "model.tiny.warmup_samples=100",
    "dataset.synthetic.n_users=40", "dataset.synthetic.n_items=40", "eval.max_new_tokens=32",
    "trainer.max_train_prompts=32", "trainer.valid_eval_samples=8", "paradigm.stages=[load_model,grpo,evaluate]",
    "trainer.args.num_generations=choice(2,4)",  # the preset's choice list includes 16 > the batch of 8
]


def test_grpo_sweep_reports_prunes_and_keeps_the_best(tmp_path):
    proc = run_cli(*sweep_args(tmp_path, "grpo", "sweep=grpo", "hydra.sweeper.n_trials=3", "hydra.sweeper.n_jobs=1",
                               "hydra.sweeper.pruner.n_startup_trials=1", "hydra.sweeper.pruner.n_warmup_steps=0",
                               "logger=wandb", *FAST))
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = study(tmp_path, "grpo").trials
    assert len(trials) == 3 and {t.state.name for t in trials} <= {"COMPLETE", "PRUNED"}
    assert all(t.intermediate_values for t in trials)  # valid mae_median_fallback at steps 2 (and 4)
    best = best_trial(tmp_path, "grpo")
    job = metrics(best["run_dir"])
    assert job["status"] == "ok" and job["valid/mae_median_fallback"] == best["values"]["valid/mae_median_fallback"]
    assert job["valid/mean_completion_tokens"] > 0 and job["optuna/study"] == "grpo"
    assert set(best["params"]) == {f"trainer.args.{k}" for k in (
        "learning_rate", "beta", "num_generations", "temperature", "loss_type", "scale_rewards")}
    assert list((tmp_path / "grpo").glob("wandb/offline-run-*"))  # the study's own W&B run
    logger = yaml.safe_load((Path(best["run_dir"]) / "resolved_config.yaml").read_text())["logger"]
    assert (logger["group"], logger["job_type"]) == ("grpo", "trial")  # W&B runs grouped by study
    assert list(Path(best["run_dir"]).glob("wandb/offline-run-*"))

    # a pruner that stops every trial at its first report
    proc = run_cli(*sweep_args(tmp_path, "pruned", "hydra.sweeper.n_trials=1", "hydra/sweeper/pruner=threshold",
                               "hydra.sweeper.pruner.upper=0.0", "hydra.sweeper.objectives=[valid/mae_median_fallback]",
                               "trainer.args.learning_rate=tag(log, interval(1e-5, 1e-3))", "logger=none", *FAST))
    assert proc.returncode == 0, proc.stderr[-3000:]
    (trial,) = study(tmp_path, "pruned").trials
    assert trial.state.name == "PRUNED" and list(trial.intermediate_values) == [2]
    job = metrics(tmp_path / "pruned" / "0_reczero_synthetic")
    assert job["status"] == "pruned" and "TrialPruned" in job["error"]
