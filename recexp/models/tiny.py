"""``model=tiny``: a small Qwen2-architecture model built offline, standing in for an instruct LLM.

Built on first use and cached under ``<cache_dir>/models/tiny-<key>`` (key: the tiny config,
the dataset fingerprint and the prompt settings; one process builds it while others wait, and a
killed build leaves only a temporary sibling, removed by the next build: ``recexp.common.publish``), in
three steps:

1. tokenizer: byte-level BPE trained on the dataset's prompt texts, a Qwen-style chat template
   (``<|im_start|>``/``<|im_end|>``), and the template tags (``<rate>``, ``[pos]``, ...) added as
   ORDINARY tokens, so decoding with ``skip_special_tokens=True`` keeps them;
2. model: ``Qwen2ForCausalLM`` with the configured (small) sizes, randomly initialised;
3. warm-up: a short SFT (TRL's SFTTrainer, loss on the completion only) on answers in every
   template (``think_before_rec``, ``free_think``, ``direct``, in the proportions of
   ``warmup_templates``, so every paradigm starts from the same student whatever its prompt)
   whose analysis restates the facts its budgeted prompt shows (averages and the whole star each
   rounds to, liked attributes, the item's praised/criticised points, an estimate from the
   averages; ``recexp.prompts.facts``) and whose rating is drawn UNIFORMLY AT RANDOM. It teaches
   the answer format and to restate the prompt, never which rating is right: the warmed-up model's
   rating is uninformed (greedy decoding picks the digit it happens to prefer), and GRPO has a
   format signal to start from. A randomly initialised model would earn
   zero reward everywhere and GRPO would learn nothing.

The result is saved with ``save_pretrained`` and loaded back by path, so TRL can rebuild the
reference model from ``_name_or_path``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from recexp.common.distributed import is_multi_process, run_single_process
from recexp.common.publish import build_lock, publish_dir, remove_orphans

log = logging.getLogger(__name__)

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
EXTRA_TAG_TOKENS = ["[pos]", "[neg]"]
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
DONE_FILE = "tiny_build.json"
# Part of the cache key: bump when the tokenizer, model or warm-up recipe (or the prompts and
# answers it is trained on) change, so stale tiny models are not reused.
TINY_BUILD_VERSION = 6


def recipe_of(tiny_cfg: dict) -> dict:
    """The keys of ``model.tiny`` that shape the build (``student`` only says where it comes from)."""
    return {k: v for k, v in tiny_cfg.items() if k != "student"}


def tiny_key(tiny_cfg: dict, data_fingerprint: str, prompt_settings: dict) -> str:
    payload = json.dumps({"version": TINY_BUILD_VERSION, "tiny": recipe_of(tiny_cfg), "data": data_fingerprint,
                          "prompt": prompt_settings}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def ensure_tiny(cache_root: Path, tiny_cfg: dict, data: Any, prompt_cfg: dict) -> Path:
    """Path of the warmed-up tiny model for this data and prompt budget (the same for every
    template); built once, then reused."""
    key = tiny_key(tiny_cfg, data.fingerprint, prompt_cfg)
    target = cache_root / "models" / f"tiny-{key}"
    if (target / DONE_FILE).exists():
        log.info("model: reusing tiny model %s", target)
        return target
    with build_lock(target, "model"):  # a concurrent builder of the same model is waited for
        if (target / DONE_FILE).exists():
            log.info("model: reusing tiny model %s (built by another process meanwhile)", target)
            return target
        remove_orphans(target, "model")
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            log.info("model: building tiny model %s", target)
            report = _build_alone(tmp, tiny_cfg, data, prompt_cfg)
            (tmp / DONE_FILE).write_text(json.dumps(report, indent=2))
            publish_dir(tmp, target, lambda d: (d / DONE_FILE).exists())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _build_alone(out: Path, tiny_cfg: dict, data: Any, prompt_cfg: dict) -> dict:
    """``_build``; in a multi-process run in a fresh single process: its warm-up trains with a
    Trainer, which inside the run's process group would wait for the ranks that are not building."""
    if is_multi_process():
        log.info("model: building the tiny model in a separate single process")
        return run_single_process(_build, out, tiny_cfg, data, prompt_cfg)
    return _build(out, tiny_cfg, data, prompt_cfg)


