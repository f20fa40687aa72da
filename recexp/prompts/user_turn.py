"""The shared user turn of every prompt (history, averages, the target item) and how ratings are shown.

It is built from a leakage-free context (``recexp.data.context.ContextBuilder``);
it never contains the target interaction's rating.
"""

from __future__ import annotations

from recexp.data.context import snippet


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
