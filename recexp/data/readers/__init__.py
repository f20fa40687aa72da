"""Raw-file readers: one per source format, each returning normalized ``RawData``."""

from __future__ import annotations

import os
from collections.abc import Callable

from recexp.data.raw import RawData
from recexp.data.readers import amazon2014, amazon2018, amazon2023, exp3rt, imdb, yelp
from recexp.data.sample_users import UserSampler
from recexp.data.spill import TextSpill
from recexp.data.scale import DEFAULT_SCALE, RatingScale

# Part of the data fingerprint: bump when a reader's normalized output changes for the same file.
READER_VERSION = 1

READERS: dict[str, Callable[..., RawData]] = {
    "amazon2014": amazon2014.read,
    "amazon2018": amazon2018.read,
    "amazon2023": amazon2023.read,
    "yelp": yelp.read,
    "imdb": imdb.read,
    "exp3rt": exp3rt.read,  # no timestamps: dataset.split.strategy=given
}


def read_raw(fmt: str, reviews_path: str | os.PathLike,
             meta_path: str | os.PathLike | None = None, *, strict: bool = False,
             max_review_chars: int | None = 256, progress: bool = True,
             scale: RatingScale = DEFAULT_SCALE, sampler: UserSampler | None = None,
             spill: TextSpill | None = None) -> RawData:
    """Read a review file (and optional metadata file) of format ``fmt`` into ``RawData``;
    ratings outside ``scale`` are skipped as ``bad_rating``; with ``sampler`` only its users
    are kept (``dataset.sample_users``); with ``spill`` the review text goes to disk while it is
    read (``RawData.reviews``, memory-mapped)."""
    if fmt not in READERS:
        raise ValueError(f"unknown raw format {fmt!r}; expected one of {sorted(READERS)}")
    extra = {key: value for key, value in (("sampler", sampler), ("spill", spill)) if value is not None}
    return READERS[fmt](reviews_path, meta_path, strict=strict,
                        max_review_chars=max_review_chars, progress=progress, scale=scale, **extra)
