"""``dataset.sample_users``: keep N users, chosen while the reviews are read (before dedupe and k-core).

A user is kept when its seeded 64-bit hash of the id (blake2b keyed by ``dataset.sample_seed``)
is among the N smallest of every user in the file: the choice depends on the ids and the seed
alone, not on the file's order or block size, and a larger N keeps a superset. While reading,
each block keeps only the rows of users whose hash is at most the N-th smallest seen so far (that
bound only falls), so memory holds about N users' rows, never the whole file; ``final`` applies
the last bound (``mask`` after the last block)."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class UserSampler:
    def __init__(self, n_users: int, seed: int) -> None:
        if n_users < 1:
            raise ValueError(f"dataset.sample_users: a number of users >= 1, got {n_users}")
        self.n_users = n_users
        self._key = seed.to_bytes(8, "little", signed=True)
        self._smallest = np.empty(0, np.uint64)  # the N smallest distinct hashes seen so far

    def observe(self, users: pa.Array | pa.ChunkedArray) -> None:
        """Lower the bound with the users of a block (valid rows only)."""
        hashes = self._hashes(pc.unique(users).drop_null())
        self._smallest = np.unique(np.concatenate([self._smallest, hashes]))[:self.n_users]

    def mask(self, users: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Rows whose user is within the bound so far (all while fewer than N users were seen)."""
        if len(self._smallest) < self.n_users:
            return pc.is_valid(users)
        distinct = pc.unique(users).drop_null()
        kept = distinct.filter(pa.array(self._hashes(distinct) <= self._smallest[-1]))
        return pc.fill_null(pc.is_in(users, value_set=kept), False)

    def _hashes(self, ids: pa.Array) -> np.ndarray:
        digest = [hashlib.blake2b(str(i).encode(), digest_size=8, key=self._key).digest() for i in ids.to_pylist()]
        return np.frombuffer(b"".join(digest), dtype="<u8").copy() if digest else np.empty(0, np.uint64)


def sample_table(table: pa.Table, sampler: UserSampler | None, column: str) -> pa.Table:
    """``table`` restricted to the sampler's users (unchanged without a sampler)."""
    if sampler is None:
        return table
    sampler.observe(table[column])
    return table.filter(sampler.mask(table[column]))
