"""`recexp data pin`: downloads (or reads the cached copy), prints the sha256 and size lines that
pin a preset; pinned values are verified (a wrong sha256 is refused, its partial file deleted)."""

from __future__ import annotations

import gzip

import pytest

from recexp.cli import main
from recexp.config import RemoteFile
from recexp.data.download import ensure_file

from .conftest import sha

REVIEWS = gzip.compress(b'{"reviewerID": "u1", "asin": "i1", "overall": 5.0, "unixReviewTime": 1}\n' * 500)
META = gzip.compress(b"{'asin': 'i1', 'title': 'Song'}\n" * 50)


def pin(*overrides: str) -> int:
    return main(["data", "pin", "--no-progress", *overrides])


@pytest.fixture
def music(server, tmp_path):
    """Overrides pointing dataset=amazon_music at the local server, with its own cache."""
    server.files["/reviews_Digital_Music_5.json.gz"] = REVIEWS
    server.files["/meta_Digital_Music.json.gz"] = META
    return ["dataset=amazon_music", "dataset.allow_http=true", f"cache_dir={tmp_path / 'cache'}",
            f"dataset.reviews_remote.url={server.url}/reviews_Digital_Music_5.json.gz",
            f"dataset.meta_remote.url={server.url}/meta_Digital_Music.json.gz"]


def test_pin_prints_the_yaml_lines_and_overrides(music, server, capsys, tmp_path):
    assert pin(*music) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "# add under the remotes of conf/dataset/amazon_music.yaml (replacing the 'unpinned' comment):"
    assert out[1:7] == [
        f"reviews_remote:  # {server.url}/reviews_Digital_Music_5.json.gz",
        f"  sha256: {sha(REVIEWS)}", f"  size: {len(REVIEWS)}",
        f"meta_remote:  # {server.url}/meta_Digital_Music.json.gz",
        f"  sha256: {sha(META)}", f"  size: {len(META)}",
    ]
    pinned = [f"dataset.reviews_remote.sha256={sha(REVIEWS)}", f"dataset.reviews_remote.size={len(REVIEWS)}",
              f"dataset.meta_remote.sha256={sha(META)}", f"dataset.meta_remote.size={len(META)}"]
    assert out[7] == f"# or pass them as overrides: {' '.join(pinned)}"
    assert len(server.requests) == 2
    assert pin(*music, *pinned) == 0  # pinned: the cached copies verify, nothing is fetched again
    assert len(server.requests) == 2
    remote = RemoteFile(url=f"{server.url}/reviews_Digital_Music_5.json.gz", sha256=sha(REVIEWS), size=len(REVIEWS))
    assert ensure_file(None, remote, tmp_path / "cache", progress=False, allow_http=True).read_bytes() == REVIEWS


def test_pin_reads_a_copy_already_in_the_cache(music, server, capsys, tmp_path):
    raw = tmp_path / "cache" / "raw"
    raw.mkdir(parents=True)
    (raw / "reviews_Digital_Music_5.json.gz").write_bytes(REVIEWS)
    (raw / "meta_Digital_Music.json.gz").write_bytes(META)
    server.files.clear()  # nothing to download: the copies fetched by hand are pinned
    assert pin(*music) == 0
    assert f"  sha256: {sha(REVIEWS)}" in capsys.readouterr().out and server.requests == []


def test_a_wrong_pin_is_refused_and_the_partial_file_deleted(music, capsys, tmp_path):
    wrong = "0" * 64
    assert pin(*music, f"dataset.reviews_remote.sha256={wrong}") == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("data pin: ") and f"sha256 expected {wrong}, got {sha(REVIEWS)}" in err[0]
    assert list((tmp_path / "cache" / "raw").iterdir()) == []  # neither the file nor its .part


def test_plain_http_without_opt_in_and_nothing_to_pin_are_config_errors(music, server, capsys):
    assert pin(*[o for o in music if o != "dataset.allow_http=true"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("config error: dataset.reviews_remote.url: ") and "dataset.allow_http=true" in err
    assert pin("dataset=synthetic") == 2
    assert capsys.readouterr().err.strip() == ("config error: dataset=synthetic: nothing to pin, "
                                               "dataset.reviews_remote.url and dataset.meta_remote.url are unset")
    assert server.requests == []
