"""`recexp compare` on real run dirs (a classic 2-paradigm x 2-seed multirun) plus hand-made ones:
a GRPO-like run with training logs, a failed run, a corrupt metrics.json, and a run on other data."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from recexp.cli import main as cli_main
from recexp.compare import main as compare_main

from .conftest import CORRUPT_METRICS, ROOT, run_cli

PNG_MAGIC = b"\x89PNG"


@pytest.fixture(scope="module")
def runs(tmp_path_factory, isolated_cache) -> Path:
    """root/clean: sweep/ (4 jobs), grpo/, failed/, corrupt/; root/mixed/other: another fingerprint."""
    root = tmp_path_factory.mktemp("compare")
    sweep = root / "clean" / "sweep"
    proc = run_cli("-m", "paradigm=global_mean,bias", "seed=1,2", "logger=none",
                   f"hydra.sweep.dir={sweep}", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    job = next(sweep.glob("*_bias_synthetic"))
    _fake_run(job, root / "clean" / "grpo", paradigm="reczero", model="tiny", seed=7,
              **{"test/mae": 0.65, "test/rmse": 0.9, "test/coverage": 0.98})
    (root / "clean" / "grpo" / "train_log.json").write_text(json.dumps(
        [{"step": s, "reward": 1 + s / 100, "rewards/format/mean": 0.9} for s in (5, 10, 15)]))
    (root / "clean" / "grpo" / "valid_curve.json").write_text(json.dumps(
        [{"step": s, "mae": 1 - s / 100, "mae_fallback": 1 - s / 100} for s in (5, 10, 15)]))
    _fake_run(job, root / "clean" / "failed", paradigm="mf", status="failed", error="RuntimeError: boom",
              drop=("test/mae", "test/rmse", "test/coverage"))
    _fake_run(job, root / "clean" / "corrupt")
    (root / "clean" / "corrupt" / "metrics.json").write_text(CORRUPT_METRICS)
    _fake_run(job, root / "mixed" / "other", dataset="amazon_music", **{"data/fingerprint": "ab" * 32})
    for number, status in ((0, "ok"), (1, "pruned")):
        trial = root / "study" / f"{number}_bias_synthetic"
        _fake_run(job, trial, status=status, **{"optuna/reported_steps": 2})
        with (trial / "resolved_config.yaml").open("a") as config:
            config.write(f"optuna:\n  study_name: s1\n  trial_number: {number}\n  objective: valid/mae\n")
    (root / "study" / "optuna.db").write_bytes(b"")
    (root / "study" / "best_trial.yaml").write_text("number: 0\n")
    return root


def _fake_run(source: Path, target: Path, drop: tuple = (), **changes) -> None:
    target.mkdir(parents=True)
    shutil.copy(source / "resolved_config.yaml", target)
    metrics = {k: v for k, v in json.loads((source / "metrics.json").read_text()).items() if k not in drop}
    (target / "metrics.json").write_text(json.dumps({**metrics, **changes}))
    if changes.get("paradigm") == "reczero":
        config = (target / "resolved_config.yaml").read_text()
        hyper = "args:\n    learning_rate: 0.0002\n    beta: 0.1"
        (target / "resolved_config.yaml").write_text(config.replace("args: {}", hyper, 1))


def _compare(capsys, *args: str) -> tuple[int, str, str]:
    code = compare_main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _csv(capsys, *args: str) -> pd.DataFrame:
    code, out, err = _compare(capsys, *args, "--format", "csv")
    assert code == 0, err
    return pd.read_csv(io.StringIO(out))


def test_table_lists_every_run_and_counts_the_unreadable(runs, capsys):
    code, out, err = _compare(capsys, runs / "clean")
    assert code == 0, err
    header = out.splitlines()[0].split()
    for column in ("paradigm", "dataset", "model", "lr", "beta", "test/mae", "test/rmse", "test/coverage",
                   "seed", "wall_time_s", "status", "run_dir"):
        assert column in header
    assert "fingerprint" not in header  # one fingerprint for every shown run: no column (--all-columns shows it)
    assert len(out.splitlines()) == 2 + 6 and "FAILED" in out
    assert "6 of 6 runs shown (5 ok, 1 failed); 1 unreadable" in err and "corrupt" not in err
    code, out, _ = _compare(capsys, runs / "clean", "--all-columns")
    assert code == 0 and "fingerprint" in out.splitlines()[0].split()


def test_runs_are_ranked_by_the_score_that_counts_unparsed_answers(runs, capsys, tmp_path):
    """A run that answers little looks best on test/mae (parsed only); it ranks by test/mae_median_fallback."""
    shutil.copytree(runs / "clean" / "sweep", tmp_path / "sweep")
    job = next((tmp_path / "sweep").glob("*_bias_synthetic"))
    _fake_run(job, tmp_path / "shy", paradigm="reczero", model="tiny", seed=7,
              **{"test/mae": 0.3, "test/coverage": 0.2, "test/mae_median_fallback": 0.99})
    code, out, _ = _compare(capsys, tmp_path)
    header = out.splitlines()[0]
    assert code == 0 and header.index("test/mae_median_fallback") < header.index("test/coverage") \
        < header.index("test/mae (parsed only)") < header.index("test/rmse (parsed only)")
    table = _csv(capsys, tmp_path)  # CSV keeps the plain keys
    assert table["paradigm"].tolist() == ["bias", "bias", "global_mean", "global_mean", "reczero"]
    assert table["test/mae_median_fallback"].is_monotonic_increasing
    assert _csv(capsys, tmp_path, "--sort", "test/mae")["paradigm"].iloc[0] == "reczero"
    grouped = _csv(capsys, tmp_path, "--group-by", "paradigm", "--desc")
    assert grouped["paradigm"].tolist() == ["reczero", "global_mean", "bias"]


def test_columns_only_for_keys_that_vary_among_shown_runs(runs, capsys):
    code, out, _ = _compare(capsys, runs / "clean", "--where", "paradigm=bias")
    header = out.splitlines()[0].split()
    assert code == 0 and "seed" in header  # seeds 1 and 2
    assert not {"lr", "beta", "fingerprint"} & set(header)  # unset or the same in both bias runs
    code, out, _ = _compare(capsys, runs / "clean", "--where", "paradigm=bias", "--all-columns")
    assert {"fingerprint", "seed"} <= set(out.splitlines()[0].split())


def test_group_by_splits_groups_whose_runs_differ_in_more_than_the_seed(runs, capsys, tmp_path):
    shutil.copytree(runs / "clean" / "sweep", tmp_path / "sweep")
    job = next((tmp_path / "sweep").glob("*_bias_synthetic"))
    longer = tmp_path / "longer"
    _fake_run(job, longer, seed=3)
    config = (longer / "resolved_config.yaml").read_text()
    (longer / "resolved_config.yaml").write_text(config.replace("k_core: 5", "k_core: 4", 1))
    code, out, err = _compare(capsys, tmp_path, "--group-by", "paradigm", "--format", "csv")
    grouped = pd.read_csv(io.StringIO(out))
    assert code == 0 and "differ in dataset.k_core" in err
    bias = grouped[grouped["paradigm"] == "bias"].set_index("dataset.k_core")
    assert bias.loc[5, "n"] == 2 and bias.loc[4, "n"] == 1 and bias.loc[4, "seeds"] == "3"


def test_group_by_never_counts_a_seed_twice(runs, capsys, tmp_path):
    shutil.copytree(runs / "clean" / "sweep", tmp_path / "sweep")
    job = next((tmp_path / "sweep").glob("*_bias_synthetic"))
    _fake_run(job, tmp_path / "again")  # the same config and seed run twice
    code, _, err = _compare(capsys, tmp_path, "--group-by", "paradigm")
    assert code == 2 and "ok runs with seed" in err and "counts once" in err


def test_verbose_lists_unreadable_dirs_and_failures(runs, capsys):
    code, _, err = _compare(capsys, runs / "clean", "-v")
    assert code == 0
    assert f"unreadable: {runs / 'clean' / 'corrupt'}: JSONDecodeError" in err
    assert "failed:" in err and "RuntimeError: boom" in err


def test_sort_and_filters(runs, capsys):
    table = _csv(capsys, runs / "clean", "--sort", "test/mae")
    maes = table["test/mae"].tolist()
    assert maes[:5] == sorted(maes[:5]) and pd.isna(maes[5]) and table["paradigm"].iloc[0] == "reczero"
    desc = _csv(capsys, runs / "clean", "--sort", "test/mae", "--desc")
    assert desc["paradigm"].iloc[0] == "global_mean"
    bias = _csv(capsys, runs / "clean", "--where", "paradigm=bias", "--where", "test/mae<0.9", "--sort", "seed")
    assert bias["paradigm"].tolist() == ["bias", "bias"] and bias["seed"].tolist() == [1, 2]
    assert len(_csv(capsys, runs / "clean", "--where", "paradigm=*mean", "--where", "seed!=2")) == 1
    assert len(_csv(capsys, runs / "clean", "--where", "trainer.args.learning_rate>=1e-4")) == 1
    assert "failed" not in _csv(capsys, runs / "clean", "--status", "ok")["status"].tolist()


def test_param_and_metric_add_columns(runs, capsys):
    table = _csv(capsys, runs / "clean", "--param", "dataset.k_core", "--metric", "valid/mae")
    assert (table["dataset.k_core"] == 5).all() and "valid/mae" in table.columns


def test_bad_key_path_and_condition_are_one_line_exit_2(runs, capsys):
    for args in ([runs / "clean", "--where", "test/maex<1"], [runs / "absent"],
                 [runs / "clean", "--where", "paradigm"], [runs / "clean", "--sort", "nope"],
                 [runs / "clean", "--where", "test/mae<abc"], [runs / "clean", "--where", "paradigm<3"],
                 [runs / "clean", "--where", "paradigm~("]):
        code, out, err = _compare(capsys, *args)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, (args, err)
    assert "did you mean test/mae" in _compare(capsys, runs / "clean", "--where", "test/maex<1")[2]


def test_mixed_fingerprints_are_refused_unless_allowed(runs, capsys):
    code, out, err = _compare(capsys, runs / "clean", runs / "mixed")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "(6 runs)" in err
    assert "abababababab (1 run)" in err and "--allow-mixed-data" in err
    table = _csv(capsys, runs / "clean", runs / "mixed", "--allow-mixed-data")
    assert table["fingerprint"].nunique() == 2 and len(table) == 7
    assert len(_csv(capsys, runs / "clean", runs / "mixed", "--where", "dataset=synthetic")) == 6


def test_sweep_trials_show_study_trial_and_status(runs, capsys):
    table = _csv(capsys, runs / "study", "--sort", "trial")
    assert table["study"].tolist() == ["s1", "s1"] and table["trial"].tolist() == [0, 1]
    assert table["status"].tolist() == ["ok", "pruned"] and (table["optuna/reported_steps"] == 2).all()
    code, out, err = _compare(capsys, runs / "study")
    assert code == 0 and "PRUNED" in out and "(1 ok, 1 pruned)" in err
    assert _csv(capsys, runs / "study", "--status", "pruned")["trial"].tolist() == [1]


def test_group_by_aggregates_over_seeds(runs, capsys):
    grouped = _csv(capsys, runs / "clean", "--group-by", "paradigm", "--sort", "test/mae")
    bias = grouped.set_index("paradigm").loc["bias"]
    assert bias["n"] == 2 and bias["seeds"] == "1,2" and bias["test/mae mean"] > 0
    assert grouped["paradigm"].iloc[0] == "reczero"
    assert grouped.set_index("paradigm").loc["mf", "not_ok"] == 1
    code, out, _ = _compare(capsys, runs / "clean", "--group-by", "paradigm")
    assert code == 0 and "±" in out


def test_csv_and_markdown_exports(runs, capsys, tmp_path):
    csv_path, md_path = tmp_path / "runs.csv", tmp_path / "out" / "runs.md"
    code, _, err = _compare(capsys, runs / "clean", "--sort", "test/mae", "--csv", csv_path, "--markdown", md_path)
    assert code == 0 and f"wrote {csv_path}" in err
    table = pd.read_csv(csv_path)
    assert len(table) == 6 and table["paradigm"].iloc[0] == "reczero" and table["test/mae"].iloc[0] == 0.65
    lines = md_path.read_text().splitlines()
    assert lines[0].startswith("| paradigm | dataset |") and set(lines[1]) <= set("|-:")
    assert len(lines) == 8 and "| reczero |" in lines[2] and "0.6500" in lines[2]
    code, out, _ = _compare(capsys, runs / "clean", "--format", "markdown")
    assert out.startswith("| paradigm")


def test_plots_are_written(runs, capsys, tmp_path):
    code, _, err = _compare(capsys, runs / "clean", "--plot", tmp_path / "plots")
    assert code == 0, err
    for name in ("metrics_synthetic.png", "training_synthetic.png"):
        data = (tmp_path / "plots" / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000
    jobs = sorted(p.name for p in (runs / "clean" / "sweep").iterdir() if (p / "predictions.parquet").exists())
    assert len(jobs) == 4
    for job in jobs:  # a predicted-vs-true table per run with predictions
        assert (tmp_path / "plots" / f"pred_vs_true_{job}.png").read_bytes().startswith(PNG_MAGIC)


def test_training_plot_splits_the_reward_and_marks_the_kept_step(runs):
    from recexp.compare import plots
    from recexp.compare.runs import find_runs

    run = next(r for r in find_runs([runs / "clean" / "grpo"]).runs)
    run.metrics["grpo/best_step"] = 10
    fig = plots.training_curves([run], "t")
    reward_ax, parts_ax, valid_ax = fig.axes
    assert [line.get_label() for line in parts_ax.get_lines()] == ["format (grpo)"]
    assert any(line.get_label() == "kept step 10" for line in valid_ax.get_lines())


def test_python_m_and_cli_entry_points(runs, capsys):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "recexp.compare", str(runs / "clean"), "--status", "ok"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "bias" in proc.stdout and "reczero" in proc.stdout
    assert cli_main(["compare", str(runs / "clean"), "--where", "paradigm=bias"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:]] == ["bias", "bias"]
    with pytest.raises(SystemExit):
        cli_main(["--help"])
    assert "compare" in capsys.readouterr().out


def test_valid_curve_is_written_and_kept_across_resume(tmp_path):
    from recexp.trainers.callbacks import ValidEvalCallback

    model = SimpleNamespace(save_pretrained=lambda d: Path(d).mkdir(exist_ok=True))
    maes = iter([0.9, 0.8, 0.85, 0.7])

    def evaluate(model) -> dict:
        mae = next(maes)
        return {"mae_median_fallback": mae, "mae_fallback": mae, "coverage": 1.0, "pearson": 0.0, "pred_top_share": 1.0}

    make = lambda: ValidEvalCallback(evaluate, 5, tmp_path / "best", log_fn=lambda values: None)  # noqa: E731
    first = make()
    first._evaluate(5, model), first._evaluate(10, model)
    resumed = make()  # killed after step 10, resumed from a step-5 checkpoint
    resumed._evaluate(10, model), resumed._evaluate(15, model)
    curve = json.loads((tmp_path / "valid_curve.json").read_text())
    assert [(c["step"], c["mae_fallback"]) for c in curve] == [(5, 0.9), (10, 0.85), (15, 0.7)]


def test_tracker_puts_identity_in_summary_and_fingerprint_in_config():
    from recexp.tracking.tracker import Tracker, identity

    run = SimpleNamespace(summary={}, config=SimpleNamespace(values={}))
    run.config.update = lambda values, allow_val_change: run.config.values.update(values)
    tracker = Tracker(run)
    tracker.summary(identity({"paradigm": {"name": "bias"}, "dataset": {"name": "synthetic"},
                              "model": {"name": "none"}, "seed": 3}))
    assert run.summary == {"paradigm": "bias", "dataset": "synthetic", "model": "none", "seed": 3}
    tracker.summary({"data/fingerprint": "f" * 64, "test/mae": 0.7})
    assert run.config.values == {"data/fingerprint": "f" * 64} and run.summary["test/mae"] == 0.7


def test_an_empty_sft_slot_shows_no_sft_lr(tmp_path):
    from recexp.compare.runs import Run
    from recexp.compare.table import build_frame

    def run(sft: dict) -> Run:
        return Run(tmp_path, {"paradigm": "reczero", "status": "ok"}, {"sft": sft, "trainer": {"args": {"learning_rate": 1e-5}}})

    frame = build_frame([run({"name": "none", "args": {"learning_rate": 1e-4}}),  # a scale preset's args
                         run({"name": "sft", "args": {"learning_rate": 1e-4}})])
    assert frame["sft_lr"].tolist() == [None, 1e-4]
