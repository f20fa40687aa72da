"""Raw reviews -> cached splits with contexts, at 100k / 1M / 5M reviews (Amazon 2014 format).

    python benchmarks/data_pipeline.py [--sizes 100000 1000000 5000000] [--workdir /tmp/recexp-bench]

Generates gzip JSON-lines review files (reviews of about 500 characters, ~20 per user, so the
5-core keeps most of them) once into --workdir, then runs, each in a fresh process so that peak
memory is its own:
  recexp   recexp.data.pipeline.load_dataset (read, dedupe, 5-core, split, contexts, parquet cache)
  naive    per-line json.loads + pandas (dedupe, 5-core, split; no contexts, no cache)
and prints reviews/s and peak RSS for both. Goal: >= 100k reviews/s and < 3 GB at 5M for recexp.
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
    from recexp.data.pipeline import load_dataset

    conf = Path(__file__).resolve().parents[1] / "conf"
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
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
        keep = (df.groupby("reviewerID")["asin"].transform("size") >= 5) & (df.groupby("asin")["reviewerID"].transform("size") >= 5)
        if keep.all():
            break
        df = df[keep]
    df = df.sort_values(["reviewerID", "unixReviewTime"])
    rank = df.groupby("reviewerID").cumcount(ascending=False)
    df["split"] = np.select([rank == 0, rank == 1], ["test", "valid"], "train")
    print(json.dumps({"kept": len(df)}), file=sys.stderr)


def measure(mode: str, path: Path, cache: Path) -> dict:
    """Run one mode in a child process; return wall seconds and the child's peak RSS."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(cache)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1]}
    peak_kb = int(proc.stdout.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_gb": peak_kb / 1024**2, "kept": json.loads(proc.stderr.strip().splitlines()[-1])["kept"]}


def child(mode: str, path: str, cache: str) -> None:
    {"recexp": run_recexp, "naive": run_naive}[mode](Path(path), Path(cache))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/recexp-bench"))
    parser.add_argument("--modes", nargs="+", default=["recexp", "naive"])
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'reviews':>9} {'mode':<7} {'seconds':>8} {'reviews/s':>10} {'peak GB':>8} {'kept':>9}")
    for n in args.sizes:
        path = args.workdir / f"reviews_{n}.json.gz"
        if not path.exists():
            generate(path, n)
        for mode in args.modes:
            cache = args.workdir / f"cache-{mode}-{n}-{time.time_ns()}"
            result = measure(mode, path, cache)
            if "error" in result:
                print(f"{n:>9} {mode:<7} failed: {result['error']}")
                continue
            print(f"{n:>9} {mode:<7} {result['seconds']:>8.1f} {n / result['seconds']:>10,.0f} "
                  f"{result['peak_gb']:>8.2f} {result['kept']:>9}", flush=True)
            subprocess.run(["rm", "-rf", str(cache)])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
