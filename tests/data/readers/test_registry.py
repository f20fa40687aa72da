"""recexp.data.readers._registry: the formats declared in their reader modules, synthetic reserved."""

from __future__ import annotations

import subprocess
import sys

import pytest

from recexp.common.errors import ConfigError
from recexp.data.readers import DATA_FORMATS, exp3rt, read_raw

from ...conftest import ROOT


def test_formats_are_listed_and_carry_their_declaration():
    assert DATA_FORMATS.names() == ["synthetic", "amazon2014", "amazon2018", "amazon2023", "yelp", "imdb", "exp3rt"]
    assert DATA_FORMATS.get("exp3rt").read is exp3rt.read
    assert [name for name, reader in DATA_FORMATS.items() if not reader.timed] == ["exp3rt"]


def test_unknown_format_names_the_key_and_the_allowed_values():
    with pytest.raises(ConfigError, match=r"dataset.format: unknown data format 'yelpp' \(did you mean yelp\?\); "
                                          r"allowed values: synthetic, amazon2014, amazon2018, amazon2023, yelp, imdb, exp3rt"):
        DATA_FORMATS.check("yelpp")


def test_synthetic_is_allowed_but_has_no_reader(tmp_path):
    DATA_FORMATS.check("synthetic")
    with pytest.raises(ValueError, match="synthetic: the data are generated"):
        read_raw("synthetic", tmp_path / "x.json")


def test_listing_the_formats_imports_nothing_heavy():
    code = ("import sys; from recexp.data.readers import DATA_FORMATS; DATA_FORMATS.names(); "
            "print(sorted(m for m in ('torch', 'transformers', 'trl', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
