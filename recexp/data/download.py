"""Fetch a dataset preset's raw file into the data cache when it is absent locally.

``ensure_file`` returns a local path for a raw file: the user's own copy when present, else a
cached (or freshly downloaded, verified and, for archives, extracted) copy under
``<cache_dir>/raw``. Downloads stream into ``<name>.part``, resume with HTTP ranges, retry
broken connections, and are renamed into place only after verification (``remote.size`` and
``remote.sha256`` when pinned: ``recexp data pin``, recexp/data/pin.py). Only https is fetched
unless the caller allows plain http (``recexp.data.transport``); archive members are extracted
under a size cap (``recexp.data.archive``).
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

from recexp.data.archive import MemberMissingError, extract_member
from recexp.data.fingerprint import file_sha256, hashes_dir
from recexp.data.streams import CHUNK, copy_stream
from recexp.data.transport import check_url, opener

log = logging.getLogger(__name__)

RETRY_BACKOFF_S = 0.5  # sleep before retry n is n * RETRY_BACKOFF_S
_NETWORK_ERRORS = (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException)


class DataFileMissingError(FileNotFoundError):
    """A raw data file is absent locally and cannot be downloaded."""


class DownloadVerificationError(RuntimeError):
    """A downloaded file failed its size, sha256 or gzip check (the partial file is deleted)."""


class _RangeNotSatisfiable(Exception):
    """HTTP 416 on resume: the ``.part`` may already hold the whole file."""

    def __init__(self, total: int | None) -> None:
        super().__init__(total)
        self.total = total


def ensure_file(
    local_path: str | None,
    remote: Any,
    cache_dir: str | Path,
    *,
    progress: bool = True,
    config_key: str | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    allow_http: bool = False,
    max_extract_gb: float | None = None,
) -> Path:
    """Return a local path for a raw data file, downloading ``remote`` when it is absent.

    ``remote`` has the attributes of ``recexp.config.RemoteFile``. The file lands at
    ``local_path`` when given, else at ``<cache_dir>/raw/<remote.filename>`` (default: the
    url's or, for an archive, the member's last path component); an archive itself is kept as
    ``<cache_dir>/raw/<url's last component>`` so that several members share one download.
    ``config_key`` (e.g. ``dataset.reviews_path``) is named in error messages as the way to
    point at an existing copy. ``timeout`` bounds connect and each read (seconds); ``retries``
    counts re-attempts after a broken connection. A plain-http url (or redirect) is refused
    unless ``allow_http``; ``max_extract_gb`` caps an archive member's extracted size.
    """
    if local_path is not None and Path(local_path).expanduser().exists():
        return Path(local_path).expanduser()
    if remote.url is None:
        raise DataFileMissingError(_no_url_message(local_path, config_key))
    member = remote.archive_member
    target = Path(local_path).expanduser() if local_path is not None else download_path(remote, cache_dir, member=True)
    fetch = dict(progress=progress, config_key=config_key, timeout=timeout, retries=retries, allow_http=allow_http)
    if not member:
        return fetch_remote(remote, cache_dir, dest=target, **fetch)
    if target.exists():
        return target
    archive = fetch_remote(remote, cache_dir, **fetch)
    try:
        extract_member(archive, member, target, max_gb=max_extract_gb, progress=progress)
    except MemberMissingError as exc:
        raise DataFileMissingError(str(exc)) from None
    return target


def download_path(remote: Any, cache_dir: str | Path, *, member: bool = False) -> Path:
    """Where ``remote`` is kept in ``<cache_dir>/raw``: the download itself (an archive under its
    url's name), or with ``member`` the extracted member's file."""
    raw_dir = Path(cache_dir).expanduser() / "raw"
    if remote.archive_member and not member:
        return raw_dir / _url_name(remote.url)
    inner = PurePosixPath(remote.archive_member).name if remote.archive_member else None
    return raw_dir / (remote.filename or inner or _url_name(remote.url))


def fetch_remote(
    remote: Any,
    cache_dir: str | Path,
    *,
    dest: Path | None = None,
    progress: bool = True,
    config_key: str | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    allow_http: bool = False,
) -> Path:
    """The verified download of ``remote.url`` at ``dest`` (default ``download_path``): a copy
    already there that verifies is reused, else it is downloaded (resumed, retried, verified)."""
    check_url(remote.url, allow_http=allow_http)
    dest = dest or download_path(remote, cache_dir)
    memo = hashes_dir(Path(cache_dir).expanduser())
    if dest.exists() and _verifies(dest, remote, memo):
        return dest
    try:
        _download(remote, dest, memo, timeout=timeout, retries=retries, progress=progress, allow_http=allow_http)
    except _NETWORK_ERRORS as exc:
        raise DataFileMissingError(_unreachable_message(remote, dest, config_key, exc)) from exc
    return dest


def _no_url_message(local_path: str | None, config_key: str | None) -> str:
    where = f"{local_path} does not exist" if local_path is not None else "no local path is set"
    key = config_key or "the dataset's local path"
    return f"{where} and there is no download URL for it (remote.url is unset); set {key} to an existing copy"


def _unreachable_message(remote: Any, dest: Path, config_key: str | None, exc: BaseException) -> str:
    terms = f" (accept its terms first: {remote.terms})" if remote.terms else ""
    reason = " ".join(str(exc).split())
    local = f", or set {config_key} to the path of an existing copy" if config_key else ""
    return f"could not download {remote.url} ({type(exc).__name__}: {reason}); fetch it{terms} and save it as {dest}{local}"


def _url_name(url: str) -> str:
    """The last component of the url's path (percent-decoded)."""
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlparse(url).path)).name
    if not name:
        raise ValueError(f"cannot derive a file name from the path of {url}")
    return name


