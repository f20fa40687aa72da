"""Teachers write reasoning and a rating for training interactions (distillation / RecOne SFT data).

Each backend module declares its Teacher class in ``TEACHERS`` (``recexp.teachers._registry``);
``build_teacher`` constructs the one named by ``teacher.backend``. Backend modules keep torch,
transformers, vllm and httpx inside functions, so importing (or listing) them loads none of these."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recexp.teachers._registry import TEACHERS
from recexp.teachers.base import Teacher, TeacherReply, TeacherRequest
from recexp.teachers.checks import check_teacher

__all__ = ["TEACHERS", "Teacher", "TeacherReply", "TeacherRequest", "build_teacher", "check_teacher"]


def build_teacher(teacher_cfg: Any, cache_root: Path) -> Teacher | None:
    """The configured teacher, or None for ``backend=none``; a ConfigError (a ValueError) for an unknown backend."""
    backend = str(teacher_cfg.backend)
    TEACHERS.check(backend)
    if backend in TEACHERS.reserved:
        return None
    return TEACHERS.get(backend)(teacher_cfg, Path(cache_root))
