"""ensure_file against a real HTTP server on 127.0.0.1 (ranges, cuts, stalls, archives; the server: conftest.py)."""

from __future__ import annotations

import gzip
import io
import socket
import tarfile
import threading
import time
import zipfile

import pytest
from omegaconf import OmegaConf

from recexp.config import RemoteFile
from recexp.data import download
from recexp.data.download import DataFileMissingError, DownloadVerificationError

from .conftest import PAYLOAD, sha, yelp_like_zip


def ensure_file(*args, **kwargs):
    """``download.ensure_file`` allowing the local server's plain http (tests/data/test_transport.py: refused by default)."""
    return download.ensure_file(*args, **{"allow_http": True, **kwargs})


@pytest.fixture
def fast_retry(monkeypatch):
    monkeypatch.setattr(download, "RETRY_BACKOFF_S", 0.01)


def test_plain_download_verified(server, tmp_path):
    server.files["/d/reviews.json"] = PAYLOAD
    remote = RemoteFile(url=server.url + "/d/reviews.json", sha256=sha(PAYLOAD), size=len(PAYLOAD))
    path = ensure_file(None, remote, tmp_path, progress=False)
    assert path == tmp_path / "raw" / "reviews.json"
    assert path.read_bytes() == PAYLOAD
    assert not (tmp_path / "raw" / "reviews.json.part").exists()
    assert ensure_file(None, remote, tmp_path, progress=False) == path  # cached: no second request
    assert len(server.requests) == 1


def test_omegaconf_remote_and_filename(server, tmp_path):
    server.files["/get"] = PAYLOAD
    remote = OmegaConf.structured(RemoteFile(url=server.url + "/get", filename="x.bin", sha256=sha(PAYLOAD)))
    path = ensure_file(None, remote, tmp_path, progress=False)
    assert path == tmp_path / "raw" / "x.bin" and path.read_bytes() == PAYLOAD


def test_resume_after_cut_connection(server, tmp_path, fast_retry):
    server.files["/f.bin"] = PAYLOAD
    server.cut_first = True
    path = ensure_file(None, RemoteFile(url=server.url + "/f.bin", sha256=sha(PAYLOAD)), tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert len(server.requests) == 2
    assert server.requests[0][1] is None
    assert server.requests[1][1] == f"bytes={len(PAYLOAD) // 2}-"


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    server.ignore_range = True
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "f.bin.part").write_bytes(PAYLOAD[:1000])
    path = ensure_file(None, RemoteFile(url=server.url + "/f.bin", sha256=sha(PAYLOAD)), tmp_path, progress=False)
    assert server.requests[0][1] == "bytes=1000-"
    assert path.read_bytes() == PAYLOAD


def test_corrupt_part_fails_verification(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "f.bin.part").write_bytes(b"\0" * 1000)
    remote = RemoteFile(url=server.url + "/f.bin", sha256=sha(PAYLOAD))
    with pytest.raises(DownloadVerificationError, match="sha256 expected"):
        ensure_file(None, remote, tmp_path, progress=False)
    assert server.requests[0][1] == "bytes=1000-"
    assert list((tmp_path / "raw").iterdir()) == []  # neither target nor part left behind
    assert ensure_file(None, remote, tmp_path, progress=False).read_bytes() == PAYLOAD  # next call starts over


