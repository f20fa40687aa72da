"""Every run says where it stands: global_median, user_mean and bias fitted on the run's split and
scored on its test cases, in metrics.json, summary.md, run.log and `recexp compare`, with one verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from recexp.compare import main as compare_main
from recexp.eval.baselines import standing_rows, verdict

from ..conftest import run_cli


def _metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


@pytest.fixture(scope="module")
def classic_runs(tmp_path_factory) -> Path:
    """root/bias and root/median: two classic smoke runs on one split (seconds)."""
    root = tmp_path_factory.mktemp("standing")
    for name, paradigm in (("bias", "bias"), ("median", "global_median")):
        proc = run_cli(f"hydra.run.dir={root / name}", "debug=smoke", "logger=none", f"paradigm={paradigm}")
        assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def test_verdict_in_plain_words():
    below = {"test/mae_median_fallback": 0.77, "baseline/global_median/test/mae": 0.88,
             "baseline/global_median/value": 4.0}
    assert verdict(below).startswith("Verdict: below the MAE-optimal constant by 0.11: test MAE (unparsed at median) 0.770")
    worse = {**below, "test/mae_median_fallback": 1.032}
    assert verdict(worse).startswith("Verdict: NOT better than predicting 4 everywhere: test MAE (unparsed at median) 1.032")
    tie = {**below, "test/mae_median_fallback": 0.88}
    assert verdict(tie).startswith("Verdict: NOT better")
    assert verdict({"test/mae": 0.7}) is None  # no baselines (a run from before they were fitted)


def test_the_standing_scores_baselines_as_the_run_unknown_ids_at_the_median():
    metrics = {"test/mae_median_fallback": 0.80, "test/rmse_median_fallback": 1.0,
               "baseline/global_median/test/mae": 0.88, "baseline/global_median/test/mae_median_fallback": 0.88,
               "baseline/user_mean/test/mae": 0.70, "baseline/user_mean/test/mae_median_fallback": 0.83,
               "baseline/user_mean/test/rmse": 0.9, "baseline/user_mean/test/rmse_median_fallback": 1.1}
    rows = {name: (mae, rmse) for name, mae, rmse in standing_rows(metrics)}
    assert rows["user_mean"] == (0.83, 1.1)  # not its 0.70 over the users it knows
    old = {k: v for k, v in metrics.items() if "median_fallback" not in k or not k.startswith("baseline/")}
    assert {name: mae for name, mae, _ in standing_rows(old)}["user_mean"] == 0.70  # metrics of older runs


def test_the_baselines_fitted_in_a_run_score_what_their_own_runs_score(classic_runs):
    bias, median = _metrics(classic_runs / "bias"), _metrics(classic_runs / "median")
    for run in (bias, median):  # the same figures in both runs: fitted on the same split
        assert run["baseline/bias/test/mae"] == pytest.approx(bias["test/mae"])
        assert run["baseline/global_median/test/mae"] == pytest.approx(median["test/mae"])
        assert "baseline/user_mean/test/mae" in run and run["baseline/global_median/value"] == 4.0


def test_summary_and_log_carry_the_baselines_and_the_verdict(classic_runs):
    for name, word in (("bias", "Verdict: below the MAE-optimal constant by"),
                       ("median", "Verdict: NOT better than predicting 4 everywhere")):
        summary = (classic_runs / name / "summary.md").read_text()
        assert "## Where it stands" in summary and word in summary
        for row in ("| global_median (4 everywhere) |", "| user_mean |", "| bias |"):
            assert row in summary, row
        log = (classic_runs / name / "run.log").read_text()
        assert word in log and "baselines fitted on this split" in log


def test_compare_shows_each_runs_verdict(classic_runs, capsys):
    assert compare_main([str(classic_runs)]) == 0
    out = capsys.readouterr().err  # below the table, with compare's other notes
    assert "baselines: global_median (4 everywhere)" in out
    assert "bias (bias, seed 42): Verdict: below the MAE-optimal constant" in out
    assert "median (global_median, seed 42): Verdict: NOT better than predicting 4 everywhere" in out


def test_compare_warns_when_runs_differ_in_library_versions(classic_runs, capsys, tmp_path):
    assert compare_main([str(classic_runs)]) == 0
    assert "different library versions" not in capsys.readouterr().err
    copy = tmp_path / "runs"
    shutil.copytree(classic_runs, copy)
    prov = json.loads((copy / "median" / "provenance.json").read_text())
    prov["versions"]["transformers"] = "4.99.0"
    (copy / "median" / "provenance.json").write_text(json.dumps(prov))
    assert compare_main([str(copy)]) == 0  # a warning, not a refusal
    err = capsys.readouterr().err
    real = json.loads((copy / "bias" / "provenance.json").read_text())["versions"]["transformers"]
    assert ("compare: warning: the compared runs were produced by different library versions (provenance.json): "
            f"transformers {real} (1 run) / 4.99.0 (1 run).") in err