def _build(out: Path, tiny_cfg: dict, data: Any, prompt_cfg: dict) -> dict:
    from recexp.models.warmup import warm_up

    tokenizer, examples = tokenizer_and_examples(tiny_cfg, data, prompt_cfg)
    model = build_model(tokenizer, tiny_cfg)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    log.info("model: tiny model with %.2fM parameters; warm-up on %d examples", _n_params(model) / 1e6, len(examples))
    report = warm_up(out, examples, tiny_cfg)
    return {"n_params": _n_params(model), "vocab_size": len(tokenizer), **report,
            "contents": contents_fingerprint(tokenizer, examples)}


def tokenizer_and_examples(tiny_cfg: dict, data: Any, prompt_cfg: dict) -> tuple[Any, list[dict]]:
    """The trained tokenizer and the (budgeted) warm-up examples: everything the build trains on."""
    from recexp.models.warmup import warmup_examples
    from recexp.prompts.templates import TEMPLATES, get_template

    n, seed = tiny_cfg["warmup_samples"], tiny_cfg["seed"]
    templates = [get_template(name, data.scale) for name, count in tiny_cfg["warmup_templates"].items()
                 for _ in range(count)]
    unbudgeted = warmup_examples(data, templates, prompt_cfg, n, seed)
    tags = tuple(dict.fromkeys(tag for t in TEMPLATES.values() for tag in t.tags))
    tokenizer = build_tokenizer(_corpus(unbudgeted, templates), tiny_cfg["vocab_size"], tags)
    return tokenizer, warmup_examples(data, templates, prompt_cfg, n, seed, tokenizer=tokenizer)


def contents_fingerprint(tokenizer: Any, examples: list[dict]) -> dict:
    """sha256 of the trained tokenizer (vocabulary, merges, added tokens, chat template) and of the
    warm-up examples: they change when the code that makes them does, whatever the config says."""
    tok = json.dumps({"tokenizer": json.loads(tokenizer.backend_tokenizer.to_str()),
                      "chat_template": tokenizer.chat_template}, sort_keys=True)
    return {"tokenizer": hashlib.sha256(tok.encode()).hexdigest(),
            "warmup_examples": hashlib.sha256(json.dumps(examples, sort_keys=True).encode()).hexdigest()}


def _corpus(examples: list[dict], templates: list[Any]) -> list[str]:
    texts = [t.system for t in dict.fromkeys(templates)]
    for ex in examples:
        texts.extend(m["content"] for m in ex["prompt"])
        texts.extend(m["content"] for m in ex["completion"])
    return texts


def build_tokenizer(texts: list[str], vocab_size: int, tags: tuple[str, ...]):
    """Byte-level BPE trained on ``texts`` with a chat template; tags are ordinary added tokens."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    tag_tokens = [t for tag in tags for t in (f"<{tag}>", f"</{tag}>")] + EXTRA_TAG_TOKENS
    core.add_tokens([AddedToken(t, special=False, normalized=False) for t in tag_tokens])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=None, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_model(tokenizer, tiny_cfg: dict):
    """A randomly initialised Qwen2ForCausalLM of the configured size."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(tiny_cfg["seed"])
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=tiny_cfg["hidden_size"],
        intermediate_size=tiny_cfg["intermediate_size"], num_hidden_layers=tiny_cfg["layers"],
        num_attention_heads=tiny_cfg["heads"], num_key_value_heads=tiny_cfg["kv_heads"],
        max_position_embeddings=tiny_cfg["max_position_embeddings"], tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=None,
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def _n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())
