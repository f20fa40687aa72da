"""Chat messages for one context, shortened to fit a token budget.

Shortening order (the system instruction and the target item's title/attributes are never cut):
1. drop the oldest history items, one by one, down to none;
2. halve the snippet length (history/review snippets, description) down to ``SNIPPET_FLOOR``;
3. drop the item's oldest shown reviews, down to none.
All candidate prompts form one sequence of non-increasing length, so the first one that fits is
found by binary search: about 1 + log2(len(sequence)) tokenizations per prompt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from recexp.prompts.templates import Template, get_template
from recexp.prompts.user_turn import most_recent, user_message

SNIPPET_FLOOR = 20


class _Cut(NamedTuple):
    history: int
    snippet_chars: int
    reviews: int


def build_messages(template: Template | str, ctx: dict, *, tokenizer=None,
                   max_tokens: int | None = None, snippet_chars: int = 120,
                   item_reviews_limit: int = 3) -> tuple[list[dict], bool]:
    """``[system, user]`` chat messages for ``ctx`` and whether they had to be shortened.

    With ``tokenizer`` and ``max_tokens`` the prompt (chat template and generation prompt
    included) is shortened until it fits; when even the shortest version does not fit, that
    version is returned with ``shortened=True``."""
    template = get_template(template) if isinstance(template, str) else template
    cut, shortened = _fitting_cut(template, ctx, tokenizer, max_tokens, snippet_chars, item_reviews_limit)
    return _messages(template, ctx, cut), shortened


def shown_context(template: Template | str, ctx: dict, *, tokenizer=None, max_tokens: int | None = None,
                  snippet_chars: int = 120, item_reviews_limit: int = 3) -> dict:
    """``ctx`` restricted to what its budgeted prompt shows (the history items and item reviews that
    survive shortening): answers written about the prompt (warm-up, rule-based teacher) must restate
    only what the prompt says."""
    return fit_prompt(template, ctx, tokenizer=tokenizer, max_tokens=max_tokens, snippet_chars=snippet_chars,
                      item_reviews_limit=item_reviews_limit)[1]


def fit_prompt(template: Template | str, ctx: dict, *, tokenizer=None, max_tokens: int | None = None,
               snippet_chars: int = 120, item_reviews_limit: int = 3) -> tuple[list[dict], dict]:
    """The budgeted chat messages for ``ctx`` and ``ctx`` restricted to what they show, from one
    search for the fitting cut (``build_messages`` and ``shown_context`` together)."""
    template = get_template(template) if isinstance(template, str) else template
    cut, _ = _fitting_cut(template, ctx, tokenizer, max_tokens, snippet_chars, item_reviews_limit)
    item = dict(ctx["target_item"])
    item["reviews"] = most_recent(item.get("reviews") or [], cut.reviews)
    shown = {**ctx, "user_history": most_recent(ctx["user_history"], cut.history), "target_item": item}
    return _messages(template, ctx, cut), shown


def _fitting_cut(template: Template, ctx: dict, tokenizer, max_tokens: int | None, snippet_chars: int,
                 item_reviews_limit: int) -> tuple[_Cut, bool]:
    """The longest cut of ``ctx`` whose prompt fits ``max_tokens``, and whether it is shortened."""
    n_reviews = min(len(ctx["target_item"].get("reviews") or []), max(item_reviews_limit, 0))
    full = _Cut(len(ctx["user_history"]), snippet_chars, n_reviews)

    def fits(cut: _Cut) -> bool:
        return count_tokens(_messages(template, ctx, cut), tokenizer) <= max_tokens

    if tokenizer is None or max_tokens is None or fits(full):
        return full, False
    cuts = _shorter_cuts(full)
    if not cuts:
        return full, True
    return _first_fitting(cuts, fits), True


def _messages(template: Template, ctx: dict, cut: _Cut) -> list[dict]:
    text = user_message(ctx, history_limit=cut.history, snippet_chars=cut.snippet_chars,
                        item_reviews_limit=cut.reviews)
    return [{"role": "system", "content": template.system}, {"role": "user", "content": text}]


def count_tokens(messages: list[dict], tokenizer) -> int:
    """Prompt length in tokens: chat template with generation prompt, else plain text."""
    if not getattr(tokenizer, "chat_template", None):
        return len(tokenizer(_plain_text(messages))["input_ids"])
    ids = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=True,
                                        return_dict=False)
    if isinstance(ids, Mapping):
        ids = ids["input_ids"]
    return len(ids)


def render_prompt_text(messages: list[dict], tokenizer) -> str:
    """The prompt string with the chat template applied and the generation prompt added
    (plain concatenation when the tokenizer has no chat template)."""
    if not getattr(tokenizer, "chat_template", None):
        return _plain_text(messages)
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def _plain_text(messages: list[dict]) -> str:
    return "\n\n".join(m["content"] for m in messages) + "\n\n"


def _shorter_cuts(full: _Cut) -> list[_Cut]:
    """Every shortened variant of ``full``, in shortening order (non-increasing length)."""
    levels = _snippet_levels(full.snippet_chars)
    cuts = [full._replace(history=h) for h in range(full.history - 1, -1, -1)]
    cuts += [full._replace(history=0, snippet_chars=s) for s in levels]
    shortest = full._replace(history=0, snippet_chars=levels[-1] if levels else full.snippet_chars)
    cuts += [shortest._replace(reviews=r) for r in range(full.reviews - 1, -1, -1)]
    return cuts


def _snippet_levels(snippet_chars: int) -> list[int]:
    """Halvings of ``snippet_chars`` down to ``SNIPPET_FLOOR`` (exclusive of the start)."""
    levels = []
    while snippet_chars > SNIPPET_FLOOR:
        snippet_chars = max(SNIPPET_FLOOR, snippet_chars // 2)
        levels.append(snippet_chars)
    return levels


def _first_fitting(cuts: list[_Cut], fits) -> _Cut:
    """The first cut that fits (``fits`` is monotone along ``cuts``), else the last one."""
    lo, hi = -1, len(cuts)  # cuts[lo] does not fit, cuts[hi] fits (sentinels at the ends)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(cuts[mid]):
            hi = mid
        else:
            lo = mid
    return cuts[min(hi, len(cuts) - 1)]
