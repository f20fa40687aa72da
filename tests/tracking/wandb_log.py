"""Read the records of a W&B run's transaction log (``run-<id>.wandb``) back, offline.

wandb 0.31 no longer ships a Python reader (its datastore moved into wandb-core), so this follows
the format: a 7-byte header (``:W&B``, magic 0xBEE1, version), then LevelDB log records in 32 KiB
blocks, each with a 7-byte header (crc32 of the type byte and data, length, type FULL/FIRST/MIDDLE/LAST)
holding protobuf ``Record`` messages (``wandb.proto.wandb_internal_pb2``)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Iterator

from wandb.proto import wandb_internal_pb2 as pb

BLOCK, HEADER = 32768, 7
FULL, LAST = 1, 4


def records(path: Path) -> Iterator[pb.Record]:
    """Every record of the log, in order; a checksum mismatch raises (a misread format)."""
    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path}: not a W&B transaction log"
    pos, pending = HEADER, b""
    while pos + HEADER <= len(data):
        space = BLOCK - pos % BLOCK
        if space < HEADER:  # zero trailer: the next record starts in the next block
            pos += space
            continue
        crc, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        chunk = data[pos + HEADER : pos + HEADER + length]
        assert zlib.crc32(chunk, zlib.crc32(bytes([kind]))) == crc, f"{path}: bad checksum at byte {pos}"
        pos += HEADER + length
        pending += chunk
        if kind in (FULL, LAST):
            record = pb.Record()
            record.ParseFromString(pending)
            yield record
            pending = b""


def run_view(path: Path) -> dict:
    """What the log says about the run: its last tags, its summary (top-level keys) and exit code."""
    view = {"tags": None, "summary": {}, "exit_code": None}
    for record in records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            view["tags"] = list(record.run.tags)
        elif kind == "summary":
            view["summary"].update({item.key: item.value_json for item in record.summary.update if item.key})
        elif kind == "exit":
            view["exit_code"] = record.exit.exit_code
    return view
