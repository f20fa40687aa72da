"""What a source format declares, and the reading every format shares.

A format is a review file (its fields, their conversion to interaction rows, and the field
holding the rating) and a metadata file (its fields, their conversion to item rows, and how a
line is parsed when Arrow cannot). ``SourceFormat.read`` reads both with
``recexp.data.jsonl.read_jsonl`` and assembles ``RawData``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from recexp.data.columns import USER
from recexp.data.jsonl import Convert, JsonlResult, read_jsonl
from recexp.data.raw import RawData
from recexp.data.readers.normalize import to_raw_data
from recexp.data.sample_users import UserSampler
from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.data.spill import TextSpill

META_BAD_LINE = "meta_bad_line"

ReviewRows = Callable[..., tuple[pa.Table, pa.Array]]
"""``rows(parsed_block, max_chars=..., scale=...)`` -> (interaction rows, per-row skip reason)."""


@dataclass(frozen=True)
class ReviewFormat:
    """A review file: fields to read, their conversion, and the field holding the rating."""

    schema: pa.Schema
    rows: ReviewRows
    rating_field: str  # a rating of the wrong JSON type skips its line as ``bad_rating``

    def read(self, path: str | os.PathLike, *, strict: bool, max_review_chars: int | None,
             progress: bool, scale: RatingScale = DEFAULT_SCALE, sampler: UserSampler | None = None,
             spill: TextSpill | None = None) -> tuple[JsonlResult, pa.Table | None]:
        """The interaction rows of ``path``, review texts cut to ``max_review_chars``, ratings
        outside ``scale`` skipped as ``bad_rating``; with ``sampler``, only its users' rows; with
        ``spill``, the text goes to disk block by block and comes back as a second, memory-mapped
        table (else None, the text stays in the rows)."""
        rows = partial(self.rows, max_chars=max_review_chars, scale=scale)
        if sampler is not None:
            rows = partial(_sampled_rows, rows, sampler)
        result = read_jsonl(path, self.schema, rows,
                            strict=strict, mismatch_reasons={self.rating_field: "bad_rating"},
                            progress=progress, post=spill)
        keep = sampler.mask(result.table[USER]) if sampler is not None else None
        if keep is not None:
            result.table = result.table.filter(keep)
        return result, spill.finish(keep) if spill is not None else None


@dataclass(frozen=True)
class SourceFormat:
    """A source format: its review file and its metadata file."""

    reviews: ReviewFormat
    meta_schema: pa.Schema
    meta_rows: Convert
    parse_meta_line: Callable[[bytes], Any] = json.loads

    def read(self, reviews_path: str | os.PathLike, meta_path: str | os.PathLike | None = None,
             *, strict: bool = False, max_review_chars: int | None = 256,
             progress: bool = True, scale: RatingScale = DEFAULT_SCALE,
             sampler: UserSampler | None = None, spill: TextSpill | None = None) -> RawData:
        """Read the reviews (only ``sampler``'s users when given; their text spilled to disk
        with ``spill``) and, when given, their metadata into ``RawData``."""
        reviews, text = self.reviews.read(reviews_path, strict=strict, max_review_chars=max_review_chars,
                                          progress=progress, scale=scale, sampler=sampler, spill=spill)
        items = None
        if meta_path is not None:
            items = read_jsonl(meta_path, self.meta_schema, self.meta_rows, strict=strict,
                               bad_line_reason=META_BAD_LINE, parse_line=self.parse_meta_line,
                               progress=progress)
        raw = to_raw_data(reviews, items)
        raw.reviews, raw.reviews_file = text, spill.path if spill is not None else None
        return raw


def _sampled_rows(rows: Convert, sampler: UserSampler, block: pa.Table) -> tuple[pa.Table, pa.Array]:
    """A block's rows and skip reasons, without the rows of users the sampler leaves out
    (a skipped line is still counted: its user is not known to be sampled out)."""
    table, reasons = rows(block)
    good = pc.is_null(reasons)
    sampler.observe(table[USER].filter(good))
    keep = pc.or_(sampler.mask(table[USER]), pc.invert(good))
    return table.filter(keep), reasons.filter(keep)
