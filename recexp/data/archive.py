"""Extract one member of a zip or tar archive into a file: streamed via ``<dest>.part`` and renamed
on success, under a cap on its extracted size (``dataset.max_extract_gb``: a member whose declared
size passes it is refused before a byte is written, and one that grows past it while streaming is
stopped there and its partial file deleted). ``inner.tar/path`` reaches into a tar inside the archive."""

from __future__ import annotations

import logging
import os
import tarfile
import zipfile
from contextlib import ExitStack, contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Iterator

from recexp.data.streams import StreamTooLarge, copy_stream

log = logging.getLogger(__name__)

MAX_EXTRACT_KEY = "dataset.max_extract_gb"
GB = 10**9
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")


class MemberMissingError(FileNotFoundError):
    """The archive holds no such member."""


class MemberTooLargeError(RuntimeError):
    """An archive member's extracted size passes ``dataset.max_extract_gb`` (the partial file is deleted)."""


def extract_member(archive: Path, member: str, dest: Path, *, max_gb: float | None, progress: bool) -> None:
    """Stream ``member`` out of ``archive`` into ``dest``; ``max_gb``: the cap (None: no cap)."""
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    cap = None if max_gb is None else int(max_gb * GB)
    log.info("extracting %s from %s -> %s", member, archive, dest)
    try:
        with _open_member(archive, member) as (src, declared):
            if cap is not None and declared is not None and declared > cap:
                raise _too_large(member, archive, max_gb, f"declares {declared} bytes")
            with open(part, "wb") as out:
                copy_stream(src, out, total=declared, initial=0, desc=dest.name, progress=progress, max_bytes=cap)
    except StreamTooLarge as exc:
        part.unlink(missing_ok=True)
        raise _too_large(member, archive, max_gb, f"extracts to more than {exc.max_bytes} bytes") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, dest)


def _too_large(member: str, archive: Path, max_gb: float | None, what: str) -> MemberTooLargeError:
    return MemberTooLargeError(f"{member} in {archive} {what}, past the cap {MAX_EXTRACT_KEY}={max_gb:g} "
                               f"(GB of 10^9 bytes); nothing was kept; raise {MAX_EXTRACT_KEY} if you trust the archive")


@contextmanager
def _open_member(archive: Path, member: str) -> Iterator[tuple[IO[bytes], int | None]]:
    """The member's stream and its declared size (from the zip directory or the tar header)."""
    outer, inner = _split_member(member)
    with ExitStack() as stack:
        if zipfile.is_zipfile(archive):
            zf = stack.enter_context(zipfile.ZipFile(archive))
            if outer not in zf.namelist():
                raise _member_missing(outer, archive)
            stream, size = stack.enter_context(zf.open(outer)), zf.getinfo(outer).file_size
        else:
            stream, size = _tar_member(stack, stack.enter_context(open(archive, "rb")), outer, archive)
        yield _tar_member(stack, stream, inner, archive) if inner else (stream, size)


def _split_member(member: str) -> tuple[str, str | None]:
    """Split ``a/inner.tar/b/file`` into ``("a/inner.tar", "b/file")`` (no tar component: no split)."""
    parts = PurePosixPath(member).parts
    for i, part in enumerate(parts[:-1]):
        if part.endswith(_TAR_SUFFIXES):
            return "/".join(parts[: i + 1]), "/".join(parts[i + 1 :])
    return member, None


def _tar_member(stack: ExitStack, fileobj: IO[bytes], name: str, archive: Path) -> tuple[IO[bytes], int]:
    """Scan a tar stream (``r|*``) for ``name``; return its contents as a stream and its size."""
    tar = stack.enter_context(tarfile.open(fileobj=fileobj, mode="r|*"))
    for info in tar:
        if info.isfile() and info.name.removeprefix("./") == name:
            return tar.extractfile(info), info.size
    raise _member_missing(name, archive)


def _member_missing(name: str, archive: Path) -> MemberMissingError:
    return MemberMissingError(f"{name} not found in {archive}; check remote.archive_member")
