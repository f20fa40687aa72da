"""Pin a dataset preset's downloads: fetch each remote file of the composed dataset (or reuse the
copy already in ``<cache_dir>/raw``), measure its size and sha256, and give the yaml lines that pin
them. A pinned preset's downloads are then verified against both (``recexp.data.download``): a
different file is refused and its partial copy deleted. Values already pinned are verified, not
replaced: re-pin a file that changed upstream with ``dataset.<remote>.sha256=null
dataset.<remote>.size=null``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig

from recexp.common.errors import ConfigError
from recexp.config import REMOTE_KEYS


@dataclass(frozen=True)
class Pin:
    """The measured identity of one remote file."""

    remote: str  # reviews_remote or meta_remote
    url: str
    size: int
    sha256: str


def pin_remotes(ds: DictConfig, cache_dir: str | Path, *, progress: bool = True) -> list[Pin]:
    """Size and sha256 of each remote file of ``ds`` (downloaded into ``cache_dir`` when absent)."""
    from recexp.data.download import fetch_remote
    from recexp.data.fingerprint import file_sha256, hashes_dir

    named = [name for name in REMOTE_KEYS if ds[name].url is not None]
    if not named:
        raise ConfigError(f"dataset={ds.name}: nothing to pin, dataset.reviews_remote.url and "
                          "dataset.meta_remote.url are unset")
    memo = hashes_dir(Path(cache_dir).expanduser())
    pins = []
    for name in named:
        remote = ds[name]
        path = fetch_remote(remote, cache_dir, progress=progress, allow_http=bool(ds.allow_http))
        pins.append(Pin(name, remote.url, path.stat().st_size, file_sha256(path, memo)))
    return pins


def yaml_lines(pins: list[Pin]) -> list[str]:
    """The lines to add under each remote of the preset."""
    lines = []
    for pin in pins:
        lines += [f"{pin.remote}:  # {pin.url}", f"  sha256: {pin.sha256}", f"  size: {pin.size}"]
    return lines


def overrides(pins: list[Pin]) -> list[str]:
    """The same pins as command-line overrides."""
    return [f"dataset.{pin.remote}.{key}={value}" for pin in pins
            for key, value in (("sha256", pin.sha256), ("size", pin.size))]
