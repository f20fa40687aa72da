"""Teachers: who writes reasoning traces for RecOne's cold start and the distillation baselines."""

from __future__ import annotations

from pathlib import Path

from recexp.teachers.base import Teacher, TeacherReply, TeacherRequest

__all__ = ["Teacher", "TeacherReply", "TeacherRequest", "build_teacher"]


def build_teacher(teacher_cfg, cache_root: Path) -> Teacher | None:
    """The configured teacher (None for teacher=none); backends are imported lazily."""
    backend = teacher_cfg.backend.value
    if backend == "none":
        return None
    if backend == "heuristic":
        from recexp.teachers.heuristic import HeuristicTeacher

        return HeuristicTeacher(teacher_cfg)
    if backend == "openai":
        from recexp.teachers.openai_compat import OpenAITeacher

        return OpenAITeacher(teacher_cfg, cache_root)
    if backend == "hf":
        from recexp.teachers.hf import HFTeacher

        return HFTeacher(teacher_cfg, cache_root)
    raise ValueError(f"teacher.backend: unknown {backend!r}; allowed: none, heuristic, openai, hf")
