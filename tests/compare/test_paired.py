"""`recexp compare --paired` on hand-made run dirs (metrics.json, resolved_config.yaml,
predictions.parquet): identical runs, a known shift, uncovered cases, seed matching, Holm."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from recexp.cli import main as cli_main

N_CASES = 120
FINGERPRINT = "c0ffee" * 10 + "abcd"


def truth() -> np.ndarray:
    return np.random.default_rng(0).integers(1, 6, size=N_CASES).astype(float)


def make_run(root: Path, paradigm: str, seed: int, pred: np.ndarray, rows=None, median: float = 4.0,
             fingerprint: str = FINGERPRINT) -> Path:
    run = root / f"{paradigm}_{seed}"
    run.mkdir(parents=True)
    rows = np.arange(N_CASES) if rows is None else np.asarray(rows)
    true = truth()[rows]
    metrics = {"paradigm": paradigm, "dataset": "synthetic", "model": "tiny", "seed": seed, "status": "ok",
               "data/fingerprint": fingerprint, "eval/median_fallback": median,
               "test/mae": float(np.nanmean(np.abs(pred - true)))}
    (run / "metrics.json").write_text(json.dumps(metrics))
    (run / "resolved_config.yaml").write_text(yaml.safe_dump({"paradigm": {"name": paradigm}, "seed": seed}))
    pd.DataFrame({"split": "test", "row": rows, "true": true, "pred": pred, "fallback": 3.0}).to_parquet(
        run / "predictions.parquet", index=False)
    return run


def noisy(seed: int, shift: float = 0.0) -> np.ndarray:
    noise = np.random.default_rng(100 + seed).normal(0, 0.6, size=N_CASES)
    return np.clip(truth() + noise, 1, 5) + shift


def paired(capsys, *args) -> tuple[int, pd.DataFrame, str]:
    code = cli_main(["compare", *map(str, args), "--paired", "--bootstrap", "500", "--format", "csv"])
    out = capsys.readouterr()
    frame = pd.read_csv(__import__("io").StringIO(out.out)) if code == 0 else pd.DataFrame()
    return code, frame, out.err


def test_identical_predictions_give_p_one(tmp_path, capsys):
    for seed in (1, 2, 3):
        make_run(tmp_path, "reczero", seed, noisy(seed))
        make_run(tmp_path, "recone", seed, noisy(seed))
    code, frame, err = paired(capsys, tmp_path, "--baseline", "paradigm=reczero")
    assert code == 0, err
    base, row = frame.iloc[0], frame.iloc[1]
    assert (base["paradigm"], base["vs"], base["seeds"]) == ("reczero", "(baseline)", "1,2,3")
    assert base["mae mean"] == pytest.approx(row["vs_mae mean"]) and np.isnan(base["p"])
    assert (row["paradigm"], row["vs"], row["seeds"], row["n"]) == ("recone", "reczero", "1,2,3", N_CASES)
    assert row["p"] == 1.0 and row["p_holm"] == 1.0 and row["delta_mae"] == 0.0
    assert row["ci_low"] == 0.0 and row["ci_high"] == 0.0 and row["uncovered"] == 0


def test_a_known_shift_gives_a_small_p_and_holm_covers_every_row(tmp_path, capsys):
    for seed in (1, 2, 3):
        make_run(tmp_path, "reczero", seed, noisy(seed))
        make_run(tmp_path, "worse", seed, noisy(seed) + 0.8)  # every error grows (or moves) by 0.8
        make_run(tmp_path, "same", seed, noisy(seed))
    code, frame, err = paired(capsys, tmp_path, "--baseline", "paradigm=reczero")
    assert code == 0, err
    assert list(frame["paradigm"]) == ["reczero", "same", "worse"]
    worse = frame.set_index("paradigm").loc["worse"]
    assert worse["p"] < 1e-6 and worse["ci_low"] > 0 and worse["sig"] == "*"
    assert worse["delta_mae"] == pytest.approx(worse["mae mean"] - worse["vs_mae mean"])
    assert worse["p_holm"] == pytest.approx(min(1.0, 2 * worse["p"]))  # two rows: Holm doubles the smallest
    assert frame.set_index("paradigm").loc["same", "p_holm"] == 1.0
    assert "uncovered cases scored at the run's train median" in err


def test_uncovered_cases_are_counted_and_scored_at_the_median(tmp_path, capsys):
    for seed in (1, 2):
        make_run(tmp_path, "reczero", seed, truth())  # perfect
        pred = truth().copy()
        pred[:5] = np.nan  # unparsed answers
        make_run(tmp_path, "gappy", seed, pred[: N_CASES - 3], rows=np.arange(N_CASES - 3))  # 3 cases absent
    code, frame, err = paired(capsys, tmp_path, "--baseline", "paradigm=reczero")
    assert code == 0, err
    row = frame.iloc[1]
    assert row["uncovered"] == 2 * 8 and row["vs_uncovered"] == 0 and row["n"] == N_CASES
    missing = np.r_[0:5, N_CASES - 3:N_CASES]
    expected = np.abs(4.0 - truth()[missing]).sum() / N_CASES  # scored at eval/median_fallback = 4
    assert row["delta_mae"] == pytest.approx(expected)


def test_seeds_are_matched_and_the_unpaired_ones_reported(tmp_path, capsys):
    for seed in (1, 2, 3):
        make_run(tmp_path, "reczero", seed, noisy(seed))
    for seed in (2, 3, 4):
        make_run(tmp_path, "recone", seed, noisy(seed) + 0.1)
    code, frame, err = paired(capsys, tmp_path)
    assert code == 0, err
    row = frame.iloc[0]
    assert (row["paradigm"], row["vs"]) == ("recone", "reczero")  # every pair, sorted, without --baseline
    assert row["seeds"] == "2,3" and row["unpaired"] == "recone:4 reczero:1"


def test_markdown_and_plot(tmp_path, capsys):
    runs = tmp_path / "runs"
    for seed in (1, 2):
        make_run(runs, "reczero", seed, noisy(seed))
        make_run(runs, "mf", seed, noisy(seed) - 0.05)
    code = cli_main(["compare", str(runs), "--paired", "--baseline", "paradigm=reczero", "--bootstrap", "200",
                     "--markdown", str(tmp_path / "paired.md"), "--plot", str(tmp_path / "plots")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "| paradigm | vs |" in (tmp_path / "paired.md").read_text()
    assert (tmp_path / "plots" / "paired_synthetic.png").read_bytes()[:4] == b"\x89PNG"
    assert "p_holm" in out.out


@pytest.mark.parametrize("change, message", [
    ("no_predictions", "has no predictions.parquet"),
    ("other_data", "runs use different data"),
    ("bad_baseline", "--baseline paradigm=nope: must select exactly one group"),
    ("duplicate_seed", "has several runs with seed 1"),
])
def test_refusals_are_one_line_exit_2(tmp_path, capsys, change, message):
    make_run(tmp_path, "reczero", 1, noisy(1))
    other = make_run(tmp_path, "recone", 1, noisy(1))
    if change == "no_predictions":
        (other / "predictions.parquet").unlink()
    if change == "other_data":
        make_run(tmp_path / "x", "recone", 2, noisy(2), fingerprint="f" * 64)
    if change == "duplicate_seed":
        make_run(tmp_path / "y", "recone", 1, noisy(1))
    baseline = "paradigm=nope" if change == "bad_baseline" else "paradigm=reczero"
    code, _, err = paired(capsys, tmp_path, "--baseline", baseline)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
