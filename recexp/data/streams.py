"""Copy a byte stream in chunks under a progress bar, optionally refusing to pass a size cap."""

from __future__ import annotations

from typing import IO

from tqdm import tqdm

CHUNK = 1 << 20


class StreamTooLarge(Exception):
    """More than ``max_bytes`` would have been written; ``written`` bytes were."""

    def __init__(self, max_bytes: int, written: int) -> None:
        super().__init__(max_bytes, written)
        self.max_bytes, self.written = max_bytes, written


def copy_stream(src: IO[bytes], dst: IO[bytes], *, total: int | None, initial: int, desc: str, progress: bool,
                max_bytes: int | None = None) -> int:
    """Copy ``src`` to ``dst``; return the bytes copied. With ``max_bytes``, the chunk that would pass
    the cap is not written and ``StreamTooLarge`` is raised (the caller deletes the partial file)."""
    copied = 0
    bar = tqdm(total=total, initial=initial, desc=desc, disable=not progress, unit="B", unit_scale=True,
               unit_divisor=1024)
    with bar:
        while chunk := src.read(CHUNK):
            if max_bytes is not None and copied + len(chunk) > max_bytes:
                raise StreamTooLarge(max_bytes, copied)
            dst.write(chunk)
            copied += len(chunk)
            bar.update(len(chunk))
    return copied
