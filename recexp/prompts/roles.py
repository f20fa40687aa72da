"""Role prompts for the distillation pipelines: what a teacher is asked, and what a student learns.

A role is one step of a chain (EXP3RT: user profile -> item profile -> reasoning and rating;
Reason4Rec: summarizer -> reasoner -> predictor). Each role sees the shared context message plus
the outputs of the roles before it, and answers inside its own tag (the last role answers in the
run's template, ending in ``<rate>``). Teachers get the same messages, plus the true rating when a
role is rating-guided (``hint_messages``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.prompts.templates import Template


def _task(scale: RatingScale) -> str:
    return f"You help predict the rating (an integer {scale.describe()}) that a user will give an item."


_TASK = _task(DEFAULT_SCALE)


@dataclass(frozen=True)
class Role:
    name: str
    task: str  # what the heuristic teacher dispatches on
    system: str
    tag: str | None  # the output tag; None: the run's template (the rating role)
    inputs: tuple[str, ...] = ()  # earlier roles whose outputs are appended to the context


USER_PROFILE = Role(
    "user_profile", "user_profile",
    f"""{_TASK}
From the user's history and reviews, extract the user's preferences: the attributes they like and
dislike, and how generously they rate. Answer in at most 60 words, in this format:
<profile>...</profile>""", "profile")

ITEM_PROFILE = Role(
    "item_profile", "item_profile",
    f"""{_TASK}
From the target item's information and its reviews, write the item's profile: what it is, what
reviewers praise and criticise, and how it is rated. Answer in at most 60 words, in this format:
<profile>...</profile>""", "profile")

SUMMARIZER = Role(
    "summarizer", "summarize",
    f"""{_TASK}
Summarize the user's aspect preferences from their reviews: for each aspect they mention, whether
they care for it and how it affects their ratings. At most 60 words, in this format:
<summary>...</summary>""", "summary")

REASONER = Role(
    "reasoner", "reason_only",
    f"""{_TASK}
Using the user's preference summary, reason step by step about whether and how much the user will
like the target item. Do not give a number. At most 80 words, in this format:
<reasoning>...</reasoning>""", "reasoning", inputs=("summarizer",))

INPUT_TITLES = {"user_profile": "user_profile", "item_profile": "item_profile",
                "summarizer": "user_preference_summary", "reasoner": "reasoning"}

_HINT = ("The user's actual rating of this item is {rating}. Write your answer so that it leads to "
         "this rating{ending}, without saying that you were told it.")


def rating_role(template: Template, inputs: tuple[str, ...], name: str = "rater") -> Role:
    """The chain's last role: the run's template, conditioned on earlier roles' outputs."""
    extra = ""
    if inputs:
        named = ", ".join(INPUT_TITLES[i] for i in inputs)
        extra = f"\nUse the {named} given after the item information."
    return Role(name, "reason", template.system + extra, None, inputs)


def role_messages(role: Role, context_message: str, prior: dict[str, str]) -> list[dict]:
    """``[system, user]`` messages: the shared context, then the outputs of ``role.inputs``."""
    parts = [context_message] + [f"{INPUT_TITLES[name]}: {prior[name]}" for name in role.inputs]
    return [{"role": "system", "content": role.system}, {"role": "user", "content": "\n".join(parts)}]


def hint_messages(messages: list[dict], rating: int, template: Template | None) -> list[dict]:
    """``messages`` with the true rating told to the teacher (rationalization / guided reasoning)."""
    ending = f", ending with <rate>{rating}</rate>" if template is not None else ""
    hint = _HINT.format(rating=rating, ending=ending)
    return messages[:-1] + [{**messages[-1], "content": f"{messages[-1]['content']}\n\n{hint}"}]


def verify_messages(context_message: str, answer: str, rating: int,
                    scale: RatingScale = DEFAULT_SCALE) -> list[dict]:
    """Rec-SAVER's self-verification: is ``answer`` consistent with the true rating?"""
    system = (f"{_task(scale)}\nYou check a reasoning trace. The user's actual rating was {rating}. "
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


def chain(method: str, template: Template) -> list[Role]:
    """The roles a method's student plays, in inference order (the last one rates), on the
    template's rating scale."""
    if method == "exp3rt":
        return [_on_scale(USER_PROFILE, template.scale), _on_scale(ITEM_PROFILE, template.scale),
                rating_role(template, ("user_profile", "item_profile"))]
    if method == "reason4rec":
        return [_on_scale(SUMMARIZER, template.scale), _on_scale(REASONER, template.scale),
                rating_role(template, ("summarizer", "reasoner"), name="predictor")]
    if method in ("recone", "recsaver", "rating_only"):
        return [rating_role(template, ())]
    raise ValueError(f"unknown sample method {method!r}; allowed: exp3rt, reason4rec, recone, recsaver, rating_only")


def _on_scale(role: Role, scale: RatingScale) -> Role:
    """``role`` with its task sentence stated on ``scale`` (the constants are on the default)."""
    return role if scale == DEFAULT_SCALE else replace(role, system=_task(scale) + role.system[len(_TASK):])


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
