"""Batched greedy evaluation against one-prompt-at-a-time generation, on the same test prompts.

    python benchmarks/eval_throughput.py [--n 128] [--batch-size 64] [--overrides model=tiny ...]

Uses the model of the composed config (default: the tiny model, built and cached on first use)
and the think_before_rec prompts of the first N test interactions. Prints samples/s for both
paths, the speed-up, and how often the two produce the same parsed rating.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401
from recexp.common.layout import CONF_DIR
from recexp.data.pipeline import load_dataset
from recexp.eval.generation import generate_batched, generate_one_by_one
from recexp.paradigms.load_model import load_model
from recexp.paradigms.state import RunState
from recexp.rewards import parse_rating

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--overrides", nargs="*", default=[])
    args = parser.parse_args()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["logger=none", *args.overrides])
    state = load_model(RunState(cfg=cfg, run_dir=Path("."), data=load_dataset(cfg.dataset, cfg.cache_dir)))
    rows = state.data.split("test").column("row").to_numpy()[: args.n]
    prompts, _ = state.predictor.prompts(rows)
    tags = state.predictor.template.tags
    results = {}
    for name, run in (("batched", lambda: generate_batched(state.model, state.tokenizer, prompts, batch_size=args.batch_size,
                                                           max_new_tokens=cfg.eval.max_new_tokens)),
                      ("one-by-one", lambda: generate_one_by_one(state.model, state.tokenizer, prompts,
                                                                 max_new_tokens=cfg.eval.max_new_tokens))):
        started = time.perf_counter()
        outputs = run()
        results[name] = (len(prompts) / (time.perf_counter() - started), [parse_rating(o, tags) for o in outputs])
    same = np.mean([a == b for a, b in zip(results["batched"][1], results["one-by-one"][1])])
    print(f"model={cfg.model.name} prompts={len(prompts)} batch_size={args.batch_size} max_new_tokens={cfg.eval.max_new_tokens}")
    for name, (rate, _) in results.items():
        print(f"{name:<11} {rate:8.2f} samples/s")
    print(f"speed-up    {results['batched'][0] / results['one-by-one'][0]:8.2f}x   same parsed rating: {same:.1%}")


if __name__ == "__main__":
    main()
