"""PNG plots (matplotlib, Agg backend): a metric per paradigm with the spread over seeds, one file
per dataset; reward (total and per component) and valid-MAE curves over training steps for runs
with training logs, with the kept step and the classic baselines marked; a predicted-vs-true
count table per run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from recexp.compare.runs import Run
from recexp.compare.table import LABELS, RANK, RUN
from recexp.eval.metrics import RANKING_KEY

METRICS = (RANK, "test/mae")  # the ranking score, then the parsed-only MAE (labelled so)
LINE_STYLES = ("-", "--", ":", "-.")


def write_plots(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """All plots for the runs in ``frame``; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (dataset, fingerprint), group in _by_data(frame):
        name = _slug(dataset if _single_fingerprint(frame, dataset) else f"{dataset}_{fingerprint}")
        written += _saved(metric_by_paradigm(group, f"{dataset} (data {fingerprint})"), out_dir / f"metrics_{name}.png")
        written += _saved(training_curves(list(group[RUN]), f"{dataset} (data {fingerprint})"),
                          out_dir / f"training_{name}.png")
    for run in frame[RUN]:
        written += _saved(predicted_vs_true(run), out_dir / f"pred_vs_true_{_slug(run.path.name)}.png")
    return written


def metric_by_paradigm(frame: pd.DataFrame, title: str):
    """One panel per metric: each seed a point, mean ± std as a bar over it; None if nothing to plot."""
    import matplotlib.pyplot as plt

    ok = frame[frame["status"] == "ok"]
    metrics = [m for m in METRICS if m in ok.columns and pd.to_numeric(ok[m], errors="coerce").notna().any()]
    if ok.empty or not metrics:
        return None
    order = _paradigm_order(ok, metrics[0])
    fig, axes = plt.subplots(1, len(metrics), figsize=(max(4.0, 1.2 * len(order)) * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for x, paradigm in enumerate(order):
            values = pd.to_numeric(ok.loc[ok["paradigm"] == paradigm, metric], errors="coerce").dropna()
            jitter = [x + 0.08 * (i - (len(values) - 1) / 2) for i in range(len(values))]
            ax.scatter(jitter, values, s=18, alpha=0.7, zorder=3)
            std = values.std(ddof=1) if len(values) > 1 else 0.0
            ax.errorbar(x, values.mean(), yerr=std, fmt="_", color="black", markersize=18, capsize=6, zorder=4)
        ax.set_xticks(range(len(order)), [f"{p}\n(n={int((ok['paradigm'] == p).sum())})" for p in order], fontsize=8)
        ax.set_ylabel(LABELS.get(metric, metric))
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{title}: points = seeds, bar = mean ± std")
    fig.tight_layout()
    return fig


def training_curves(runs: list[Run], title: str):
    """Per run with training logs: the total reward, each reward component (TRL's
    ``rewards/<name>/mean``) and the valid MAE during training with the kept (best) step marked;
    the valid MAE of the runs that do not train (classic baselines) as horizontal lines. None
    without logs."""
    import matplotlib.pyplot as plt

    curves = [(run, _series(run.train_log(), "reward"), _valid_series(run.valid_curve())) for run in runs]
    baselines = _baseline_levels([run for run, reward, valid in curves if not reward and not valid])
    curves = [c for c in curves if c[1] or c[2]]
    if not curves:
        return None
    fig, (reward_ax, parts_ax, valid_ax) = plt.subplots(1, 3, figsize=(16, 4))
    for i, (run, reward, valid) in enumerate(curves):
        label = f"{run.metrics.get('paradigm')} seed={run.metrics.get('seed')} {run.path.name}"
        color = f"C{i % 10}"
        if reward:
            reward_ax.plot(*zip(*reward), color=color, label=label)
        for j, (component, series) in enumerate(_reward_components(run.train_log()).items()):
            parts_ax.plot(*zip(*series), color=color, linestyle=LINE_STYLES[j % len(LINE_STYLES)],
                          label=f"{component} ({run.path.name})")
        if valid:
            valid_ax.plot(*zip(*valid), marker="o", markersize=3, color=color, label=label)
        best = run.metrics.get("grpo/best_step")
        if isinstance(best, (int, float)):
            valid_ax.axvline(best, color=color, linestyle=":", linewidth=1.2, label=f"kept step {best:g}")
    for i, (paradigm, level) in enumerate(sorted(baselines.items(), key=lambda kv: kv[1])):
        valid_ax.axhline(level, color=f"C{(i + len(curves)) % 10}", linestyle="--", linewidth=1, alpha=0.8,
                         label=f"{paradigm} (valid MAE)")
    reward_ax.set(xlabel="step", ylabel="mean reward", title="total reward (weighted sum)")
    parts_ax.set(xlabel="step", ylabel="mean reward", title="reward components")
    valid_ax.set(xlabel="step", ylabel="valid MAE (unparsed -> train median)", title="valid MAE during training")
    for ax in (reward_ax, parts_ax, valid_ax):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def predicted_vs_true(run: Run):
    """Test cases counted by true rating (rows) and rounded prediction (columns, '-' = none);
    None without predictions.parquet."""
    import matplotlib.pyplot as plt
    import numpy as np

    from recexp.eval.rounding import round_rating

    path = run.path / "predictions.parquet"
    if not path.exists():
        return None
    test = pd.read_parquet(path, columns=["split", "true", "pred"]).query("split == 'test'")
    if test.empty:
        return None
    true = round_rating(test["true"].to_numpy(dtype=float))
    pred = test["pred"].to_numpy(dtype=float)
    levels = sorted({int(v) for v in true} | {int(v) for v in round_rating(pred[~np.isnan(pred)])})
    columns = [*levels, None]
    counts = np.zeros((len(levels), len(columns)), dtype=int)
    rounded = round_rating(pred)  # NaN stays NaN: no prediction
    for r, level in enumerate(levels):
        row = rounded[true == level]
        counts[r, :-1] = [(row == c).sum() for c in levels]
        counts[r, -1] = np.isnan(row).sum()
    fig, ax = plt.subplots(figsize=(1 + 0.7 * len(columns), 1 + 0.6 * len(levels)))
    ax.imshow(counts, cmap="Blues")
    for (r, c), n in np.ndenumerate(counts):
        ax.text(c, r, str(n), ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(columns)), [str(c) if c is not None else "-" for c in columns])
    ax.set_yticks(range(len(levels)), [str(level) for level in levels])
    ax.set(xlabel="predicted (rounded; - = none)", ylabel="true rating",
           title=f"{run.metrics.get('paradigm')} seed={run.metrics.get('seed')}: test cases")
    fig.tight_layout()
    return fig


def _reward_components(history: list[dict]) -> dict[str, list[tuple[float, float]]]:
    keys = sorted({k for h in history for k in h if k.startswith("rewards/") and k.endswith("/mean")})
    return {key.split("/")[1]: _series(history, key) for key in keys if _series(history, key)}


def _series(history: list[dict], key: str) -> list[tuple[float, float]]:
    return [(h["step"], h[key]) for h in history if key in h and "step" in h]


def _valid_series(curve: list[dict]) -> list[tuple[float, float]]:
    for key in ("mae_median_fallback", "mae_fallback", "mae"):  # newest runs first, then older ones
        if any(key in c for c in curve):
            return _series(curve, key)
    return []


def _baseline_levels(runs: list[Run]) -> dict[str, float]:
    """Mean valid MAE per paradigm of the runs without training curves (unparsed at the train median,
    as the curves; plain valid/mae for runs made before that score)."""
    values: dict[str, list[float]] = {}
    for run in runs:
        mae = run.metrics.get(f"valid/{RANKING_KEY}", run.metrics.get("valid/mae"))
        if isinstance(mae, (int, float)) and run.metrics.get("status", "ok") == "ok":
            values.setdefault(str(run.metrics.get("paradigm")), []).append(float(mae))
    return {paradigm: sum(v) / len(v) for paradigm, v in values.items()}


def _by_data(frame: pd.DataFrame):
    keyed = frame.assign(_dataset=frame["dataset"].fillna("?"), _fp=frame["fingerprint"].fillna("none"))
    yield from keyed.groupby(["_dataset", "_fp"], sort=True)


def _single_fingerprint(frame: pd.DataFrame, dataset: str) -> bool:
    return frame.loc[frame["dataset"] == dataset, "fingerprint"].dropna().nunique() <= 1


def _paradigm_order(frame: pd.DataFrame, metric: str) -> list[str]:
    means = pd.to_numeric(frame[metric], errors="coerce").groupby(frame["paradigm"]).mean()
    return list(means.sort_values(na_position="last").index)


def _saved(fig, path: Path) -> list[Path]:
    if fig is None:
        return []
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(text))


