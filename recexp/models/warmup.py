"""The tiny model's format warm-up: SFT on fact-restating answers with uniformly random ratings,
in every answer template (one student for every paradigm, whatever its prompt)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def warmup_examples(data: Any, templates: list[Any], prompt_cfg: dict, n: int, seed: int,
                    tokenizer: Any = None) -> list[dict]:
    """``n`` prompt/completion pairs from train interactions, the templates taken in turn; the
    completion restates the prompt's facts and ends on a rating drawn uniformly from the templates'
    scale (the true rating is never used). The rows are train rows; without any (a given split
    with a test file alone), the prompts of every row (their ratings unused), which the log says."""
    from recexp.data.context import ContextBuilder
    from recexp.prompts.facts import fact_sheet, write_answer
    from recexp.prompts.render import fit_prompt

    rng = np.random.default_rng(seed)
    train_rows = _prompt_rows(data)
    rows = rng.choice(train_rows, size=n, replace=len(train_rows) < n)
    scale = templates[0].scale
    ratings = rng.integers(scale.lo, scale.hi + 1, size=n)
    builder = ContextBuilder(data.processed, snippet_chars=prompt_cfg["snippet_chars"])
    examples = []
    for i, (row, rating) in enumerate(zip(rows, ratings)):
        template = templates[i % len(templates)]
        ctx = builder.build(int(row))
        messages, shown = fit_prompt(template, ctx, tokenizer=tokenizer,
                                     max_tokens=prompt_cfg["max_tokens"] if tokenizer else None,
                                     snippet_chars=prompt_cfg["snippet_chars"],
                                     item_reviews_limit=prompt_cfg["item_reviews_limit"])
        facts = fact_sheet(shown, item_reviews_limit=prompt_cfg["item_reviews_limit"], scale=template.scale)
        answer = write_answer(template, facts, int(rating))
        examples.append({"prompt": messages, "completion": [{"role": "assistant", "content": answer}]})
    return examples


def _prompt_rows(data: Any) -> np.ndarray:
    """The train rows, or (no train split) every row: only their prompts are used."""
    rows = data.split("train").column("row").to_numpy()
    if len(rows):
        return rows
    log.warning("model: no train rows; the tiny model's format warm-up uses the prompts of all %d rows "
                "(their ratings are never read)", data.processed.interactions.num_rows)
    return np.arange(data.processed.interactions.num_rows)


def warm_up(model_dir: Path, examples: list[dict], tiny_cfg: dict) -> dict:
    """SFT the model saved in ``model_dir`` on ``examples`` and save it back there."""
    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from recexp.trainers.args import checkpointing_name
    from recexp.trainers.log_scalars import LogScalarsCallback, quiet_progress

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    args = SFTConfig(
        output_dir=str(model_dir / "warmup"), max_steps=tiny_cfg["warmup_steps"],
        per_device_train_batch_size=tiny_cfg["warmup_batch_size"], learning_rate=tiny_cfg["warmup_lr"],
        lr_scheduler_type="cosine", warmup_steps=max(1, tiny_cfg["warmup_steps"] // 20), weight_decay=0.0,
        bf16=False, fp16=False, **{checkpointing_name("sft"): False}, report_to="none", save_strategy="no",
        logging_steps=max(1, tiny_cfg["warmup_steps"] // 10), seed=tiny_cfg["seed"], max_length=None,
        use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0, disable_tqdm=None,
    )
    started = time.perf_counter()
    trainer = SFTTrainer(model=str(model_dir), args=args, train_dataset=Dataset.from_list(examples),
                         processing_class=tokenizer, callbacks=[LogScalarsCallback("tiny warm-up")])
    quiet_progress(trainer)  # the build's progress goes to the log, one line per logging step
    result = trainer.train()
    trainer.save_model(str(model_dir))
    seconds = time.perf_counter() - started
    log.info("model: warm-up done in %.0fs, final train loss %.3f", seconds, result.training_loss)
    return {"warmup_seconds": round(seconds, 1), "warmup_train_loss": result.training_loss,
            "warmup_steps": result.global_step}
