"""`recexp data pin [dataset=NAME] [key=value ...]`: pin a dataset preset's download checksums.

Composes the config as `python run.py` would (the same overrides), downloads each remote file of
the dataset into <cache_dir>/raw (or reuses the copy already there, e.g. one fetched by hand), and
prints the `sha256:` and `size:` lines to add under the preset's reviews_remote / meta_remote
(conf/dataset/NAME.yaml), plus the same as overrides. Pinned values already in the preset are
verified: a file that does not match is refused and its partial copy deleted."""

from __future__ import annotations

import argparse
import logging
import sys

HELP = "pin a dataset preset's download checksums: recexp data pin dataset=NAME"
FAILED_EXIT_CODE = 1
EXAMPLES = """examples:
  recexp data pin dataset=amazon_music
  recexp data pin dataset=yelp cache_dir=/data/recexp-cache
  recexp data pin dataset=amazon_music dataset.reviews_remote.sha256=null dataset.reviews_remote.size=null  # re-pin
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    pin = actions.add_parser("pin", help="download (or reuse the cached copy), print sha256 and size lines",
                             description=__doc__, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    pin.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="Hydra overrides, e.g. dataset=amazon_music")
    pin.add_argument("--no-progress", action="store_true", help="no download progress bar")


def run(args: argparse.Namespace) -> int:
    """Pin, print the lines on stdout; a config error is one line (exit 2), a failed download one line (exit 1)."""
    from recexp.common.errors import CONFIG_ERROR_EXIT_CODE, CONFIG_ERRORS
    from recexp.data.download import DataFileMissingError, DownloadVerificationError
    from recexp.run.error_messages import describe

    logging.basicConfig(level=logging.INFO, format="%(message)s")  # what is downloaded where, on stderr
    try:
        preset, cfg = _compose(args.overrides)
        from recexp.data.pin import overrides, pin_remotes, yaml_lines

        pins = pin_remotes(cfg.dataset, cfg.cache_dir, progress=not args.no_progress)
    except CONFIG_ERRORS as exc:
        print(f"config error: {describe(exc)}", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    except (DataFileMissingError, DownloadVerificationError) as exc:
        print(f"data pin: {exc}", file=sys.stderr)
        return FAILED_EXIT_CODE
    print(f"# add under the remotes of conf/dataset/{preset}.yaml (replacing the 'unpinned' comment):")
    print("\n".join(yaml_lines(pins)))
    print(f"# or pass them as overrides: {' '.join(overrides(pins))}")
    return 0


def _compose(overrides: list[str]):
    """The dataset preset's name and the config composed with ``overrides``, validated."""
    from hydra import compose, initialize_config_dir

    import recexp.config  # noqa: F401  (registers the schemas)
    from recexp.common.layout import CONF_DIR
    from recexp.run.validation import task_config, validate

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides), return_hydra_config=True)
    task = task_config(cfg)
    validate(task)
    return cfg.hydra.runtime.choices.dataset, task
