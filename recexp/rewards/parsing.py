"""Parsing of tagged completions (``<analyze user>…</analyze user>…<rate>4</rate>``).

Pure Python, no heavy imports. Each template gets a cached ``TagSpec`` whose regex matches only its
literal tags (``</?(?:rate|match|...)>``, no wildcards), so every scan is linear in the text length:
no catastrophic backtracking on adversarial input. A call takes a few microseconds.

Rules (shared by training rewards and LLM evaluation):

- A tag pair "appears exactly once" when ``<tag>`` and ``</tag>`` each occur once, open before close.
  Tags are literal and case-sensitive.
- ``parse_rating`` looks only at the LAST tag's block (``<rate>``); the other steps do not matter.
  The block must hold one plain ASCII decimal: digits with an optional fractional part
  (``4``, ``4.5``, ``04``), surrounded by optional whitespace, and the value must be finite and
  within the rating scale (``recexp.data.scale.RatingScale``, [1, 5] by default). Signs,
  exponents, ``4.``, ``.5``, fractions (``4/5``), words, ``nan``/``inf`` and several numbers are
  all rejected (None).
- ``format_ok`` is the RecZero reference format: each tag pair of the template appears exactly
  once, the blocks come in template order (one closed before the next opens), each block is
  non-empty after stripping and the rating parses. Text before, between and after the blocks is
  allowed (``"1. <analyze user>...</analyze user> 2. <analyze item>..."`` passes).
- ``format_ok(..., strict=True)`` (the ``format_strict`` reward, for ablations) also requires the
  whole text to be the blocks alone: only whitespace before, between and after them.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.prompts.templates import TEMPLATES, template_tags

# the tags are the templates' own (recexp.prompts.templates); these names are kept for callers
TAGS_BY_TEMPLATE: dict[str, tuple[str, ...]] = {name: t.tags for name, t in TEMPLATES.items()}
THINK_BEFORE_REC_TAGS = template_tags("think_before_rec")  # the default template's
FREE_THINK_TAGS = template_tags("free_think")
DIRECT_TAGS = template_tags("direct")

RATING_MIN, RATING_MAX = float(DEFAULT_SCALE.lo), float(DEFAULT_SCALE.hi)  # the default scale
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # fullmatch on the stripped block; ASCII digits only


@dataclass(frozen=True)
class TagSpec:
    """Precompiled literal tags of a template; ``pattern`` finds any of its open/close tags."""

    tags: tuple[str, ...]
    opens: tuple[str, ...]
    closes: tuple[str, ...]
    sequence: tuple[str, ...]  # the strict layout: open0, close0, open1, close1, ...
    pattern: re.Pattern[str]


def resolve_tags(tags: str | Sequence[str]) -> tuple[str, ...]:
    """A template name (``"free_think"``) or a sequence of tag names -> a validated tag tuple."""
    return tag_spec(tags).tags


def tag_spec(tags: str | Sequence[str]) -> TagSpec:
    """The cached TagSpec of a template name or a sequence of tag names."""
    if isinstance(tags, str):
        tags = template_tags(tags)
    return _cached_spec(tuple(tags))


@functools.lru_cache(maxsize=64)
def _cached_spec(tags: tuple[str, ...]) -> TagSpec:
    if not tags or not all(isinstance(t, str) and t and not set(t) & set("<>") for t in tags):
        raise ValueError(f"tags must be a non-empty sequence of non-empty strings without <>, got {tags!r}")
    if len(set(tags)) != len(tags):
        raise ValueError(f"tags must be unique, got {tags!r}")
    opens, closes = tuple(f"<{t}>" for t in tags), tuple(f"</{t}>" for t in tags)
    sequence = tuple(tag for pair in zip(opens, closes) for tag in pair)
    pattern = re.compile("</?(?:" + "|".join(re.escape(t) for t in tags) + ")>")
    return TagSpec(tags, opens, closes, sequence, pattern)


def completion_text(completion: Any) -> str:
    """Text of a TRL completion: a string, or the joined contents of its assistant messages.

    Message contents may be strings or lists of ``{"type": "text", "text": ...}`` parts; several
    assistant messages are joined with a newline. Anything else gives "" (never raises).
    """
    if isinstance(completion, str):
        return completion
    if not isinstance(completion, (list, tuple)):
        return ""
    parts = [
        _content_text(m.get("content"))
        for m in completion
        if isinstance(m, dict) and m.get("role") == "assistant"
    ]
    return "\n".join(parts)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        return "".join(
            p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)
        )
    return ""


def _block_span(text: str, open_tag: str, close_tag: str) -> tuple[int, int] | None:
    """(start, end) of the block's content if the pair appears exactly once, open before close."""
    if text.count(open_tag) != 1 or text.count(close_tag) != 1:
        return None
    start = text.find(open_tag) + len(open_tag)
    end = text.find(close_tag)
    return (start, end) if start <= end else None


