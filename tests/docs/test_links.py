"""Every relative link and #anchor in README.md and docs/**/*.md resolves (GitHub's anchor slugs)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from .markdown import REPO, anchors, doc_files, links, rel, slug

EXTERNAL = ("http://", "https://", "mailto:", "ftp://")


def broken_links(path: Path, repo: Path = REPO) -> list[str]:
    """'file:line: target: why' for each link of one Markdown file that does not resolve."""
    out = []
    for line, target in links(path.read_text()):
        if target.startswith(EXTERNAL):
            continue
        ref, _, anchor = unquote(target).partition("#")
        dest = (path.parent / ref).resolve() if ref else path
        where = f"{rel(path, repo)}:{line}: {target}"
        if not dest.exists():
            out.append(f"{where}: no file or folder {ref}")
        elif dest.is_relative_to(repo) is False:
            out.append(f"{where}: points outside the repository")
        elif anchor and dest.suffix != ".md":
            out.append(f"{where}: an anchor into a file that is not Markdown")
        elif anchor and anchor not in anchors(dest.read_text()):
            out.append(f"{where}: no heading with the anchor #{anchor} in {rel(dest, repo)}")
    return out


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: rel(p))
def test_every_link_and_anchor_resolves(path: Path) -> None:
    broken = broken_links(path)
    assert not broken, "links that do not resolve:\n" + "\n".join(broken)


def test_docs_have_links_to_check() -> None:
    assert sum(len(links(p.read_text())) for p in doc_files()) > 30


def test_slug_follows_github() -> None:
    assert slug("Paired significance (`--paired`)") == "paired-significance---paired"
    assert slug("W&B workflow") == "wb-workflow"
    assert slug("Run RecZero on your own Amazon / Yelp file") == "run-reczero-on-your-own-amazon--yelp-file"
    assert slug("RecZero and RecOne at the miniature's scale") == "reczero-and-recone-at-the-miniatures-scale"


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\n## Two words\n\n## Two words\n")
    page = tmp_path / "README.md"
    page.write_text("# Top\n\n[ok](docs/a.md#two-words-1) [self](#top) `[code](nowhere.md)`\n\n"
                    "[gone](docs/b.md) [bad anchor](docs/a.md#three)\n\n```\n[in a block](x.md)\n```\n")
    assert broken_links(page, tmp_path) == [
        "README.md:5: docs/a.md#three: no heading with the anchor #three in docs/a.md",
        "README.md:5: docs/b.md: no file or folder docs/b.md",
    ]
