"""Where transformers ``generate`` spends a decode step at GRPO's rollout shapes: milliseconds per
decode step of a Qwen2.5-0.5B-shaped model (real 151,936-token vocabulary, random bf16 weights)
for each batch size, prompt length, KV-cache implementation and attention kernel, sampling as
TRL's GRPO does (do_sample, temperature 1, top_k 0, top_p 1).

    python benchmarks/hf_decode.py                       # a GPU machine, about a minute
    python benchmarks/hf_decode.py --reduced             # CPU smoke size

A decode step's time is (generate of N new tokens - generate of 1) / (N - 1), every answer forced
to N tokens (``min_new_tokens``); torch.compile is off (TRL turns it off for rollouts)."""

from __future__ import annotations

import argparse
import itertools
import json
import time

QWEN_0_5B = dict(vocab_size=151_936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                 num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True)
REDUCED = dict(vocab_size=4096, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
               num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)


def model(shape: dict, attn: str, device: str):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(**shape, max_position_embeddings=32768, attn_implementation=attn)
    with torch.device(device):
        return Qwen2ForCausalLM(config).to(torch.bfloat16).eval()


def seconds(net, batch: int, prompt: int, new: int, cache: str | None) -> float:
    import torch

    ids = torch.randint(100, 1000, (batch, prompt), device=net.device)
    mask = torch.ones_like(ids)
    mask[: batch // 2, : prompt // 4] = 0  # left padding in half the rows, as in a real batch
    kwargs = dict(do_sample=True, temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=new, min_new_tokens=new,
                  pad_token_id=0, eos_token_id=1, cache_implementation=cache, disable_compile=True)
    _sync()
    started = time.perf_counter()
    with torch.no_grad():
        net.generate(input_ids=ids, attention_mask=mask, **kwargs)
    _sync()
    return time.perf_counter() - started


def _sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reduced", action="store_true")
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--prompts", type=int, nargs="+", default=[700, 1600])
    parser.add_argument("--caches", nargs="+", default=["dynamic", "static"])
    parser.add_argument("--attns", nargs="+", default=["sdpa", "eager"])
    parser.add_argument("--new", type=int, default=48)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    shape = REDUCED if args.reduced else QWEN_0_5B
    print(f"{'attn':<6} {'cache':<8} {'batch':>5} {'prompt':>6} {'ms/decode step':>15} {'tok/s':>9} {'prefill s':>10}")
    for attn in args.attns:
        net = model(shape, attn, device)
        seconds(net, 4, 64, 4, None)  # warm-up
        for cache, batch, prompt in itertools.product(args.caches, args.batches, args.prompts):
            try:
                first = seconds(net, batch, prompt, 1, None if cache == "dynamic" else cache)
                full = seconds(net, batch, prompt, args.new, None if cache == "dynamic" else cache)
            except Exception as error:  # noqa: BLE001  (an OOM or an unsupported pair is a row, not the end)
                print(f"{attn:<6} {cache:<8} {batch:>5} {prompt:>6} failed: {type(error).__name__}: {error}"[:200])
                continue
            step = (full - first) / (args.new - 1)
            print(f"{attn:<6} {cache:<8} {batch:>5} {prompt:>6} {1000 * step:>15.1f} {batch / step:>9.0f} {first:>10.2f}",
                  flush=True)
            if args.json:
                with open(args.json, "a") as out:
                    out.write(json.dumps({"attn": attn, "cache": cache, "batch": batch, "prompt": prompt,
                                          "ms_per_step": 1000 * step, "prefill_s": first}) + "\n")
        del net
        if device == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
