"""GRPO throughput at GPU scale: a Qwen2.5-0.5B-shaped model through run.py, HF generation vs vLLM
colocate, against the same work in a plain TRL script.

    python benchmarks/gpu_grpo.py [--steps 10] [--workdir /tmp/recexp-gpu-grpo]   # a GPU machine
    python benchmarks/gpu_grpo.py --reduced                                         # CPU smoke size

The model has Qwen2.5-0.5B's shape (24 layers, hidden 896, MLP 4864, 14 heads, 2 KV heads, tied
embeddings) with random weights and the tiny byte-level tokenizer trained on the synthetic
prompts (vocab ~2k instead of 152k: no download). ``--reduced`` shrinks it to 2 layers x 64 and
the step to 8 completions of 96 tokens, so it runs on CPU in a few minutes. Each mode runs in a
fresh process (`run.py model=qwen2_5_0_5b_instruct model.path=<the saved model>
paradigm.stages=[load_model,grpo]`, the 0.5B scale preset: full fine-tune, float32 master
weights, bf16 autocast on GPU, 8 x 4 completions of up to 1024 tokens a step):

  hf      TRL's transformers generation
  vllm    trainer.args.use_vllm=true, vllm_mode=colocate (skipped when vLLM is not installed)
  plain   the hf work through a plain script: GRPOTrainer with the same GRPOConfig, model, prompts
          (templated up front) and rewards, no Hydra, validation, lazy prompts or metrics files

Prints per mode: steps/s, generated tokens/s, peak GPU memory (torch's peak allocation; on CPU
the process's peak RSS), model FLOPs utilisation (training 6N per token plus the reference
model's 2N when beta > 0, generation 2N per generated token; N the parameter count; peak from
--peak-tflops, else the GPU's dense bf16 figure, n/a on CPU), and the overhead ratio of run.py's
hf training time (and wall time) over plain TRL's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QWEN_0_5B = dict(hidden_size=896, intermediate_size=4864, layers=24, heads=14, kv_heads=2,
                 max_position_embeddings=32768, seed=0)
REDUCED = dict(hidden_size=64, intermediate_size=128, layers=2, heads=4, kv_heads=2, max_position_embeddings=4096, seed=0)
REDUCED_ARGS = ["trainer.args.per_device_train_batch_size=8", "trainer.args.gradient_accumulation_steps=1",
                "trainer.args.num_generations=4", "trainer.args.max_completion_length=96",
                "model.max_prompt_tokens=256"]
COMMON = ["logger=none", "paradigm.stages=[load_model,grpo]", "trainer.valid_eval_steps=0",
          "trainer.args.save_strategy=no", "trainer.args.logging_steps=1", "trainer.max_train_prompts=2000"]
DENSE_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10G": 125.0, "L4": 121.0}


def build_model(out: Path, shape: dict) -> None:
    """Random-init Qwen2 of ``shape`` with the tiny tokenizer trained on the synthetic prompts, saved in bf16."""
    import torch

    from recexp.data.pipeline import load_dataset
    from recexp.models.tiny import _corpus, build_tokenizer
    from recexp.models.tiny import build_model as qwen2
    from recexp.models.warmup import warmup_examples
    from recexp.prompts.settings import prompt_settings
    from recexp.prompts.templates import TEMPLATES, get_template

    cfg = compose([])
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    templates = [get_template("think_before_rec", data.scale)]
    examples = warmup_examples(data, templates, prompt_settings(cfg.prompt), 500, 0)
    tags = tuple(dict.fromkeys(tag for t in TEMPLATES.values() for tag in t.tags))
    tokenizer = build_tokenizer(_corpus(examples, templates), 2048, tags)
    model = qwen2(tokenizer, shape).to(torch.bfloat16)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    print(f"model: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, vocab {len(tokenizer)} -> {out}")


def compose(overrides: list[str]):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    import recexp.config  # noqa: F401
    from recexp.common.layout import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return hydra_compose("config", overrides=overrides)


def plain(model_dir: str, out_dir: str, overrides: list[str]) -> None:
    """The hf mode's work in a plain TRL script; prints its training seconds as JSON."""
    import numpy as np
    import torch
    from datasets import Dataset
    from omegaconf import OmegaConf
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from recexp.data.pipeline import load_dataset
    from recexp.eval.generation import LLMPredictor
    from recexp.prompts.settings import prompt_settings, template_of
    from recexp.rewards import build_reward_funcs

    cfg = compose(overrides)
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    template = template_of(cfg)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    table = data.split("train")
    rows = np.random.default_rng(cfg.seed).choice(table.num_rows, size=cfg.trainer.max_train_prompts, replace=False)
    predictor = LLMPredictor(model, tokenizer, data, template, prompt_settings(cfg.prompt), 1, 1)
    texts, _ = predictor.prompts(table.column("row").to_numpy()[rows])
    train = Dataset.from_dict({"prompt": texts, "rating": table.column("rating").to_numpy()[rows].tolist()})
    funcs, weights = build_reward_funcs(dict(cfg.reward.weights), template.tags, template.scale)
    gpu = torch.cuda.is_available()
    args = GRPOConfig(**OmegaConf.to_container(cfg.trainer.args), output_dir=out_dir, report_to="none",
                      reward_weights=weights, bf16=gpu, use_cpu=not gpu, seed=cfg.seed)
    trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=args, processing_class=tokenizer, train_dataset=train)
    started = time.perf_counter()
    trainer.train()
    log = trainer.state.log_history
    peak = torch.cuda.max_memory_allocated() / 1e9 if gpu else None
    print(json.dumps({"train_seconds": time.perf_counter() - started, "steps": trainer.state.global_step,
                      "log": log, "peak_gpu_gb": peak}))


