"""From a dataset config to processed, cached splits: the one entry point stages use."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from recexp.common.publish import build_lock, remove_orphans
from recexp.data import cache
from recexp.data.fingerprint import file_sha256, fingerprint, hashes_dir
from recexp.data.processing import Processed, process
from recexp.data.raw import RawData
from recexp.data.scale import DEFAULT_SCALE, RatingScale

log = logging.getLogger(__name__)
_CONTEXT_SOURCES = {"earlier_interactions": "interactions strictly earlier than the target (timestamps)",
                    "train_file": "the train file alone (the files have no timestamps)"}


@dataclass
class Dataset:
    """Processed data plus where it came from."""

    processed: Processed
    name: str
    fingerprint: str
    directory: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    scale: RatingScale = DEFAULT_SCALE

    def split(self, name: str):
        return self.processed.split(name)


def load_dataset(ds: DictConfig, cache_dir: str | Path) -> Dataset:
    """Reuse the cached splits for this exact data and processing config, or build them."""
    cache_root = Path(cache_dir).expanduser()
    raw_files, source, params, digest = _identify(ds, cache_root)
    scale = RatingScale.of(ds.rating_scale)
    directory = cache_root / "processed" / f"{ds.name}-{digest[:16]}"
    built = None if cache.is_complete(directory) else _build_locked(ds, raw_files, scale, directory,
                                                                     {"source": source, "processing_params": params})
    cache_hit = built is None
    if cache_hit:
        if ds.strict:
            _recheck_strict(ds, raw_files, scale, directory)
        log.info("data: reusing cached splits in %s", directory)
        processed, stats = cache.read_processed(directory)
    else:
        processed, stats = built
    return Dataset(processed, ds.name, digest, directory, _data_metrics(digest, directory, cache_hit, stats),
                   scale)


def _build_locked(ds: DictConfig, raw_files: dict[str, Path], scale: RatingScale, directory: Path,
                  identity: dict) -> tuple[Processed, dict] | None:
    """Build the cache directory holding its build lock (``recexp.common.publish``); None when another
    process built it while this one waited. Orphans of killed builds (a temporary directory, a
    review spill) are removed first."""
    with build_lock(directory, "data"):
        if cache.is_complete(directory):
            return None
        remove_orphans(directory, "data")
        return _build(ds, raw_files, scale, directory, identity)


def _build(ds: DictConfig, raw_files: dict[str, Path], scale: RatingScale, directory: Path,
           identity: dict) -> tuple[Processed, dict]:
    """Read, process and write the splits; ``identity`` (source, processing params) goes into stats.json."""
    raw = _read(ds, raw_files, scale, directory)
    spilled = raw.reviews_file
    try:
        log.info("data: processing %d interactions", raw.interactions.num_rows)
        processed = process(raw, **identity["processing_params"])
        stats = cache.write_processed(processed, directory,
                                      {**identity, "skipped": raw.skipped, "n_lines": raw.n_lines})
    finally:  # moved into the cache when it was written; left behind only on failure
        if spilled is not None:
            spilled.unlink(missing_ok=True)
    log.info("data: cached splits in %s", directory)
    return processed, stats


def _recheck_strict(ds: DictConfig, raw_files: dict[str, Path], scale: RatingScale, directory: Path) -> None:
    """``dataset.strict`` on a warm cache: strictness is not in the fingerprint, so an entry a
    lenient run built may hold skipped lines; the raw files are then re-read strictly, which raises
    the same error (file and line) a cold strict run gives."""
    skipped = cache.read_stats(directory).get("skipped", {})
    if not skipped:
        return
    log.info("data: dataset.strict=true and the cached splits in %s skipped %d input lines (%s); "
             "re-reading the raw files strictly", directory, sum(skipped.values()), ", ".join(sorted(skipped)))
    with build_lock(directory, "data"):  # its review spill is a sibling like a build's: one reader at a time
        remove_orphans(directory, "data")
        raw = _read(ds, raw_files, scale, directory)
        if raw.reviews_file is not None:  # strict tolerated every skip (e.g. a repeated metadata item)
            raw.reviews_file.unlink(missing_ok=True)


def data_fingerprint(ds: DictConfig, cache_dir: str | Path) -> str:
    """The fingerprint ``load_dataset`` would give, without processing anything (raw files are
    hashed, memoised, and downloaded when absent, as a run would)."""
    return _identify(ds, Path(cache_dir).expanduser())[3]


def _identify(ds: DictConfig, cache_root: Path) -> tuple[dict[str, Path], dict, dict, str]:
    """Raw files, source description, processing parameters and the fingerprint of them all."""
    raw_files = _raw_files(ds, cache_root)
    source = {
        "format": ds.format,
        "max_review_chars": ds.max_review_chars,
        "files": {k: _describe_file(p, cache_root) for k, p in raw_files.items()},
    }
    source["code_version"] = _source_code_version(ds.format)
    if ds.format == "synthetic":
        source["synthetic"] = OmegaConf.to_container(ds.synthetic)
    scale = RatingScale.of(ds.rating_scale)
    if scale != DEFAULT_SCALE:  # the default stays out: fingerprints of 1-5 data do not change
        source["rating_scale"] = scale.as_list()
    if ds.sample_users is not None:  # likewise: unsampled data keeps its fingerprint
        source["sample_users"] = {"n": ds.sample_users, "seed": ds.sample_seed}
    params = _processing_params(ds)
    return raw_files, source, params, fingerprint({"source": source, "processing": params})


def _raw_files(ds: DictConfig, cache_root: Path) -> dict[str, Path]:
    if ds.format == "synthetic":
        return {}
    from recexp.data.download import ensure_file

    if ds.split.strategy.value == "given":
        from recexp.config import RemoteFile
        from recexp.data.given import split_paths

        files = {name: ensure_file(path, RemoteFile(), cache_root, config_key=f"dataset.split.{name}_path")
                 for name, path in split_paths(ds.split).items()}
    else:
        files = {"reviews": ensure_file(ds.reviews_path, ds.reviews_remote, cache_root,
                                        config_key="dataset.reviews_path", **_download_policy(ds))}
    local_reviews = ds.split.strategy.value == "given" or ds.reviews_path is not None
    if ds.meta_path is not None or (ds.meta_remote.url is not None and not local_reviews):
        files["meta"] = ensure_file(ds.meta_path, ds.meta_remote, cache_root, config_key="dataset.meta_path",
                                    **_download_policy(ds))
    elif ds.meta_remote.url is not None:  # local reviews: never download a metadata archive behind the user's back
        log.warning("data: the reviews are a local file and dataset.meta_path is not set: no item metadata "
                    "(titles, categories), so prompts show items without them; add dataset.meta_path=FILE for it")
    return files


def _download_policy(ds: DictConfig) -> dict[str, Any]:
    """What a download may do: plain http (``dataset.allow_http``), extracted size (``dataset.max_extract_gb``)."""
    return {"allow_http": bool(ds.allow_http), "max_extract_gb": float(ds.max_extract_gb)}


def _source_code_version(fmt: str) -> int:
    """Version of the code that turns this format's source into RawData (part of the fingerprint)."""
    if fmt == "synthetic":
        from recexp.data.synthetic import GENERATOR_VERSION

        return GENERATOR_VERSION
    from recexp.data.readers import READER_VERSION

    return READER_VERSION


