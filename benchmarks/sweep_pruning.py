"""The same Optuna study of small RecZero GRPO runs with and without a pruner.

    python benchmarks/sweep_pruning.py [--trials 12] [--max-steps 8] [--eval-every 2]
        [--arms unpruned,median,percentile] [--out DIR]

Both arms are `python run.py -m hydra/sweeper=recexp_optuna ...` with the same TPE sampler and
seed, the same search space (learning rate, beta, temperature), the tiny model on small synthetic
data and the project's selection objective (valid/mae_median_fallback,
recexp.eval.metrics.SELECTION_KEY: valid MAE with unparsed answers scored at the train median, so
a trial cannot win by answering less; on a fixed valid subset) evaluated every --eval-every GRPO
steps. One arm has no pruner; `median` stops a trial whose valid metric is worse than the median
of earlier trials at the same step, `percentile` one outside their best 25 %. Prints, per arm, the
GRPO steps spent over all trials, the summed trial time and the best valid objective reached
(goal: pruning spends <= half the steps, with a best value within noise of the unpruned one). The
arms share one storage in --out: re-running with the same --out reuses the studies already
finished (the sweeper resumes them) and runs only what is missing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import optuna

from recexp.eval.metrics import SELECTION_KEY

ROOT = Path(__file__).resolve().parents[1]
# the smoke sizes (conf/debug/smoke.yaml) with a warm-up long enough to write parsable ratings
# some of the time (built once, cached): with none parsed every trial would score the fallback and
# there would be nothing to prune; longer answers, no checkpoints, no base evaluation
SMALL = [
    "debug=smoke", "model.tiny.warmup_samples=800", "model.tiny.warmup_steps=150", "dataset.synthetic.n_users=60",
    "dataset.synthetic.n_items=50", "trainer.args.max_completion_length=128", "trainer.args.save_strategy=no",
    "eval.max_new_tokens=128", "paradigm.stages=[load_model,grpo,evaluate]",
]
SPACE = ["trainer.args.learning_rate=tag(log, interval(1e-5, 3e-3))", "trainer.args.beta=interval(0.0, 0.2)",
         "trainer.args.temperature=interval(0.5, 1.2)"]
PRUNERS = {"unpruned": ["hydra/sweeper/pruner=nop"],
           "median": ["hydra/sweeper/pruner=median", "hydra.sweeper.pruner.n_startup_trials=3",
                      "hydra.sweeper.pruner.n_warmup_steps=2"],
           "percentile": ["hydra/sweeper/pruner=percentile", "hydra.sweeper.pruner.percentile=25",
                          "hydra.sweeper.pruner.n_startup_trials=3", "hydra.sweeper.pruner.n_warmup_steps=2"]}
OBJECTIVE = f"valid/{SELECTION_KEY}"  # the non-answer-proof objective the sweep presets use


def run_arm(name: str, args: argparse.Namespace, storage: str) -> None:
    """Run one arm's study (a finished study in the same storage is reused: the sweeper resumes it)."""
    command = [sys.executable, str(ROOT / "run.py"), "-m", "hydra/sweeper=recexp_optuna",
               f"hydra.sweeper.study_name={name}", f"hydra.sweeper.storage={storage}",
               f"hydra.sweep.dir={args.out / name}", f"hydra.sweeper.n_trials={args.trials}", "hydra.sweeper.n_jobs=1",
               f"hydra.sweeper.objectives=[{OBJECTIVE}]", "hydra/sweeper/sampler=tpe",
               f"hydra.sweeper.sampler.seed={args.seed}", "hydra.sweeper.sampler.n_startup_trials=4",
               f"trainer.args.max_steps={args.max_steps}", f"trainer.valid_eval_steps={args.eval_every}",
               *SMALL, *SPACE, *PRUNERS[name]]
    with open(args.out / f"{name}.log", "a") as log:
        subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=True)


def trial_seconds(trial: optuna.trial.FrozenTrial) -> float:
    return (trial.datetime_complete - trial.datetime_start).total_seconds()


def steps_spent(trial: optuna.trial.FrozenTrial, max_steps: int) -> int:
    """GRPO steps a trial ran: up to its last report when pruned, all of them otherwise."""
    if trial.state == optuna.trial.TrialState.PRUNED:
        return max(trial.intermediate_values)
    return max_steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument("--eval-every", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--arms", default="unpruned,median,percentile", help="comma-separated: " + ", ".join(PRUNERS))
    default_out = ROOT / "outputs" / "benchmarks" / time.strftime("sweep_pruning_%Y%m%d_%H%M%S")
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{args.out}/optuna.db"
    print(f"{args.trials} trials x {args.max_steps} GRPO steps, valid eval every {args.eval_every}, objective "
          f"{OBJECTIVE}; out: {args.out}")
    rows = {}
    for name in args.arms.split(","):
        run_arm(name, args, storage)
        trials = optuna.load_study(study_name=name, storage=storage).trials
        states = [t.state.name for t in trials]
        complete = [t.value for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
        rows[name] = {"steps": sum(steps_spent(t, args.max_steps) for t in trials), "best": min(complete),
                      "seconds": sum(trial_seconds(t) for t in trials)}
        print(f"{name:>10}: {states.count('COMPLETE')} complete, {states.count('PRUNED')} pruned; trial-steps "
              f"{rows[name]['steps']}; trial time {rows[name]['seconds']:.0f} s; "
              f"best {OBJECTIVE} {rows[name]['best']:.4f}")
    for name in (n for n in rows if n != "unpruned" and "unpruned" in rows):
        print(f"{name} / unpruned trial-steps: {rows[name]['steps'] / rows['unpruned']['steps']:.2f} (goal <= 0.5); "
              f"best values differ by {rows[name]['best'] - rows['unpruned']['best']:+.4f}")


if __name__ == "__main__":
    main()