def test_complete_part_and_416(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "f.bin.part").write_bytes(PAYLOAD)
    path = ensure_file(None, RemoteFile(url=server.url + "/f.bin", sha256=sha(PAYLOAD)), tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD and len(server.requests) == 1


def test_oversized_part_and_416_restarts(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "f.bin.part").write_bytes(PAYLOAD + b"junk")
    path = ensure_file(None, RemoteFile(url=server.url + "/f.bin"), tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert [r[1] for r in server.requests] == [f"bytes={len(PAYLOAD) + 4}-", None]


def test_gzip_ok_and_truncated_gzip_rejected(server, tmp_path):
    gz = gzip.compress(PAYLOAD)
    server.files["/ok.json.gz"] = gz
    server.files["/cut.json.gz"] = gz[: len(gz) // 2]
    assert ensure_file(None, RemoteFile(url=server.url + "/ok.json.gz"), tmp_path, progress=False).read_bytes() == gz
    with pytest.raises(DownloadVerificationError, match="gzip"):
        ensure_file(None, RemoteFile(url=server.url + "/cut.json.gz"), tmp_path, progress=False)
    assert not (tmp_path / "raw" / "cut.json.gz").exists()
    assert not (tmp_path / "raw" / "cut.json.gz.part").exists()


def test_existing_local_path_makes_no_request(server, tmp_path):
    local = tmp_path / "mine.json"
    local.write_bytes(b"{}")
    remote = RemoteFile(url=server.url + "/f.bin")
    assert ensure_file(str(local), remote, tmp_path / "cache", progress=False) == local
    assert server.requests == []


def test_missing_local_path_downloads_there(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    local = tmp_path / "mine" / "f.bin"
    assert ensure_file(str(local), RemoteFile(url=server.url + "/f.bin"), tmp_path / "cache", progress=False) == local
    assert local.read_bytes() == PAYLOAD


def test_missing_local_path_without_url(tmp_path):
    local = tmp_path / "absent.json"
    with pytest.raises(DataFileMissingError, match="no download URL") as info:
        ensure_file(str(local), RemoteFile(), tmp_path, progress=False, config_key="dataset.reviews_path")
    message = str(info.value)
    assert str(local) in message and "dataset.reviews_path" in message and "\n" not in message
    assert isinstance(info.value, FileNotFoundError)


def test_http_404_is_missing_without_retries(server, tmp_path):
    with pytest.raises(DataFileMissingError, match="404"):
        ensure_file(None, RemoteFile(url=server.url + "/nope.bin"), tmp_path, progress=False)
    assert len(server.requests) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/yelp/Yelp-JSON.zip"
    remote = RemoteFile(url=url, terms="https://example.invalid/terms")
    start = time.monotonic()
    with pytest.raises(DataFileMissingError) as info:
        ensure_file(None, remote, tmp_path, progress=False, config_key="dataset.reviews_path")
    assert time.monotonic() - start < 8
    message = str(info.value)
    assert url in message and str(tmp_path / "raw" / "Yelp-JSON.zip") in message
    assert "dataset.reviews_path" in message and remote.terms in message and "\n" not in message


def test_stalled_server_times_out(server, tmp_path, fast_retry):
    server.stall = threading.Event()
    start = time.monotonic()
    with pytest.raises(DataFileMissingError, match="Timeout"):
        ensure_file(None, RemoteFile(url=server.url + "/f.bin"), tmp_path, progress=False, timeout=0.2, retries=1)
    assert time.monotonic() - start < 3
    assert len(server.requests) == 2


def test_archive_member_in_tar_in_zip(server, tmp_path):
    archive = yelp_like_zip({"./business.json": b"biz", "./review.json": PAYLOAD})
    server.files["/Yelp-JSON.zip"] = archive
    url = server.url + "/Yelp-JSON.zip"
    inner = "Yelp JSON/yelp_dataset.tar/"
    digest = sha(archive)
    reviews = RemoteFile(url=url, filename="yelp_review.json", sha256=digest, archive_member=inner + "review.json")
    meta = RemoteFile(url=url, sha256=digest, archive_member=inner + "business.json")
    path = ensure_file(None, reviews, tmp_path, progress=False)
    assert path == tmp_path / "raw" / "yelp_review.json" and path.read_bytes() == PAYLOAD
    meta_path = ensure_file(None, meta, tmp_path, progress=False)
    assert meta_path == tmp_path / "raw" / "business.json" and meta_path.read_bytes() == b"biz"
    assert (tmp_path / "raw" / "Yelp-JSON.zip").read_bytes() == archive
    assert len(server.requests) == 1  # the archive is downloaded once and reused
    with pytest.raises(DataFileMissingError, match="nothere.json"):
        ensure_file(None, RemoteFile(url=url, archive_member=inner + "nothere.json"), tmp_path)
    assert not (tmp_path / "raw" / "nothere.json.part").exists()


def test_archive_member_in_zip_and_in_tar_gz(server, tmp_path):
    zip_buf = io.BytesIO()
    with zipfile.ZipFile(zip_buf, "w") as zf:
        zf.writestr("dir/meta.json.gz", b"gz-bytes")
    tgz_buf = io.BytesIO()
    with tarfile.open(fileobj=tgz_buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("inner/data.json")
        info.size = len(PAYLOAD)
        tar.addfile(info, io.BytesIO(PAYLOAD))
    server.files["/a.zip"] = zip_buf.getvalue()
    server.files["/b.tar.gz"] = tgz_buf.getvalue()
    local = tmp_path / "user" / "meta.json.gz"
    got = ensure_file(str(local), RemoteFile(url=server.url + "/a.zip", archive_member="dir/meta.json.gz"), tmp_path)
    assert got == local and local.read_bytes() == b"gz-bytes"
    got = ensure_file(None, RemoteFile(url=server.url + "/b.tar.gz", archive_member="inner/data.json"), tmp_path)
    assert got == tmp_path / "raw" / "data.json" and got.read_bytes() == PAYLOAD


def test_archive_member_missing_from_zip(server, tmp_path):
    server.files["/a.zip"] = yelp_like_zip({"review.json": b"r"})
    with pytest.raises(DataFileMissingError, match="other.tar"):
        ensure_file(None, RemoteFile(url=server.url + "/a.zip", archive_member="other.tar/review.json"), tmp_path)
