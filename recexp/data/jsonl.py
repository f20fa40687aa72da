"""Fast, memory-bounded reading of JSON-lines files into the normalized tables.

A file (gzip, detected by its magic bytes, or plain) is decompressed in a background thread
and cut into large blocks at the last newline. Each block is parsed by ``pyarrow.json`` with
an explicit schema of only the needed fields; a block that Arrow rejects (a malformed line, a
field of the wrong type) is halved until the bad lines sit in small pieces, and only those are
parsed line by line, to classify and skip the bad lines.
A caller-supplied ``convert`` turns each parsed block into output rows plus a per-row skip
reason, so semantic checks stay vectorised and still know their line numbers.

The normalization the format readers share lives in ``recexp.data.readers.normalize``.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from tqdm.auto import tqdm

from recexp.data.raw import MalformedInputError

log = logging.getLogger(__name__)

DEFAULT_BLOCK_BYTES = 32 << 20
MIN_SPLIT_BYTES = 64 << 10  # rejected blocks are halved down to this size
GZIP_MAGIC = b"\x1f\x8b"
BAD_JSON = "bad_json"
_LINE_ERRORS = (ValueError, SyntaxError, TypeError, RecursionError)

Convert = Callable[[pa.Table], tuple[pa.Table, pa.Array]]
"""Parsed block -> (output rows, per-row skip reason: string, null keeps the row)."""


@dataclass
class JsonlResult:
    """Rows kept, lines skipped per reason, and non-blank lines read."""

    table: pa.Table
    skipped: Counter = field(default_factory=Counter)
    n_lines: int = 0


@dataclass
class _Parsed:
    """A parsed block: rows, their 1-based line numbers, and lines that failed to parse."""

    table: pa.Table
    lines: np.ndarray
    failures: list[tuple[int, str]]


@dataclass(frozen=True)
class _LineSpec:
    """What to read from a line and how to classify the lines that fail."""

    schema: pa.Schema
    bad_line_reason: str
    mismatch_reasons: dict[str, str]
    parse_line: Callable[[bytes], Any]


class _BadLine(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Mismatch(Exception):
    """A JSON value does not fit its field's Arrow type."""


def read_jsonl(
    path: str | os.PathLike,
    schema: pa.Schema,
    convert: Convert,
    *,
    strict: bool = False,
    bad_line_reason: str = BAD_JSON,
    mismatch_reasons: Mapping[str, str] | None = None,
    parse_line: Callable[[bytes], Any] = json.loads,
    block_bytes: int | None = None,
    progress: bool = True,
    post: Callable[[pa.Table], pa.Table] | None = None,
) -> JsonlResult:
    """Read the ``schema`` fields of every line of ``path`` and ``convert`` them block by block.

    Blank lines are ignored. Unparseable or non-object lines count as ``bad_line_reason``; a
    field whose JSON type does not fit ``schema`` (numbers written as strings do fit a float
    field) skips its line with ``mismatch_reasons[field]``, or reads as null when not listed.
    ``parse_line`` parses one line on the slow path (Arrow rejected its block).
    With ``strict`` the first skipped line raises :class:`MalformedInputError`.
    ``block_bytes`` (default ``DEFAULT_BLOCK_BYTES``) bounds the decompressed bytes per block.
    ``post`` maps each block's kept rows before they are kept (e.g. spills their text to disk).
    """
    spec = _LineSpec(schema, bad_line_reason, dict(mismatch_reasons or {}), parse_line)
    result = JsonlResult(table=convert(schema.empty_table())[0])
    if post is not None:
        result.table = post(result.table)
    tables, first_line = [], 1
    with tqdm(total=os.path.getsize(path), unit="B", unit_scale=True,
              desc=os.path.basename(path), disable=None if progress else True) as bar:
        for block, bytes_read in _prefetch(_blocks(path, block_bytes or DEFAULT_BLOCK_BYTES)):
            n_newlines = block.count(b"\n")
            parsed = _parse_block(block, n_newlines, first_line, spec)
            rows = _keep_valid(parsed, convert, result, strict, path)
            if post is not None:
                rows = post(rows)
            tables.append(rows.combine_chunks())  # few large buffers: RSS stays near table size
            first_line += n_newlines
            bar.update(bytes_read - bar.n)
    if tables:
        result.table = pa.concat_tables(tables)
    if result.skipped:
        log.warning("%s: skipped %d of %d lines: %s", path, result.skipped.total(),
                    result.n_lines, dict(result.skipped))
    return result


def _keep_valid(parsed: _Parsed, convert: Convert, result: JsonlResult, strict: bool,
                path: str | os.PathLike) -> pa.Table:
    """Convert a parsed block, count its skipped lines and return the rows to keep."""
    rows, reasons = convert(parsed.table)
    bad = pc.is_valid(reasons)
    n_bad = pc.sum(bad).as_py() or 0
    if strict and (parsed.failures or n_bad):
        raise _first_error(parsed, reasons, bad, path)
    result.n_lines += parsed.table.num_rows + len(parsed.failures)
    result.skipped.update(reason for _, reason in parsed.failures)
    if not n_bad:
        return rows
    counts = pc.value_counts(reasons.filter(bad))
    result.skipped.update(dict(zip(counts.field("values").to_pylist(),
                                   counts.field("counts").to_pylist())))
    return rows.filter(pc.invert(bad))


def _first_error(parsed: _Parsed, reasons: pa.Array, bad: pa.Array,
                 path: str | os.PathLike) -> MalformedInputError:
    """The error naming the earliest skipped line of a block."""
    found = list(parsed.failures[:1])
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        found.append((int(parsed.lines[row]), reasons[row].as_py()))
    line, reason = min(found)
    return MalformedInputError(f"{path}, line {line}: malformed input ({reason})")


