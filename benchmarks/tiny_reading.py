"""Does a model's reasoning read the prompt? The probe behind the embedded default's design.

    python benchmarks/tiny_reading.py MODEL_DIR [overrides ...] [--n 120]

MODEL_DIR is a model directory (a tiny build under ``<cache_dir>/models/tiny-*``, a run's ``model/``
or ``best/``). The overrides compose the config the model was built for (default: the embedded
default); the prompts are its budgeted valid prompts. For each prompt the model answers greedily
(think_before_rec), and the script prints:

- how often the answer restates the item's and the user's average exactly as the prompt shows them
  (one decimal), and the correlation of the restated user average with the true one;
- how often its "estimate N" equals the estimate of the facts its prompt shows
  (``recexp.prompts.facts.estimate_rating``);
- the model's probabilities for each rating digit right after ``<rate>``, and how often the most
  likely digit is the stated estimate (0 for a model that has not learned to use its reasoning).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_dir
from transformers import AutoModelForCausalLM, AutoTokenizer

import recexp.config  # noqa: F401
from recexp.common.layout import CONF_DIR
from recexp.data.context import ContextBuilder
from recexp.data.pipeline import load_dataset
from recexp.eval.generation import generate_batched
from recexp.prompts.facts import estimate_rating, fact_sheet
from recexp.prompts.render import build_messages, render_prompt_text, shown_context
from recexp.prompts.settings import prompt_settings

ROOT = Path(__file__).resolve().parents[1]
AVERAGE = re.compile(r"average (\d+\.\d)")
ESTIMATE = re.compile(r"estimate (\d+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["logger=none", *args.overrides])
    tok, model = AutoTokenizer.from_pretrained(args.model_dir), AutoModelForCausalLM.from_pretrained(args.model_dir).eval()
    data = load_dataset(cfg.dataset, cfg.cache_dir)
    settings = prompt_settings(cfg.prompt)
    valid = data.split("valid")
    rows = valid.column("row").to_numpy()[:args.n]
    builder = ContextBuilder(data.processed, snippet_chars=settings["snippet_chars"])
    contexts = [builder.build(int(r)) for r in rows]
    prompts = [render_prompt_text(build_messages("think_before_rec", ctx, tokenizer=tok, **_budget(settings))[0], tok)
               for ctx in contexts]
    answers = generate_batched(model, tok, prompts, batch_size=40, max_new_tokens=cfg.eval.max_new_tokens, desc="probe")
    report(tok, model, contexts, prompts, answers, settings)


def _budget(settings: dict) -> dict:
    return {"max_tokens": settings["max_tokens"], "snippet_chars": settings["snippet_chars"],
            "item_reviews_limit": settings["item_reviews_limit"]}


def report(tok, model, contexts, prompts, answers, settings) -> None:
    shown = [shown_context("think_before_rec", ctx, tokenizer=tok, **_budget(settings)) for ctx in contexts]
    estimates = np.array([estimate_rating(fact_sheet(s, item_reviews_limit=settings["item_reviews_limit"])) for s in shown])
    stated = np.array([int(m.group(1)) if (m := ESTIMATE.search(a)) else -1 for a in answers])
    averages = [[float(x) for x in AVERAGE.findall(a)] for a in answers]
    user = np.array([ctx["user_avg_rating"] if ctx["user_avg_rating"] is not None else np.nan for ctx in contexts])
    item = np.array([ctx["item_avg_rating"] if ctx["item_avg_rating"] is not None else np.nan for ctx in contexts])
    said_user = np.array([a[0] if a else np.nan for a in averages])
    said_item = np.array([a[1] if len(a) > 1 else np.nan for a in averages])
    both = ~np.isnan(said_user) & ~np.isnan(user)
    print(f"prompts: {len(prompts)}")
    print(f"item average restated exactly: {np.mean(np.abs(said_item - np.round(item, 1)) < 0.05):.2f}; "
          f"user average exactly: {np.mean(np.abs(said_user - np.round(user, 1)) < 0.05):.2f}; "
          f"corr(restated, true user average): {np.corrcoef(said_user[both], user[both])[0, 1]:.3f}")
    print(f"stated estimate == the shown facts' estimate: {np.mean(stated == estimates):.2f}; "
          f"stated estimates: {dict(zip(*np.unique(stated, return_counts=True)))}")
    probs = digit_probabilities(tok, model, prompts, answers)
    ok = ~np.isnan(probs[:, 0])
    best = probs[ok].argmax(1) + 1
    print(f"P(rating digit) after <rate>, mean over prompts: {np.round(probs[ok].mean(0), 3).tolist()}; "
          f"most likely digit == stated estimate: {np.mean(best == stated[ok]):.2f}")


def digit_probabilities(tok, model, prompts: list[str], answers: list[str]) -> np.ndarray:
    """P(digit 1..5) at the position right after ``<rate>`` in each greedy answer (NaN without one)."""
    digits = [tok.convert_tokens_to_ids(str(d)) for d in range(1, 6)]
    out = np.full((len(prompts), 5), np.nan)
    for i, (prompt, answer) in enumerate(zip(prompts, answers)):
        cut = answer.find("<rate>")
        if cut < 0:
            continue
        ids = tok(prompt + answer[:cut + len("<rate>")], return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            logits = model(**ids).logits[0, -1]
        out[i] = torch.softmax(logits[digits], -1).numpy()
    return out


if __name__ == "__main__":
    main()
