"""Role prompts for the distillation pipelines: what a teacher is asked, and what a student learns.

A role is one step of a chain (EXP3RT: user profile -> item profile -> reasoning and rating;
Reason4Rec: summarizer -> reasoner -> predictor). Each role sees the shared context message plus
the outputs of the roles before it, and answers inside its own tag (the last role answers in the
run's template, ending in ``<rate>``). Teachers get the same messages, plus the true rating when a
role is rating-guided (``hint_messages``). The roles of a method are declared with the method
(``recexp/paradigms/sample_methods/``); this module is the machinery they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.prompts.templates import Template


def task_sentence(scale: RatingScale) -> str:
    """The sentence every role prompt starts with, on ``scale``."""
    return f"You help predict the rating (an integer {scale.describe()}) that a user will give an item."


TASK = task_sentence(DEFAULT_SCALE)  # role prompts are written on the default scale (``on_scale``)


@dataclass(frozen=True)
class Role:
    name: str
    task: str  # what the heuristic teacher dispatches on
    system: str
    tag: str | None  # the output tag; None: the run's template (the rating role)
    inputs: tuple[Role, ...] = ()  # earlier roles whose outputs are appended to the context
    title: str | None = None  # how later roles see this role's output ("user_profile: ..."); None: none read it


_HINT = ("The user's actual rating of this item is {rating}. Write your answer so that it leads to "
         "this rating{ending}, without saying that you were told it.")


def chain_roles(steps: tuple[Role, ...], template: Template, rater: str = "rater") -> list[Role]:
    """The roles a student plays, in inference order, on the template's rating scale: ``steps``,
    then the rating role (named ``rater``), which reads the outputs of every step."""
    return [on_scale(step, template.scale) for step in steps] + [rating_role(template, steps, name=rater)]


def rating_role(template: Template, inputs: tuple[Role, ...], name: str = "rater") -> Role:
    """The chain's last role: the run's template, conditioned on earlier roles' outputs."""
    extra = ""
    if inputs:
        named = ", ".join(role.title for role in inputs)
        extra = f"\nUse the {named} given after the item information."
    return Role(name, "reason", template.system + extra, None, inputs)


def role_messages(role: Role, context_message: str, prior: dict[str, str]) -> list[dict]:
    """``[system, user]`` messages: the shared context, then the outputs of ``role.inputs``
    (``prior``: role name -> output)."""
    parts = [context_message] + [f"{source.title}: {prior[source.name]}" for source in role.inputs]
    return [{"role": "system", "content": role.system}, {"role": "user", "content": "\n".join(parts)}]


def hint_messages(messages: list[dict], rating: int, template: Template | None) -> list[dict]:
    """``messages`` with the true rating told to the teacher (rationalization / guided reasoning)."""
    ending = f", ending with <rate>{rating}</rate>" if template is not None else ""
    hint = _HINT.format(rating=rating, ending=ending)
    return messages[:-1] + [{**messages[-1], "content": f"{messages[-1]['content']}\n\n{hint}"}]


def verify_messages(context_message: str, answer: str, rating: int,
                    scale: RatingScale = DEFAULT_SCALE) -> list[dict]:
    """Rec-SAVER's self-verification: is ``answer`` consistent with the true rating?"""
    system = (f"{task_sentence(scale)}\nYou check a reasoning trace. The user's actual rating was {rating}. "
              "Is the reasoning consistent with that rating, and does its conclusion match it? "
              "Answer only <verdict>yes</verdict> or <verdict>no</verdict>.")
    user = f"{context_message}\n\nreasoning to check:\n{answer}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def tagged_text(text: str, tag: str) -> str | None:
    """The stripped content of the first ``<tag>…</tag>`` block, None when absent or empty."""
    match = re.search(f"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", text, flags=re.S)
    content = match.group(1).strip() if match else ""
    return content or None


def verdict(text: str) -> bool | None:
    """True/False for ``<verdict>yes|no</verdict>``, None when there is no clear verdict."""
    content = (tagged_text(text, "verdict") or "").lower()
    return {"yes": True, "no": False}.get(content)


def on_scale(role: Role, scale: RatingScale) -> Role:
    """``role`` with its task sentence stated on ``scale`` (roles are written on the default)."""
    return role if scale == DEFAULT_SCALE else replace(role, system=task_sentence(scale) + role.system[len(TASK):])


def context_message(template: Template, ctx: dict, *, tokenizer, prompt_cfg: dict, reserve: int = 0) -> tuple[str, bool]:
    """The shared user turn for ``ctx`` under ``prompt_cfg['max_tokens'] - reserve`` tokens (the
    reserve leaves room for earlier roles' outputs), and whether it was shortened."""
    from recexp.prompts.render import build_messages

    messages, shortened = build_messages(
        template, ctx, tokenizer=tokenizer, max_tokens=prompt_cfg["max_tokens"] - reserve,
        snippet_chars=prompt_cfg["snippet_chars"], item_reviews_limit=prompt_cfg["item_reviews_limit"])
    return messages[-1]["content"], shortened


ROLE_OUTPUT_TOKENS = 96  # prompt room kept per earlier role's output in a chain


def chain_reserve(roles: list[Role]) -> int:
    """Tokens to keep free in the context for the longest list of earlier outputs."""
    return ROLE_OUTPUT_TOKENS * max(len(role.inputs) for role in roles)
