"""GRPO throughput at GPU scale: a Qwen2.5-0.5B-shaped model through run.py, one row per rollout
backend, against the same work in a plain TRL script.

    python benchmarks/gpu_grpo.py [--steps 3] [--modes hf plain cb] [--completions-per-step 32]
    python benchmarks/gpu_grpo.py --reduced                          # CPU smoke size, a few minutes

The model has Qwen2.5-0.5B's shape (24 layers, hidden 896, MLP 4864, 14 heads, 2 KV heads, tied
embeddings) and its real vocabulary of 151,936 tokens (the LM head is a fifth of its FLOPs), with
random weights and the tiny byte-level tokenizer trained on the synthetic prompts (no download;
ids the tokenizer lacks decode to nothing, and a random model rarely ends an answer, so most
completions run to max_completion_length). ``--reduced`` shrinks it to 2 layers x 64 (vocab 4,096)
and the step to 8 completions of 96 tokens. Each mode runs in a fresh process
(`run.py model=qwen2_5_0_5b_instruct model.path=<the saved model> paradigm.stages=[load_model,grpo]`,
the 0.5B scale preset: full fine-tune, float32 master weights, bf16 autocast on GPU, its
completions per optimizer step in one generation pass, up to 1024 tokens each;
``--completions-per-step`` overrides that work):

  hf      trainer.rollout.backend=hf: transformers generate from the bf16 inference copy
  fp32    hf with trainer.rollout.dtype=float32: decoding from the float32 masters under autocast
  cb      trainer.rollout.backend=continuous_batching (transformers' paged generate_batch, bf16 copy)
  vllm    trainer.rollout.backend=vllm_colocate (skipped when vLLM is not installed)
  plain   the hf work in a plain script: GRPOTrainer (recexp's subclass, for the same bf16 rollout
          copy) with the same GRPOConfig, model, prompts (templated up front) and rewards; no Hydra,
          validation, lazy prompts, callbacks or metrics files

Prints per mode: steps/s, generated tokens/s, peak GPU memory (torch's peak allocation; on CPU
the process's peak RSS), model FLOPs utilisation (training 6N per token plus the reference
model's 2N when beta > 0, generation 2N per generated token; N the parameter count, LM head
included; peak from --peak-tflops, else the GPU's dense bf16 figure, n/a on CPU), the mean seconds
per optimizer step of each phase (``recexp.trainers.phases``: generate, reward, logprobs,
forward_backward, optimizer, other), and the overhead ratio of run.py's hf training time (and wall
time) over plain's. ``--json FILE`` appends one JSON line per mode.
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
                 max_position_embeddings=32768, seed=0, vocab=151_936)
REDUCED = dict(hidden_size=64, intermediate_size=128, layers=2, heads=4, kv_heads=2, max_position_embeddings=4096,
               seed=0, vocab=4096)
MODES = {"hf": [], "fp32": ["trainer.rollout.dtype=float32"], "cb": ["trainer.rollout.backend=continuous_batching"],
         "vllm": ["trainer.rollout.backend=vllm_colocate"], "plain": []}
PHASES = ("generate", "reward", "logprobs", "forward_backward", "optimizer", "other")
REDUCED_ARGS = ["trainer.args.per_device_train_batch_size=8", "trainer.args.gradient_accumulation_steps=1",
                "trainer.args.num_generations=4", "trainer.args.max_completion_length=96",
                "model.max_prompt_tokens=256", "trainer.rollout.dtype=bfloat16"]  # the copy on CPU too
COMMON = ["logger=none", "paradigm.stages=[load_model,grpo]", "trainer.valid_eval_steps=0",
          "trainer.args.save_strategy=no", "trainer.args.logging_steps=1", "trainer.max_train_prompts=2000"]
DENSE_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10G": 125.0, "L4": 121.0}


def build_model(out: Path, shape: dict) -> None:
    """Random-init Qwen2 of ``shape`` (its embedding sized to ``shape["vocab"]``) with the tiny tokenizer
    trained on the synthetic prompts, saved in bf16."""
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
    model = qwen2(tokenizer, shape)
    model.resize_token_embeddings(shape["vocab"], mean_resizing=False)  # the new rows: the model's own init
    model = model.to(torch.bfloat16)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    print(f"model: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, vocab {shape['vocab']} "
          f"(tokenizer {len(tokenizer)}) -> {out}")


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
    from trl import GRPOConfig

    from recexp.data.pipeline import load_dataset
    from recexp.eval.generation import LLMPredictor
    from recexp.prompts.settings import prompt_settings, template_of
    from recexp.rewards import build_reward_funcs
    from recexp.trainers.grpo_trainer import RecexpGRPOTrainer
    from recexp.trainers.rollout import rollout_dtype, trl_switches

    cfg = compose(overrides)
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    template = template_of(cfg)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="sdpa")
    if torch.cuda.is_available():
        model = model.to("cuda")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    table = data.split("train")
    rows = np.random.default_rng(cfg.seed).choice(table.num_rows, size=cfg.trainer.max_train_prompts, replace=False)
    predictor = LLMPredictor(model, tokenizer, data, template, prompt_settings(cfg.prompt), 1, 1)
    texts, _ = predictor.prompts(table.column("row").to_numpy()[rows])
    train = Dataset.from_dict({"prompt": texts, "rating": table.column("rating").to_numpy()[rows].tolist()})
    funcs, weights = build_reward_funcs(dict(cfg.reward.weights), template.tags, template.scale)
    gpu = torch.cuda.is_available()
    from recexp.trainers.args import CHECKPOINTING, with_installed_names

    config = with_installed_names("grpo", {CHECKPOINTING: False, **OmegaConf.to_container(cfg.trainer.args)})
    args = GRPOConfig(**config, **trl_switches(cfg.trainer.rollout), output_dir=out_dir, report_to="none",
                      reward_weights=weights, bf16=gpu, use_cpu=not gpu, seed=cfg.seed)
    trainer = RecexpGRPOTrainer(model=model, reward_funcs=funcs, args=args, processing_class=tokenizer,
                                train_dataset=train, rollout_dtype=rollout_dtype(cfg.trainer.rollout, args.bf16))
    started = time.perf_counter()
    trainer.train()
    log = trainer.state.log_history
    peak = torch.cuda.max_memory_allocated() / 1e9 if gpu else None
    print(json.dumps({"train_seconds": time.perf_counter() - started, "steps": trainer.state.global_step,
                      "log": log, "peak_gpu_gb": peak}))


def run_mode(mode: str, model_dir: Path, workdir: Path, overrides: list[str], limit_s: float | None = None) -> dict:
    """One mode in a fresh process: wall seconds, peak RSS, and its training log and seconds. A mode
    still running after ``limit_s`` is killed (its whole process group) and reported as such."""
    out = workdir / f"{mode}-{time.time_ns()}"
    if mode == "plain":
        command = [sys.executable, __file__, "--plain", str(model_dir), str(out), *overrides]
    else:
        command = [sys.executable, "run.py", *overrides, *MODES[mode], f"hydra.run.dir={out}"]
    out.mkdir(parents=True)
    started = time.perf_counter()
    with open(out / "stdout.txt", "w") as so, open(out / "stderr.txt", "w") as se:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=so, stderr=se, start_new_session=True)
        status, usage = _wait(proc, started + limit_s if limit_s else None)
    wall = time.perf_counter() - started
    if status is None:
        partial = _logged_steps(out / "run.log")
        if not partial["steps"]:
            return {"error": f"killed at its time limit ({limit_s:.0f} s) before its first step ended"}
        return {**partial, "wall": wall, "rss_gb": float("nan"), "peak_gpu_gb": None, "killed": True}
    rss_gb, returncode = usage.ru_maxrss / 1024**2, os.waitstatus_to_exitcode(status)
    stdout, stderr = (out / "stdout.txt").read_text(), (out / "stderr.txt").read_text()
    if returncode != 0:
        return {"error": "\n".join(stderr.strip().splitlines()[-12:]) if stderr.strip() else f"exit {returncode}"}
    if mode == "plain":
        result = json.loads(stdout.strip().splitlines()[-1])
    else:
        metrics = json.loads((out / "metrics.json").read_text())
        result = {"train_seconds": metrics["grpo/train_seconds"], "steps": metrics["grpo/steps"],
                  "log": json.loads((out / "train_log.json").read_text()),
                  "peak_gpu_gb": metrics.get("grpo/peak_gpu_memory_gb")}
    return {**result, "wall": wall, "rss_gb": rss_gb}


def _logged_steps(run_log: Path) -> dict:
    """What a killed run.py logged: its steps' scalars (``grpo step N/M (S s): key=value ...`` lines of
    recexp.trainers.log_scalars) and the training seconds up to its last logged step."""
    import re

    lines = re.findall(r"grpo step (\d+)/\d+ \((\d+) s\): (.*)", run_log.read_text() if run_log.exists() else "")
    log = [{k: float(v) for k, v in (pair.split("=", 1) for pair in scalars.split())} for _, _, scalars in lines]
    steps = int(lines[-1][0]) if lines else 0
    return {"steps": steps, "train_seconds": float(lines[-1][1]) if lines else 0.0, "log": log}


def _wait(proc, deadline: float | None):
    """(wait status, rusage) of ``proc`` (its own peak RSS), or (None, None) once killed at ``deadline``."""
    import signal

    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
        if pid:
            return status, usage
        if time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            return None, None
        time.sleep(0.5)


def figures(result: dict, n_params: int, generation_batch: int, beta: float, peak_tflops: float | None) -> dict:
    steps, seconds = result["steps"], result["train_seconds"]
    logs = [h for h in result["log"] if "completions/mean_length" in h]
    generated = sum(h["completions/mean_length"] for h in logs) * generation_batch * steps / max(len(logs), 1)
    processed = max((h.get("num_tokens", 0) for h in result["log"]), default=0)  # prompt + completion, cumulative
    flops = (6 + 2 * (beta > 0)) * n_params * processed + 2 * n_params * generated
    timed = [h for h in result["log"] if "time/step_s" in h]
    phases = {p: sum(h.get(f"time/{p}_s", 0.0) for h in timed) / max(len(timed), 1) for p in PHASES}
    return {"steps/s": steps / seconds, "gen tok/s": generated / seconds, "mean completion": generated / max(
            generation_batch * steps, 1), "mfu": flops / seconds / (peak_tflops * 1e12) if peak_tflops else None,
            "phases": phases}


def peak_bf16_tflops(given: float | None) -> float | None:
    import torch

    if given or not torch.cuda.is_available():
        return given
    name = torch.cuda.get_device_name()
    return next((v for k, v in DENSE_BF16_TFLOPS.items() if k in name), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--reduced", action="store_true", help="CPU smoke size: 2 x 64 model, 8 short completions")
    parser.add_argument("--modes", nargs="+", default=["hf", "plain", "cb", "vllm"], choices=list(MODES))
    parser.add_argument("--completions-per-step", type=int, default=None,
                        help="the work of an optimizer step (default: the preset's), made in one generation pass")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/recexp-gpu-grpo"))
    parser.add_argument("--json", type=Path, default=None, help="append one JSON line per mode to this file")
    parser.add_argument("--limit-s", type=float, nargs="+", default=None,
                        help="seconds each mode may run (one value for all, or one per mode); then it is killed")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    shape = REDUCED if args.reduced else QWEN_0_5B
    model_dir = args.workdir / f"model-{'reduced' if args.reduced else 'qwen0.5b-shape'}-vocab{shape['vocab']}"
    if not (model_dir / "config.json").exists():
        build_model(model_dir, shape)
    overrides = ["model=qwen2_5_0_5b_instruct", f"model.path={model_dir}", *COMMON,
                 f"trainer.args.max_steps={args.steps}", *(REDUCED_ARGS if args.reduced else [])]
    overrides += step_work(compose(overrides), args.completions_per_step)
    cfg = compose(overrides)
    n_params = _n_params(model_dir)
    batch = cfg.trainer.args.per_device_train_batch_size * cfg.trainer.args.gradient_accumulation_steps
    peak = peak_bf16_tflops(args.peak_tflops)
    print(f"{n_params / 1e6:.2f}M parameters, {args.steps} steps of {batch} completions (<= "
          f"{cfg.trainer.args.max_completion_length} tokens) in one generation pass each, peak {peak or 'n/a'} TFLOPs")
    print(f"{'mode':<6} {'steps/s':>8} {'gen tok/s':>10} {'mean len':>9} {'peak GPU GB':>12} {'peak RSS GB':>12} "
          f"{'MFU':>7} {'train s':>8} {'wall s':>7}   seconds per step: " + " / ".join(PHASES))
    results = {}
    limits = dict(zip(args.modes, (args.limit_s * len(args.modes))[:len(args.modes)] if args.limit_s else []))
    for mode in args.modes:
        if mode == "vllm" and not _vllm_installed():
            print(f"{'vllm':<6} skipped: vLLM is not installed (pip install -e '.[vllm]' on a CUDA machine)")
            continue
        result = run_mode(mode, model_dir, args.workdir, overrides, limits.get(mode))
        if "error" in result:
            print(f"{mode:<6} failed: {result['error']}", flush=True)
            continue
        if result.get("killed"):
            print(f"{mode:<6} killed at its time limit after {result['steps']} steps: figures from its run.log "
                  "(training seconds to the whole second, no peak memory)")
        results[mode] = result
        fig = figures(result, n_params, batch, cfg.trainer.args.beta, peak)
        mfu = f"{100 * fig['mfu']:.1f}%" if fig["mfu"] is not None else "n/a"
        gpu = f"{result['peak_gpu_gb']:.1f}" if result.get("peak_gpu_gb") is not None else "n/a"
        split = " / ".join(f"{fig['phases'][p]:.2f}" for p in PHASES)
        print(f"{mode:<6} {fig['steps/s']:>8.3f} {fig['gen tok/s']:>10.0f} {fig['mean completion']:>9.0f} {gpu:>12} "
              f"{result['rss_gb']:>12.2f} {mfu:>7} {result['train_seconds']:>8.1f} {result['wall']:>7.1f}   {split}",
              flush=True)
        if args.json:
            record = {"mode": mode, "completions_per_step": batch, "steps": result["steps"], **fig,
                      **{k: result.get(k) for k in ("train_seconds", "wall", "peak_gpu_gb", "rss_gb")}}
            with args.json.open("a") as out:
                out.write(json.dumps(record) + "\n")
    if "hf" in results and "plain" in results:
        hf, plain_ = results["hf"], results["plain"]
        print(f"overhead run.py / plain TRL: training {hf['train_seconds'] / plain_['train_seconds']:.3f}, "
              f"wall {hf['wall'] / plain_['wall']:.3f}")


def step_work(cfg, completions: int | None) -> list[str]:
    """Overrides that make each optimizer step ``completions`` completions: the preset's micro-batch
    (or fewer) times the gradient accumulation that reaches the total."""
    if completions is None:
        return []
    micro = min(cfg.trainer.args.per_device_train_batch_size, completions)
    if completions % micro:
        raise SystemExit(f"--completions-per-step {completions} is not a multiple of the micro-batch {micro}")
    return [f"trainer.args.per_device_train_batch_size={micro}",
            f"trainer.args.gradient_accumulation_steps={completions // micro}"]


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