def write_paired_plot(paired: pd.DataFrame, keys: list[str], out_dir: Path, name: str) -> list[Path]:
    """``paired_<name>.png``: the --paired table as MAE differences with their intervals."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    return _saved(paired_differences(paired, keys, f"paired test MAE difference ({name})"),
                  out_dir / f"paired_{_slug(name)}.png")


def paired_differences(paired: pd.DataFrame, keys: list[str], title: str):
    """One line per compared pair: MAE difference (A - B, < 0: A better) with its bootstrap CI,
    labelled with the Holm-adjusted p-value; None when nothing was tested."""
    import matplotlib.pyplot as plt

    tested = paired[pd.to_numeric(paired["delta_mae"], errors="coerce").notna()]
    if tested.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 1.6 + 0.6 * len(tested)))
    for y, (_, row) in enumerate(tested.iterrows()):
        delta, low, high = (float(row[k]) for k in ("delta_mae", "ci_low", "ci_high"))
        color = "tab:red" if row["sig"] else "tab:gray"
        ax.errorbar(delta, y, xerr=[[delta - low], [high - delta]], fmt="o", color=color, capsize=4)
        ax.annotate(f"p_holm={row['p_holm']:.3g} (n={row['n']}, seeds {row['seeds']})", (delta, y),
                    xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7)
    labels = [f"{','.join(str(row[k]) for k in keys)} vs {row['vs']}" for _, row in tested.iterrows()]
    ax.set_yticks(range(len(tested)), labels, fontsize=8)
    ax.set_ylim(len(tested) - 0.4, -0.6)  # first row on top, room for the labels
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("test MAE difference, uncovered at the train median (< 0: left run better), 95% CI")
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
