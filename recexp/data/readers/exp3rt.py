"""EXP3RT's processed rating files (github.com/jieyong99/EXP3RT, ``data/<dataset>/*.json``).

A file is one JSON array of records with string fields user_id, item_id, item_description,
score ("1".."10" on IMDb), user_persona and item_synopsis. It has no timestamps and no review
text, so it is read with ``dataset.split.strategy=given`` (one file per split; contexts then come
from the train file alone). Items come from the records: the "Title:" and "Genres:" lines of
``item_description`` give the title and categories, its other lines (directors, cast, plot) the
description. ``user_persona`` and ``item_synopsis`` (LLM-written from the train reviews) are not
read. A record that is not an object is skipped as ``bad_record``."""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from recexp.data.columns import ITEM
from recexp.data.jsonl import GZIP_MAGIC
from recexp.data.raw import MalformedInputError, RawData
from recexp.data.readers._registry import reader
from recexp.data.readers.normalize import first_per_item, interaction_rows, item_rows
from recexp.data.scale import DEFAULT_SCALE, RatingScale

log = logging.getLogger(__name__)

BAD_RECORD = "bad_record"
_FIELDS = ("user_id", "item_id", "score", "item_description")


@reader("exp3rt", order=6, timed=False)  # no timestamps: dataset.split.strategy=given
def read(reviews_path: str | os.PathLike, meta_path: str | os.PathLike | None = None, *,
         strict: bool = False, max_review_chars: int | None = 256, progress: bool = True,
         scale: RatingScale = DEFAULT_SCALE) -> RawData:
    """Read one EXP3RT rating file into ``RawData`` (interactions without timestamps, items)."""
    if meta_path is not None:
        raise ValueError("dataset.meta_path: format exp3rt has no metadata file (items come from "
                         "item_description); set dataset.meta_path=null")
    records = _load_array(reviews_path)
    columns, bad_record = _columns(records)
    n = len(records)
    table, reasons = interaction_rows(
        pa.array(columns["user_id"], pa.string()), pa.array(columns["item_id"], pa.string()),
        pa.array(columns["score"], pa.float64()), None, pa.nulls(n, pa.string()),
        pa.nulls(n, pa.string()), max_review_chars, scale)
    reasons = pc.coalesce(pa.array(bad_record, pa.string()), reasons)
    bad = pc.is_valid(reasons)
    if strict and pc.any(bad).as_py():
        at = pc.index(bad, True).as_py()
        raise MalformedInputError(f"{reviews_path}, record {at + 1}: malformed input ({reasons[at]})")
    skipped = Counter(r for r in reasons.to_pylist() if r is not None)
    if skipped:
        log.warning("%s: skipped %d of %d records: %s", reviews_path, skipped.total(), n, dict(skipped))
    keep = pc.invert(bad)
    descriptions = pa.array(columns["item_description"], pa.string()).filter(keep)
    interactions = table.filter(keep)
    return RawData(interactions, _items(interactions[ITEM], descriptions), dict(skipped), n)


def _load_array(path: str | os.PathLike) -> list:
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == GZIP_MAGIC
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as fh:
        try:
            records = json.load(fh)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"{path}: not a JSON array of records (format exp3rt): {error}") from None
    if not isinstance(records, list):
        raise ValueError(f"{path}: not a JSON array of records (format exp3rt)")
    return records


def _columns(records: list) -> tuple[dict[str, list], list[str | None]]:
    """Per field, its values (None where absent or of the wrong type); per record, bad_record or None."""
    columns: dict[str, list] = {name: [] for name in _FIELDS}
    bad_record = []
    for record in records:
        ok = isinstance(record, dict)
        bad_record.append(None if ok else BAD_RECORD)
        for name in _FIELDS:
            value = record.get(name) if ok else None
            columns[name].append(_score(value) if name == "score" else _string(value))
    return columns, bad_record


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _score(value: Any) -> float | None:
    """A score string or number as float; anything else as NaN (bad_rating), absent as None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return float("nan")
    try:
        return float(value)
    except ValueError:
        return float("nan")


def _items(item_ids: pa.ChunkedArray, descriptions: pa.Array) -> pa.Table:
    """One row per item, from the first record of each: title, genres, the remaining lines."""
    parsed = [_description(text) for text in descriptions.to_pylist()]
    table, _ = item_rows(item_ids.combine_chunks(), pa.array([p[0] for p in parsed], pa.string()),
                         pa.array([p[2] for p in parsed], pa.string()), [p[1] for p in parsed],
                         pa.nulls(len(parsed), pa.string()), pa.nulls(len(parsed), pa.float64()))
    return first_per_item(table)


def _description(text: str | None) -> tuple[str | None, list[str] | None, str | None]:
    """(title, genres, other lines joined) of an ``item_description`` ("Title: ...\\nGenres: ...")."""
    title, genres, rest = None, None, []
    for line in (text or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Title":
            title = value.strip() or None
        elif key.strip() == "Genres":
            genres = [g.strip() for g in value.split(",") if g.strip()] or None
        elif line.strip():
            rest.append(line.strip())
    return title, genres, " ".join(rest) or None
