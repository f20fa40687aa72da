"""Where teacher samples come from: ``samples.parquet`` records the data fingerprint and the split
strategy it was made on (columns ``data_fingerprint``, ``split_strategy``). Reusing it
(``paradigm.samples.samples_path``) on other data is refused before any model is loaded: samples
made under another split, k-core or dataset can hold this run's valid or test targets as SFT
labels. ``paradigm.samples.allow_other_data=true`` reuses them anyway and says so in metrics.json."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from omegaconf import DictConfig

from recexp.common.errors import ConfigError
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)
SAMPLES_FILE = "samples.parquet"
FINGERPRINT, SPLIT = "data_fingerprint", "split_strategy"
PROVENANCE = (FINGERPRINT, SPLIT)
SHOWN_CHARS = 12  # as `recexp compare` shows fingerprints
UNRECORDED = "unrecorded"


def samples_file(path: str | Path) -> Path:
    """``samples_path`` as a file: a run dir means its samples.parquet."""
    path = Path(path).expanduser()
    return path / SAMPLES_FILE if path.is_dir() else path


def provenance(state: RunState) -> dict[str, str]:
    """This run's data: what a samples.parquet made here records."""
    return data_provenance(state.cfg, state.data.fingerprint)


def data_provenance(cfg: DictConfig, fingerprint: str) -> dict[str, str]:
    return {FINGERPRINT: fingerprint, SPLIT: cfg.dataset.split.strategy.value}


def stamp(frame: pd.DataFrame, state: RunState) -> pd.DataFrame:
    """New samples with this run's provenance columns."""
    return frame.assign(**provenance(state))


def recorded_provenance(path: Path) -> dict[str, str]:
    """The provenance a samples file records (``unrecorded`` for a file made before it was)."""
    names = set(pq.read_schema(path).names)
    present = [c for c in PROVENANCE if c in names]
    table = pq.read_table(path, columns=present).to_pandas() if present else pd.DataFrame()
    return {c: ",".join(sorted(map(str, table[c].dropna().unique()))) or UNRECORDED if c in present
            else UNRECORDED for c in PROVENANCE}


def precheck_samples(state: RunState) -> None:
    """Stage precheck of teacher_samples: ``check_samples_reuse`` on the loaded data."""
    state.metrics.update(check_samples_reuse(state.cfg, state.data.fingerprint))


def preflight_samples(cfg: DictConfig) -> None:
    """The same check before Hydra starts a single run (one line, no run dir made)."""
    if "teacher_samples" not in cfg.paradigm.stages or not _samples_path(cfg):
        return
    from recexp.data.pipeline import data_fingerprint

    check_samples_reuse(cfg, data_fingerprint(cfg.dataset, cfg.cache_dir))


def check_samples_reuse(cfg: DictConfig, fingerprint: str) -> dict:
    """Refuse ``samples_path`` made on other data (ConfigError: one line, exit 2) unless
    ``allow_other_data``; returns the metrics that then record it (``samples/allow_other_data``,
    ``samples/source_*``), else {}."""
    if not _samples_path(cfg):
        return {}
    path = samples_file(cfg.paradigm.samples.samples_path)
    if not path.is_file():
        raise ConfigError(f"paradigm.samples.samples_path: no samples file at {path}")
    recorded, current = recorded_provenance(path), data_provenance(cfg, fingerprint)
    if recorded == current:
        return {}
    differences = describe_mismatch(recorded, current)
    if not cfg.paradigm.samples.allow_other_data:
        raise ConfigError(f"paradigm.samples.samples_path: {path} was made on other data ({differences}); its SFT "
                          "labels may be this run's valid or test targets. Reuse it anyway with "
                          "paradigm.samples.allow_other_data=true")
    log.warning("teacher_samples: reusing samples made on other data (%s): paradigm.samples.allow_other_data=true",
                differences)
    return {"samples/allow_other_data": True, **{f"samples/source_{k}": v for k, v in recorded.items()}}


def _samples_path(cfg: DictConfig) -> str | None:
    samples = cfg.paradigm.samples
    return samples.samples_path if samples is not None else None


def describe_mismatch(recorded: dict[str, str], current: dict[str, str]) -> str:
    short = lambda key, value: value[:SHOWN_CHARS] if key == FINGERPRINT else value  # noqa: E731
    return "; ".join(f"{key} {short(key, recorded[key])}, this run {short(key, current[key])}"
                     for key in PROVENANCE if recorded[key] != current[key])
