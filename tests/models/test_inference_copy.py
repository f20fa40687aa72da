"""The inference copy: one per model, allocated in its dtype, refreshed to the masters rounded; on
CPU evaluation decodes from the model itself (a tiny random Qwen2 model)."""

from __future__ import annotations

import torch

from recexp.models.inference_copy import InferenceCopy, generation_model
from recexp.models.tiny import build_model, build_tokenizer

TINY = dict(hidden_size=32, intermediate_size=64, layers=2, heads=2, kv_heads=1, max_position_embeddings=256, seed=0)


def _model():
    tokenizer = build_tokenizer(["<rate>4</rate> the user liked the sound"] * 5, vocab_size=300, tags=("rate",))
    return build_model(tokenizer, TINY).to(torch.float32)


def _equal_to_rounded(copy, master) -> bool:
    masters = dict(master.named_parameters())
    return all(torch.equal(p, masters[n].detach().to(torch.bfloat16)) for n, p in copy.named_parameters())


def test_copy_is_bf16_tied_frozen_and_follows_the_masters():
    master = _model()
    copy = InferenceCopy.of(master, torch.bfloat16)
    assert InferenceCopy.of(master, torch.bfloat16) is copy  # one per model
    assert {p.dtype for p in copy.model.parameters()} == {torch.bfloat16}
    assert not any(p.requires_grad for p in copy.model.parameters()) and not copy.model.training
    assert copy.model.lm_head.weight is copy.model.model.embed_tokens.weight  # tied like the master
    assert _equal_to_rounded(copy.model, master)
    with torch.no_grad():
        master.model.embed_tokens.weight.add_(1.0)
    assert not _equal_to_rounded(copy.model, master)
    assert copy.refresh_if_stale(master, step=1) and not copy.refresh_if_stale(master, step=1)
    assert _equal_to_rounded(copy.model, master)


def test_copy_generates_what_the_rounded_model_generates():
    master = _model()
    ids = torch.tensor([[1, 5, 9, 13]])
    rounded = build_model(build_tokenizer(["<rate>4</rate> the user liked the sound"] * 5, vocab_size=300,
                                          tags=("rate",)), TINY).to(torch.bfloat16)
    rounded.load_state_dict({k: v.to(torch.bfloat16) for k, v in master.state_dict().items()})
    copy = InferenceCopy.of(master, torch.bfloat16).model
    kwargs = dict(max_new_tokens=8, do_sample=False, pad_token_id=0)
    assert torch.equal(copy.generate(ids, **kwargs), rounded.generate(ids, **kwargs))


def test_evaluation_on_cpu_decodes_from_the_model_itself_unless_asked():
    master = _model()
    assert generation_model(master) is master
    copy = generation_model(master, torch.bfloat16)
    assert copy is not master and copy.dtype == torch.bfloat16 and _equal_to_rounded(copy, master)
