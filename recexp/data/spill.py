"""Review text written to disk while it is read, so a 20M-review file never holds its text in memory.

Each block's kept rows hand their ``review_title`` and ``review_text`` to an Arrow IPC file
(uncompressed) and keep only the other columns. ``finish`` returns the file memory-mapped: the
text is read zero-copy, a page at a time, when a prompt looks one review up. The file becomes
the processed cache's ``reviews.arrow`` (``recexp.data.cache``) by a rename, not a copy."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from recexp.data.columns import REVIEW_COLUMNS

SCHEMA = pa.schema([(name, pa.string()) for name in REVIEW_COLUMNS])


class TextSpill:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pa.ipc.new_file(str(self.path), SCHEMA)

    def __call__(self, rows: pa.Table) -> pa.Table:
        """Write ``rows``' text columns; return the rows without them."""
        self._writer.write_table(rows.select(list(REVIEW_COLUMNS)).cast(SCHEMA))
        return rows.drop_columns(list(REVIEW_COLUMNS))

    def finish(self, keep: pa.Array | None = None) -> pa.Table:
        """Close the file and return it memory-mapped; with ``keep`` (a row mask over everything
        written), rewrite it with only those rows first."""
        self._writer.close()
        if keep is not None:
            self._rewrite(keep)
        return read_mapped(self.path)

    def _rewrite(self, keep: pa.Array) -> None:
        kept = self.path.with_suffix(".kept")
        keep = keep.combine_chunks() if isinstance(keep, pa.ChunkedArray) else keep
        table = read_mapped(self.path)
        with pa.ipc.new_file(str(kept), SCHEMA) as writer:
            start = 0
            for batch in table.to_batches():
                writer.write_batch(batch.filter(keep.slice(start, batch.num_rows)))
                start += batch.num_rows
        del table
        os.replace(kept, self.path)


def read_mapped(path: Path) -> pa.Table:
    """An Arrow IPC file as a table over a memory map (no copy into memory)."""
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()  # the buffers keep the map alive


def write_table(table: pa.Table, path: Path) -> None:
    """An in-memory review table as an IPC file (the same layout as a spill)."""
    with pa.ipc.new_file(str(path), SCHEMA) as writer:
        writer.write_table(table.cast(SCHEMA))
