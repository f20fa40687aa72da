"""One tiny student for every paradigm: its build does not depend on the prompt template."""

from __future__ import annotations

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import recexp.config  # noqa: F401
from recexp.common.layout import CONF_DIR
from recexp.models.tiny import tiny_key
from recexp.prompts.settings import prompt_settings


def _key(*overrides: str) -> str:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["logger=none", *overrides])
    return tiny_key(OmegaConf.to_container(cfg.model.tiny, enum_to_str=True), "fingerprint", prompt_settings(cfg.prompt))


def test_every_template_and_paradigm_shares_the_tiny_build():
    keys = {_key(), _key("prompt=direct"), _key("prompt=free_think"), _key("paradigm=recone"),
            _key("paradigm=sft_rating"), _key("paradigm=distill_reason4rec")}
    assert len(keys) == 1


def test_the_warmup_mix_and_length_are_part_of_the_key():
    assert _key("model.tiny.warmup_templates.direct=2") != _key()
    assert _key("model.tiny.warmup_steps=300") != _key()


def test_the_default_and_the_miniature_share_the_student_and_where_it_comes_from_is_not_in_the_key():
    assert _key("experiment=miniature") == _key() == _key("model.tiny.student=build")
