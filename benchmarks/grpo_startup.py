"""From a raw 1M-review file to the first GRPO step, with the tiny model, on CPU.

    python benchmarks/grpo_startup.py [--reviews 1000000] [--workdir /tmp/recexp-startup]

Generates an Amazon 2014 review file (benchmarks/data_pipeline.py's generator: ~20 reviews per
user, ~500-character texts) once, then runs `python run.py dataset=amazon2014 ...` with the
stages [load_model, grpo], one GRPO step, every train interaction usable as a prompt
(trainer.max_train_prompts=null: prompts are templated as GRPO reads them), no evaluation:

  1. build:  a fresh cache: read + process the raw file, build the tiny model for this data
             (tokenizer, warm-up; once per dataset, then cached), one GRPO step;
  2. start:  the processed splits and the raw file's hash are deleted, the tiny model is kept:
             raw file -> cached splits -> model loaded -> GRPO set up -> one step -> exit.

Prints each wall time (the whole process, interpreter start-up and the step included) and,
from run.log, when the data was ready, the model loaded and the GRPO stage began, and from
metrics.json the seconds of the one GRPO step (``grpo/train_seconds``, TRL set-up included). Goal: run 2 under
2 minutes.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from data_pipeline import generate  # noqa: E402

STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]")


def run(path: Path, cache: Path, run_dir: Path) -> float:
    command = [sys.executable, "run.py", "dataset=amazon2014", f"dataset.reviews_path={path}", f"cache_dir={cache}",
               "logger=none", "paradigm.stages=[load_model,grpo]", "trainer.args.max_steps=1",
               "trainer.args.logging_steps=1", "trainer.args.save_strategy=no", "trainer.valid_eval_steps=0",
               "trainer.max_train_prompts=null", f"hydra.run.dir={run_dir}"]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return seconds


def milestones(log: Path) -> dict[str, float]:
    """Seconds from the first log line to: data ready, model loaded, GRPO set up, first step logged."""
    marks = {"data ready": "data: cached splits|data: reusing", "model loaded": "model: loaded",
             "grpo set up": "grpo: .* prompts, templated"}
    lines = [line for line in log.read_text().splitlines() if STAMP.match(line)]
    start = _time(lines[0])
    found = {}
    for name, pattern in marks.items():
        hit = next((line for line in lines if re.search(pattern, line)), None)
        if hit is not None:
            found[name] = _time(hit) - start
    return found


def _time(line: str) -> float:
    return datetime.strptime(STAMP.match(line).group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/recexp-startup"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"reviews_{args.reviews}.json.gz"
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.reviews)
        print(f"generated {args.reviews:,} reviews in {time.perf_counter() - started:.0f} s ({path})")
    cache = args.workdir / f"cache-{time.time_ns()}"
    try:
        first = run(path, cache, args.workdir / f"run-build-{time.time_ns()}")
        print(f"1. build (data + tiny model + 1 GRPO step): {first:6.1f} s")
        for stale in ("processed", "hashes"):
            shutil.rmtree(cache / stale, ignore_errors=True)
        run_dir = args.workdir / f"run-start-{time.time_ns()}"
        second = run(path, cache, run_dir)
        print(f"2. raw file -> first GRPO step (tiny model cached): {second:6.1f} s (goal < 120 s)")
        for name, seconds in milestones(run_dir / "run.log").items():
            print(f"   {name:<13} at {seconds:6.1f} s after the first log line")
        metrics = json.loads((run_dir / "metrics.json").read_text())
        print(f"   train interactions {metrics['data/n_train']:,}, prompts built {metrics['prompts/train_built']}, "
              f"GRPO step {metrics['grpo/train_seconds']} s")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
