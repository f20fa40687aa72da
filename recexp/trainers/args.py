"""Check `trainer.args` against the INSTALLED TRL's GRPOConfig / SFTConfig without importing TRL.

The field names and simple types are read from the source files of the installed trl and
transformers packages (ast), so a key TRL does not know fails at composition with one line,
in milliseconds, before torch is imported."""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path
from typing import Any

from recexp.common.errors import ConfigError

# config class -> (package, file inside it) for each class of its hierarchy
HIERARCHY = {
    "grpo": [("trl", "trainer/grpo_config.py", "GRPOConfig"), ("trl", "trainer/base_config.py", "_BaseConfig"),
             ("transformers", "training_args.py", "TrainingArguments")],
    "sft": [("trl", "trainer/sft_config.py", "SFTConfig"), ("trl", "trainer/base_config.py", "_BaseConfig"),
            ("transformers", "training_args.py", "TrainingArguments")],
}
# set by the launcher from the run, not by the user
RESERVED = {"output_dir", "reward_weights", "report_to", "run_name", "logging_dir", "resume_from_checkpoint"}
SIMPLE_TYPES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}


# transformers 5.23 renamed gradient_checkpointing (kept, deprecated) to activation_checkpointing;
# configs say the new name, and on an older transformers it is passed under the old one
CHECKPOINTING, OLD_CHECKPOINTING = "activation_checkpointing", "gradient_checkpointing"


def checkpointing_name(kind: str) -> str:
    """The installed transformers' name for activation (gradient) checkpointing."""
    return CHECKPOINTING if CHECKPOINTING in trainer_fields(kind) else OLD_CHECKPOINTING


def with_installed_names(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    """``args`` with ``activation_checkpointing`` under the installed transformers' name."""
    name = checkpointing_name(kind)
    if CHECKPOINTING in args and name != CHECKPOINTING:
        args = {**args}
        args[name] = args.pop(CHECKPOINTING)
    return args


def check_trainer_args(kind: str, args: dict[str, Any], prefix: str = "trainer.args") -> None:
    """Raise ConfigError naming the first unknown, reserved or wrongly typed key (under ``prefix``)."""
    fields = dict(trainer_fields(kind))
    fields.setdefault(CHECKPOINTING, fields.get(OLD_CHECKPOINTING, "bool"))  # passed under the old name
    config_class = HIERARCHY[kind][0][2]
    for key, value in args.items():
        if key in RESERVED:
            raise ConfigError(f"{prefix}.{key}: set by recexp from the run; remove it")
        if key not in fields:
            raise ConfigError(f"{prefix}.{key}: not a field of the installed trl.{config_class}; "
                              f"close matches: {', '.join(_close(key, fields)) or 'none'}")
        annotation = fields[key].removesuffix(" | None")
        expected = SIMPLE_TYPES.get(annotation)
        if expected and value is not None and not (isinstance(value, expected) and not _bool_as_number(value, annotation)):
            raise ConfigError(f"{prefix}.{key}: expected {fields[key]}, got {value!r}")


def check_grpo_batching(args: dict[str, Any]) -> None:
    """TRL's divisibility rules, checked before a run starts rather than deep inside it."""
    generations = args.get("num_generations") or 8
    batch = args.get("generation_batch_size") or (
        (args.get("per_device_train_batch_size") or 8) * (args.get("gradient_accumulation_steps") or 1))
    if batch % generations:
        raise ConfigError(f"trainer.args: generation batch {batch} (generation_batch_size, or per_device_train_batch_size"
                          f" x gradient_accumulation_steps) must be divisible by num_generations={generations}")


@functools.cache
def trainer_fields(kind: str) -> dict[str, str]:
    """Field name -> annotation text, over the config class and its bases (subclass wins)."""
    fields: dict[str, str] = {}
    for package, relative, class_name in reversed(HIERARCHY[kind]):
        fields.update(_class_fields(_package_dir(package) / relative, class_name))
    return fields


def _class_fields(path: Path, class_name: str) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {stmt.target.id: ast.unparse(stmt.annotation) for stmt in node.body
                    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)}
    raise ConfigError(f"installed {path} has no class {class_name}; unsupported trl/transformers version")


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # a top-level spec: does not import the package
    if spec is None or spec.origin is None:
        raise ConfigError(f"trainer: the package {package} is not installed")
    return Path(spec.origin).parent


def _bool_as_number(value: Any, annotation: str) -> bool:
    return isinstance(value, bool) and annotation in ("int", "float")


def _close(key: str, fields: dict[str, str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(key, list(fields), n=3, cutoff=0.6)
