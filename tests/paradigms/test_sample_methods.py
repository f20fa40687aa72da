"""recexp.paradigms.sample_methods: each method declared once, in its own module; validation reads it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.paradigms.sample_methods import SAMPLE_METHODS, chain
from recexp.prompts.templates import get_template
from recexp.run.validation import validate

from ..conftest import ROOT


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=False)


def test_every_method_is_listed_in_its_order():
    assert SAMPLE_METHODS.names() == ["recone", "exp3rt", "reason4rec", "recsaver", "rating_only"]
    assert all(spec.name == name and spec.description for name, spec in SAMPLE_METHODS.items())


def test_unknown_method_names_the_key_and_the_allowed_values():
    with pytest.raises(ConfigError, match=r"paradigm\.samples\.method: unknown sample method 'recsavr' "
                                          r"\(did you mean recsaver\?\); allowed values: recone, exp3rt, "):
        SAMPLE_METHODS.get("recsavr")


def test_the_declarations_say_what_validation_needs():
    chained = {name for name, spec in SAMPLE_METHODS.items() if spec.chained}
    assert chained == {"exp3rt", "reason4rec"}
    assert {name: spec.template for name, spec in SAMPLE_METHODS.items() if spec.template} == {"rating_only": "direct"}
    assert [name for name, spec in SAMPLE_METHODS.items() if not spec.needs_teacher] == ["rating_only"]


def test_roles_come_from_the_declaration():
    template = get_template("direct")
    assert [r.name for r in chain("exp3rt", template)] == ["user_profile", "item_profile", "rater"]
    assert [r.name for r in chain("reason4rec", template)] == ["summarizer", "reasoner", "predictor"]
    assert [r.name for r in chain("recone", template)] == ["rater"]
    predictor = chain("reason4rec", template)[-1]
    assert predictor.system.startswith(template.system) and "user_preference_summary, reasoning" in predictor.system


@pytest.mark.parametrize("overrides,expected", [
    (["paradigm=recone", "paradigm.samples.method=bogus"], "paradigm.samples.method: unknown sample method 'bogus'"),
    (["paradigm=sft_rating", "prompt=free_think"],
     "prompt: samples.method=rating_only trains on the rating alone; use prompt=direct"),
    (["paradigm=distill_reason4rec", "trainer=grpo", "paradigm.stages=[load_model,teacher_samples,sft,grpo]"],
     "paradigm.stages: samples.method=reason4rec chains several roles"),
])
def test_validation_reads_the_declaration(overrides, expected):
    with pytest.raises(ConfigError, match=expected):
        validate(_compose(*overrides))


def test_listing_methods_imports_nothing_heavy():
    code = ("import sys; from recexp.paradigms.sample_methods import SAMPLE_METHODS; SAMPLE_METHODS.names(); "
            "heavy = [m for m in ('torch', 'transformers', 'trl', 'pandas', 'pyarrow', 'tqdm') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