def _blocks(path: str | os.PathLike, block_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Yield (block of whole lines, compressed bytes read so far) from a gzip or plain file."""
    with pa.OSFile(os.fspath(path)) as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        stream = pa.CompressedInputStream(raw, "gzip") if gzipped else raw
        rest = b""
        while chunk := stream.read(block_bytes):
            cut = chunk.rfind(b"\n") + 1
            if cut:
                yield b"".join((rest, memoryview(chunk)[:cut])), raw.tell()
                rest = chunk[cut:]
            else:  # no line end yet: a line longer than the block
                rest += chunk
        if rest:
            yield rest, raw.tell()


def _prefetch(items: Iterator) -> Iterator:
    """Yield from ``items`` while a worker thread already produces the next one.

    Decompression and file reads release the GIL, so they overlap with parsing.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(next, items, None)
        while (item := ahead.result()) is not None:
            ahead = pool.submit(next, items, None)
            yield item


def _parse_block(block: bytes, n_newlines: int, first_line: int, spec: _LineSpec) -> _Parsed:
    """Parse a block with Arrow; halve a block Arrow rejects until its bad lines are isolated
    in small pieces, which are parsed line by line."""
    parsed = _parse_arrow(block, n_newlines, first_line, spec)
    if parsed is not None:
        return parsed
    cut = _middle_line_end(block)
    if len(block) <= MIN_SPLIT_BYTES or cut is None:
        return _parse_lines(block, first_line, spec)
    head_newlines = block.count(b"\n", 0, cut)
    head = _parse_block(block[:cut], head_newlines, first_line, spec)
    tail = _parse_block(block[cut:], n_newlines - head_newlines, first_line + head_newlines, spec)
    return _Parsed(pa.concat_tables([head.table, tail.table]),
                   np.concatenate([head.lines, tail.lines]), head.failures + tail.failures)


def _middle_line_end(block: bytes) -> int | None:
    """Offset just past a newline near the middle of ``block``; None when it has no inner one."""
    half = len(block) // 2
    cut = block.rfind(b"\n", 0, half) + 1 or block.find(b"\n", half) + 1
    return cut if 0 < cut < len(block) else None


def _parse_arrow(block: bytes, n_newlines: int, first_line: int,
                 spec: _LineSpec) -> _Parsed | None:
    """Parse a block with Arrow; None when Arrow rejects it or rows and lines do not match."""
    try:
        table = pj.read_json(
            pa.py_buffer(block),
            parse_options=pj.ParseOptions(explicit_schema=spec.schema,
                                          unexpected_field_behavior="ignore"))
        table.validate(full=True)  # Arrow does not check UTF-8 while parsing
    except pa.ArrowInvalid:
        return None
    n_physical = n_newlines + (not block.endswith(b"\n"))
    if table.num_rows == n_physical:
        return _Parsed(table, np.arange(first_line, first_line + n_physical), [])
    lines = _nonblank_lines(block, first_line)
    if len(lines) != table.num_rows:  # e.g. two objects on one line
        return None
    return _Parsed(table, lines, [])


def _nonblank_lines(block: bytes, first_line: int) -> np.ndarray:
    """1-based numbers of the lines of ``block`` holding more than whitespace."""
    return np.array([first_line + offset for offset, line in enumerate(block.split(b"\n"))
                     if line.strip()], dtype=np.int64)


def _parse_lines(block: bytes, first_line: int, spec: _LineSpec) -> _Parsed:
    """Parse a block line by line, collecting the lines that cannot be read."""
    rows, lines, failures = [], [], []
    for offset, line in enumerate(block.split(b"\n")):
        if not line.strip():
            continue
        try:
            rows.append(_parse_record(line, spec))
            lines.append(first_line + offset)
        except _BadLine as bad:
            failures.append((first_line + offset, bad.reason))
    table = pa.Table.from_pylist(rows, schema=spec.schema)
    return _Parsed(table, np.array(lines, dtype=np.int64), failures)


def _parse_record(line: bytes, spec: _LineSpec) -> dict[str, Any]:
    """The schema fields of one line (raises _BadLine)."""
    try:
        record = spec.parse_line(line)
    except _LINE_ERRORS as error:
        raise _BadLine(spec.bad_line_reason) from error
    if not isinstance(record, dict):
        raise _BadLine(spec.bad_line_reason)
    row = {}
    for name, typ in zip(spec.schema.names, spec.schema.types):
        try:
            row[name] = _conform(record.get(name), typ)
        except _Mismatch:
            if name in spec.mismatch_reasons:
                raise _BadLine(spec.mismatch_reasons[name]) from None
            row[name] = None
    return row


def _conform(value: Any, typ: pa.DataType) -> Any:
    """``value`` as Arrow would read it into ``typ`` (raises _Mismatch when it would not)."""
    if value is None:
        return None
    if pa.types.is_string(typ) and isinstance(value, str):
        try:
            value.encode("utf-8")  # lone surrogates from \\ud800 escapes
        except UnicodeEncodeError:
            raise _Mismatch from None
        return value
    if pa.types.is_floating(typ) and type(value) in (int, float, str):  # not bool
        try:
            return float(value)  # also "4.5"
        except (OverflowError, ValueError):
            raise _Mismatch from None
    if pa.types.is_list(typ) and isinstance(value, list):
        return [_conform(item, typ.value_type) for item in value]
    raise _Mismatch
