"""HFTeacher on a tiny random Qwen2 model built offline: order, seeded sampling, cache."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from recexp.config import Dtype, TeacherConfig
from recexp.teachers.base import TeacherRequest
from recexp.teachers.hf import HFTeacher

TINY = dict(hidden_size=32, intermediate_size=64, layers=1, heads=2, kv_heads=1, max_position_embeddings=256, seed=0)
CORPUS = ["The user liked the battery and disliked the screen.", "Rate the item from 1 to 5 with a reason.",
          "Average rating 4.2; praised: sound; criticised: price."] * 5


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from recexp.models.tiny import build_model, build_tokenizer

    tokenizer = build_tokenizer(CORPUS, vocab_size=300, tags=("rate",))
    model = build_model(tokenizer, TINY)
    # A random model likes to emit newlines or special tokens (empty after decoding): forbid them.
    model.generation_config.suppress_tokens = [i for i in range(len(tokenizer))
                                               if not tokenizer.decode([i], skip_special_tokens=True).strip()]
    out = tmp_path_factory.mktemp("tiny-teacher")
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out


def make_teacher(model_dir, cache_root, **overrides) -> HFTeacher:
    fields = dict(name="tiny", backend="hf", model=str(model_dir), dtype=Dtype.float32,
                  temperature=0.0, top_p=1.0, max_tokens=6, batch_size=2, cache=False)
    return HFTeacher(OmegaConf.structured(TeacherConfig(**{**fields, **overrides})), cache_root)


def requests(n: int, sample: int = 0) -> list[TeacherRequest]:
    # Distinct lengths: the length-sorted batches are the same whatever the request order.
    return [TeacherRequest(messages=({"role": "system", "content": "You rate items."},
                                     {"role": "user", "content": "rate the item " + "well " * i}), sample=sample)
            for i in range(n)]


def texts(replies) -> list[str | None]:
    return [r.text for r in replies]


def test_batched_greedy_replies_follow_request_order(tiny_model_dir, tmp_path):
    teacher = make_teacher(tiny_model_dir, tmp_path)
    forward = teacher.complete(requests(5))
    assert len(forward) == 5 and all(r.error is None and r.text for r in forward)
    backward = teacher.complete(requests(5)[::-1])
    assert texts(backward) == texts(forward)[::-1]


def test_sampling_is_reproducible_per_sample_index(tiny_model_dir, tmp_path):
    teacher = make_teacher(tiny_model_dir, tmp_path, temperature=1.0)
    first, again = teacher.complete(requests(4, sample=0)), teacher.complete(requests(4, sample=0))
    assert texts(first) == texts(again)
    other = teacher.complete(requests(4, sample=1))
    assert texts(other) != texts(first)


def test_second_call_is_served_from_cache_without_loading(tiny_model_dir, tmp_path):
    first = make_teacher(tiny_model_dir, tmp_path, cache=True, temperature=1.0).complete(requests(3))
    fresh = make_teacher(tiny_model_dir, tmp_path, cache=True, temperature=1.0)
    second = fresh.complete(requests(3))
    assert texts(second) == texts(first) and all(r.cached for r in second)
    assert fresh._model is None


def test_teacher_loads_with_device_map_auto(tiny_model_dir, tmp_path, monkeypatch):
    from transformers import AutoModelForCausalLM

    seen = {}
    load = AutoModelForCausalLM.from_pretrained

    def spy(path, **kwargs):
        seen.update(kwargs)
        return load(path, **kwargs)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", spy)
    assert make_teacher(tiny_model_dir, tmp_path).complete(requests(1))[0].text is not None
    assert seen["device_map"] == "auto"  # a teacher larger than one GPU is spread over all of them
