"""vLLM is an optional extra: without it every vLLM switch fails at validation in one line naming
the key; the evaluation engine's inputs are checked against a stand-in at the import boundary
(the real engine needs CUDA and is exercised by benchmarks/gpu_grpo.py on a GPU machine)."""

from __future__ import annotations

import sys
import types

import pytest
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401
from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.common.vllm_support import vllm_installed
from recexp.run.validation import validate

pytestmark = pytest.mark.skipif(vllm_installed(), reason="vLLM is installed: the missing-import paths do not apply")


def _compose(*overrides):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides))


@pytest.mark.parametrize("overrides,key", [
    (["trainer.rollout.backend=vllm_colocate"], "trainer.rollout.backend=vllm_colocate"),
    (["trainer.rollout.backend=vllm_server"], "trainer.rollout.backend=vllm_server"),
    (["eval.backend=vllm"], "eval.backend=vllm"),
    (["paradigm=recone", "teacher=hf", "teacher.backend=vllm_local", "teacher.model=Qwen/Qwen2.5-72B-Instruct"],
     "teacher.backend=vllm_local"),
])
def test_each_vllm_switch_names_its_key_and_the_extra(overrides, key):
    with pytest.raises(ConfigError) as error:
        validate(_compose(*overrides))
    message = str(error.value)
    assert message.startswith(f"{key}: needs vLLM") and "pip install -e '.[vllm]'" in message and "\n" not in message


def test_a_paradigm_without_an_llm_ignores_the_eval_backend():
    validate(_compose("paradigm=mf", "eval.backend=vllm"))


def test_engine_gets_greedy_decoding_token_ids_and_keeps_order(monkeypatch):
    calls = {}

    class SamplingParams:
        def __init__(self, **kwargs):
            calls["params"] = kwargs

    class LLM:
        def __init__(self, **kwargs):
            calls["engine"] = kwargs

        def generate(self, inputs, params, lora_request=None, use_tqdm=True):
            calls["inputs"], calls["lora"] = inputs, lora_request
            return [types.SimpleNamespace(outputs=[types.SimpleNamespace(text=f"answer {i}")]) for i in range(len(inputs))]

    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(LLM=LLM, SamplingParams=SamplingParams))
    from recexp.eval.vllm_backend import VLLMGenerator

    class Tokenizer:
        def __call__(self, text, add_special_tokens):
            calls.setdefault("special", set()).add(add_special_tokens)
            return {"input_ids": [len(word) for word in text.split()]}

    generator = VLLMGenerator("/models/student", Tokenizer(), [7, 9], 1024, gpu_memory_utilization=0.5, dtype="bfloat16")
    assert generator(["a bb", "ccc"]) == ["answer 0", "answer 1"]
    assert calls["params"] == {"temperature": 0.0, "max_tokens": 1024, "repetition_penalty": 1.0,
                               "stop_token_ids": [7, 9], "skip_special_tokens": True}
    assert calls["inputs"] == [{"prompt_token_ids": [1, 2]}, {"prompt_token_ids": [3]}] and calls["special"] == {False}
    assert calls["engine"]["model"] == "/models/student" and calls["lora"] is None


def test_a_saved_adapter_is_served_on_its_base(tmp_path):
    from recexp.eval.vllm_backend import served_dirs

    (tmp_path / "adapter_config.json").write_text("{}")
    model = types.SimpleNamespace(peft_config={"default": types.SimpleNamespace(base_model_name_or_path="/base")})
    assert served_dirs(model, str(tmp_path)) == ("/base", str(tmp_path))
    assert served_dirs(None, "/full/model") == ("/full/model", None)
