"""The rule-based teacher: offline, deterministic, and open about being rule-based.

It reads the request's fact sheet (``recexp.prompts.facts.fact_sheet`` plus ``template``), never
the true rating except where the request gives it (``hint_rating``). Its rating rule: the mean of
the user's and the item's average ratings, +0.5 when the item's attributes overlap the user's
likes, -0.5 when they overlap the dislikes, rounded half up and clipped to 1-5 (4 when nothing is known).
On another rating scale (``facts["scale"]``) the constants are the same fractions of its width
(default ``scale.at(0.75)``, shift ``width / 8``, stretch ``width / 4``), so 1-5 is unchanged.
Sample k > 0 shifts the rule by a deterministic offset in {-1, 0, +1}, to stand in for sampling.
Told a rating (rationalization, guided reasoning), it argues for it only when it lies within
``MAX_STRETCH`` (1-5 stars) of its own rule; otherwise it keeps its own rating (and the sample is dropped).

``recexp.prompts`` (which loads pandas) is imported inside the functions that write the texts, so
listing the teacher backends stays fast."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.teachers._registry import TEACHERS
from recexp.teachers.base import Teacher, TeacherReply, TeacherRequest

MAX_STRETCH = 1
MARK = "(rule-based teacher)"


@TEACHERS.register("heuristic", order=1)
class HeuristicTeacher(Teacher):
    """Offline, deterministic, rule-based; needs no config beyond its name (and caches nothing)."""

    name = "heuristic"

    def __init__(self, cfg: Any = None, cache_root: Path | None = None) -> None:
        self.cfg = cfg

    def complete(self, requests: Sequence[TeacherRequest], desc: str = "teacher") -> list[TeacherReply]:
        return [TeacherReply(text=answer(request)) for request in requests]


def answer(request: TeacherRequest) -> str:
    """The rule-based text for one request."""
    writer = _WRITERS.get(request.task)
    if writer is None:
        raise ValueError(f"heuristic teacher: unknown task {request.task!r}; known: {', '.join(sorted(_WRITERS))}")
    return writer(request)


def rule_rating(facts: dict, sample: int = 0) -> int:
    """The teacher's own rating for the facts: the estimate its reasoning states
    (``recexp.prompts.facts.estimate_rating``), shifted for samples k > 0."""
    from recexp.prompts.facts import estimate_rating

    return int(_scale(facts).clip(estimate_rating(facts) + _sample_offset(facts, sample)))


def _scale(facts: dict) -> RatingScale:
    """The rating scale of the fact sheet (the default for sheets that do not say)."""
    return facts.get("scale", DEFAULT_SCALE)


def _sample_offset(facts: dict, sample: int) -> int:
    if sample == 0:
        return 0
    key = f"{facts['item_title']}|{facts['user_avg']}|{sample}".encode()
    return int(hashlib.sha256(key).hexdigest(), 16) % 3 - 1


def _rating_for(request: TeacherRequest) -> int:
    own = rule_rating(request.facts, request.sample)
    hint = request.hint_rating
    stretch = MAX_STRETCH * _scale(request.facts).width / DEFAULT_SCALE.width
    return hint if hint is not None and abs(hint - own) <= stretch else own


def _reason(request: TeacherRequest) -> str:
    from recexp.prompts.facts import write_answer
    from recexp.prompts.templates import get_template

    template = get_template(request.facts["template"], _scale(request.facts))
    text = write_answer(template, request.facts, _rating_for(request))
    return _marked(text)


def _marked(text: str) -> str:
    """The rule-based mark at the end of the last block before ``<rate>`` (a rating-only answer
    has no room for it and stays as it is)."""
    rate_at = text.find("<rate>")
    last_close = text.rfind("</", 0, rate_at) if rate_at >= 0 else -1
    if last_close < 0:
        return text
    return f"{text[:last_close]} {MARK}{text[last_close:]}"


def _format_average(value: float | None) -> str:
    """``recexp.prompts.user_turn.format_average``, imported when first written."""
    from recexp.prompts.user_turn import format_average

    return format_average(value)


def _user_profile(request: TeacherRequest) -> str:
    f = request.facts
    likes = ", ".join(f["liked"] or f["liked_titles"]) or "nothing clear"
    dislikes = ", ".join(f["disliked"] or f["disliked_titles"]) or "nothing clear"
    return (f"<profile>Likes {likes}; dislikes {dislikes}; average rating {_format_average(f['user_avg'])} "
            f"over {f['user_n']} ratings. {MARK}</profile>")


def _item_profile(request: TeacherRequest) -> str:
    f = request.facts
    cats = ", ".join(f["item_categories"]) or "no listed attributes"
    return (f"<profile>{f['item_title']} ({cats}). Praised: {', '.join(f['item_positives']) or 'none reported'}; "
            f"criticised: {', '.join(f['item_negatives']) or 'none reported'}; average rating "
            f"{_format_average(f['item_avg'])}. {MARK}</profile>")


def _summarize(request: TeacherRequest) -> str:
    f = request.facts
    parts = [f"cares for {a}" for a in f["liked"]] + [f"rates {a} low" for a in f["disliked"]]
    aspects = "; ".join(parts) or "no clear aspect preferences"
    return f"<summary>{aspects}; rates {_format_average(f['user_avg'])} on average. {MARK}</summary>"


def _reason_only(request: TeacherRequest) -> str:
    f = request.facts
    rating = _rating_for(request)
    fit = ("fits the user's likes" if f["overlap_liked"] else
           "touches the user's dislikes" if f["overlap_disliked"] else "has no clear overlap with the user's tastes")
    scale = _scale(f)
    lean = _LEANS[round((rating - scale.lo) / scale.width * (len(_LEANS) - 1))]
    return (f"<reasoning>The item {fit}; item average {_format_average(f['item_avg'])}, user average "
            f"{_format_average(f['user_avg'])}. Overall the user's reaction is likely {lean}. {MARK}</reasoning>")


def _verify(request: TeacherRequest) -> str:
    from recexp.eval.rounding import round_rating
    from recexp.rewards import parse_rating

    rated = parse_rating(request.facts["answer"], request.facts["template"], _scale(request.facts))
    ok = rated is not None and request.hint_rating is not None and round_rating(rated) == request.hint_rating
    return f"<verdict>{'yes' if ok else 'no'}</verdict>"


_LEANS = ("strongly negative", "negative", "mixed", "positive", "strongly positive")  # low to high
_WRITERS = {
    "reason": _reason, "rationalize": _reason, "user_profile": _user_profile,
    "item_profile": _item_profile, "summarize": _summarize, "reason_only": _reason_only, "verify": _verify,
}
