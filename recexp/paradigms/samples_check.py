"""Config check of stage ``teacher_samples`` (``recexp/paradigms/samples.py``), apart from the
stage so that checking a config imports no pandas: the sample method's spec and the teacher's own
check."""

from __future__ import annotations

from omegaconf import DictConfig

from recexp.common.errors import ConfigError
from recexp.paradigms.sample_methods import SAMPLE_METHODS
from recexp.teachers import TEACHERS, check_teacher
from recexp.teachers.checks import teacher_presets


def check_teacher_samples(cfg: DictConfig) -> None:
    samples = cfg.paradigm.samples
    if samples is None:
        raise ConfigError(f"paradigm.samples: required by stage teacher_samples (paradigm={cfg.paradigm.name})")
    method = samples.method
    spec = SAMPLE_METHODS.get(method)
    if samples.n_samples < 1 or samples.k < 1:
        raise ConfigError("paradigm.samples: n_samples and k must be >= 1")
    if not 0 <= samples.max_teacher_failure_rate <= 1:
        raise ConfigError("paradigm.samples.max_teacher_failure_rate: must be within [0, 1]")
    if spec.template is not None and cfg.prompt.template != spec.template:
        raise ConfigError(f"prompt: samples.method={method} {spec.why_template}; use prompt={spec.template}")
    if spec.check is not None:
        spec.check(cfg)
    needs_teacher = spec.needs_teacher and not samples.samples_path
    if needs_teacher and cfg.teacher.backend in TEACHERS.reserved:
        raise ConfigError(f"teacher: paradigm={cfg.paradigm.name} needs a teacher; choose teacher="
                          f"{', '.join(teacher_presets())} (or reuse samples with paradigm.samples.samples_path=...)")
    if needs_teacher:
        check_teacher(cfg.teacher)
    if spec.chained and "grpo" in cfg.paradigm.stages:
        raise ConfigError(f"paradigm.stages: samples.method={method} chains several roles; GRPO needs one prompt per interaction")
