"""Plain http is refused unless dataset.allow_http=true: in the config check (one line, exit 2),
in the downloader (before any request) and on a redirect; the presets use https."""

from __future__ import annotations

import urllib.request

import pytest
from hydra import compose, initialize_config_dir

from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.config import RemoteFile
from recexp.data.download import ensure_file
from recexp.data.transport import InsecureURLError, _CheckedRedirects, check_url

from ..conftest import run_cli
from .conftest import PAYLOAD


def test_check_url_accepts_https_and_opted_in_http_only():
    check_url("https://snap.stanford.edu/x.json.gz", allow_http=False)
    check_url("http://snap.stanford.edu/x.json.gz", allow_http=True)
    with pytest.raises(InsecureURLError) as info:
        check_url("http://snap.stanford.edu/x.json.gz", allow_http=False, key="dataset.reviews_remote.url")
    assert str(info.value) == ("dataset.reviews_remote.url: http://snap.stanford.edu/x.json.gz is plain http (no transport "
                               "security); use https, or set dataset.allow_http=true to accept it")
    assert isinstance(info.value, ConfigError)
    with pytest.raises(InsecureURLError, match="scheme 'ftp'; allowed: https"):
        check_url("ftp://example.org/x", allow_http=True)


def test_downloader_refuses_http_before_any_request(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    with pytest.raises(InsecureURLError, match="dataset.allow_http=true"):
        ensure_file(None, RemoteFile(url=server.url + "/f.bin"), tmp_path, progress=False)
    assert server.requests == [] and not (tmp_path / "raw").exists()
    assert ensure_file(None, RemoteFile(url=server.url + "/f.bin"), tmp_path, progress=False,
                       allow_http=True).read_bytes() == PAYLOAD


def test_redirects_obey_the_same_rule(server, tmp_path):
    server.files["/real.bin"] = PAYLOAD
    server.redirects["/moved.bin"] = server.url + "/real.bin"
    server.redirects["/away.bin"] = "ftp://example.org/real.bin"
    got = ensure_file(None, RemoteFile(url=server.url + "/moved.bin"), tmp_path, progress=False, allow_http=True)
    assert got.read_bytes() == PAYLOAD
    with pytest.raises(InsecureURLError, match="redirect from .*/away.bin: ftp://example.org/real.bin"):
        ensure_file(None, RemoteFile(url=server.url + "/away.bin"), tmp_path, progress=False, allow_http=True)
    downgrade = urllib.request.Request("https://example.org/data.zip")
    with pytest.raises(InsecureURLError, match="redirect from https://example.org/data.zip: http://example.org"):
        _CheckedRedirects(allow_http=False).redirect_request(downgrade, None, 302, "Found", {}, "http://example.org/data.zip")


@pytest.mark.parametrize("preset", ["amazon_music", "amazon_books", "yelp"])
def test_presets_download_over_https_and_say_how_to_pin(preset):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        ds = compose("config", overrides=[f"dataset={preset}"]).dataset
    assert ds.allow_http is False and ds.max_extract_gb == 50
    for remote in (ds.reviews_remote, ds.meta_remote):
        assert remote.url.startswith("https://") and remote.sha256 is None
    text = (CONF_DIR / "dataset" / f"{preset}.yaml").read_text()
    assert text.count("checksum unpinned") == 2 and f"recexp data pin dataset={preset}" in text


def test_http_override_is_a_one_line_config_error(tmp_path):
    url = "http://snap.stanford.edu/data/amazon/productGraph/categoryFiles/meta_Digital_Music.json.gz"
    proc = run_cli("dataset=amazon_music", f"dataset.meta_remote.url={url}", f"hydra.run.dir={tmp_path / 'run'}",
                   timeout=60)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0] == (f"config error: dataset.meta_remote.url: {url} is plain http (no transport security); "
                        "use https, or set dataset.allow_http=true to accept it")
    assert not (tmp_path / "run").exists()
