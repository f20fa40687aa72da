"""How each paradigm turns teacher answers into SFT examples (one function per method).

Every method returns ``(examples, counts)``: examples are rows of samples.parquet, counts go to
metrics under ``<method>/``. A teacher answer for the rating role counts only when it is in the
template's strict format (``format_ok(..., strict=True)``, the blocks alone) and when its rating
equals the true rating exactly (never rounded); the true rating decides what is kept, never what is
predicted at evaluation."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from recexp.eval.rounding import round_rating
from recexp.prompts.roles import (Role, chain, chain_reserve, hint_messages, role_messages,
                                  tagged_text, verdict, verify_messages)
from recexp.teachers.base import TeacherRequest


@dataclass
class Item:
    row: int
    true: int
    facts: dict
    context: str  # the shared user turn, within the student's prompt budget


@dataclass
class SampleJob:
    teacher: Any
    template: Any
    roles: list[Role]
    items: list[Item]
    k: int = 1
    rationalize: bool = True
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def build(cls, state, teacher, rows) -> "SampleJob":
        from tqdm.auto import tqdm

        from recexp.data.context import ContextBuilder
        from recexp.prompts.settings import prompt_settings, template_of
        from recexp.prompts.facts import fact_sheet
        from recexp.prompts.render import fit_prompt

        cfg = state.cfg
        template, prompt_cfg = template_of(cfg), prompt_settings(cfg.prompt)
        roles = chain(cfg.paradigm.samples.method.value, template)
        builder = ContextBuilder(state.data.processed, snippet_chars=prompt_cfg["snippet_chars"])
        reserve = chain_reserve(roles)
        train = state.data.split("train")
        ratings = dict(zip(train.column("row").to_pylist(), train.column("rating").to_pylist()))
        items = []
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
            items.append(Item(int(row), int(round_rating(ratings[int(row)])), facts, text))
        return cls(teacher, template, roles, items, k=cfg.paradigm.samples.k,
                   rationalize=cfg.paradigm.samples.rationalize)

    def ask(self, requests: list[TeacherRequest], desc: str) -> list[str | None]:
        """The teacher's texts (None for a failed call, counted as a teacher error)."""
        if self.teacher is None:
            raise ValueError("this sample method needs a teacher; choose teacher=heuristic, openai or hf")
        replies = self.teacher.complete(requests, desc=desc)
        self.counts["teacher_calls"] += len(replies)
        self.counts["teacher_errors"] += sum(r.text is None for r in replies)
        self.counts["teacher_cached"] += sum(r.cached for r in replies)
        return [r.text for r in replies]

    def request(self, role: Role, item: Item, prior: dict, *, hint: bool = False, sample: int = 0,
                task: str | None = None) -> TeacherRequest:
        messages = role_messages(role, item.context, prior)
        if hint:
            messages = hint_messages(messages, item.true, self.template if role.tag is None else None)
        return TeacherRequest(tuple(messages), task or role.task, item.facts, item.true if hint else None, sample)

    def example(self, item: Item, role: Role, prior: dict, completion: str, kind: str) -> dict:
        """A samples.parquet row: the STUDENT's messages (never the hint) and the teacher's answer."""
        messages = role_messages(role, item.context, prior)
        return {"row": item.row, "role": role.name, "messages": json.dumps(messages), "completion": completion.strip(),
                "kind": kind, "true": item.true}

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


def recone(job: SampleJob) -> tuple[list[dict], dict]:
    """RecOne cold start: keep right answers (aligned); re-ask the rest with the true rating and keep
    the new answer when it ends on it (rationalized); drop the others."""
    role = job.roles[-1]
    first = job.ask([job.request(role, item, {}) for item in job.items], "teacher: reason")
    examples, wrong = [], []
    for item, text in zip(job.items, first):
        if job.rated(text) == item.true:
            examples.append(job.example(item, role, {}, text, "aligned"))
        else:
            wrong.append(item)
    job.counts["aligned"] = len(examples)
    second = job.ask([job.request(role, item, {}, hint=True, task="rationalize") for item in wrong],
                     "teacher: rationalize") if wrong and job.rationalize else [None] * len(wrong)
    for item, text in zip(wrong, second):
        if job.rated(text) == item.true:
            examples.append(job.example(item, role, {}, text, "rationalized"))
    job.counts["rationalized"] = len(examples) - job.counts["aligned"]
    job.counts["dropped"] = len(wrong) - job.counts["rationalized"]
    return examples, dict(job.counts)


