"""The debug presets (conf/debug/): each composes and validates with every paradigm, changes
only the keys its parts name, and its parts follow the selected groups."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.layout import CONF_DIR
from recexp.run.validation import validate

DEBUG = CONF_DIR / "debug"
PARTS = DEBUG / "parts"
SLOT_GROUP = {"dataset": "dataset", "model": "model", "trainer": "trainer", "sft": "trainer"}  # sft: trainer@sft
SLOT_CHOICE = {"dataset": "dataset", "model": "model", "trainer": "trainer", "sft": "trainer@sft"}


def _options(folder) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def _task(cfg):
    """The config without Hydra's node."""
    return OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])


def _values(cfg) -> dict:
    """Dotted key -> value, interpolations as written (a part changes the key they point to)."""
    return _flat(OmegaConf.to_container(_task(cfg), resolve=False))


def _flat(node, prefix: str = "") -> dict:
    if not isinstance(node, dict) or not node:
        return {prefix: node}
    return {k: v for key, value in node.items() for k, v in _flat(value, f"{prefix}{key}.").items()}


def _part_keys(preset: str, choices) -> set[str]:
    """The dotted keys the parts of ``preset`` set for these group choices."""
    keys = set()
    for slot, choice_key in SLOT_CHOICE.items():
        path = PARTS / slot / f"{preset}_{choices[choice_key]}.yaml"
        if path.exists():
            keys |= {k.rstrip(".") for k in _flat(OmegaConf.to_container(OmegaConf.load(path)))}
    return keys


PRESETS = _options(DEBUG)
PARADIGMS = _options(CONF_DIR / "paradigm")


def test_smoke_is_a_preset():
    assert "smoke" in PRESETS


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("paradigm", PARADIGMS)
def test_every_preset_composes_and_validates_with_every_paradigm(preset, paradigm):
    cfg = _compose(f"debug={preset}", f"paradigm={paradigm}")
    validate(_task(cfg))
    OmegaConf.to_container(_task(cfg), resolve=True)  # every interpolation resolves
    plain = _values(_compose(f"paradigm={paradigm}"))
    changed = {k.rstrip(".") for k, v in _values(cfg).items() if plain.get(k, "<absent>") != v}
    assert changed - {"logger.backend"} <= _part_keys(preset, cfg.hydra.runtime.choices)


@pytest.mark.parametrize("slot", sorted(SLOT_GROUP))
def test_every_part_is_named_preset_underscore_choice(slot):
    """A part is picked only when named <preset>_<choice>: any other name would be silently unused."""
    names = {f"{preset}_{option}" for preset in PRESETS for option in _options(CONF_DIR / SLOT_GROUP[slot])}
    assert set(_options(PARTS / slot)) <= names


def test_smoke_follows_the_selected_groups():
    classic = _compose("debug=smoke", "paradigm=mf")
    assert classic.dataset.synthetic.n_users == 80 and classic.logger.backend.name == "none"
    assert classic.model.tiny is None and not classic.trainer.args and not classic.sft.args
    sft_only = _compose("debug=smoke", "paradigm=sft_rating")
    assert sft_only.sft.args.num_train_epochs == 1 and sft_only.paradigm.samples.n_samples == 40
    assert not sft_only.trainer.args  # no GRPO stage, no GRPO sizes
    imdb = _compose("debug=smoke", "dataset=imdb", "dataset.reviews_path=/r.json")
    assert imdb.dataset.synthetic is None and imdb.trainer.args.max_steps == 4


def test_the_command_line_and_the_preset_order():
    cfg = _compose("debug=smoke", "logger=wandb", "trainer.args.max_steps=6", "experiment=miniature")
    assert cfg.logger.backend.name == "wandb" and cfg.trainer.args.max_steps == 6  # the command line wins
    assert cfg.model.tiny.warmup_steps == 40  # debug comes after experiment presets
    assert _compose().dataset.synthetic.n_users == 500  # debug: null changes nothing
