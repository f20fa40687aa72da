"""``trainer.rollout``: one key picks the backend and sets TRL's switches; those switches are not
``trainer.args`` keys; the vLLM range recexp checks is TRL's and the extra's (no GPU needed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

import recexp.common.vllm_support as vllm_support
import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.run.validation import validate
from recexp.trainers.rollout import TRL_SWITCHES, check_rollout, rollout_dtype, trl_switches

ROOT = Path(__file__).resolve().parents[2]


def _compose(*overrides):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=["paradigm=reczero", *overrides])


@pytest.mark.parametrize("backend", sorted(TRL_SWITCHES))
def test_each_backend_sets_trls_switches(backend):
    switches = trl_switches(_compose(f"trainer.rollout.backend={backend}").trainer.rollout)
    assert switches["use_vllm"] is backend.startswith("vllm")
    assert switches["use_transformers_continuous_batching"] is (backend == "continuous_batching")
    assert switches.get("vllm_mode") == {"vllm_colocate": "colocate", "vllm_server": "server"}.get(backend)


@pytest.mark.parametrize("key", ["use_vllm=true", "vllm_mode=server", "use_transformers_continuous_batching=true"])
def test_a_switch_in_trainer_args_names_the_rollout_key(key):
    with pytest.raises(ConfigError, match=r"^trainer\.args\.\w+: set by trainer\.rollout\.backend \(one of hf, "):
        validate(_compose(f"+trainer.args.{key}"))


def test_an_unknown_backend_fails_to_compose_with_the_allowed_values():
    from recexp.run.error_messages import describe

    with pytest.raises(Exception) as error:
        _compose("trainer.rollout.backend=sglang")
    message = describe(error.value)
    assert "trainer.rollout.backend" in message and "hf, continuous_batching, vllm_colocate, vllm_server" in message


def test_continuous_batching_composes_on_the_installed_transformers():
    check_rollout(_compose("trainer.rollout.backend=continuous_batching"))


def test_vllm_outside_trls_range_is_one_line(monkeypatch):
    monkeypatch.setattr(vllm_support, "vllm_installed", lambda: True)
    monkeypatch.setattr(vllm_support, "_installed_version", lambda: "0.10.2")
    with pytest.raises(ConfigError) as error:
        check_rollout(_compose("trainer.rollout.backend=vllm_colocate"))
    assert str(error.value) == ("trainer.rollout.backend=vllm_colocate: vLLM 0.10.2 is installed; TRL supports "
                                "0.22.0 to 0.31.0; pip install -e '.[vllm]' (a CUDA machine)")
    monkeypatch.setattr(vllm_support, "_installed_version", lambda: "0.31.0")
    check_rollout(_compose("trainer.rollout.backend=vllm_colocate"))


def test_the_vllm_range_is_trls_and_the_extras():
    import importlib.util

    source = (Path(importlib.util.find_spec("trl").origin).parent / "import_utils.py").read_text()
    low, high = re.search(r'Version\("([\d.]+)"\) <= _vllm_base_version <= Version\("([\d.]+)"\)', source).groups()
    assert (low, high) == vllm_support.SUPPORTED
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["vllm"]
    assert extra == [f"vllm>={low},<={high}"]


@pytest.mark.parametrize("dtype,bf16,expected", [
    ("auto", True, torch.bfloat16), ("auto", False, None), ("bfloat16", False, torch.bfloat16), ("float32", True, None)])
def test_the_copys_dtype(dtype, bf16, expected):
    assert rollout_dtype(_compose(f"trainer.rollout.dtype={dtype}").trainer.rollout, bf16) == expected


def test_vllm_keeps_its_own_copy():
    rollout = _compose("trainer.rollout.backend=vllm_server").trainer.rollout
    assert rollout_dtype(rollout, True) is None
