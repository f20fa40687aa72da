"""`recexp compare`: read run dirs and sweep dirs, print / export / plot a comparison table.

Modules: runs (find and read run dirs), table (one row per run), filters (--where, --sort),
aggregate (--group-by), render (text, Markdown, CSV), plots (PNG), command (the CLI)."""

from recexp.compare.command import main

__all__ = ["main"]
