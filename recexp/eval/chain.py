"""A predictor that plays a chain of roles (EXP3RT, Reason4Rec) with one model and role prompts.

Each role's prompt is the shared context plus the earlier roles' outputs (the content of their
tags); the last role answers in the template and its ``<rate>`` is parsed. An earlier role whose
answer lacks its tag passes its raw text on and is named in the ``unparsed_roles`` column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class ChainPredictor:
    generate_fn = None  # (prompts, desc) -> texts; replaces transformers generation (eval.backend=vllm)

    def __init__(self, model: Any, tokenizer: Any, data: Any, template: Any, prompt_cfg: dict,
                 batch_size: int, max_new_tokens: int, roles: list) -> None:
        from recexp.data.context import ContextBuilder

        self.model, self.tokenizer, self.template, self.roles = model, tokenizer, template, roles
        self.prompt_cfg, self.batch_size, self.max_new_tokens = prompt_cfg, batch_size, max_new_tokens
        self.contexts = ContextBuilder(data.processed, snippet_chars=prompt_cfg["snippet_chars"])

    def predict(self, table: Any, desc: str = "evaluate") -> pd.DataFrame:
        from recexp.eval.generation import generate
        from recexp.prompts.render import render_prompt_text
        from recexp.prompts.roles import chain_reserve, context_message, role_messages, tagged_text
        from recexp.rewards import parse_rating

        contexts, shortened = self._contexts(table.column("row").to_numpy(), context_message, chain_reserve)
        prior: list[dict[str, str]] = [{} for _ in contexts]
        transcripts: list[list[str]] = [[] for _ in contexts]
        unparsed: list[list[str]] = [[] for _ in contexts]
        for role in self.roles:
            prompts = [render_prompt_text(role_messages(role, c, p), self.tokenizer) for c, p in zip(contexts, prior)]
            outputs = generate(self, prompts, f"{desc}: {role.name}")
            for i, text in enumerate(outputs):
                transcripts[i].append(f"[{role.name}] {text}")
                if role.tag is not None:
                    content = tagged_text(text, role.tag)
                    if content is None:
                        unparsed[i].append(role.name)
                    prior[i][role.name] = content if content is not None else text.strip()
        preds = [parse_rating(text, self.template.tags, self.template.scale) for text in outputs]  # the last role's answers
        return pd.DataFrame({
            "pred": np.array([np.nan if p is None else p for p in preds], dtype=np.float64),
            "completion": ["\n".join(t) for t in transcripts], "prompt_shortened": shortened,
            "unparsed_roles": [",".join(names) for names in unparsed],
        })

    def _contexts(self, rows, context_message, chain_reserve) -> tuple[list[str], list[bool]]:
        texts, shortened = [], []
        for row in rows:
            text, cut = context_message(self.template, self.contexts.build(int(row)), tokenizer=self.tokenizer,
                                        prompt_cfg=self.prompt_cfg, reserve=chain_reserve(self.roles))
            texts.append(text)
            shortened.append(cut)
        return texts, shortened