def run_mode(mode: str, model_dir: Path, workdir: Path, overrides: list[str]) -> dict:
    """One mode in a fresh process: wall seconds, peak RSS, and its training log and seconds."""
    out = workdir / f"{mode}-{time.time_ns()}"
    if mode == "plain":
        command = [sys.executable, __file__, "--plain", str(model_dir), str(out), *overrides]
    else:
        command = [sys.executable, "run.py", *overrides, f"hydra.run.dir={out}"]
        if mode == "vllm":
            command += ["trainer.args.use_vllm=true", "trainer.args.vllm_mode=colocate"]
    out.mkdir(parents=True)
    started = time.perf_counter()
    with open(out / "stdout.txt", "w") as so, open(out / "stderr.txt", "w") as se:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=so, stderr=se)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
    wall = time.perf_counter() - started
    rss_gb, returncode = usage.ru_maxrss / 1024**2, os.waitstatus_to_exitcode(status)
    stdout, stderr = (out / "stdout.txt").read_text(), (out / "stderr.txt").read_text()
    if returncode != 0:
        return {"error": stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {returncode}"}
    if mode == "plain":
        result = json.loads(stdout.strip().splitlines()[-1])
    else:
        metrics = json.loads((out / "metrics.json").read_text())
        result = {"train_seconds": metrics["grpo/train_seconds"], "steps": metrics["grpo/steps"],
                  "log": json.loads((out / "train_log.json").read_text()),
                  "peak_gpu_gb": metrics.get("grpo/peak_gpu_memory_gb")}
    return {**result, "wall": wall, "rss_gb": rss_gb}


def figures(result: dict, n_params: int, generation_batch: int, beta: float, peak_tflops: float | None) -> dict:
    steps, seconds = result["steps"], result["train_seconds"]
    logs = [h for h in result["log"] if "completions/mean_length" in h]
    generated = sum(h["completions/mean_length"] for h in logs) * generation_batch * steps / max(len(logs), 1)
    processed = max((h.get("num_tokens", 0) for h in result["log"]), default=0)  # prompt + completion, cumulative
    flops = (6 + 2 * (beta > 0)) * n_params * processed + 2 * n_params * generated
    return {"steps/s": steps / seconds, "gen tok/s": generated / seconds,
            "mfu": flops / seconds / (peak_tflops * 1e12) if peak_tflops else None}


def peak_bf16_tflops(given: float | None) -> float | None:
    import torch

    if given or not torch.cuda.is_available():
        return given
    name = torch.cuda.get_device_name()
    return next((v for k, v in DENSE_BF16_TFLOPS.items() if k in name), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--reduced", action="store_true", help="CPU smoke size: 2 x 64 model, 8 short completions")
    parser.add_argument("--modes", nargs="+", default=["hf", "vllm", "plain"])
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/recexp-gpu-grpo"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    model_dir = args.workdir / ("model-reduced" if args.reduced else "model-qwen0.5b-shape")
    if not (model_dir / "config.json").exists():
        build_model(model_dir, REDUCED if args.reduced else QWEN_0_5B)
    overrides = ["model=qwen2_5_0_5b_instruct", f"model.path={model_dir}", *COMMON,
                 f"trainer.args.max_steps={args.steps}", *(REDUCED_ARGS if args.reduced else [])]
    cfg = compose(overrides)
    n_params = _n_params(model_dir)
    batch = cfg.trainer.args.per_device_train_batch_size * cfg.trainer.args.gradient_accumulation_steps
    peak = peak_bf16_tflops(args.peak_tflops)
    print(f"{n_params / 1e6:.2f}M parameters, {args.steps} steps of {batch} completions (<= "
          f"{cfg.trainer.args.max_completion_length} tokens), peak {peak or 'n/a'} TFLOPs")
    print(f"{'mode':<6} {'steps/s':>8} {'gen tok/s':>10} {'peak GPU GB':>12} {'peak RSS GB':>12} {'MFU':>7} "
          f"{'train s':>8} {'wall s':>7}")
    results = {}
    for mode in args.modes:
        if mode == "vllm" and not _vllm_installed():
            print(f"{'vllm':<6} skipped: vLLM is not installed (pip install -e '.[vllm]' on a CUDA machine)")
            continue
        result = run_mode(mode, model_dir, args.workdir, overrides)
        if "error" in result:
            print(f"{mode:<6} failed: {result['error']}")
            continue
        results[mode] = result
        fig = figures(result, n_params, batch, cfg.trainer.args.beta, peak)
        mfu = f"{100 * fig['mfu']:.1f}%" if fig["mfu"] is not None else "n/a"
        gpu = f"{result['peak_gpu_gb']:.1f}" if result.get("peak_gpu_gb") is not None else "n/a"
        print(f"{mode:<6} {fig['steps/s']:>8.3f} {fig['gen tok/s']:>10.0f} {gpu:>12} {result['rss_gb']:>12.2f} "
              f"{mfu:>7} {result['train_seconds']:>8.1f} {result['wall']:>7.1f}", flush=True)
    if "hf" in results and "plain" in results:
        hf, plain_ = results["hf"], results["plain"]
        print(f"overhead run.py / plain TRL: training {hf['train_seconds'] / plain_['train_seconds']:.3f}, "
              f"wall {hf['wall'] / plain_['wall']:.3f}")


def _n_params(model_dir: Path) -> int:
    from transformers import AutoConfig, AutoModelForCausalLM

    with __import__("torch").device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir))
    return sum(p.numel() for p in model.parameters())


def _vllm_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("vllm") is not None


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--plain":
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        plain(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        main()
