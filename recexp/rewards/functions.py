"""GRPO reward functions with TRL's signature ``fn(prompts, completions, rating, **kwargs)``.

Each reward is a picklable ``RewardFunction`` built by ``make_reward(name, tags)``; its ``__name__``
is the registry key, which TRL uses to log ``rewards/<name>/mean``. Rules common to all rewards:

- The prediction comes from ``formatted_rating``: a rating counts only when the reference format
  holds (see ``recexp.rewards.parsing``), so every rating-type reward is 0.0 on a format failure.
- Ratings live on the dataset's scale ``[lo, hi]`` (``dataset.rating_scale``, default [1, 5];
  ``RewardFunction.scale``): it bounds the parsed prediction and the true rating, and the errors
  are taken over its width ``hi - lo`` (on 1-5 the numbers are the RecZero reference's).
- A reward that needs the true rating (every one but ``format``, ``format_strict`` and
  ``format_soft``) raises ``MissingRewardColumn`` at its first call when the dataset has no
  ``rating`` column, naming the reward and the column (it would otherwise score 0.0 everywhere).
- A true rating that is missing, non-numeric, NaN/inf, a bool or outside the scale is invalid: the
  rating-type rewards give 0.0 for that sample (numeric strings such as ``"4"`` are accepted).
- Returned values are plain finite floats within ``REWARD_RANGES[name]``; nothing raises on odd
  completions or ratings. ``completions`` and ``rating`` of different lengths raise ValueError
  (a caller bug, never produced by TRL).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Mapping, Sequence

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.eval.rounding import round_rating
from recexp.rewards.parsing import (
    THINK_BEFORE_REC_TAGS,
    completion_text,
    formatted_rating,
    parse_block_rating,
    resolve_tags,
    step_blocks,
)

Scorer = Callable[[str, tuple[str, ...], Any, RatingScale], float]


def true_rating(value: Any, scale: RatingScale = DEFAULT_SCALE) -> float | None:
    """The dataset rating as a float within ``scale``, or None when missing/invalid (never raises)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except Exception:  # noqa: BLE001 - any odd object is just an invalid rating
        return None
    return number if math.isfinite(number) and scale.contains(number) else None


def _prediction_and_truth(text: str, tags: tuple[str, ...], truth: Any,
                          scale: RatingScale) -> tuple[float, float] | None:
    pred, true = formatted_rating(text, tags, scale), true_rating(truth, scale)
    return None if pred is None or true is None else (pred, true)


def score_format(text: str, tags: tuple[str, ...], truth: Any, scale: RatingScale = DEFAULT_SCALE) -> float:
    """+1 if each block appears once, in order, non-empty, with a rating within the scale, else -1
    (the RecZero reference; text outside the blocks is allowed)."""
    return 1.0 if formatted_rating(text, tags, scale) is not None else -1.0


def score_format_strict(text: str, tags: tuple[str, ...], truth: Any, scale: RatingScale = DEFAULT_SCALE) -> float:
    """+1 if the text is the blocks alone (whitespace around them only) and ``format`` holds, else -1."""
    return 1.0 if formatted_rating(text, tags, scale, strict=True) is not None else -1.0


def score_rating(text: str, tags: tuple[str, ...], truth: Any, scale: RatingScale = DEFAULT_SCALE) -> float:
    """1 - 2 |pred - true| / (hi - lo), in [-1, 1]: 1 exact, -1 at the farthest rating of the scale
    (the RecZero reference 1 - |pred - true| / 2 on 1-5); 0 on format failure."""
    pair = _prediction_and_truth(text, tags, truth, scale)
    return 0.0 if pair is None else 1.0 - 2.0 * abs(pair[0] - pair[1]) / scale.width


def score_rating_linear(text: str, tags: tuple[str, ...], truth: Any, scale: RatingScale = DEFAULT_SCALE) -> float:
    """1 - |pred - true| / (hi - lo), in [0, 1] (1 - |err| / 4 on 1-5); 0 on format failure."""
    pair = _prediction_and_truth(text, tags, truth, scale)
    return 0.0 if pair is None else 1.0 - abs(pair[0] - pair[1]) / scale.width


def score_rating_squared(text: str, tags: tuple[str, ...], truth: Any, scale: RatingScale = DEFAULT_SCALE) -> float:
    """1 - (pred - true)^2 / (hi - lo)^2, in [0, 1] (1 - err^2 / 16 on 1-5); 0 on format failure."""
    pair = _prediction_and_truth(text, tags, truth, scale)
    return 0.0 if pair is None else 1.0 - (pair[0] - pair[1]) ** 2 / scale.width ** 2


def score_exact_match(text: str, tags: tuple[str, ...], truth: Any, scale: RatingScale = DEFAULT_SCALE) -> float:
    """1 if the prediction rounded by the rating rule (half up: 4.5 -> 5) equals the true rating, else 0."""
    pair = _prediction_and_truth(text, tags, truth, scale)
    return 1.0 if pair is not None and round_rating(pair[0]) == pair[1] else 0.0


