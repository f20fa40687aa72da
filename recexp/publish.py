"""Publish a directory built in a temporary sibling, so readers never see a half-written one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable


def publish_dir(tmp: Path, target: Path, is_complete: Callable[[Path], bool]) -> None:
    """Rename ``tmp`` to ``target``; if another process published a complete ``target`` first,
    keep theirs (the caller removes ``tmp``), else replace the incomplete one."""
    try:
        tmp.rename(target)
    except OSError:
        if not is_complete(target):
            shutil.rmtree(target, ignore_errors=True)
            tmp.rename(target)
