from __future__ import annotations

import json
import math

import numpy as np

from recexp.common.jsonio import dumps, write_json


def test_non_finite_values_become_null_everywhere(tmp_path):
    value = {"a": float("nan"), "b": [1.0, float("inf"), {"c": np.float64("nan")}], "d": np.float32(1.5), "e": "x"}
    write_json(tmp_path / "m.json", value)
    loaded = json.load(open(tmp_path / "m.json"), parse_constant=lambda c: 1 / 0)
    assert loaded == {"a": None, "b": [1.0, None, {"c": None}], "d": 1.5, "e": "x"}
    assert json.loads(dumps({"x": -math.inf})) == {"x": None}
