"""Build a cache directory safely: one builder at a time, in a temporary sibling, published by a
rename, so readers never see a half-written one.

A builder holds ``build_lock(target)`` (an OS file lock on ``.<name>.lock`` beside the target,
which the system releases when its holder exits or is killed), so a second process wanting the
same target waits for the first and then reuses its result instead of building it again. The
temporary siblings are named ``.<name>-*``; a build killed with ``kill -9`` leaves its sibling
behind, never the target. Such a sibling is never read, and the next builder of that target
removes it (``remove_orphans``): while it holds the lock no live builder of that target exists, so
every sibling is an orphan. Nothing is removed by age or by pid, so a slow live build is never
touched (a recexp older than this lock, building into the same cache at the same time, would not
take the lock: do not mix versions on one cache while building).

Single files (a run's metrics.json, predictions.parquet, samples.parquet, summary.md, train logs;
teacher cache entries) are written the same way without a lock: ``atomic_path(target)`` gives a
temporary sibling ``.<name>-<random>.tmp`` to write, then fsyncs it and ``os.replace``-s it over
``target``, so a reader (or a run killed with ``kill -9`` at any instant) finds the old file or the
new one, never a torn one. A kill leaves at most the ``.tmp`` sibling (``TMP_SUFFIX``)."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)


def lock_path(target: Path) -> Path:
    """The lock file of ``target``: ``.<name>.lock`` beside it (kept after release)."""
    return target.parent / f".{target.name}.lock"


@contextmanager
def build_lock(target: Path, what: str) -> Iterator[None]:
    """Hold the build lock of ``target``; a process that finds it held says so (log prefix
    ``what``) and waits for its holder to finish (or die)."""
    from filelock import FileLock, Timeout

    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(target))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("%s: another process is building %s; waiting for it (lock %s)", what, target, lock.lock_file)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def remove_orphans(target: Path, what: str) -> list[Path]:
    """Remove the temporary siblings ``.<name>-*`` that killed builds of ``target`` left; call it
    only while holding ``build_lock(target)``. Returns what it removed (each is logged)."""
    orphans = sorted(target.parent.glob(f".{glob.escape(target.name)}-*"))
    for path in orphans:
        log.warning("%s: removing %s, left by a build of %s that was killed", what, path, target.name)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return orphans


def publish_dir(tmp: Path, target: Path, is_complete: Callable[[Path], bool]) -> None:
    """Rename ``tmp`` to ``target``; if another process published a complete ``target`` first,
    keep theirs (the caller removes ``tmp``), else replace the incomplete one."""
    try:
        tmp.rename(target)
    except OSError:
        if not is_complete(target):
            shutil.rmtree(target, ignore_errors=True)
            tmp.rename(target)


TMP_SUFFIX = ".tmp"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A new temporary sibling of ``target`` to write (created empty, with the umask's mode); once
    the block ends it is fsynced and renamed over ``target``; on an error it is removed."""
    target = Path(target)
    tmp = _new_sibling(target)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``target`` through ``atomic_path``."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def _new_sibling(target: Path) -> Path:
    while True:
        tmp = target.parent / f".{target.name}-{uuid.uuid4().hex[:8]}{TMP_SUFFIX}"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return tmp
        except FileExistsError:
            continue
