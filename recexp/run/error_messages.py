"""Turn configuration mistakes into one readable line (no traceback); ``recexp.run.app`` prints it
and exits with code 2 (the error types: ``recexp.common.errors``)."""

from __future__ import annotations

import dataclasses
import re

from hydra.errors import MissingConfigException, OverrideParseException
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from recexp.common.errors import close_matches

HYDRA_GRAMMAR_URL = "https://hydra.cc/docs/advanced/override_grammar/basic/"


def describe(exc: BaseException) -> str:
    """One line for a configuration exception (Hydra, OmegaConf or ours)."""
    missing = _in_chain(exc, MissingConfigException)
    if missing is not None:
        return _describe_missing_choice(missing)
    unparsable = _in_chain(exc, OverrideParseException)
    if unparsable is not None:
        return _describe_unparsable(unparsable)
    cause = _in_chain(exc, OmegaConfBaseException)
    if cause is not None:
        return _describe_omegaconf(cause)
    return _first_line(str(exc))


def _describe_missing_choice(exc: MissingConfigException) -> str:
    group, _, option = (exc.missing_cfg_file or "").rpartition("/")
    if group and exc.options:
        hint = close_matches(option, exc.options)
        did_you_mean = f" (did you mean {' or '.join(hint)}?)" if hint else ""
        return (f"{group}={option} is not a known choice{did_you_mean}; "
                f"allowed values for '{group}': {', '.join(sorted(exc.options))}{_extra_hint(group, option)}")
    return _first_line(str(exc))


def _extra_hint(group: str, option: str) -> str:
    """A launcher that comes with a pip extra: say which one."""
    from recexp.common.extras import LAUNCHER_EXTRAS

    if group == "hydra/launcher" and option in LAUNCHER_EXTRAS:
        return f" ({option} comes with pip install 'recexp[{LAUNCHER_EXTRAS[option]}]')"
    return ""


def _describe_unparsable(exc: OverrideParseException) -> str:
    """Hydra's grammar error with the override, where parsing stopped and how to quote it."""
    lines = [line for line in str(exc).splitlines() if line.strip() and not line.startswith("See https://hydra.cc")]
    if lines[0].startswith("Error parsing override"):  # Hydra's grammar accepted it, a sweep function refused it
        return f"{' '.join(lines[1:]) or lines[0]}: in {lines[0].partition(' override ')[2]} (see {HYDRA_GRAMMAR_URL})"
    kind, _, override = lines[0].partition(": ")
    if not override:
        return f"{lines[0]}: Hydra cannot parse this override (see {HYDRA_GRAMMAR_URL})"
    where = ""
    if len(lines) > 1 and lines[1].strip() == "^":
        column = len(lines[1]) - len(lines[1].lstrip()) - len(lines[0]) + len(override)
        where = f" at {override[column]!r}" if 0 <= column < len(override) else ""
    key, _, value = override.partition("=")
    quote = f"; quote the value: '{key}=\"{value}\"'" if value and '"' not in value else ""
    return f"{override}: Hydra cannot parse this override ({kind}{where}){quote} (see {HYDRA_GRAMMAR_URL})"


def _describe_omegaconf(exc: OmegaConfBaseException) -> str:
    key = getattr(exc, "full_key", None) or "?"
    message = _first_line(getattr(exc, "msg", None) or str(exc))
    misplaced = _describe_misplaced_option(message)
    if misplaced is not None:
        return misplaced
    if isinstance(exc, (ConfigKeyError, ConfigAttributeError)):
        parent, _, name = key.rpartition(".")
        allowed = schema_keys(parent)
        if allowed:
            return f"{key}: unknown key{_did_you_mean(name, allowed)}; allowed keys here: {', '.join(allowed)}"
        if "not in struct" in message:
            return _describe_new_key(key, name, _sibling_keys(exc, parent))
    return f"{key}: {message}"


def _describe_misplaced_option(message: str) -> str | None:
    """A group option typed for one slot chosen for another (``trainer=sft``): OmegaConf's
    "Invalid type assigned: A is not a subclass of B" becomes "<B's slot>: <A.MISPLACED>"."""
    match = re.search(r"Invalid type assigned: (\w+) is not a subclass of (\w+)", message)
    if match is None:
        return None
    from recexp.config import RunConfig, field_schema

    slots = {}  # schema class name -> (top-level key, schema)
    for key in (f.name for f in dataclasses.fields(RunConfig)):
        schema = field_schema(RunConfig, key)
        if schema is not None:
            slots[schema.__name__] = (key, schema)
    chosen, slot = slots.get(match.group(1)), slots.get(match.group(2))
    if chosen is None or slot is None or not hasattr(chosen[1], "MISPLACED"):
        return None
    return f"{slot[0]}: {chosen[1].MISPLACED}"


def _describe_new_key(key: str, name: str, siblings: list[str]) -> str:
    """A key absent from an open node (e.g. trainer.args): suggest the look-alikes before '+'."""
    hint = close_matches(name, siblings)
    if hint:
        parent = key.rpartition(".")[0]
        options = " or ".join(f"{parent}.{h}" for h in hint)
        return f"{key}: not in the composed config; did you mean {options}? (a new key is added with +{key}=VALUE)"
    return f"{key}: not in the composed config; add a new key with +{key}=VALUE"


def _sibling_keys(exc: OmegaConfBaseException, parent: str) -> list[str]:
    """Keys beside the missing one: the node's own, plus TRL's fields under trainer.args / sft.args."""
    node = getattr(exc, "parent_node", None)
    keys = [str(k) for k in node.keys()] if node is not None and hasattr(node, "keys") else []
    kinds = {"trainer.args": "grpo", "sft.args": "sft"}
    if parent in kinds:
        from recexp.trainers.args import trainer_fields

        keys += [k for k in trainer_fields(kinds[parent]) if k not in keys]
    return keys


def _did_you_mean(name: str, allowed: list[str]) -> str:
    hint = close_matches(name, allowed)
    return f" (did you mean {' or '.join(hint)}?)" if hint else ""


def _in_chain(exc: BaseException, kind: type) -> BaseException | None:
    seen = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return re.sub(r"\s+", " ", lines[0]) if lines else text


def schema_keys(path: str) -> list[str]:
    """Field names of the schema node at a dotted path of RunConfig ('' = top level)."""
    from recexp.config import RunConfig, field_schema

    node: type | None = RunConfig
    for part in filter(None, path.split(".")):
        node = field_schema(node, part)
        if node is None:
            return []
    return [f.name for f in dataclasses.fields(node)]
