"""What every sample method works on: the sampled interactions, the teacher, the student's roles.

A teacher answer for the rating role counts only when it is in the template's strict format
(``format_ok(..., strict=True)``, the blocks alone) and when its rating equals the true rating
exactly (never rounded); the true rating decides what is kept, never what is predicted at
evaluation."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from recexp.paradigms.sample_methods._registry import chain
from recexp.prompts.roles import Role, chain_reserve, hint_messages, role_messages
from recexp.teachers.base import TeacherRequest


@dataclass
class Interaction:
    """A sampled train interaction: its row, its true rating, and what the prompt shows of it."""

    row: int
    true: int
    facts: dict
    context: str  # the shared user turn, within the student's prompt budget


@dataclass
class SampleJob:
    """A method's inputs (``items``: the sampled interactions) and its counts, with the helpers that
    ask the teacher and write samples.parquet rows."""

    teacher: Any
    template: Any
    roles: list[Role]
    items: list[Interaction]
    k: int = 1
    rationalize: bool = True
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def build(cls, state, teacher, rows) -> SampleJob:
        from tqdm.auto import tqdm

        from recexp.data.context import ContextBuilder
        from recexp.eval.rounding import round_rating
        from recexp.prompts.facts import fact_sheet
        from recexp.prompts.render import fit_prompt
        from recexp.prompts.settings import prompt_settings, template_of

        cfg = state.cfg
        template, prompt_cfg = template_of(cfg), prompt_settings(cfg.prompt)
        roles = chain(cfg.paradigm.samples.method, template)
        builder = ContextBuilder(state.data.processed, snippet_chars=prompt_cfg["snippet_chars"])
        reserve = chain_reserve(roles)
        train = state.data.split("train")
        ratings = dict(zip(train.column("row").to_pylist(), train.column("rating").to_pylist()))
        interactions = []
        for row in tqdm(rows, desc="teacher_samples: contexts", disable=None):
            ctx = builder.build(int(row))
            # the shared user turn (context_message's, with room for earlier roles' outputs) and the
            # facts it shows, from one budget search
            messages, shown = fit_prompt(template, ctx, tokenizer=state.tokenizer,
                                         max_tokens=prompt_cfg["max_tokens"] - reserve,
                                         snippet_chars=prompt_cfg["snippet_chars"],
                                         item_reviews_limit=prompt_cfg["item_reviews_limit"])
            facts = {**fact_sheet(shown, item_reviews_limit=prompt_cfg["item_reviews_limit"], scale=template.scale),
                     "template": template.name}
            text = messages[-1]["content"]
            interactions.append(Interaction(int(row), int(round_rating(ratings[int(row)])), facts, text))
        return cls(teacher, template, roles, interactions, k=cfg.paradigm.samples.k,
                   rationalize=cfg.paradigm.samples.rationalize)

    def ask(self, requests: list[TeacherRequest], desc: str) -> list[str | None]:
        """The teacher's texts (None for a failed call, counted as a teacher error)."""
        if self.teacher is None:
            raise ValueError("this sample method needs a teacher (teacher.backend=none); choose one of conf/teacher/")
        replies = self.teacher.complete(requests, desc=desc)
        self.counts["teacher_calls"] += len(replies)
        self.counts["teacher_errors"] += sum(r.text is None for r in replies)
        self.counts["teacher_cached"] += sum(r.cached for r in replies)
        return [r.text for r in replies]

    def request(self, role: Role, interaction: Interaction, prior: dict, *, hint: bool = False, sample: int = 0,
                task: str | None = None) -> TeacherRequest:
        """What the teacher is asked for ``role`` (``hint``: told the true rating)."""
        messages = role_messages(role, interaction.context, prior)
        if hint:
            messages = hint_messages(messages, interaction.true, self.template if role.tag is None else None)
        return TeacherRequest(tuple(messages), task or role.task, interaction.facts,
                              interaction.true if hint else None, sample)

    def example(self, interaction: Interaction, role: Role, prior: dict, completion: str, kind: str) -> dict:
        """A samples.parquet row: the STUDENT's messages (never the hint) and the teacher's answer."""
        messages = role_messages(role, interaction.context, prior)
        return {"row": interaction.row, "role": role.name, "messages": json.dumps(messages),
                "completion": completion.strip(), "kind": kind, "true": interaction.true}

    def rated(self, text: str | None) -> float | None:
        """The rating written in a strictly formatted answer, else None (counted as bad_format).

        Never rounded: a teacher's "4.5" does not match a true 4 (nor 5), since its text, which
        says 4.5, would become the SFT label."""
        from recexp.rewards import formatted_rating

        if text is None:
            return None
        rating = formatted_rating(text, self.template.tags, self.template.scale, strict=True)
        if rating is None:
            self.counts["bad_format"] += 1
        return rating
