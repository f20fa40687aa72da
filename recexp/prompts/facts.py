"""Facts a prompt states, and template-shaped answers that restate them (warm-up / teacher data).

Nothing here sees the true rating: ``write_answer`` takes the rating to put in ``<rate>``.
"""

from __future__ import annotations

from collections import Counter

from recexp.data.context import snippet
from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.eval.rounding import round_rating
from recexp.prompts.templates import Template, get_template
from recexp.prompts.user_turn import format_average, most_recent

TOP_K = 3
TOP_TASTES = 2  # likes, dislikes and item attributes an answer names (short answers for small models)
TOP_PHRASES = 1
LIKED_AT, DISLIKED_AT = 0.75, 0.25  # liked: >= scale.at(0.75) (4 on 1-5); disliked: <= at(0.25) (2)
_TITLE_CHARS = 60
_PHRASE_WORDS = 5


def fact_sheet(ctx: dict, *, item_reviews_limit: int = 3, scale: RatingScale = DEFAULT_SCALE) -> dict:
    """What the prompt for ``ctx`` says, condensed: averages, liked/disliked attributes (categories
    of history items rated >= 4 / <= 2 on 1-5, ``scale.at(0.75)`` / ``scale.at(0.25)`` on any scale,
    when history entries carry ``categories``; see
    ``ContextBuilder`` history entries), the item's praised/criticised points (review titles of its
    shown reviews rated >= 4 / <= 2) and the overlap of its categories with the user's tastes."""
    history = ctx["user_history"]
    item = ctx["target_item"]
    liked_min, disliked_max = scale.at(LIKED_AT), scale.at(DISLIKED_AT)
    liked, disliked = _tastes(history, liked_min, disliked_max)
    reviews = most_recent(item.get("reviews") or [], item_reviews_limit)
    categories = list(item.get("categories") or [])
    return {
        "user_avg": ctx["user_avg_rating"], "user_n": ctx.get("user_n_prior", len(history)),
        "item_avg": ctx["item_avg_rating"], "item_n": ctx.get("item_n_prior", 0),
        "liked": liked, "disliked": disliked,
        "liked_titles": _titles(history, lambda r: r >= liked_min),
        "disliked_titles": _titles(history, lambda r: r <= disliked_max),
        "item_title": item["title"], "item_categories": categories,
        "item_positives": _phrases(reviews, lambda r: r >= liked_min),
        "item_negatives": _phrases(reviews, lambda r: r <= disliked_max),
        "overlap_liked": [c for c in categories if c in liked],
        "overlap_disliked": [c for c in categories if c in disliked],
        "scale": scale,
    }


def write_answer(template: Template | str, facts: dict, rating: int) -> str:
    """A completion in ``template``'s format restating ``facts``, ending in ``<rate>rating</rate>``
    (an integer on the template's scale). Short (about 30-50 words for the thinking templates), for
    small models to learn. The reasoning restates each average with the whole star it rounds to
    ("average 4.2, about 4") and ends on the estimate the facts suggest (``estimate_rating``), right
    before ``<rate>``: rating well is then a matter of copying a nearby token, which a small model
    can learn from few rewards."""
    template = get_template(template) if isinstance(template, str) else template
    if int(rating) != rating or not template.scale.contains(rating):
        raise ValueError(f"rating must be an integer {template.scale.describe()}, got {rating!r}")
    writer = _WRITERS.get(template.tags)
    if writer is None:
        raise ValueError(f"no answer writer for template {template.name!r} (tags {template.tags})")
    return writer(facts, f"<rate>{int(rating)}</rate>")


def estimate_rating(facts: dict) -> int:
    """The rating the facts suggest, as the answers' reasoning states it ("estimate N"): the mean of
    the user's and the item's averages, +1/8 of the scale's width (0.5 on 1-5) when the item's
    attributes overlap the user's likes, -1/8 when they overlap the dislikes, rounded half up and
    clipped to the scale (``scale.at(0.75)``, 4 on 1-5, when nothing is known). A function of the
    prompt alone, never of the true rating."""
    scale = facts.get("scale", DEFAULT_SCALE)
    known = [v for v in (facts["user_avg"], facts["item_avg"]) if v is not None]
    score = sum(known) / len(known) if known else scale.at(0.75)
    shift = scale.width / 8
    score += shift * bool(facts["overlap_liked"]) - shift * bool(facts["overlap_disliked"])
    return int(scale.clip(round_rating(score)))