def _unique_spans(text: str, spec: TagSpec) -> list[tuple[int, int] | None]:
    """``_block_span`` for every tag of the template, in one regex pass."""
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, int]] = {}
    for match in spec.pattern.finditer(text):
        tag = match.group()
        counts[tag] = counts.get(tag, 0) + 1
        first.setdefault(tag, match.span())
    spans: list[tuple[int, int] | None] = []
    for open_tag, close_tag in zip(spec.opens, spec.closes):
        if counts.get(open_tag) != 1 or counts.get(close_tag) != 1:
            spans.append(None)
            continue
        start, end = first[open_tag][1], first[close_tag][0]
        spans.append((start, end) if start <= end else None)
    return spans


def step_blocks(text: str, tags: str | Sequence[str]) -> list[str | None]:
    """Raw (unstripped) content of each tag's block if its pair appears exactly once, else None."""
    spec = tag_spec(tags)
    if not isinstance(text, str):
        return [None] * len(spec.tags)
    return [None if s is None else text[s[0]:s[1]] for s in _unique_spans(text, spec)]


def parse_block_rating(block: str | None, scale: RatingScale = DEFAULT_SCALE) -> float | None:
    """The rating held by a ``<rate>`` block's content, by the strict rules above, else None."""
    if not isinstance(block, str):
        return None
    stripped = block.strip()
    if not _NUMBER.fullmatch(stripped):
        return None
    value = float(stripped)
    return value if math.isfinite(value) and scale.contains(value) else None


def parse_rating(text: str, tags: str | Sequence[str] = THINK_BEFORE_REC_TAGS,
                 scale: RatingScale = DEFAULT_SCALE) -> float | None:
    """The rating in the last tag's block (appearing exactly once), or None; see module rules."""
    spec = tag_spec(tags)
    if not isinstance(text, str):
        return None
    span = _block_span(text, spec.opens[-1], spec.closes[-1])
    return None if span is None else parse_block_rating(text[span[0]:span[1]], scale)


def formatted_rating(text: str, tags: str | Sequence[str] = THINK_BEFORE_REC_TAGS,
                     scale: RatingScale = DEFAULT_SCALE, strict: bool = False) -> float | None:
    """The parsed rating when ``format_ok(text, tags, scale, strict)``, else None (one scan for both)."""
    spec = tag_spec(tags)
    if not isinstance(text, str):
        return None
    spans = _ordered_spans(text, spec, strict)
    if spans is None:
        return None
    start, end = spans[-1]
    return parse_block_rating(text[start:end], scale)


def format_ok(text: str, tags: str | Sequence[str] = THINK_BEFORE_REC_TAGS,
              scale: RatingScale = DEFAULT_SCALE, strict: bool = False) -> bool:
    """True iff each of the template's blocks appears once, in order, non-empty, with a valid rating.

    ``strict``: besides, only whitespace before the first block, between blocks and after the last.
    """
    return formatted_rating(text, tags, scale, strict) is not None


def _ordered_spans(text: str, spec: TagSpec, strict: bool) -> list[tuple[int, int]] | None:
    """Content spans of the blocks if the layout holds (except the rating check), else None.

    One lazy regex pass over the template's tags: they must occur exactly as ``spec.sequence``,
    so any repeat, omission, reordering or nesting stops the scan at the first wrong tag. With
    ``strict`` the text outside the blocks must be whitespace.
    """
    spans: list[tuple[int, int]] = []
    previous_end = content_start = 0
    for k, match in enumerate(spec.pattern.finditer(text)):
        if k >= len(spec.sequence) or match.group() != spec.sequence[k]:
            return None
        if k % 2 == 0:  # an opening tag: (strict) only whitespace since the previous block
            if strict and not _blank(text[previous_end:match.start()]):
                return None
            content_start = match.end()
        else:  # its closing tag: the block must not be blank
            if _blank(text[content_start:match.start()]):
                return None
            spans.append((content_start, match.start()))
            previous_end = match.end()
    if len(spans) != len(spec.tags) or (strict and not _blank(text[previous_end:])):
        return None
    return spans


def _blank(segment: str) -> bool:
    return not segment or segment.isspace()
