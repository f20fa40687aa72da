"""Fingerprints that key the processed-data cache: raw file contents + processing config."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

# Bump when processing changes what it writes, so stale caches are not reused.
PIPELINE_VERSION = 2
_CHUNK = 8 << 20


def file_sha256(path: Path, memo_dir: Path) -> str:
    """sha256 of a file, memoised on (path, size, mtime) so unchanged raw files hash once
    (the downloader's verification and the data fingerprint share ``<cache_dir>/hashes``)."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    memo = memo_dir / f"{key}.sha256"
    if memo.exists():
        return memo.read_text().strip()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    memo_dir.mkdir(parents=True, exist_ok=True)
    memo.write_text(digest.hexdigest())
    return digest.hexdigest()


def hashes_dir(cache_root: Path) -> Path:
    return cache_root / "hashes"


def fingerprint(parts: dict[str, Any]) -> str:
    """Stable hex digest of a JSON-serialisable description of the data."""
    payload = json.dumps({"pipeline_version": PIPELINE_VERSION, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