def recsaver(job: SampleJob) -> tuple[list[dict], dict]:
    """Rec-SAVER: ``k`` sampled answers per interaction; the teacher verifies each against the true
    rating and only answers it judges consistent are kept."""
    role = job.roles[-1]
    pairs = [(item, s) for item in job.items for s in range(job.k)]
    texts = job.ask([job.request(role, item, {}, sample=s) for item, s in pairs], "teacher: sample")
    candidates = [(item, text) for (item, _), text in zip(pairs, texts) if job.rated(text) is not None]
    checks = job.ask([_verify_request(item, text) for item, text in candidates], "teacher: verify")
    examples = [job.example(item, role, {}, text, "verified")
                for (item, text), check in zip(candidates, checks) if check is not None and verdict(check)]
    job.counts.update({"answers": len(pairs), "verified": len(examples),
                       "rejected": len(candidates) - len(examples),
                       "unclear_verdicts": sum(c is not None and verdict(c) is None for c in checks),
                       "interactions_kept": len({e["row"] for e in examples})})
    return examples, dict(job.counts)


def _verify_request(item: Item, answer: str) -> TeacherRequest:
    messages = verify_messages(item.context, answer, item.true, item.facts["scale"])
    return TeacherRequest(tuple(messages), "verify", {**item.facts, "answer": answer}, item.true)


def chained(job: SampleJob) -> tuple[list[dict], dict]:
    """EXP3RT / Reason4Rec: the teacher plays each role in order, each seeing the outputs before it;
    the roles after the first input-free ones are rating-guided (told the true rating). An
    interaction is kept only when every role answered in its format and the rating role ended on
    the true rating; then each role becomes one student example."""
    outputs: dict[int, dict[str, str]] = {item.row: {} for item in job.items}
    texts: dict[int, dict[str, str]] = {item.row: {} for item in job.items}
    alive = list(job.items)
    for role in job.roles:
        guided = bool(role.inputs)
        replies = job.ask([job.request(role, item, outputs[item.row], hint=guided) for item in alive],
                          f"teacher: {role.name}")
        alive = [item for item, text in zip(alive, replies) if _accept(job, role, item, text, outputs, texts)]
    examples = [job.example(item, role, _inputs_of(role, outputs[item.row]), texts[item.row][role.name],
                            "guided" if role.inputs else "role")
                for item in alive for role in job.roles]
    job.counts.update({"kept": len(alive), "dropped": len(job.items) - len(alive)})
    return examples, dict(job.counts)


def _accept(job: SampleJob, role: Role, item: Item, text: str | None, outputs: dict, texts: dict) -> bool:
    if role.tag is None:
        ok = job.rated(text) == item.true
    else:
        content = tagged_text(text, role.tag) if text is not None else None
        ok = content is not None
        if text is not None and not ok:
            job.counts[f"{role.name}_unparsed"] += 1
        if ok:
            outputs[item.row][role.name] = content
    if ok:
        texts[item.row][role.name] = text
    return ok


def _inputs_of(role: Role, outputs: dict) -> dict:
    return {name: outputs[name] for name in role.inputs}


def rating_only(job: SampleJob) -> tuple[list[dict], dict]:
    """TALLRec-style: the true rating alone, in the template's format (no teacher)."""
    from recexp.prompts.facts import write_answer

    role = job.roles[-1]
    examples = [job.example(item, role, {}, write_answer(job.template, item.facts, item.true), "rating_only")
                for item in job.items]
    return examples, {"examples": len(examples)}


METHODS: dict[str, Callable[[SampleJob], tuple[list[dict], dict]]] = {
    "recone": recone, "recsaver": recsaver, "exp3rt": chained, "reason4rec": chained, "rating_only": rating_only,
}
