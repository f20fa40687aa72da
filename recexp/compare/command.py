"""`recexp compare PATH...`: compare run dirs and sweep dirs in one table.

Finds every run dir under PATHs (a dir holding metrics.json and resolved_config.yaml; sweep dirs'
job subdirs are run dirs), refuses to compare runs whose data fingerprints differ unless
--allow-mixed-data, then prints the table (ranked by test/mae_median_fallback, the MAE with unparsed
answers at the train median, unless --sort) and optionally writes CSV, Markdown and PNG plots.
With --paired the table is the paired significance test of groups of runs (recexp/compare/paired.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recexp.compare.errors import USAGE_EXIT_CODE, CompareError

HELP = "compare run dirs and sweep dirs: table, filters, CSV/Markdown, plots"
NOTHING_FOUND_EXIT_CODE = 1
EXAMPLES = """examples:
  recexp compare outputs/ --sort test/coverage --desc
  recexp compare outputs/multirun/2026-11-26 --where paradigm=reczero --where 'test/mae_median_fallback<0.9'
  recexp compare outputs/ --group-by paradigm --markdown results.md --plot plots/
  recexp compare outputs/ --param trainer.args.max_steps --metric test/pearson --csv runs.csv
  recexp compare outputs/multirun/paper --paired --baseline paradigm=reczero --markdown paired.md --plot plots/
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXAMPLES
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="run dirs or dirs holding them (default: outputs/)")
    parser.add_argument("--sort", metavar="KEY",
                        help="sort by a column, metric or dotted config key (default: the ranking score "
                             "test/mae_median_fallback, unparsed answers at the train median; test/mae is "
                             "over parsed answers only)")
    parser.add_argument("--desc", action="store_true", help="sort in descending order")
    parser.add_argument("--where", action="append", default=[], metavar="COND",
                        help="keep runs with KEY OP VALUE, OP in = != < <= > >= ~ (repeatable; e.g. 'test/mae<0.9')")
    parser.add_argument("--status", default="all", metavar="STATUS",
                        help="show only runs with this status: ok, failed, pruned "
                             "(default: all, the not-ok ones in capitals)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY",
                        help="add a column: a dotted config key (e.g. trainer.args.max_steps) or a metric")
    parser.add_argument("--metric", action="append", default=[], metavar="KEY",
                        help="add a metric column (e.g. test/pearson); aggregated in --group-by")
    parser.add_argument("--group-by", metavar="KEYS",
                        help="aggregate over seeds: mean ± std and n per group (comma-separated keys)")
    parser.add_argument("--all-columns", action="store_true",
                        help="in the text and Markdown tables, also the columns whose value is the same in every shown run")
    parser.add_argument("--format", choices=["table", "markdown", "csv"], default="table", help="stdout format")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV (raw values)")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table as Markdown")
    parser.add_argument("--plot", type=Path, metavar="DIR", help="write PNG plots into DIR")
    parser.add_argument("--allow-mixed-data", action="store_true",
                        help="compare runs whose data fingerprints differ (the fingerprint column shows the mix)")
    parser.add_argument("--paired", action="store_true",
                        help="paired test of groups (--group-by, default paradigm) on per-case test errors: "
                             "bootstrap CI of the MAE difference, Wilcoxon p, Holm-adjusted; seeds matched")
    parser.add_argument("--baseline", metavar="COND",
                        help="with --paired: compare every group against the group selected by KEY=VALUE "
                             "(e.g. paradigm=reczero); default: every pair of groups")
    parser.add_argument("--bootstrap", type=int, default=10_000, metavar="N",
                        help="with --paired: bootstrap resamples of the cases (default 10000)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list unreadable run dirs and the errors of runs that are not ok")


