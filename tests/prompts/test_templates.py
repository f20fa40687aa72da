"""recexp.prompts.templates: each template declared once, in its own module; rewards and validation read it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.data.scale import RatingScale
from recexp.prompts.templates import (
    PROMPT_TEMPLATES,
    TEMPLATES,
    get_template,
    template_tags,
)
from recexp.rewards import TAGS_BY_TEMPLATE, format_ok
from recexp.run.validation import validate

from ..conftest import ROOT


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=False)


def test_every_template_is_listed_in_its_order():
    assert PROMPT_TEMPLATES.names() == ["think_before_rec", "direct", "free_think"] == list(TEMPLATES)
    assert sorted(p.stem for p in (CONF_DIR / "prompt").glob("*.yaml")) == sorted([*PROMPT_TEMPLATES.names(), "none"])


def test_unknown_template_names_the_key_and_the_allowed_values():
    with pytest.raises(ConfigError, match=r"prompt\.template: unknown template 'direkt' \(did you mean direct\?\); "
                                          r"allowed values: think_before_rec, direct, free_think"):
        PROMPT_TEMPLATES.check("direkt")
    with pytest.raises(KeyError, match="known: direct, free_think, think_before_rec"):
        template_tags("direkt")


def test_the_tags_are_the_templates_own():
    assert TAGS_BY_TEMPLATE == {name: spec.tags for name, spec in PROMPT_TEMPLATES.items()}
    assert template_tags("free_think") == ("think", "rate")
    assert format_ok("<think>x</think><rate>3</rate>", "free_think")
    ten = get_template("free_think", RatingScale(1, 10))
    assert ten.tags == get_template("free_think").tags and "from 1 to 10" in ten.system


def test_validation_reads_the_registry():
    with pytest.raises(ConfigError, match=r"prompt\.template: unknown template 'nope'; allowed values: think_before_rec"):
        validate(_compose("paradigm=zero_shot", "prompt.template=nope"))
    with pytest.raises(ConfigError, match="needs a template; choose prompt=think_before_rec, direct or free_think"):
        validate(_compose("paradigm=zero_shot", "prompt=none"))


def test_listing_templates_imports_nothing_heavy():
    code = ("import sys; from recexp.prompts.templates import PROMPT_TEMPLATES; PROMPT_TEMPLATES.names(); "
            "import recexp.rewards.parsing; "
            "heavy = [m for m in ('torch', 'transformers', 'trl', 'pandas', 'pyarrow') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
