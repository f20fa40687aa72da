"""Config check of stage ``fit_cf`` (``recexp/paradigms/fit_cf.py``), apart from the stage so that
checking a config imports no numpy or pyarrow."""

from __future__ import annotations

from omegaconf import DictConfig

from recexp.common.errors import ConfigError
from recexp.paradigms.cf_models import CF_MODELS


def check_fit_cf(cfg: DictConfig) -> None:
    if cfg.paradigm.cf is None:
        raise ConfigError(f"paradigm.cf: required by stage fit_cf (paradigm={cfg.paradigm.name})")
    CF_MODELS.check(cfg.paradigm.cf.model)
