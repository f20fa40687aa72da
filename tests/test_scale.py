"""Scale presets follow the model: GPU students get lengths and learning rates for their size and
fit one 80 GB GPU; model=tiny keeps the CPU defaults (checked on the composed config, no GPU)."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.layout import CONF_DIR
from recexp.models.memory import generation_batch, kv_bytes_per_token, rollout_memory_gb, training_memory_gb
from recexp.run.validation import task_config
from recexp.run.validation import validate as validate_task

QWEN = ["qwen2_5_0_5b_instruct", "qwen2_5_1_5b_instruct", "qwen2_5_3b_instruct", "qwen2_5_7b_instruct"]
FOUR_STEP_TOKENS = 768  # a Qwen four-step answer is a few hundred tokens; room for long ones


def validate(cfg) -> None:
    validate_task(task_config(cfg))


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def test_recone_7b_fits_one_80gb_gpu_with_four_step_completions():
    cfg = _compose("paradigm=recone", "model=qwen2_5_7b_instruct")
    validate(cfg)
    assert cfg.hydra.runtime.choices.scale == "qwen2_5_7b_instruct"
    assert cfg.model.lora.enabled  # a full fine-tune of 7.6B needs ~122 GB of weights and AdamW state
    assert training_memory_gb(cfg) < 80 - 20  # 20 GB left for activations (gradient checkpointing on)
    assert cfg.trainer.args.activation_checkpointing and cfg.sft.args.activation_checkpointing
    assert cfg.trainer.args.max_completion_length >= FOUR_STEP_TOKENS
    assert cfg.eval.max_new_tokens >= cfg.trainer.args.max_completion_length
    assert cfg.sft.args.max_length >= cfg.model.max_prompt_tokens + FOUR_STEP_TOKENS
    assert cfg.sft.args.learning_rate <= 2e-4 and cfg.trainer.args.learning_rate <= 2e-5
    with_vllm = _compose("paradigm=recone", "model=qwen2_5_7b_instruct", "trainer.rollout.backend=vllm_colocate")
    assert training_memory_gb(with_vllm) < 80 - 20


@pytest.mark.parametrize("model", QWEN)
def test_every_qwen_preset_fits_and_trains_at_its_size(model):
    cfg = _compose("paradigm=recone", f"model={model}")
    validate(cfg)
    assert training_memory_gb(cfg) < 60, (model, training_memory_gb(cfg))
    full = not cfg.model.lora.enabled
    assert cfg.trainer.args.learning_rate == (1e-6 if full else 1e-5)
    assert cfg.sft.args.learning_rate == (1e-5 if full else 1e-4)
    assert cfg.trainer.max_train_prompts is None and cfg.eval.max_samples is not None


@pytest.mark.parametrize("model", QWEN)
def test_one_generation_pass_makes_the_optimizer_steps_completions_and_its_cache_is_counted(model):
    cfg = _compose("paradigm=reczero", f"model={model}")
    args = cfg.trainer.args
    assert generation_batch(args) == args.per_device_train_batch_size * args.gradient_accumulation_steps >= 128
    assert "steps_per_generation" not in args and "generation_batch_size" not in args
    assert generation_batch(args) % args.num_generations == 0
    copy = cfg.model.n_params_b * 2 if not cfg.model.lora.enabled else 0
    kv = generation_batch(args) * (cfg.model.max_prompt_tokens + args.max_completion_length) * kv_bytes_per_token(cfg.model) / 1e9
    assert kv > 1 and rollout_memory_gb(cfg) == pytest.approx(copy + kv)
    assert cfg.trainer.rollout.backend.value == "hf" and cfg.trainer.rollout.dtype.value == "auto"


def test_a_full_fine_tune_of_7b_would_not_fit():
    cfg = _compose("paradigm=recone", "model=qwen2_5_7b_instruct", "model.lora.enabled=false")
    assert training_memory_gb(cfg) > 80


def test_tiny_keeps_the_cpu_defaults():
    cfg = _compose("paradigm=recone")
    assert cfg.hydra.runtime.choices.scale == "tiny"
    assert cfg.trainer.args.max_completion_length == 88 and cfg.trainer.args.learning_rate == 2e-3
    assert cfg.sft.args.learning_rate == 1e-3 and cfg.eval.max_new_tokens == 128
    assert cfg.eval.max_samples is None and not cfg.model.lora.enabled


def test_scale_can_be_chosen_apart_from_the_model():
    cfg = _compose("model=qwen2_5_0_5b_instruct", "scale=qwen2_5_7b_instruct")
    assert cfg.model.lora.enabled and cfg.model.name == "qwen2_5_0_5b_instruct"
