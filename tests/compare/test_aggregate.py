"""--group-by: download and disk settings (absent from runs made before they existed) never split a group."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from recexp.compare.aggregate import settings_that_differ
from recexp.compare.table import RUN


def test_runs_from_before_a_download_setting_stay_in_one_group():
    old = {"dataset": {"name": "amazon_music", "k_core": 5}, "seed": 1}
    new = {"dataset": {"name": "amazon_music", "k_core": 5, "allow_http": False, "max_extract_gb": 50.0},
           "seed": 2}
    frame = pd.DataFrame({"paradigm": ["mf", "mf"], RUN: [SimpleNamespace(config=old), SimpleNamespace(config=new)]})
    assert settings_that_differ(frame, ["paradigm"]) == []
    new["dataset"]["k_core"] = 10
    assert settings_that_differ(frame, ["paradigm"]) == ["dataset.k_core"]