def _think_before_rec(facts: dict, rate: str) -> str:
    pos, neg = _points(facts)
    return "\n".join([
        f"<analyze user>User Preference: {_user_text(facts)}</analyze user>",
        f"<analyze item>{_item_head(facts)} [pos] {pos} [neg] {neg}; {_average_text(facts['item_avg'])}.</analyze item>",
        f"<match>{_match_text(facts)}</match>", rate])


def _free_think(facts: dict, rate: str) -> str:
    pos, neg = _points(facts)
    think = (f"User: {_user_text(facts)} Item: {_item_head(facts)} Praised: {pos}. "
             f"Criticised: {neg}; {_average_text(facts['item_avg'])}. {_match_text(facts)}")
    return f"<think>{think}</think>\n{rate}"


_WRITERS = {
    ("analyze user", "analyze item", "match", "rate"): _think_before_rec,
    ("think", "rate"): _free_think,
    ("rate",): lambda facts, rate: rate,
}


def _tastes(history: list[dict], liked_min: float, disliked_max: float) -> tuple[list[str], list[str]]:
    """Categories of liked / disliked history items, most frequent (then most recent) first;
    a category counts only for the side where it occurs more often."""
    likes, dislikes = Counter(), Counter()
    for entry in reversed(history):
        cats = list(dict.fromkeys(entry.get("categories") or []))
        if entry["rating"] >= liked_min:
            likes.update(cats)
        elif entry["rating"] <= disliked_max:
            dislikes.update(cats)
    liked = [c for c, n in likes.most_common() if n > dislikes[c]]
    disliked = [c for c, n in dislikes.most_common() if n > likes[c]]
    return liked[:TOP_K], disliked[:TOP_K]


def _titles(history: list[dict], keep) -> list[str]:
    """Titles of the most recent history items whose rating passes ``keep`` (up to 2)."""
    titles = [_short_title(e["title"]) for e in reversed(history) if keep(e["rating"])]
    return list(dict.fromkeys(titles))[:2]


def _phrases(reviews: list[dict], keep) -> list[str]:
    """Most common review-title phrases (then most recent) of reviews passing ``keep``."""
    phrases = Counter(_phrase(r.get("review_title"))
                      for r in reversed(reviews) if keep(r["rating"]))
    return [p for p, _ in phrases.most_common() if p][:TOP_PHRASES]


def _phrase(title: str | None) -> str:
    words = (title or "").strip().strip(".!?,;:").lower().split()
    return " ".join(words[:_PHRASE_WORDS])


def _short_title(title: str) -> str:
    return snippet(title, _TITLE_CHARS)


def _listing(values: list[str]) -> str:
    return ", ".join(values)


def _user_text(facts: dict) -> str:
    if facts["user_avg"] is None:
        return "no earlier ratings; tastes unknown."
    parts = []
    likes = (facts["liked"] or facts["liked_titles"])[:TOP_TASTES]
    dislikes = (facts["disliked"] or facts["disliked_titles"])[:TOP_TASTES]
    if likes:
        parts.append(f"likes {_listing(likes)}")
    if dislikes:
        parts.append(f"dislikes {_listing(dislikes)}")
    if not parts:
        parts.append("no clear likes or dislikes")
    parts.append(_average_text(facts["user_avg"]))
    return "; ".join(parts) + "."


def _average_text(average: float | None) -> str:
    """"average 4.2, about 4": the prompt's average and the whole star it rounds to."""
    if average is None:
        return "average unknown"
    return f"average {format_average(average)}, about {_about(average)}"


def _about(average: float | None) -> str:
    """An average rounded to a whole star, as the reasoning restates it ("unknown" when absent)."""
    return "unknown" if average is None else str(int(round_rating(average)))


def _item_head(facts: dict) -> str:
    return f"{_short_title(facts['item_title'])}."


def _points(facts: dict) -> tuple[str, str]:
    """The item's praised and criticised points, as text."""
    return (_listing(facts["item_positives"]) or "none reported",
            _listing(facts["item_negatives"]) or "none reported")


def _match_text(facts: dict) -> str:
    liked, disliked = facts["overlap_liked"], facts["overlap_disliked"]
    parts = [f"liked {_listing(liked)}"] if liked else []
    if disliked:
        parts.append(f"disliked {_listing(disliked)}")
    if not parts:
        parts.append("no overlap with the user's tastes")
    parts.append(f"estimate {estimate_rating(facts)}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:]
