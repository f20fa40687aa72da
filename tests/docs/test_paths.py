"""Every config file or folder the docs name (`conf/...`, `sweeps/...`) exists where the docs say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recexp.common.layout import CONF_DIR, SWEEPS_DIR

from .markdown import REPO, doc_files, rel

CONF_PATH = re.compile(r"(?<![\w/.~$-])((?:conf|sweeps)/[\w./*<>-]*)")


def resolve(mention: str) -> Path | None:
    """The file a `conf/...` or `sweeps/...` mention names, or None when it does not exist."""
    head, _, rest = mention.partition("/")
    base = CONF_DIR if head == "conf" else SWEEPS_DIR
    target = base / rest.rstrip("/.")
    return target if target.exists() else None


def missing_paths(path: Path, repo: Path = REPO) -> list[str]:
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        for mention in CONF_PATH.findall(line):
            if "<" in mention or "*" in mention:  # a pattern: its folder must exist
                mention = mention[: mention.rfind("/", 0, min(i for i in (mention.find("<"), mention.find("*")) if i >= 0)) + 1]
            if resolve(mention) is None:
                out.append(f"{rel(path, repo)}:{n}: {mention}")
    return out


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: rel(p))
def test_named_config_files_exist(path: Path) -> None:
    missing = missing_paths(path)
    assert not missing, "config files or folders the docs name that do not exist:\n" + "\n".join(missing)


def test_a_missing_config_file_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("see `conf/trainer/grpo.yaml`, `conf/scale/<model>.yaml`, `outputs/sweeps/x` and\n"
                    "`conf/trainer/gpro.yaml`, `sweeps/grpo.yaml`, `sweeps/gpro.yaml`\n")
    assert missing_paths(page, tmp_path) == ["page.md:2: conf/trainer/gpro.yaml", "page.md:2: sweeps/gpro.yaml"]
