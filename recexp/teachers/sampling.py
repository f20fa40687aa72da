"""The sampling seed of the k-th sample of a request, shared by the LLM teacher backends."""

from __future__ import annotations

import hashlib


def sample_seed(sample: int) -> int:
    """A 31-bit seed derived from the sample index: k samples of one prompt get k seeds, and a
    rerun gets the same ones (endpoints that ignore ``seed`` are merely not reproducible)."""
    digest = hashlib.sha256(f"recexp-teacher-sample-{sample}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
