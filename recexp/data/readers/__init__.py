"""Raw-file readers: one module per source format, each declaring its read function in
``DATA_FORMATS`` (``recexp.data.readers._registry``) and returning normalized ``RawData``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from recexp.data.readers._registry import DATA_FORMATS, reader_of
from recexp.data.scale import DEFAULT_SCALE, RatingScale

if TYPE_CHECKING:  # importing the package (and DATA_FORMATS) loads no pyarrow; reading does
    from recexp.data.raw import RawData
    from recexp.data.sample_users import UserSampler
    from recexp.data.spill import TextSpill

__all__ = ["DATA_FORMATS", "READER_VERSION", "read_raw"]

# Part of the data fingerprint: bump when a reader's normalized output changes for the same file.
READER_VERSION = 1


def read_raw(fmt: str, reviews_path: str | os.PathLike,
             meta_path: str | os.PathLike | None = None, *, strict: bool = False,
             max_review_chars: int | None = 256, progress: bool = True,
             scale: RatingScale = DEFAULT_SCALE, sampler: UserSampler | None = None,
             spill: TextSpill | None = None) -> RawData:
    """Read a review file (and optional metadata file) of format ``fmt`` into ``RawData``;
    ratings outside ``scale`` are skipped as ``bad_rating``; with ``sampler`` only its users
    are kept (``dataset.sample_users``); with ``spill`` the review text goes to disk while it is
    read (``RawData.reviews``, memory-mapped)."""
    read = reader_of(fmt).read
    extra = {key: value for key, value in (("sampler", sampler), ("spill", spill)) if value is not None}
    return read(reviews_path, meta_path, strict=strict,
                max_review_chars=max_review_chars, progress=progress, scale=scale, **extra)
