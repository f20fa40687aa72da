"""Trained weights are float32 whatever model.dtype says: a full fine-tune loads float32 master
weights, LoRA trains float32 adapters on a frozen bf16 base (CPU, a tiny random Qwen2 model)."""

from __future__ import annotations

import pytest
import torch
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.layout import CONF_DIR
from recexp.models.loading import load_model, lora_config
from recexp.models.precision import weights_dtype

TINY = dict(hidden_size=32, intermediate_size=64, layers=1, heads=2, kv_heads=1, max_position_embeddings=256, seed=0)
CORPUS = ["<rate>4</rate> the user liked the sound", "rate the item from 1 to 5"] * 5


@pytest.fixture(scope="module")
def bf16_model_dir(tmp_path_factory):
    from recexp.models.tiny import build_model, build_tokenizer

    tokenizer = build_tokenizer(CORPUS, vocab_size=300, tags=("rate",))
    out = tmp_path_factory.mktemp("bf16-model")
    tokenizer.save_pretrained(out)
    build_model(tokenizer, TINY).to(torch.bfloat16).save_pretrained(out)
    return out


def _cfg(model_dir, *overrides):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=["model=qwen2_5_0_5b_instruct", f"model.path={model_dir}",
                                            "model.dtype=bfloat16", *overrides])


def _trainer(cfg, model, tokenizer, tmp_path):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    args = GRPOConfig(output_dir=str(tmp_path), use_cpu=True, bf16=False, max_steps=1, per_device_train_batch_size=4,
                      num_generations=4, max_completion_length=4, report_to="none", save_strategy="no", beta=0.1)
    data = Dataset.from_dict({"prompt": ["rate the item"] * 8})
    return GRPOTrainer(model=model, reward_funcs=lambda completions, **_: [float(len(c)) for c in completions],
                       args=args, train_dataset=data, processing_class=tokenizer, peft_config=lora_config(cfg.model))


def _trainable_dtypes(model) -> set:
    return {p.dtype for p in model.parameters() if p.requires_grad}


def test_full_fine_tune_trains_float32_master_weights(bf16_model_dir, tmp_path):
    cfg = _cfg(bf16_model_dir, "scale=tiny", "model.lora.enabled=false")
    assert weights_dtype(cfg) == "float32"
    model, tokenizer = load_model(str(bf16_model_dir), cfg.model, dtype=weights_dtype(cfg))
    trainer = _trainer(cfg, model, tokenizer, tmp_path)
    assert _trainable_dtypes(trainer.model) == {torch.float32}
    trainer.train()
    assert _trainable_dtypes(trainer.model) == {torch.float32}


def test_lora_trains_float32_adapters_on_a_frozen_bf16_base(bf16_model_dir, tmp_path):
    cfg = _cfg(bf16_model_dir, "scale=tiny", "model.lora.enabled=true", "model.lora.r=4")
    assert weights_dtype(cfg) == "bfloat16"
    model, tokenizer = load_model(str(bf16_model_dir), cfg.model, dtype=weights_dtype(cfg))
    trainer = _trainer(cfg, model, tokenizer, tmp_path)
    trainable = {n: p.dtype for n, p in trainer.model.named_parameters() if p.requires_grad}
    frozen = {p.dtype for p in trainer.model.parameters() if not p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable) and set(trainable.values()) == {torch.float32}
    assert frozen == {torch.bfloat16}


def test_evaluation_only_paradigm_loads_model_dtype(bf16_model_dir):
    assert weights_dtype(_cfg(bf16_model_dir, "paradigm=zero_shot")) == "bfloat16"
