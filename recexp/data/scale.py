"""A dataset's rating scale (``dataset.rating_scale: [lo, hi]``, integers, default ``[1, 5]``).

The one place every part asks about the range of a rating: the readers' range checks, the prompt
wording, ``<rate>`` parsing, the rating rewards, the heuristic teacher, the metrics' levels, CF
clipping and the tiny model's warm-up. Pure Python: imported by light modules (rewards, config
checks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence


@dataclass(frozen=True)
class RatingScale:
    """Integer ratings ``lo..hi``; ``at(f)`` is the point a fraction ``f`` of the way up."""

    lo: int = 1
    hi: int = 5

    def __post_init__(self) -> None:
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (self.lo, self.hi))
        if not ints or self.lo >= self.hi:
            raise ValueError(f"dataset.rating_scale: need two integers [lo, hi] with lo < hi, "
                             f"got [{self.lo!r}, {self.hi!r}]")

    @classmethod
    def of(cls, bounds: Sequence[Any]) -> "RatingScale":
        """The scale of a ``[lo, hi]`` pair (e.g. ``cfg.dataset.rating_scale``)."""
        values = list(bounds)
        if len(values) != 2:
            raise ValueError(f"dataset.rating_scale: need two integers [lo, hi], got {values!r}")
        return cls(*values)

    @property
    def width(self) -> float:
        """``hi - lo``: the largest possible error."""
        return float(self.hi - self.lo)

    @property
    def levels(self) -> tuple[int, ...]:
        """Every integer rating of the scale, ascending."""
        return tuple(range(self.lo, self.hi + 1))

    def contains(self, value: float) -> bool:
        """True for a finite number within ``[lo, hi]``."""
        return self.lo <= value <= self.hi

    def at(self, fraction: float) -> float:
        """The point ``fraction`` of the way from ``lo`` to ``hi`` (0: lo, 1: hi)."""
        return self.lo + fraction * self.width

    def clip(self, values):
        """``values`` (a number or numpy array) clipped to ``[lo, hi]``."""
        import numpy as np

        return np.clip(values, float(self.lo), float(self.hi))

    def describe(self) -> str:
        """How prompts state it: ``"from 1 to 5"``."""
        return f"from {self.lo} to {self.hi}"

    def as_list(self) -> list[int]:
        return [self.lo, self.hi]


DEFAULT_SCALE = RatingScale(1, 5)
