"""Evaluation decodes greedily with repetition_penalty 1.0 and GRPO's stop tokens, whatever the
model's own generation_config says; eval.max_samples scores a seeded subset (recorded)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
import torch

from recexp.eval.decoding import decoding_metrics, greedy_config, stop_token_ids
from recexp.eval.generation import generate_batched
from recexp.eval.subset import eval_subset

from .conftest import run_cli

# the default synthetic data (debug=smoke shrinks it): 500 test cases, of which 200 are scored below
FULL_DATA = ["dataset.synthetic.n_users=500", "dataset.synthetic.n_items=300"]
TINY = dict(hidden_size=32, intermediate_size=64, layers=1, heads=2, kv_heads=1, max_position_embeddings=256, seed=0)


@pytest.fixture(scope="module")
def model_and_tokenizer():
    from recexp.models.tiny import build_model, build_tokenizer

    tokenizer = build_tokenizer(["rate the item 4 4 4 the user liked it"] * 5, vocab_size=300, tags=("rate",))
    model = build_model(tokenizer, TINY).eval()
    model.generation_config.repetition_penalty = 50.0  # what a model's own config may carry
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, 5]
    return model, tokenizer


def _argmax_greedy(model, tokenizer, prompt: str, n: int, stops: list[int]) -> str:
    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
    out = []
    with torch.no_grad():
        for _ in range(n):
            token = int(model(ids).logits[0, -1].argmax())
            out.append(token)
            if token in stops:
                break
            ids = torch.cat([ids, torch.tensor([[token]])], 1)
    return tokenizer.decode(out, skip_special_tokens=True)


def test_greedy_ignores_the_model_repetition_penalty(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    prompts = ["rate the item 4", "the user liked it rate"]
    got = generate_batched(model, tokenizer, prompts, batch_size=2, max_new_tokens=10)
    stops = stop_token_ids(model, tokenizer)
    assert got == [_argmax_greedy(model, tokenizer, p, 10, stops) for p in prompts]


def test_stop_tokens_are_grpo_s_and_recorded(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    assert stop_token_ids(model, tokenizer) == [tokenizer.eos_token_id, 5]
    config = greedy_config(model, tokenizer, 7)
    assert (config.do_sample, config.repetition_penalty, config.max_new_tokens) == (False, 1.0, 7)
    recorded = decoding_metrics(model, tokenizer, 7, "hf")
    assert recorded["eval/repetition_penalty"] == 1.0 and recorded["eval/decoding"] == "greedy"
    assert recorded["eval/stop_token_ids"] == f"{tokenizer.eos_token_id},5"


def test_subset_is_seeded_sorted_and_bounded():
    table = pa.table({"row": list(range(1000))})
    a, b = eval_subset(table, 200, 0), eval_subset(table, 200, 0)
    rows = a.column("row").to_pylist()
    assert a.num_rows == 200 and rows == b.column("row").to_pylist() and rows == sorted(rows)
    assert eval_subset(table, 200, 1).column("row").to_pylist() != rows
    assert eval_subset(table, None, 0).num_rows == 1000 and eval_subset(table, 5000, 0).num_rows == 1000


def test_max_samples_200_evaluates_exactly_200_test_cases(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli(f"hydra.run.dir={run_dir}", "debug=smoke", "paradigm=zero_shot", *FULL_DATA,
                   "eval.max_new_tokens=48", "eval.max_samples=200")
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test/n"] == 200 and metrics["valid/n"] == 200 and metrics["test/n_cases"] == 500
    assert metrics["eval/max_samples"] == 200 and metrics["eval/subset_seed"] == 0
    assert metrics["eval/repetition_penalty"] == 1.0 and metrics["eval/decoding"] == "greedy"
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    assert (preds.split == "test").sum() == 200 and preds.row.is_unique
