"""Every page the code, configs and scripts point to (`docs/....md`, `README.md#anchor`) exists: a
moved or folded page leaves no dangling pointer in a docstring, a yaml comment or an error message."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .markdown import REPO

POINTER = re.compile(r"(?<![\w/.-])(docs/[\w./-]+\.md)")
SOURCES = ("*.py", "*.yaml", "*.sh", "*.toml", "*.cfg")


def tracked_sources(repo: Path = REPO) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *SOURCES], cwd=repo, capture_output=True, text=True, check=True).stdout
    return [repo / line for line in out.splitlines() if line and not line.startswith("tests/docs/")]


def dangling(paths: list[Path], repo: Path = REPO) -> list[str]:
    out = []
    for path in paths:
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            out += [f"{path.relative_to(repo)}:{n}: {m}" for m in POINTER.findall(line) if not (repo / m).exists()]
    return out


def test_every_docs_page_the_code_names_exists() -> None:
    sources = tracked_sources()
    assert len(sources) > 100  # the scan saw the tree
    missing = dangling(sources)
    assert not missing, "pages named in code/config that do not exist:\n" + "\n".join(missing)


def test_a_dangling_pointer_is_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("# here\n")
    code = tmp_path / "a.py"
    code.write_text('"""see docs/here.md and docs/notes/gone.md"""\n')
    assert dangling([code], tmp_path) == ["a.py:1: docs/notes/gone.md"]