def main(argv: list[str] | None = None) -> int:
    """`python -m recexp.compare`: the same arguments as `recexp compare`."""
    parser = argparse.ArgumentParser(prog="python -m recexp.compare", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run the command; one line on stderr and exit code 2 for a bad path, key, filter or mixed data."""
    try:
        return _compare(args)
    except CompareError as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return USAGE_EXIT_CODE


def _compare(args: argparse.Namespace) -> int:
    from recexp.compare import filters, table
    from recexp.compare.runs import find_runs

    paths = args.paths or [Path("outputs")]
    found = find_runs(paths)
    if not found.runs:
        print(f"compare: no readable run dirs under {', '.join(map(str, paths))}", file=sys.stderr)
        _report(found, 0, args.verbose)
        return NOTHING_FOUND_EXIT_CODE
    frame = table.build_frame(found.runs)
    if args.status != "all":
        frame = frame[frame["status"] == args.status]
    frame = filters.apply_where(frame, [filters.parse_condition(c) for c in args.where])
    if not args.allow_mixed_data or args.paired:
        table.check_same_data(frame)
    _warn_versions(frame)
    if args.paired:
        return _paired(frame, found, args)
    view = _view(frame, args)
    _emit(view, args)
    _say_standing(frame)
    if args.plot:
        _write_plots(args.plot, lambda plots: plots.write_plots(frame, args.plot))
    _report(found, len(frame), args.verbose, frame)
    return 0


def _warn_versions(frame) -> None:
    """One line on stderr when the shown runs were produced by different library versions."""
    from recexp.compare import standing, table

    if len(frame) and (warning := standing.version_warning(frame[table.RUN])):
        print(f"compare: {warning}", file=sys.stderr)


def _say_standing(frame) -> None:
    """For runs of one split, each run's verdict against the baselines of its summary.md, on stderr
    with the other notes (stdout stays the table, whatever its format)."""
    from recexp.compare import standing, table

    if not len(frame) or frame["fingerprint"].dropna().nunique() > 1:
        return
    lines = standing.standing_lines(frame[table.RUN])
    if lines:
        print("\n".join(lines), file=sys.stderr)


def _write_plots(out_dir, write) -> None:
    """Run ``write(recexp.compare.plots)`` and list the files it wrote; one line if it cannot."""
    from recexp.common.extras import missing_extra

    if missing := missing_extra("plots", "recexp compare --plot"):
        raise CompareError(missing)
    from recexp.compare import plots

    try:
        written = write(plots)
    except OSError as exc:
        raise CompareError(f"cannot write plots into {out_dir}: {exc.strerror or exc}") from None
    for path in written:
        print(f"wrote {path}", file=sys.stderr)


def _paired(frame, found, args: argparse.Namespace) -> int:
    """--paired: the significance table (stdout, --markdown, --csv) and its plot with the others."""
    from recexp.compare import filters, paired

    keys = [k.strip() for k in (args.group_by or "paradigm").split(",") if k.strip()]
    baseline = filters.parse_condition(args.baseline) if args.baseline else None
    if args.bootstrap < 100:
        raise CompareError(f"--bootstrap {args.bootstrap}: use at least 100 resamples")
    view = paired.compare_groups(frame, keys, baseline, n_boot=args.bootstrap)
    _emit(view, args)
    print(f"paired on {paired.SPLIT} cases; {paired.SCORED_AS}; p: Wilcoxon signed-rank on per-case error "
          "differences (mean over paired seeds), p_holm: Holm-adjusted over the rows, sig: p_holm < 0.05",
          file=sys.stderr)
    if args.plot:
        dataset = str(frame["dataset"].dropna().iloc[0])
        _write_plots(args.plot, lambda plots: plots.write_plots(frame, args.plot)
                     + plots.write_paired_plot(view, keys, args.plot, dataset))
    _report(found, len(frame), args.verbose, frame)
    return 0


def _view(frame, args: argparse.Namespace):
    """The per-run table, or the grouped one; sorted when asked."""
    from recexp.compare import aggregate, filters, table

    if args.group_by:
        keys = [k.strip() for k in args.group_by.split(",") if k.strip()]
        if frame["fingerprint"].dropna().nunique() > 1 and "fingerprint" not in keys:
            keys.append("fingerprint")  # never average over different data
        keys = _split_by_settings(frame, keys)
        aggregate.check_each_seed_once(frame, keys)
        headline = [m for m in table.HEADLINE if m in frame.columns]  # runs older than a metric lack it
        view = aggregate.group_runs(frame, keys, [*headline, *args.metric])
        sort = _sort(view, args.sort, aggregate.sort_key(view, table.RANK))
        return filters.sort_frame(view, aggregate.sort_key(view, sort), args.desc) if sort else view
    sort = _sort(frame, args.sort, table.RANK)
    view = filters.sort_frame(frame, sort, args.desc) if sort else frame
    return view[table.display_columns(frame, args.param, args.metric)]


def _sort(frame, asked: str | None, rank: str) -> str | None:
    """The --sort key, else the ranking score's column when some run has it."""
    return asked or (rank if rank in frame.columns else None)


def _split_by_settings(frame, keys: list[str]) -> list[str]:
    """The group keys plus every config key in which the runs of a group differ (said on stderr)."""
    from recexp.compare import aggregate

    differing = [k for k in aggregate.settings_that_differ(frame, keys) if k not in keys]
    if differing:
        for key in differing:
            frame[key] = frame[key].astype(object).where(frame[key].notna(), None)
        print(f"compare: --group-by {','.join(keys)}: runs of a group differ in {', '.join(differing)} "
              "(not only the seed), so the groups are split by them too; --where narrows to one setting",
              file=sys.stderr)
    return [*keys, *differing]


def _emit(view, args: argparse.Namespace) -> None:
    """stdout in --format, plus --csv / --markdown files. The text and Markdown tables leave out the
    optional columns (hyperparameters, sweep, seed, fingerprint, wall time) whose value is the same
    in every shown run, unless --all-columns; CSV keeps every column."""
    from recexp.compare import render, table

    human = view if args.all_columns else table.drop_constant_columns(view)
    writers = {"table": (render.to_text, human), "markdown": (render.to_markdown, human), "csv": (render.to_csv, view)}
    write, shown = writers[args.format]
    sys.stdout.write(write(shown))
    for path, writer, data in ((args.csv, render.to_csv, view), (args.markdown, render.to_markdown, human)):
        if path:
            _write(path, writer(data))
            print(f"wrote {path}", file=sys.stderr)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise CompareError(f"cannot write {path}: {exc.strerror or exc}") from None


def _report(found, shown: int, verbose: bool, frame=None) -> None:
    """Counts on stderr; with -v, each unreadable dir with its reason and each not-ok run's error."""
    line = f"{shown} of {len(found.runs)} runs shown"
    if frame is not None and len(frame):
        line += f" ({', '.join(f'{n} {status}' for status, n in frame['status'].value_counts().items())})"
    if found.unreadable:
        line += f"; {len(found.unreadable)} unreadable" + ("" if verbose else " (-v lists them)")
    print(line, file=sys.stderr)
    if not verbose:
        return
    for entry in found.unreadable:
        print(f"unreadable: {entry.path}: {entry.reason}", file=sys.stderr)
    if frame is not None:
        for _, row in frame[frame["status"] != "ok"].iterrows():
            print(f"{row['status']}: {row['run_dir']}: {row.get('error', '-')}", file=sys.stderr)
