"""The README fits on a screen and opens with the two commands: install and run the main job,
install and run the tests; CI runs the second exactly as written."""

from __future__ import annotations

from .markdown import REPO, pieces


def opening_blocks() -> list[str]:
    """The README's fenced blocks before its first section."""
    text = (REPO / "README.md").read_text()
    head = text.split("\n## ", 1)[0]
    return [p.text.strip() for p in pieces(head) if p.fence is not None]


def test_readme_is_at_most_12_kb() -> None:
    assert (REPO / "README.md").stat().st_size <= 12 * 1024


def test_readme_opens_with_the_two_commands() -> None:
    blocks = opening_blocks()
    assert len(blocks) == 2 and all("\n" not in b for b in blocks), blocks
    assert blocks[0].startswith("pip install") and blocks[0].endswith("python run.py")
    assert blocks[1].startswith("pip install") and blocks[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert opening_blocks()[1] in ci
