"""recexp.paradigms.stage_list: a stage list is checked against the stages' contracts before any
stage runs (unknown stage, a need no earlier stage gives, each stage's own config check)."""

import re

import pytest
from hydra import compose, initialize_config_dir

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.paradigms.registry import STAGES
from recexp.paradigms.runner import run_stages
from recexp.paradigms.stage_list import check_stage_list, uses_model
from recexp.paradigms.state import RunState


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def test_every_paradigm_stage_list_passes():
    for paradigm in sorted(p.stem for p in (CONF_DIR / "paradigm").glob("*.yaml")):
        check_stage_list(_compose(f"paradigm={paradigm}"))


def test_unknown_stage_lists_the_allowed_ones():
    with pytest.raises(ConfigError, match=re.escape(f"paradigm.stages[1]: unknown stage 'nope'; allowed: "
                                                    f"{', '.join(sorted(STAGES))}")):
        check_stage_list(_compose("paradigm=mf", "paradigm.stages=[fit_cf,nope]"))


@pytest.mark.parametrize("stages,expected", [
    ("[evaluate]", "paradigm.stages: stage evaluate scores a predictor; list fit_cf or load_model before evaluate"),
    ("[grpo,load_model]", "paradigm.stages: stage grpo trains the model; list load_model before grpo"),
    ("[load_model,sft]", "paradigm.stages: stage sft trains on teacher samples; list teacher_samples before sft"),
])
def test_a_need_no_earlier_stage_gives_names_the_stage_to_list_first(stages, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        check_stage_list(_compose("paradigm=recone", f"paradigm.stages={stages}"))


def test_each_stage_runs_its_own_check():
    with pytest.raises(ConfigError, match=re.escape("paradigm.cf: required by stage fit_cf (paradigm=zero_shot)")):
        check_stage_list(_compose("paradigm=zero_shot", "paradigm.stages=[fit_cf,evaluate]"))


def test_the_runner_checks_the_list_before_any_stage_runs(tmp_path):
    cfg = _compose("paradigm=mf")
    with pytest.raises(ConfigError, match="stage evaluate scores a predictor"):
        run_stages(["evaluate", "fit_cf"], RunState(cfg=cfg, run_dir=tmp_path, data=None))


def test_uses_model_follows_what_stages_need_and_give():
    assert uses_model(["load_model", "evaluate"]) and not uses_model(["fit_cf", "evaluate"])
