"""The teacher backends: each backend module declares its Teacher class with
``@TEACHERS.register("name", order=N)``; ``teacher.backend`` names one of them, or ``none``."""

from __future__ import annotations

from recexp.common.registry import Registry

TEACHERS: Registry = Registry(kind="teacher backend", key="teacher.backend", package="recexp.teachers",
                              reserved=("none",))
