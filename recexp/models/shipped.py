"""The warmed-up tiny student shipped in the package (``model.tiny.student=auto``, the default, or ``shipped``).

``recexp/models/students/tiny/`` holds the model (safetensors), its tokenizer and ``recipe.json``:
the recipe's key (``recexp.models.tiny.tiny_key``: build version, ``model.tiny`` sizes and warm-up,
data fingerprint, prompt budget), the recipe itself, and the sha256 of what the build trains on
(the trained tokenizer and the warm-up examples, ``contents_fingerprint``). A run checks its own
recipe against the stored one and loads the files in seconds; with another recipe (other data,
other sizes) ``student=auto`` builds (and caches) it, saying so in the log, ``student=shipped``
stops with a config error naming what differs, and ``student=build`` always builds.

Rebuilt by ``recexp student build`` (``recexp.models.command``)."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from recexp.common.errors import ConfigError

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "students" / "tiny"
RECIPE_FILE = "recipe.json"
# what a run loads: the model, its generation config and the tokenizer (recipe.json lists their sha256)
SHIPPED_FILES = ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                 "tokenizer_config.json", "chat_template.jinja")
REBUILD = "OMP_NUM_THREADS=1 RECEXP_CACHE_DIR=$(mktemp -d) recexp student build"


def recipe(tiny_cfg: dict, data_fingerprint: str, prompt_cfg: dict, dataset: str) -> dict:
    """What the build depends on, as the config says it (without building anything)."""
    from recexp.models.tiny import TINY_BUILD_VERSION, recipe_of, tiny_key

    return {"key": tiny_key(tiny_cfg, data_fingerprint, prompt_cfg), "version": TINY_BUILD_VERSION,
            "dataset": dataset, "data_fingerprint": data_fingerprint, "prompt": dict(prompt_cfg),
            "tiny": recipe_of(tiny_cfg)}


def stored_recipe(directory: Path = SHIPPED_DIR) -> dict:
    path = directory / RECIPE_FILE
    if not path.exists():
        raise ConfigError(f"model.tiny.student=shipped: no shipped student in {directory} (rebuild it: {REBUILD}), "
                          "or set model.tiny.student=build")
    return json.loads(path.read_text())


def recipe_mismatch(wanted: dict, stored: dict) -> list[str]:
    """The differences between this run's recipe and the shipped one, one phrase each."""
    diffs = [f"model.tiny.{k}={wanted['tiny'].get(k)} (shipped: {stored['tiny'].get(k)})"
             for k in sorted(set(wanted["tiny"]) | set(stored["tiny"])) if wanted["tiny"].get(k) != stored["tiny"].get(k)]
    diffs += [f"prompt.{k}={wanted['prompt'].get(k)} (shipped: {stored['prompt'].get(k)})"
              for k in sorted(set(wanted["prompt"]) | set(stored["prompt"]))
              if wanted["prompt"].get(k) != stored["prompt"].get(k)]
    if wanted["data_fingerprint"] != stored["data_fingerprint"]:
        diffs.append(f"dataset={wanted['dataset']} with data fingerprint {wanted['data_fingerprint']} "
                     f"(shipped: {stored['dataset']}, {stored['data_fingerprint']})")
    if wanted["version"] != stored["version"]:
        diffs.append(f"tiny build version {wanted['version']} (shipped: {stored['version']})")
    return diffs


def check_shipped(wanted: dict, directory: Path = SHIPPED_DIR, stored: dict | None = None) -> None:
    """One-line ConfigError when the shipped student (its ``stored`` recipe, read when not given) was
    not built by this run's recipe."""
    stored = stored or stored_recipe(directory)
    if wanted["key"] == stored["key"]:
        return
    diffs = recipe_mismatch(wanted, stored) or [f"recipe key {wanted['key']} (shipped: {stored['key']})"]
    raise ConfigError(f"model.tiny.student=shipped: the shipped student was built by another recipe; this run has "
                      f"{'; '.join(diffs)}. Set model.tiny.student=build to build (and cache) this one")


def choose_shipped(wanted: dict, student: str, directory: Path = SHIPPED_DIR) -> Path | None:
    """``model.tiny.student`` shipped: the shipped student's directory, or a ConfigError naming what
    differs; auto: the directory when the recipe is this one, else None (build it), said in the log."""
    stored = None
    if student == "auto":
        stored = stored_recipe(directory) if (directory / RECIPE_FILE).exists() else None
        if stored is None or stored["key"] != wanted["key"]:
            why = "; ".join(recipe_mismatch(wanted, stored)) if stored else f"no shipped student in {directory}"
            log.info("model: model.tiny.student=auto: not the shipped student's recipe (%s); building this one", why)
            return None
    check_shipped(wanted, directory, stored)
    log.info("model: the shipped student %s (recipe %s, built by `%s`)", directory, wanted["key"], REBUILD)
    return directory


def file_hashes(directory: Path) -> dict[str, str]:
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
            for name in SHIPPED_FILES if (directory / name).exists()}


def publish_student(built: Path, wanted: dict, contents: dict, build_report: dict, provenance: dict,
                    directory: Path = SHIPPED_DIR) -> Path:
    """Copy the built model's files and write recipe.json into ``directory``, replacing what was there
    only once the new files are all written (a sibling directory, then a rename)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        tmp.chmod(0o755)  # readable by everyone, as the package's other files
        for name in SHIPPED_FILES:
            if (built / name).exists():
                shutil.copyfile(built / name, tmp / name)
                (tmp / name).chmod(0o644)
        record = {**wanted, "contents": contents, "files": file_hashes(tmp), "build": build_report,
                  "provenance": provenance, "rebuild": REBUILD}
        (tmp / RECIPE_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        old = directory.with_name(f".{directory.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return directory


def tiny_settings(cfg: Any) -> tuple[dict, dict]:
    """``model.tiny`` (as plain values) and the prompt budget of a composed config."""
    from omegaconf import OmegaConf

    from recexp.prompts.settings import prompt_settings

    tiny = OmegaConf.to_container(cfg.model.tiny, enum_to_str=True)
    return tiny, prompt_settings(cfg.prompt)