def _part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _verifies(path: Path, remote: Any, memo: Path) -> bool:
    """Whether a cached file matches ``remote.size`` and ``remote.sha256`` (when set).

    Its gzip stream is not re-read: it was checked before the file was renamed into place.
    """
    try:
        _check(path, remote, None, memo, gz=False)
    except DownloadVerificationError as exc:
        log.warning("ignoring %s: %s", path, exc)
        return False
    return True


def _download(remote: Any, dest: Path, memo: Path, *, timeout: float, retries: int, progress: bool,
              allow_http: bool) -> None:
    """Download ``remote.url`` to ``dest`` via ``dest.part``: resume, retry, verify, rename."""
    part = _part_path(dest)
    part.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s -> %s%s", remote.url, dest, f" (terms: {remote.terms})" if remote.terms else "")
    fetch = dict(url=remote.url, part=part, timeout=timeout, retries=retries, progress=progress,
                 allow_http=allow_http)
    try:
        total = _fetch_retrying(**fetch)
    except _RangeNotSatisfiable as exc:
        try:
            _finish(part, dest, remote, exc.total, memo)
            return
        except DownloadVerificationError as bad:
            log.warning("discarded %s (%s); downloading again from the start", part, bad)
            total = _fetch_retrying(**fetch)
    _finish(part, dest, remote, total, memo)


def _finish(part: Path, dest: Path, remote: Any, total: int | None, memo: Path) -> None:
    """Verify ``part`` (deleting it on failure) and move it to ``dest`` atomically."""
    try:
        _check(part, remote, total, memo, gz=dest.name.endswith(".gz"))
    except DownloadVerificationError:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, dest)
    log.info("saved %s (%d bytes)", dest, dest.stat().st_size)


def _fetch_retrying(*, url: str, part: Path, timeout: float, retries: int, progress: bool,
                    allow_http: bool) -> int | None:
    """``_fetch`` with up to ``retries`` re-attempts (each resuming) after transient errors."""
    attempt = 0
    while True:
        try:
            return _fetch(url, part, timeout=timeout, progress=progress, allow_http=allow_http)
        except _NETWORK_ERRORS as exc:
            attempt += 1
            if attempt > retries or (isinstance(exc, urllib.error.HTTPError) and exc.code < 500):
                raise
            log.warning("download of %s failed (%s); retry %d/%d", url, exc, attempt, retries)
            time.sleep(RETRY_BACKOFF_S * attempt)


def _fetch(url: str, part: Path, *, timeout: float, progress: bool, allow_http: bool) -> int | None:
    """Stream ``url`` into ``part``, resuming from its size; return the full size when known."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        response = opener(allow_http).open(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            raise _RangeNotSatisfiable(_range_total(exc.headers.get("Content-Range"))) from exc
        raise
    with response:
        if response.status != 206:
            offset = 0  # the server ignored the range: start over
        length = response.headers.get("Content-Length")
        length = int(length) if length is not None else None
        total = _range_total(response.headers.get("Content-Range")) if offset else None
        if total is None and length is not None:
            total = offset + length
        with open(part, "ab" if offset else "wb") as out:
            got = copy_stream(response, out, total=total, initial=offset, desc=part.stem, progress=progress)
    if length is not None and got < length:
        raise http.client.IncompleteRead(b"", length - got)
    return total


def _range_total(content_range: str | None) -> int | None:
    """The full size from a ``Content-Range: bytes a-b/N`` (or ``bytes */N``) header."""
    match = re.search(r"/(\d+)\s*$", content_range or "")
    return int(match.group(1)) if match else None


def _check(path: Path, remote: Any, total: int | None, memo: Path, *, gz: bool) -> None:
    """Raise ``DownloadVerificationError`` unless ``path`` has the expected size, sha256 and gzip stream."""
    size = path.stat().st_size
    for what, expected in (("server size", total), ("remote.size", remote.size)):
        if expected is not None and size != expected:
            raise DownloadVerificationError(f"{path}: {what} expected {expected} bytes, got {size}")
    if remote.sha256:
        got = file_sha256(path, memo)
        if got != remote.sha256.lower():
            raise DownloadVerificationError(f"{path}: sha256 expected {remote.sha256}, got {got}")
    if gz:
        _check_gzip(path)


def _check_gzip(path: Path) -> None:
    """Decompress ``path`` in chunks, discarding the output; a truncated or corrupt stream raises."""
    try:
        with gzip.open(path, "rb") as f:
            while f.read(CHUNK):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise DownloadVerificationError(f"{path}: gzip expected a complete stream, got {exc}") from exc
