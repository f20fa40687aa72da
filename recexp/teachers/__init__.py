"""Teachers write reasoning and a rating for training interactions (distillation / RecOne SFT data).

``build_teacher`` picks the backend named by ``teacher.backend``; backends are imported lazily,
so importing this package loads neither torch, transformers nor httpx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recexp.teachers.base import Teacher, TeacherReply, TeacherRequest
from recexp.teachers.checks import ALLOWED_BACKENDS, backend_name, check_teacher

__all__ = ["Teacher", "TeacherReply", "TeacherRequest", "build_teacher", "check_teacher"]


def build_teacher(teacher_cfg: Any, cache_root: Path) -> Teacher | None:
    """The configured teacher, or None for ``backend=none``; raises ValueError for an unknown backend."""
    backend = backend_name(teacher_cfg)
    if backend == "none":
        return None
    if backend == "heuristic":
        from recexp.teachers.heuristic import HeuristicTeacher

        return HeuristicTeacher(teacher_cfg)
    if backend == "openai":
        from recexp.teachers.openai_compat import OpenAITeacher

        return OpenAITeacher(teacher_cfg, Path(cache_root))
    if backend == "hf":
        from recexp.teachers.hf import HFTeacher

        return HFTeacher(teacher_cfg, Path(cache_root))
    if backend == "vllm_local":
        from recexp.teachers.vllm_local import VLLMTeacher

        return VLLMTeacher(teacher_cfg, Path(cache_root))
    raise ValueError(f"teacher.backend: unknown value {backend!r}; allowed values: {', '.join(ALLOWED_BACKENDS)}")
