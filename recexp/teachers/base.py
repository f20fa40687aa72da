"""The teacher interface: chat requests in, reasoning texts out.

A request carries both what an LLM teacher reads (``messages``) and what the rule-based teacher
reads (``task``, ``facts``, ``hint_rating``), so every backend answers the same requests."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass(frozen=True)
class TeacherRequest:
    messages: tuple[dict, ...]  # chat messages ({"role", "content"}), system first
    task: str = "reason"  # what is asked: reason, rationalize, user_profile, item_profile, summarize, verify
    facts: dict = field(default_factory=dict, compare=False)  # fact sheet for the heuristic teacher
    hint_rating: int | None = None  # the rating given to the teacher (rationalize, verify)
    sample: int = 0  # k-th sample of the same request (part of the cache key and the sampling seed)


@dataclass(frozen=True)
class TeacherReply:
    text: str | None  # None when the call failed after all retries
    error: str | None = None  # why it failed (status code, timeout, unparsable body)
    cached: bool = False  # served from the on-disk cache, no call made


class Teacher(ABC):
    """Answers requests in order; never raises for one failed request (its reply carries the error).

    A backend declares its subclass with ``@TEACHERS.register("name")`` (``recexp.teachers._registry``);
    ``build_teacher`` constructs it as ``cls(teacher_cfg, cache_root)``."""

    name: str = "teacher"
    cache: Any = None  # its ReplyCache (recexp.teachers.cache, which builds on this module), or None: it caches nothing

    @classmethod
    def check_config(cls, cfg: Any) -> None:
        """Raise ConfigError (one line naming the key) when ``cfg`` cannot run with this backend;
        called before anything is loaded, so it imports nothing heavy. The default checks nothing."""
        return None

    @abstractmethod
    def complete(self, requests: Sequence[TeacherRequest], desc: str = "teacher") -> list[TeacherReply]:
        """One reply per request, in the same order."""

    def describe(self) -> dict[str, Any]:
        """What identifies this teacher in metrics and sample files (no secrets)."""
        return {"teacher/name": self.name}