def score_format_soft(text: str, tags: tuple[str, ...], truth: Any, scale: RatingScale = DEFAULT_SCALE) -> float:
    """Fraction of steps whose pair appears exactly once with a non-empty block, in [0, 1].

    The last (rate) step counts only if its rating parses. Order, nesting and text outside the
    blocks are NOT checked: this is a dense shaping signal, the strict check is ``format``.
    """
    blocks = step_blocks(text, tags)
    steps_ok = sum(1 for block in blocks[:-1] if block is not None and block.strip())
    rate_ok = parse_block_rating(blocks[-1], scale) is not None
    return (steps_ok + rate_ok) / len(blocks)


SCORERS: dict[str, Scorer] = {
    "format": score_format,
    "format_strict": score_format_strict,
    "rating": score_rating,
    "rating_linear": score_rating_linear,
    "rating_squared": score_rating_squared,
    "exact_match": score_exact_match,
    "format_soft": score_format_soft,
}

# Rewards that read no dataset column; every other reward reads the true ``rating``.
FORMAT_ONLY = frozenset({"format", "format_strict", "format_soft"})
RATING_COLUMN = "rating"

REWARD_RANGES: dict[str, tuple[float, float]] = {
    "format": (-1.0, 1.0),
    "format_strict": (-1.0, 1.0),
    "rating": (-1.0, 1.0),
    "rating_linear": (0.0, 1.0),
    "rating_squared": (0.0, 1.0),
    "exact_match": (0.0, 1.0),
    "format_soft": (0.0, 1.0),
}


class MissingRewardColumn(ValueError):
    """A reward needs a dataset column that the training dataset does not have."""


class RewardFunction:
    """A TRL reward function: one score per completion; picklable; ``__name__`` = registry key."""

    def __init__(self, name: str, scorer: Scorer, tags: Sequence[str] | str,
                 scale: RatingScale = DEFAULT_SCALE):
        self.__name__ = name
        self.scorer = scorer
        self.tags = resolve_tags(tags)
        self.scale = scale

    def __call__(
        self, prompts: Any = None, completions: Sequence[Any] = (), rating: Any = None, **kwargs: Any
    ) -> list[float]:
        """Score each completion against its true ``rating``; other TRL kwargs are ignored."""
        if rating is None and self.__name__ not in FORMAT_ONLY:
            raise MissingRewardColumn(_missing_column_message(self.__name__, kwargs))
        ratings = _aligned_ratings(rating, len(completions))
        return [
            float(self.scorer(completion_text(c), self.tags, r, self.scale))
            for c, r in zip(completions, ratings)
        ]

    def __repr__(self) -> str:
        return f"RewardFunction({self.__name__!r}, tags={self.tags!r}, scale={self.scale.as_list()})"


def _missing_column_message(name: str, kwargs: dict) -> str:
    columns = sorted(k for k, v in kwargs.items() if isinstance(v, (list, tuple)) and k != "completion_ids")
    return (f"reward {name!r} needs the dataset column {RATING_COLUMN!r}, which the training dataset lacks "
            f"(its other columns: {', '.join(columns) or 'none'}); add the column or drop the reward from "
            f"reward.weights")


def _aligned_ratings(rating: Any, count: int) -> list[Any]:
    """The rating column as a list of ``count`` values (all None when the column is absent)."""
    if rating is None:
        return [None] * count
    ratings = list(rating)
    if len(ratings) != count:
        raise ValueError(f"got {len(ratings)} ratings for {count} completions")
    return ratings


def make_reward(name: str, tags: Sequence[str] | str = THINK_BEFORE_REC_TAGS,
                scale: RatingScale = DEFAULT_SCALE) -> RewardFunction:
    """Build the reward ``name`` for a template (tag tuple or template name) and a rating scale."""
    if name not in SCORERS:
        raise KeyError(f"unknown reward {name!r}; known rewards: {sorted(SCORERS)}")
    return RewardFunction(name, SCORERS[name], tags, scale)


REWARDS: dict[str, RewardFunction] = {name: make_reward(name) for name in SCORERS}


def build_reward_funcs(
    weights: Mapping[str, float], tags: Sequence[str] | str = THINK_BEFORE_REC_TAGS,
    scale: RatingScale = DEFAULT_SCALE,
) -> tuple[list[RewardFunction], list[float]]:
    """``(reward_funcs, reward_weights)`` for GRPOTrainer / GRPOConfig.reward_weights.

    Order follows ``weights``. Zero-weight entries are kept: they do not change the advantage but
    TRL still computes and logs them (useful to monitor e.g. ``exact_match``). Weights must be
    finite real numbers (negative allowed); unknown names raise KeyError listing the known ones.
    """
    if not weights:
        raise ValueError(f"no reward weights given; known rewards: {sorted(SCORERS)}")
    unknown = [name for name in weights if name not in SCORERS]
    if unknown:
        raise KeyError(f"unknown reward(s) {unknown}; known rewards: {sorted(SCORERS)}")
    funcs = [make_reward(name, tags, scale) for name in weights]
    return funcs, [_checked_weight(name, weight) for name, weight in weights.items()]


def _checked_weight(name: str, weight: Any) -> float:
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
        raise TypeError(f"reward weight {name!r} must be a number, got {weight!r}")
    if not math.isfinite(float(weight)):
        raise ValueError(f"reward weight {name!r} must be finite, got {weight!r}")
    return float(weight)
