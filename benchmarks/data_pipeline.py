"""Raw reviews -> cached splits with contexts, from 1M toward Books scale (Amazon 2014 format).

    python benchmarks/data_pipeline.py [--sizes 1000000 2000000 5000000 10000000 20000000]
        [--max-peak-gb 8] [--workdir /tmp/recexp-bench] [--keep-files]

Generates gzip JSON-lines review files (reviews of about 500 characters, ~20 per user, so the
5-core keeps most of them) once into --workdir, then runs, each in a fresh process so that peak
memory is its own:
  recexp   recexp.data.pipeline.load_dataset (read, dedupe, 5-core, split, contexts, parquet cache)
  naive    per-line json.loads + pandas (dedupe, 5-core, split; no contexts, no cache)
and prints wall and CPU seconds (user + system: what holds on a shared machine), reviews per CPU
second and peak RSS for both (naive only up to --naive-max reviews: it needs ~4.5 GB
a million). Then it fits CPU time and peak memory as a + b x reviews over the recexp sizes measured and
prints the slopes and the extrapolation to 20M. A size whose predicted peak (from the sizes
before it) is over --max-peak-gb is skipped, not run: the fit says what it would take. Generated
files are deleted at the end unless --keep-files. Goals: linear time; peak <= 6 GB at 20M.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WORDS = ("great sound album track guitar voice love classic favorite song lyrics beat rhythm "
         "production mix melody boring weak chorus band live recording jazz rock pop soul").split()


def generate(path: Path, n: int, seed: int = 0) -> None:
    """Amazon 2014 review lines: ~20 reviews per user, items with a long tail, ~500-char texts."""
    rng = np.random.default_rng(seed)
    n_users, n_items = max(n // 20, 10), max(n // 40, 10)
    users = rng.integers(0, n_users, n)
    items = np.minimum(rng.zipf(1.3, n) - 1, n_items - 1)
    items = (items + rng.integers(0, n_items, n)) % n_items
    ratings = rng.integers(1, 6, n)
    times = rng.integers(1_000_000_000, 1_400_000_000, n)
    vocab = np.array(WORDS)
    text_pool = [" ".join(rng.choice(vocab, 90)) for _ in range(1000)]
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", compresslevel=1) as out:
        for j in range(n):
            out.write(json.dumps({
                "reviewerID": f"U{users[j]:08d}", "asin": f"B{items[j]:09d}", "reviewerName": "someone",
                "helpful": [0, 0], "reviewText": text_pool[j % 1000], "overall": float(ratings[j]),
                "summary": "a summary of the review", "unixReviewTime": int(times[j]), "reviewTime": "01 1, 2010",
            }) + "\n")
    tmp.rename(path)


def run_recexp(path: Path, cache: Path) -> None:
    from hydra import compose, initialize_config_dir

    import recexp.config  # noqa: F401
    from recexp.common.layout import CONF_DIR
    from recexp.data.pipeline import load_dataset

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["dataset=amazon2014", f"dataset.reviews_path={path}", f"cache_dir={cache}"])
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    assert not data.metrics["data/cache_hit"], "benchmark must not hit an existing cache"
    print(json.dumps({"kept": data.metrics["data/n_after_kcore"]}), file=sys.stderr)


def run_naive(path: Path, cache: Path) -> None:
    import pandas as pd

    with gzip.open(path, "rt") as fh:
        rows = [json.loads(line) for line in fh]
    df = pd.DataFrame(rows)[["reviewerID", "asin", "overall", "unixReviewTime", "summary", "reviewText"]]
    df = df.sort_values("unixReviewTime").drop_duplicates(["reviewerID", "asin"], keep="last")
    while True:
        by_user = df.groupby("reviewerID")["asin"].transform("size")
        by_item = df.groupby("asin")["reviewerID"].transform("size")
        keep = (by_user >= 5) & (by_item >= 5)
        if keep.all():
            break
        df = df[keep]
    df = df.sort_values(["reviewerID", "unixReviewTime"])
    rank = df.groupby("reviewerID").cumcount(ascending=False)
    df["split"] = np.select([rank == 0, rank == 1], ["test", "valid"], "train")
    print(json.dumps({"kept": len(df)}), file=sys.stderr)


def measure(mode: str, path: Path, cache: Path) -> dict:
    """Run one mode in a child process; return its wall and CPU seconds (user + system: the
    figure that holds on a shared machine) and its peak RSS."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(cache)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {proc.returncode}"}
    peak_kb, cpu = proc.stdout.strip().splitlines()[-1].split()
    return {"seconds": seconds, "cpu_seconds": float(cpu), "peak_gb": int(peak_kb) / 1024**2,
            "kept": json.loads(proc.stderr.strip().splitlines()[-1])["kept"]}


