"""The same GRPO work through run.py and through a plain script that calls TRL directly.

    python benchmarks/grpo_overhead.py [--steps 20] [--repeats 2]

Both sides, each a fresh process timed from start to exit (start-up included): load the cached
tiny model, build the same train prompts (same rows, same renderer), run GRPOTrainer with the
same GRPOConfig for --steps steps and the same reward functions; no evaluation, no W&B, no
checkpoints. The run.py side adds Hydra composition, config validation, the processed-data
cache lookup, resolved_config.yaml and metrics.json. Prints both wall times and their ratio
(goal: <= 1.05).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRPO_OVERRIDES = ["logger=none", "trainer.valid_eval_steps=0", "trainer.args.save_strategy=no",
                  "trainer.args.log_completions=false"]


def compose_cfg(steps: int):
    from hydra import compose, initialize_config_dir

    import recexp.config  # noqa: F401
    from recexp.common.layout import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=[*GRPO_OVERRIDES, f"trainer.args.max_steps={steps}"])


def plain(steps: int, out_dir: str) -> None:
    """What a user would write without recexp's launcher: load, build prompts, GRPOTrainer.train()."""
    from omegaconf import OmegaConf
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from recexp.data.pipeline import load_dataset
    from recexp.eval.generation import LLMPredictor
    from recexp.models.tiny import ensure_tiny
    from recexp.paradigms.grpo import prompt_dataset
    from recexp.paradigms.state import RunState
    from recexp.prompts.settings import prompt_settings, template_of
    from recexp.rewards import build_reward_funcs

    cfg = compose_cfg(steps)
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    template, settings = template_of(cfg), prompt_settings(cfg.prompt)
    path = ensure_tiny(Path(cfg.cache_dir).expanduser(), OmegaConf.to_container(cfg.model.tiny), data, settings)
    model, tokenizer = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    state = RunState(cfg=cfg, run_dir=Path(out_dir), data=data)
    state.predictor = LLMPredictor(model, tokenizer, data, template, settings, 1, 1)
    funcs, weights = build_reward_funcs(dict(cfg.reward.weights), template.tags)
    args = GRPOConfig(**OmegaConf.to_container(cfg.trainer.args), output_dir=out_dir, report_to="none",
                      reward_weights=weights, bf16=False, activation_checkpointing=False, use_cpu=True, seed=cfg.seed)
    trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=args, processing_class=tokenizer,
                          train_dataset=prompt_dataset(state, "train", cfg.trainer.max_train_prompts)[0])
    trainer.train()


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warm = [sys.executable, "run.py", *GRPO_OVERRIDES, "paradigm.stages=[load_model]", f"hydra.run.dir={tmp}/warm"]
        subprocess.run(warm, cwd=ROOT, check=True, capture_output=True)  # build/cache data and the tiny model once
        recexp_s, plain_s = [], []
        for i in range(args.repeats):  # interleaved, so drift in machine load hits both sides
            recexp_s.append(timed([sys.executable, "run.py", *GRPO_OVERRIDES, f"trainer.args.max_steps={args.steps}",
                                   "paradigm.stages=[load_model,grpo]", f"hydra.run.dir={tmp}/run{i}"]))
            plain_s.append(timed([sys.executable, __file__, "--plain", f"{tmp}/plain{i}", "--steps", str(args.steps)]))
    best_recexp, best_plain = min(recexp_s), min(plain_s)
    print(f"steps={args.steps} repeats={args.repeats}")
    print(f"run.py       {best_recexp:7.1f} s  (all: {', '.join(f'{s:.1f}' for s in recexp_s)})")
    print(f"plain TRL    {best_plain:7.1f} s  (all: {', '.join(f'{s:.1f}' for s in plain_s)})")
    print(f"ratio        {best_recexp / best_plain:7.3f}")


if __name__ == "__main__":
    if "--plain" in sys.argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--plain")
        parser.add_argument("--steps", type=int)
        ns = parser.parse_args()
        plain(ns.steps, ns.plain)
    else:
        main()
