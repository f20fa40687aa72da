"""An archive member is extracted under dataset.max_extract_gb: refused on its declared size before
a byte is written, stopped while streaming past the cap, the partial file deleted either way."""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager

import pytest

from recexp.config import RemoteFile
from recexp.data import archive
from recexp.data.archive import GB, MemberTooLargeError, extract_member
from recexp.data.download import ensure_file

from ..conftest import run_cli
from .conftest import PAYLOAD, yelp_like_zip

MEMBER = "Yelp JSON/yelp_dataset.tar/review.json"


def test_member_declaring_more_than_the_cap_is_refused(tmp_path):
    path = tmp_path / "Yelp-JSON.zip"
    path.write_bytes(yelp_like_zip({"./review.json": PAYLOAD}))
    dest = tmp_path / "raw" / "review.json"
    cap_gb = 1000 / GB  # 1000 bytes
    with pytest.raises(MemberTooLargeError) as info:
        extract_member(path, MEMBER, dest, max_gb=cap_gb, progress=False)
    message = str(info.value)
    assert "\n" not in message and MEMBER in message and f"declares {len(PAYLOAD)} bytes" in message
    assert f"dataset.max_extract_gb={cap_gb:g}" in message
    assert list((tmp_path / "raw").iterdir()) == []
    extract_member(path, MEMBER, dest, max_gb=len(PAYLOAD) / GB, progress=False)  # exactly at the cap: kept
    assert dest.read_bytes() == PAYLOAD


def test_member_streaming_past_the_cap_is_stopped_and_deleted(tmp_path, monkeypatch):
    """A member whose size is not declared (or lies) is stopped by the streaming count."""
    big = bytes(3 << 20)  # three chunks
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("big.json", big)
    path = tmp_path / "a.zip"
    path.write_bytes(buf.getvalue())
    real_open = archive._open_member

    @contextmanager
    def undeclared(*args):
        with real_open(*args) as (stream, _size):
            yield stream, None

    monkeypatch.setattr(archive, "_open_member", undeclared)
    dest = tmp_path / "raw" / "big.json"
    with pytest.raises(MemberTooLargeError, match=r"big.json in .*a.zip extracts to more than 1500000 bytes"):
        extract_member(path, "big.json", dest, max_gb=1.5e6 / GB, progress=False)
    assert list((tmp_path / "raw").iterdir()) == []  # neither the member nor its .part


def test_ensure_file_applies_the_cap_and_keeps_the_archive(server, tmp_path):
    data = yelp_like_zip({"./review.json": PAYLOAD})
    server.files["/Yelp-JSON.zip"] = data
    remote = RemoteFile(url=server.url + "/Yelp-JSON.zip", archive_member=MEMBER)
    with pytest.raises(MemberTooLargeError, match="dataset.max_extract_gb"):
        ensure_file(None, remote, tmp_path, progress=False, allow_http=True, max_extract_gb=1e-6)
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["Yelp-JSON.zip"]  # verified download kept
    got = ensure_file(None, remote, tmp_path, progress=False, allow_http=True, max_extract_gb=50)
    assert got.read_bytes() == PAYLOAD and len(server.requests) == 1


def test_cap_must_be_positive(tmp_path):
    proc = run_cli("dataset=yelp", "dataset.max_extract_gb=0", f"hydra.run.dir={tmp_path / 'run'}", timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "config error: dataset.max_extract_gb: a size in GB > 0; got 0.0"
