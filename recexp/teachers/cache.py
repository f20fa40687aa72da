"""On-disk cache of successful teacher replies, one small JSON file per request.

Layout: ``<cache_root>/teacher/<key[:2]>/<key>.json`` where ``key`` is the sha256 of a canonical
JSON of everything that determines a reply: backend, model, base_url, messages, temperature,
top_p, max_tokens and the sample index. The API key is never part of the key nor of the file.

Why hand-rolled files and not ``diskcache``: diskcache keeps its index in SQLite, whose locking
is unreliable on the network filesystems (NFS, Lustre) that cluster cache directories often live
on, and it pickles values by default. Our needs are tiny (put and get of small text blobs, no
eviction, no expiry), and a file per entry written to a temporary sibling then ``os.replace``-d
is atomic on POSIX, safe with several processes writing at once (the last identical write wins),
readable with ``cat``, and needs no new dependency (``recexp.common.publish.write_atomically``). A
crashed run leaves at most a stray ``.<key>.json-*.tmp`` file, never a torn entry.

Opening the cache removes such orphans, only those last modified over ``ORPHAN_AGE_S`` (an hour)
ago: an age threshold and not a lock, because writers share the cache without one (a lock would
serialise every process writing replies, and file locks are unreliable on the network file
systems the cache may live on), while a live writer touches its ``.tmp`` within a second (one small
reply, written, fsynced and renamed), so an hour-old one has no live owner.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from recexp.common.publish import TMP_SUFFIX, write_atomically
from recexp.teachers.base import TeacherReply, TeacherRequest

log = logging.getLogger(__name__)

CACHE_SUBDIR = "teacher"
ORPHAN_AGE_S = 3600  # a .tmp untouched this long has no live writer (module docstring)


def request_key(identity: dict[str, Any], request: TeacherRequest) -> str:
    """sha256 of the canonical JSON of the teacher identity plus the request's prompt and sample."""
    payload = {**identity, "messages": [dict(m) for m in request.messages], "sample": request.sample}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ReplyCache:
    """Maps a request to the text a teacher answered it with; only successes are stored.

    ``identity`` holds the teacher settings that change replies (backend, model, base_url,
    temperature, top_p, max_tokens); it must not contain secrets."""

    def __init__(self, cache_root: Path, identity: dict[str, Any]) -> None:
        self.dir = Path(cache_root).expanduser() / CACHE_SUBDIR
        self.identity = dict(identity)
        remove_orphans(self.dir)

    def path(self, request: TeacherRequest) -> Path:
        key = request_key(self.identity, request)
        return self.dir / key[:2] / f"{key}.json"

    def get(self, request: TeacherRequest) -> str | None:
        """The cached text, or None when this request was never answered successfully."""
        path = self.path(request)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return json.loads(raw)["text"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"teacher cache entry {path} is unreadable ({exc}); delete it to re-ask") from exc

    def put(self, request: TeacherRequest, text: str) -> None:
        """Store a successful reply atomically (temporary sibling, then ``os.replace``)."""
        if not text:
            raise ValueError("only non-empty successful replies are cached")
        path = self.path(request)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"text": text, "identity": self.identity, "sample": request.sample}
        write_atomically(path, json.dumps(entry, ensure_ascii=False, indent=1))


def remove_orphans(cache_dir: Path, max_age_s: float = ORPHAN_AGE_S) -> list[Path]:
    """Remove the ``.*.tmp`` files of killed writers last modified over ``max_age_s`` ago (each logged)."""
    now, removed = time.time(), []
    for path in cache_dir.glob(f"*/.*{TMP_SUFFIX}"):
        try:
            if now - path.stat().st_mtime > max_age_s:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # renamed or removed by another process meanwhile
            continue
    if removed:
        log.warning("teacher cache %s: removed %d .tmp file(s) left by killed writers over %ds ago",
                    cache_dir, len(removed), max_age_s)
    return removed


Deliver = Callable[[int, TeacherReply], None]


def answer_through_cache(requests: Sequence[TeacherRequest], cache: ReplyCache | None,
                         answer: Callable[[list[TeacherRequest], Deliver], None]) -> list[TeacherReply]:
    """Replies in request order: cached ones without a call, the rest from ``answer``.

    ``answer(pending, deliver)`` must call ``deliver(j, reply)`` once for each ``pending[j]``;
    each success is cached as soon as it is delivered, so an interrupted run keeps its progress."""
    replies: list[TeacherReply | None] = [None] * len(requests)
    pending_index = []
    for i, request in enumerate(requests):
        text = cache.get(request) if cache is not None else None
        if text is None:
            pending_index.append(i)
        else:
            replies[i] = TeacherReply(text=text, cached=True)

    def deliver(j: int, reply: TeacherReply) -> None:
        i = pending_index[j]
        if cache is not None and reply.error is None:
            cache.put(requests[i], reply.text)
        replies[i] = reply

    if cache is not None and len(pending_index) < len(requests):
        served = len(requests) - len(pending_index)
        log.info("teacher: %d of %d replies served from %s", served, len(requests), cache.dir)
    if pending_index:
        answer([requests[i] for i in pending_index], deliver)
    missing = [i for i, reply in enumerate(replies) if reply is None]
    if missing:
        raise RuntimeError(f"teacher backend returned no reply for requests {missing[:5]}")
    return replies
