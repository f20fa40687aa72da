"""The `recexp` command: `recexp run ARGS`, `recexp sweep [PRESET] ARGS`, `recexp compare ...`, `recexp data pin ...`,
`recexp student build|check`.

``run`` and ``sweep`` hand their arguments to Hydra unchanged (``recexp run paradigm=mf`` is
``python run.py paradigm=mf``; ``recexp sweep grpo ARGS`` is ``python run.py -m sweep=grpo ARGS``).
Other subcommands are modules with HELP, ``add_arguments(parser)`` and ``run(args) -> exit code``;
add one by naming its module in COMMANDS."""

from __future__ import annotations

import argparse
import importlib

COMMANDS = {
    "compare": "recexp.compare.command",
    "data": "recexp.data.command",
    "student": "recexp.models.command",
}
HYDRA_COMMANDS = {
    "run": "run one job: recexp run [group=option ...] [key=value ...] (Hydra's command line)",
    "sweep": "a multirun or Optuna sweep: recexp sweep [PRESET] [key=value ...] (PRESET: sweep=PRESET)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recexp", description="recexp: run, sweep and compare experiments")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in HYDRA_COMMANDS.items():
        subparsers.add_parser(name, help=help_text, add_help=False)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def hydra_argv(command: str, args: list[str]) -> list[str]:
    """Hydra's command line for ``recexp run|sweep ARGS``."""
    if command == "run":
        return args
    if args and "=" not in args[0] and not args[0].startswith("-"):  # recexp sweep grpo ...
        args = [f"sweep={args[0]}", *args[1:]]
    return ["-m", *args]


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the subcommand's exit code."""
    import sys

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in HYDRA_COMMANDS:
        from recexp.run.app import main as run_main

        run_main(hydra_argv(argv[0], argv[1:]))
        return 0
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
