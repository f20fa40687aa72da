"""samples.parquet records its data; reuse on other data (here another dataset.k_core) is refused
before any model is loaded, unless paradigm.samples.allow_other_data=true (then in metrics.json)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.data.pipeline import load_dataset
from recexp.paradigms.samples import COLUMNS
from recexp.paradigms.samples_provenance import precheck_samples, recorded_provenance, stamp
from recexp.paradigms.state import RunState

from .conftest import run_cli

SMALL_DATA = ["debug=smoke"]  # conf/debug/smoke.yaml: 80 users x 60 items


def _state(tmp_path: Path, *overrides: str) -> RunState:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["paradigm=recone", *SMALL_DATA, *overrides])
    return RunState(cfg=cfg, run_dir=tmp_path, data=load_dataset(cfg.dataset, cfg.cache_dir))


def _samples(path: Path, state: RunState | None = None) -> Path:
    frame = pd.DataFrame([{"row": 1, "role": "rater", "messages": "[]", "completion": "<rate>4</rate>",
                           "kind": "aligned", "true": 4, "method": "recone"}], columns=COLUMNS)
    path.parent.mkdir(parents=True, exist_ok=True)
    (stamp(frame, state) if state else frame).to_parquet(path, index=False)
    return path


def test_new_samples_record_the_fingerprint_and_split(tmp_path):
    state = _state(tmp_path)
    recorded = recorded_provenance(_samples(tmp_path / "a" / "samples.parquet", state))
    assert recorded == {"data_fingerprint": state.data.fingerprint, "split_strategy": "leave_last"}


def test_reuse_across_k_core_is_refused_unless_allowed(tmp_path):
    made = _samples(tmp_path / "made" / "samples.parquet", _state(tmp_path, "dataset.k_core=5"))
    same = _state(tmp_path, "dataset.k_core=5", f"paradigm.samples.samples_path={made.parent}")
    precheck_samples(same)  # same data: fine, nothing recorded
    assert "samples/allow_other_data" not in same.metrics
    other = _state(tmp_path, "dataset.k_core=3", f"paradigm.samples.samples_path={made}")
    with pytest.raises(ConfigError, match=r"was made on other data \(data_fingerprint \w{12}, this run \w{12}\)"
                                          r".*paradigm.samples.allow_other_data=true"):
        precheck_samples(other)
    allowed = _state(tmp_path, "dataset.k_core=3", f"paradigm.samples.samples_path={made}",
                     "paradigm.samples.allow_other_data=true")
    precheck_samples(allowed)
    assert allowed.metrics["samples/allow_other_data"] is True
    assert allowed.metrics["samples/source_data_fingerprint"] == recorded_provenance(made)["data_fingerprint"]


def test_samples_without_provenance_are_refused_too(tmp_path):
    made = _samples(tmp_path / "old.parquet")
    with pytest.raises(ConfigError, match="data_fingerprint unrecorded"):
        precheck_samples(_state(tmp_path, f"paradigm.samples.samples_path={made}"))


def test_the_cli_refuses_in_one_line_before_any_model_is_built(tmp_path):
    made = _samples(tmp_path / "made" / "samples.parquet", _state(tmp_path, "dataset.k_core=5"))
    run_dir = tmp_path / "run"
    proc = run_cli(f"hydra.run.dir={run_dir}", "paradigm=recone", "dataset.k_core=3", *SMALL_DATA,
                   f"paradigm.samples.samples_path={made}", timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith("config error: paradigm.samples.samples_path:") and "other data" in lines[0]
    assert not run_dir.exists()  # refused before the run started: nothing loaded, built or written
