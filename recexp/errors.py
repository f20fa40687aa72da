"""Turn configuration mistakes into one readable line and a non-zero exit (no traceback)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Callable

from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

CONFIG_ERROR_EXIT_CODE = 2
CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


class ConfigError(ValueError):
    """A config value that composes but cannot be run; the message is one line naming the key."""


def report_config_errors(entry: Callable[[], object]) -> None:
    """Run a Hydra entry point; print config errors as one line and exit 2, re-raise others."""
    try:
        entry()
    except (ConfigError, ConfigCompositionException, OverrideParseException, OmegaConfBaseException) as exc:
        print(f"config error: {describe(exc)}", file=sys.stderr)
        sys.exit(CONFIG_ERROR_EXIT_CODE)


def describe(exc: BaseException) -> str:
    """One line for a configuration exception (Hydra, OmegaConf or ours)."""
    if isinstance(exc, MissingConfigException):
        return _describe_missing_choice(exc)
    cause = _omegaconf_cause(exc)
    if cause is not None:
        return _describe_omegaconf(cause)
    return _first_line(str(exc))


def _describe_missing_choice(exc: MissingConfigException) -> str:
    missing = exc.missing_cfg_file or ""
    group, _, option = missing.rpartition("/")
    if group and (CONF_DIR / group).is_dir():
        allowed = ", ".join(sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")))
        return f"{group}={option} is not a known choice; allowed values for '{group}': {allowed}"
    return _first_line(str(exc))


def _describe_omegaconf(exc: OmegaConfBaseException) -> str:
    key = getattr(exc, "full_key", None) or "?"
    message = _first_line(getattr(exc, "msg", None) or str(exc))
    if isinstance(exc, (ConfigKeyError, ConfigAttributeError)):
        allowed = schema_keys(key.rpartition(".")[0])
        if allowed:
            return f"{key}: unknown key; allowed keys here: {', '.join(allowed)}"
        if "not in struct" in message:
            return f"{key}: not in the composed config; add a new key with +{key}=VALUE"
    return f"{key}: {message}"


def _omegaconf_cause(exc: BaseException) -> OmegaConfBaseException | None:
    seen = exc
    while seen is not None:
        if isinstance(seen, OmegaConfBaseException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else text


def schema_keys(path: str) -> list[str]:
    """Field names of the schema node at a dotted path of RunConfig ('' = top level)."""
    from recexp.config import RunConfig, field_schema

    node: type | None = RunConfig
    for part in filter(None, path.split(".")):
        node = field_schema(node, part)
        if node is None:
            return []
    return [f.name for f in dataclasses.fields(node)]