def child(mode: str, path: str, cache: str) -> None:
    {"recexp": run_recexp, "naive": run_naive}[mode](Path(path), Path(cache))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=int,
                        default=[1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/recexp-bench"))
    parser.add_argument("--modes", nargs="+", default=["recexp", "naive"])
    parser.add_argument("--naive-max", type=int, default=1_000_000)
    parser.add_argument("--max-peak-gb", type=float, default=8.0)
    parser.add_argument("--keep-files", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'reviews':>9} {'mode':<7} {'wall s':>8} {'CPU s':>8} {'reviews/CPU s':>13} {'peak GB':>8} {'kept':>9}")
    measured: list[tuple[int, float, float]] = []
    try:
        for n in sorted(args.sizes):
            predicted = _predict(measured, n)
            if predicted is not None and predicted[1] > args.max_peak_gb:
                print(f"{n:>9} recexp  skipped: predicted peak {predicted[1]:.1f} GB > --max-peak-gb {args.max_peak_gb}")
                continue
            path = args.workdir / f"reviews_{n}.json.gz"
            if not path.exists():
                generate(path, n)
            for mode in args.modes:
                if mode == "naive" and n > args.naive_max:
                    continue
                cache = args.workdir / f"cache-{mode}-{n}-{time.time_ns()}"
                result = measure(mode, path, cache)
                subprocess.run(["rm", "-rf", str(cache)])
                if "error" in result:
                    print(f"{n:>9} {mode:<7} failed: {result['error']}")
                    continue
                print(f"{n:>9} {mode:<7} {result['seconds']:>8.1f} {result['cpu_seconds']:>8.1f} "
                      f"{n / result['cpu_seconds']:>13,.0f} {result['peak_gb']:>8.2f} {result['kept']:>9}", flush=True)
                if mode == "recexp":
                    measured.append((n, result["cpu_seconds"], result["peak_gb"]))
            if not args.keep_files:
                path.unlink(missing_ok=True)
    finally:
        if not args.keep_files:
            for stale in args.workdir.glob("reviews_*.json.gz"):
                stale.unlink(missing_ok=True)
    _report_fit(measured)


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares a + b x."""
    slope, intercept = np.polyfit(xs, ys, 1)
    return float(intercept), float(slope)


def _predict(measured: list[tuple[int, float, float]], n: int) -> tuple[float, float] | None:
    """(seconds, peak GB) at ``n`` from a linear fit of the sizes measured so far (two or more)."""
    if len(measured) < 2:
        return None
    sizes = [m[0] for m in measured]
    a_t, b_t = _fit(sizes, [m[1] for m in measured])
    a_m, b_m = _fit(sizes, [m[2] for m in measured])
    return a_t + b_t * n, a_m + b_m * n


def _report_fit(measured: list[tuple[int, float, float]]) -> None:
    if len(measured) < 2:
        return
    sizes = [m[0] for m in measured]
    a_t, b_t = _fit(sizes, [m[1] for m in measured])
    a_m, b_m = _fit(sizes, [m[2] for m in measured])
    per_million = [m[1] / m[0] * 1e6 for m in measured]
    print(f"CPU time: {a_t:.1f} s + {b_t * 1e6:.2f} s per million reviews (CPU seconds per million at each size: "
          f"{', '.join(f'{x:.2f}' for x in per_million)})")
    print(f"peak memory: {a_m:.2f} GB + {b_m * 1e6:.3f} GB per million reviews")
    seconds, peak = _predict(measured, 20_000_000)
    largest = max(sizes)
    note = "measured" if largest >= 20_000_000 else f"extrapolated from {largest:,}"
    print(f"at 20M reviews ({note}): {seconds:.0f} CPU s, peak {peak:.2f} GB (goal <= 6 GB)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
