"""recexp.paradigms.cf_models._registry: the CF models declared in their modules, their grids."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from recexp.common.errors import ConfigError
from recexp.paradigms.cf_models import CF_MODELS
from recexp.paradigms.cf_models.means import MeanModel

from ...conftest import ROOT


def test_models_are_listed_in_order():
    assert CF_MODELS.names() == ["global_mean", "global_median", "user_mean", "item_mean", "bias", "mf"]


def test_unknown_model_names_the_key_and_the_allowed_values():
    with pytest.raises(ConfigError, match=r"paradigm.cf.model: unknown CF model 'bais' \(did you mean bias\?\); "
                                          r"allowed values: global_mean, global_median, user_mean, item_mean, bias, mf"):
        CF_MODELS.check("bais")


def test_each_model_builds_its_grid():
    cf = SimpleNamespace(reg=[0.1, 1.0], factors=[8, 16], lr=0.01, max_epochs=3, patience=1, batch_size=32,
                         select_by=SimpleNamespace(value="mae"))
    assert {name: len(model.grid(cf)) for name, model in CF_MODELS.items()} == {
        "global_mean": 1, "global_median": 1, "user_mean": 1, "item_mean": 1, "bias": 2, "mf": 4}
    for name in ("global_mean", "user_mean", "item_mean"):
        model = CF_MODELS.get(name).build(cf, {}, seed=0, scale=None)
        assert isinstance(model, MeanModel) and model.by == name.removesuffix("_mean")
    mf = CF_MODELS.get("mf").build(cf, {"factors": 8, "reg": 0.1}, seed=3, scale=None)
    assert (mf.factors, mf.reg, mf.seed, mf.select_by) == (8, 0.1, 3, "mae")


def test_listing_the_models_imports_no_torch():
    code = ("import sys; from recexp.paradigms.cf_models import CF_MODELS; CF_MODELS.names(); "
            "print(sorted(m for m in ('torch', 'transformers', 'trl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
