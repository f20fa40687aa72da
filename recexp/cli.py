"""The `recexp` command: `recexp SUBCOMMAND ...`.

A subcommand is a module with HELP, ``add_arguments(parser)`` and ``run(args) -> exit code``;
add one by naming its module in COMMANDS."""

from __future__ import annotations

import argparse
import importlib

COMMANDS = {
    "compare": "recexp.compare.command",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recexp", description="recexp tools (runs: python run.py ...)")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the subcommand's exit code."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
