"""summary.md: scores before and after training, the kept step, the histogram, collapse, stage times."""

from __future__ import annotations

import json

from recexp.run.summary import summary_markdown
from tests.conftest import run_cli


def test_summary_compares_base_trained_and_best_step_and_warns_on_collapse(tmp_path):
    metrics = {"paradigm": "reczero", "dataset": "synthetic", "model": "tiny", "seed": 1, "status": "ok",
               "wall_time_s": 61.5, "base/test/mae": 1.2, "base/test/rmse": 1.5, "base/test/coverage": 0.5,
               "base/test/mae_median_fallback": 1.1, "test/mae": 0.9, "test/rmse": 1.1, "test/coverage": 1.0,
               "test/mae_median_fallback": 0.9, "grpo/best_step": 30, "grpo/steps": 45, "grpo/best_valid_mae": 0.85,
               "test/pred_hist/4": 0.95, "test/pred_hist/5": 0.05, "time/grpo_s": 50.0, "time/load_data_s": 0.4}
    text = summary_markdown(metrics, tmp_path)
    # the ranking score (unparsed answers at the median) first, coverage beside it, parsed-only MAE/RMSE after
    assert "| | MAE (unparsed at median) | coverage | MAE (parsed only) | RMSE (parsed only) |" in text
    assert "| base model, test | 1.1000 | 0.5000 | 1.2000 | 1.5000 |" in text
    assert "| trained, test | 0.9000 | 1.0000 | 0.9000 | 1.1000 |" in text
    assert "from 1.1000 to 0.9000: better than the base model" in text
    assert "Kept the best valid step: 30 of 45" in text
    assert "95% of the test predictions are 4" in text and "| grpo | 50.0 |" in text and str(tmp_path) in text


def test_summary_has_no_collapse_warning_for_spread_predictions(tmp_path):
    text = summary_markdown({"status": "ok", "test/pred_hist/3": 0.5, "test/pred_hist/4": 0.5}, tmp_path)
    assert "Warning: collapse" not in text and "50.0%" in text


def test_run_writes_summary_provenance_and_logs_its_dir_first(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli(f"hydra.run.dir={run_dir}", "paradigm=global_mean", "logger=none", timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = (run_dir / "run.log").read_text().splitlines()
    assert log[0].endswith(f"run dir: {run_dir}")
    assert any("run summary" in line for line in log)
    summary = (run_dir / "summary.md").read_text()
    assert "| test |" in summary and "Warning: collapse" in summary  # the global mean: one rating everywhere
    assert "| load_data |" in summary and "| fit_cf |" in summary
    provenance = json.loads((run_dir / "provenance.json").read_text())
    assert provenance["versions"]["torch"] and provenance["versions"]["hydra-core"] and "trl" in provenance["versions"]
    assert provenance["git"] is None or len(provenance["git"]["commit"]) == 40
    json.load(open(run_dir / "metrics.json"), parse_constant=lambda c: 1 / 0)  # strict JSON (pearson is null)
