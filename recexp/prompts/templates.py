"""Prompt templates (system instructions with answer tags) and the shared user turn.

The user turn is built from a leakage-free context (``recexp.data.context.ContextBuilder``);
it never contains the target interaction's rating.
"""

from __future__ import annotations

from dataclasses import dataclass

from recexp.data.context import snippet
from recexp.data.scale import DEFAULT_SCALE, RatingScale

def task_line(scale: RatingScale) -> str:
    """The task sentence every template starts with, on ``scale``."""
    return (f"You predict the rating (an integer {scale.describe()}) that a user will give an item, "
            "from the user's history and the item's information.")


@dataclass(frozen=True)
class Template:
    """A named answer format: the system prompt and its tags, in answer order, on a rating scale."""

    name: str
    system: str
    tags: tuple[str, ...]
    scale: RatingScale = DEFAULT_SCALE


def _think_before_rec(scale: RatingScale) -> Template:
    return Template(
        name="think_before_rec",
        system=f"""{task_line(scale)}
Answer in exactly four steps, in this order:
1. <analyze user>: the user's preferences, starting with "User Preference:".
2. <analyze item>: the item's name, then [pos] its likely positives and [neg] its likely negatives.
3. <match>: how the user's preferences fit the item.
4. <rate>: only the predicted rating, a number {scale.describe()}.
Answer format:
<analyze user>User Preference: ...</analyze user>
<analyze item>ITEM NAME. [pos] ... [neg] ...</analyze item>
<match>...</match>
<rate>N</rate>""",
        tags=("analyze user", "analyze item", "match", "rate"), scale=scale,
    )


def _direct(scale: RatingScale) -> Template:
    return Template(
        name="direct",
        system=f"""{task_line(scale)}
Answer with only the rating, a number {scale.describe()}, in this format:
<rate>N</rate>""",
        tags=("rate",), scale=scale,
    )


def _free_think(scale: RatingScale) -> Template:
    return Template(
        name="free_think",
        system=f"""{task_line(scale)}
First think briefly about the user's preferences and the item, then give the rating.
Answer format:
<think>...</think>
<rate>N</rate>""",
        tags=("think", "rate"), scale=scale,
    )


_BUILDERS = {"think_before_rec": _think_before_rec, "direct": _direct, "free_think": _free_think}
TEMPLATES: dict[str, Template] = {name: build(DEFAULT_SCALE) for name, build in _BUILDERS.items()}
THINK_BEFORE_REC, DIRECT, FREE_THINK = (TEMPLATES[n] for n in ("think_before_rec", "direct", "free_think"))


def get_template(name: str, scale: RatingScale = DEFAULT_SCALE) -> Template:
    """The template called ``name`` on ``scale``; KeyError naming the known templates otherwise."""
    if name not in _BUILDERS:
        known = ", ".join(sorted(_BUILDERS))
        raise KeyError(f"unknown template {name!r}; known: {known}")
    return TEMPLATES[name] if scale == DEFAULT_SCALE else _BUILDERS[name](scale)


def user_message(ctx: dict, *, history_limit: int | None = None, snippet_chars: int = 120,
                 item_reviews_limit: int = 3) -> str:
    """The user turn: history (most recent last), averages and the target item.

    ``history_limit`` keeps the most recent history items (None: all of ``ctx``);
    ``item_reviews_limit`` keeps the item's most recent reviews."""
    history = most_recent(ctx["user_history"], history_limit)
    item = ctx["target_item"]
    lines = ["user_history (oldest first, most recent last):"]
    lines += [_history_line(entry, snippet_chars) for entry in history] or ["- (none)"]
    lines.append(f"user_avg_rating: {_average(ctx['user_avg_rating'], ctx.get('user_n_prior'))}")
    lines += _item_lines(item, snippet_chars, item_reviews_limit)
    lines.append(f"target_item_avg_rating: "
                 f"{_average(ctx['item_avg_rating'], ctx.get('item_n_prior'))}")
    return "\n".join(lines)


def format_rating(value: float) -> str:
    """A star rating as shown in prompts: "4" for 4.0, "3.5" otherwise."""
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def format_average(value: float | None) -> str:
    """An average rating as shown in prompts and answers (one decimal, or "unknown")."""
    return "unknown" if value is None else f"{value:.1f}"


def most_recent(entries: list, limit: int | None) -> list:
    """The last ``limit`` entries (all when None)."""
    if limit is None:
        return list(entries)
    return list(entries[max(len(entries) - limit, 0):])


def _history_line(entry: dict, snippet_chars: int) -> str:
    cats = entry.get("categories")
    title = f"{entry['title']} ({', '.join(cats)})" if cats else entry["title"]
    return f"- {title} | {_review_text(entry, snippet_chars)}"


def _review_line(review: dict, snippet_chars: int) -> str:
    return f"- {_review_text(review, snippet_chars)}"


def _review_text(review: dict, snippet_chars: int) -> str:
    """"rating R | review title | snippet" (absent parts left out)."""
    parts = [f"rating {format_rating(review['rating'])}", review.get("review_title"),
             snippet(review.get("snippet"), snippet_chars)]
    return " | ".join(part for part in parts if part)


def _item_lines(item: dict, snippet_chars: int, reviews_limit: int) -> list[str]:
    lines = ["target_item:", f"title: {item['title']}"]
    if item.get("categories"):
        lines.append(f"categories: {', '.join(item['categories'])}")
    if item.get("brand"):
        lines.append(f"brand: {item['brand']}")
    if item.get("price") is not None:
        lines.append(f"price: {item['price']:.2f}")
    description = snippet(item.get("description"), snippet_chars)
    if description:
        lines.append(f"description: {description}")
    reviews = most_recent(item.get("reviews") or [], reviews_limit)
    if reviews:
        lines.append("recent reviews (most recent last):")
        lines += [_review_line(review, snippet_chars) for review in reviews]
    return lines


def _average(value: float | None, n: int | None) -> str:
    if value is None:
        return "unknown"
    return f"{format_average(value)} ({n} ratings)" if n else format_average(value)
