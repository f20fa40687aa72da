"""Optional stacks are pip extras; a feature that needs a missing one says which extra installs it."""

from __future__ import annotations

import importlib.util

# pip extra -> the importable modules it provides (pyproject.toml [project.optional-dependencies])
EXTRAS = {"postgres": "psycopg", "slurm": "hydra_plugins.hydra_submitit_launcher",
          "joblib": "hydra_plugins.hydra_joblib_launcher", "cmaes": "cmaes", "openai": "httpx",
          "plots": "matplotlib"}
# Hydra launcher choices that come with an extra's plugin
LAUNCHER_EXTRAS = {"joblib": "joblib", "submitit_slurm": "slurm", "submitit_local": "slurm", "slurm_gpu": "slurm"}


def missing_extra(extra: str, feature: str) -> str | None:
    """None when the extra's module is importable, else the one-line message naming the extra."""
    module = EXTRAS[extra]
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package (hydra_plugins.x) is absent
        found = False
    if found:
        return None
    return f"{feature} needs the optional package {module.rsplit('.', 1)[-1]}: pip install 'recexp[{extra}]'"


def require_extra(extra: str, feature: str) -> None:
    """Raise ConfigError (one line naming the extra) when ``extra`` is not installed."""
    from recexp.common.errors import ConfigError

    message = missing_extra(extra, feature)
    if message:
        raise ConfigError(message)