def _describe_file(path: Path, cache_root: Path) -> dict[str, Any]:
    return {"path": str(path), "sha256": file_sha256(path, hashes_dir(cache_root))}


def _read(ds: DictConfig, raw_files: dict[str, Path], scale: RatingScale, directory: Path) -> RawData:
    """The raw data; a review file's text is spilled beside the cache directory while it is read."""
    import os

    from recexp.data.sample_users import UserSampler, sample_table
    from recexp.data.spill import TextSpill

    sampler = UserSampler(ds.sample_users, ds.sample_seed) if ds.sample_users is not None else None
    if ds.format == "synthetic":
        from recexp.data.columns import USER
        from recexp.data.synthetic import generate

        raw = generate(**OmegaConf.to_container(ds.synthetic))
        raw.interactions = sample_table(raw.interactions, sampler, USER)
        return raw
    if ds.split.strategy.value == "given":
        from recexp.data.given import read_given

        splits = {name: path for name, path in raw_files.items() if name != "meta"}
        return read_given(ds.format, splits, raw_files.get("meta"), strict=ds.strict,
                          max_review_chars=ds.max_review_chars, scale=scale)
    from recexp.data.readers import read_raw

    spill = TextSpill(directory.parent / f".{directory.name}-{os.getpid()}-reviews.arrow")
    try:
        return read_raw(
            ds.format,
            raw_files["reviews"],
            raw_files.get("meta"),
            strict=ds.strict,
            max_review_chars=ds.max_review_chars,
            scale=scale,
            sampler=sampler,
            spill=spill,
        )
    except BaseException:  # a strict stop (or any failure) leaves no spill file behind
        spill.path.unlink(missing_ok=True)
        raise


def _processing_params(ds: DictConfig) -> dict[str, Any]:
    return {
        "dedupe": ds.dedupe,
        "k_core": ds.k_core,
        "split_strategy": ds.split.strategy.value,
        "valid_frac": ds.split.valid_frac,
        "test_frac": ds.split.test_frac,
        "history_k": ds.context.history_k,
        "item_reviews_k": ds.context.item_reviews_k,
    }


def _data_metrics(digest: str, directory: Path, cache_hit: bool, stats: dict) -> dict[str, Any]:
    metrics: dict[str, Any] = {"data/fingerprint": digest, "data/dir": str(directory), "data/cache_hit": cache_hit}
    metrics.update({f"data/{k}": v for k, v in stats["processing"].items()})
    metrics["data/n_lines"] = stats.get("n_lines", 0)
    metrics.update({f"data/skipped/{reason}": n for reason, n in stats.get("skipped", {}).items()})
    for reason, n in stats.get("skipped", {}).items():
        log.warning("data: skipped %d malformed input lines (%s)", n, reason)
    if "context_source" in stats["processing"]:
        log.info("data: split.strategy=given, files used as given (no dedupe, no k-core); contexts "
                 "from %s", _CONTEXT_SOURCES[stats["processing"]["context_source"]])
    return metrics
