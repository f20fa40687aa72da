"""Config check of stage ``teacher_samples`` (``recexp/paradigms/samples.py``), apart from the
stage so that checking a config imports no pandas."""

from __future__ import annotations

from omegaconf import DictConfig


def check_teacher_samples(cfg: DictConfig) -> None:
    from recexp.validation import _check_samples  # its body moves here (issue 15: one home per check)

    _check_samples(cfg)
