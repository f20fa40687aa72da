"""`recexp student build|check [key=value ...]`: rebuild the shipped tiny student, or check it.

``build`` composes the run config (the overrides as on ``python run.py``), builds the tiny model of
its recipe (``recexp.models.tiny.ensure_tiny``: reused when this cache already holds it, so build
in an empty cache to rebuild from scratch) and writes it with ``recipe.json`` into
``recexp/models/students/tiny/`` (or ``--out DIR``), on one CPU thread: two builds of one recipe in
empty caches wrote the same bytes (same torch build and CPU), a build on two threads other weights.
``check`` says whether the shipped student is the one the config's recipe makes (its key and the
fingerprints of its tokenizer and warm-up data).
Rebuild the shipped one with::

    OMP_NUM_THREADS=1 RECEXP_CACHE_DIR=$(mktemp -d) recexp student build
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "rebuild (build) or verify (check) the tiny student shipped in the package"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("action", choices=["build", "check"])
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as on python run.py")
    parser.add_argument("--out", type=Path, help="build: write here instead of the package's shipped student")


def run(args: argparse.Namespace) -> int:
    from recexp.common.errors import ConfigError

    try:
        return _build(args) if args.action == "build" else _check(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2


def compose_run_config(overrides: list[str]):
    from hydra import compose, initialize_config_dir

    import recexp.config  # noqa: F401  (registers the schema)
    from recexp.common.layout import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=["logger=none", *overrides])


def config_recipe(cfg) -> tuple[dict, object, dict, dict]:
    """This config's recipe (``recexp.models.shipped.recipe``), the loaded data, model.tiny and the prompt budget."""
    from recexp.data.pipeline import load_dataset
    from recexp.models.shipped import recipe, tiny_settings

    data = load_dataset(cfg.dataset, cfg.cache_dir)
    tiny, prompt = tiny_settings(cfg)
    return recipe(tiny, data.fingerprint, prompt, data.name), data, tiny, prompt


def contents_of(tiny: dict, data, prompt: dict) -> dict:
    """sha256 of the tokenizer and warm-up examples this recipe trains on (seconds; no training)."""
    from recexp.models.tiny import contents_fingerprint, tokenizer_and_examples

    return contents_fingerprint(*tokenizer_and_examples(tiny, data, prompt))


def _build(args: argparse.Namespace) -> int:
    import json
    import logging

    import torch

    from recexp.common.errors import ConfigError
    from recexp.models.shipped import SHIPPED_DIR, publish_student
    from recexp.models.tiny import DONE_FILE, ensure_tiny
    from recexp.run.provenance import provenance

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # one thread: two builds on one thread give the same bytes; on two threads other weights (measured)
    torch.set_num_threads(1)
    cfg = compose_run_config(args.overrides)
    wanted, data, tiny, prompt = config_recipe(cfg)
    built = ensure_tiny(Path(cfg.cache_dir).expanduser(), tiny, data, prompt)
    report = json.loads((built / DONE_FILE).read_text())
    contents = report.pop("contents", None)  # of what this build trained on (recexp.models.tiny._build)
    if contents is None:
        raise ConfigError(f"{built} was built before builds recorded their contents; build in an empty cache: "
                          "RECEXP_CACHE_DIR=$(mktemp -d) recexp student build")
    prov = {**provenance(), "torch_threads": torch.get_num_threads(), "overrides": list(args.overrides)}
    out = publish_student(built, wanted, contents, report, prov, args.out or SHIPPED_DIR)
    print(f"wrote the student of recipe {wanted['key']} to {out}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from recexp.models.shipped import recipe_mismatch, stored_recipe

    cfg = compose_run_config(args.overrides)
    wanted, data, tiny, prompt = config_recipe(cfg)
    stored = stored_recipe()
    problems = recipe_mismatch(wanted, stored)
    contents = contents_of(tiny, data, prompt)
    problems += [f"{name} sha256 {value[:12]} (shipped: {stored['contents'].get(name, '-')[:12]})"
                 for name, value in contents.items() if stored["contents"].get(name) != value]
    if problems:
        print("the shipped student is stale: " + "; ".join(problems) + f". Rebuild it: {stored['rebuild']}")
        return 1
    print(f"the shipped student is this config's recipe ({wanted['key']})")
    return 0
