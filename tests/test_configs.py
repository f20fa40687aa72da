"""Config-level tests: every group option composes and validates; bad configs fail fast, in one line."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import recexp.config  # noqa: F401  (registers the schema)
from recexp.common.errors import ConfigError
from recexp.common.layout import CONF_DIR
from recexp.paradigms.registry import STAGES
from recexp.run.validation import validate

from .conftest import ROOT, run_cli

CONF = CONF_DIR
GROUPS = ("dataset", "model", "prompt", "reward", "paradigm", "trainer", "teacher", "logger", "scale", "experiment")
NEEDS_PATH = {"amazon2014", "amazon2018", "amazon2023", "yelp", "imdb"}


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=False)


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize(
    "group,option", [(g, o) for g in GROUPS for o in _options(g)], ids=lambda v: str(v)
)
def test_every_group_option_composes_and_validates(group, option):
    overrides = [f"{group}={option}"]
    if option == "none" and group in ("model", "prompt", "reward", "trainer"):
        overrides.append("paradigm=mf")  # what a run without an LLM uses
    if group == "trainer" and option == "sft":  # the SFT trainer fills the sft slot
        overrides = ["trainer@sft=sft", "paradigm=distill_exp3rt"]
    if group == "teacher" and option not in ("none", "heuristic", "hf"):  # key presence: test_recone.py
        overrides.append("teacher.api_key_env=null")
    if group == "teacher" and option != "none":  # validated where a paradigm uses a teacher
        overrides.append("paradigm=recone")
    if group == "teacher" and option == "openai":
        overrides += ["teacher.base_url=http://127.0.0.1:8000/v1", "teacher.model=m"]
    if group == "dataset" and option in NEEDS_PATH:
        overrides.append("dataset.reviews_path=/data/reviews.json.gz")
    if group == "dataset" and option == "exp3rt_imdb":  # given split, test file only: evaluation
        overrides += ["paradigm=zero_shot", "dataset.split.test_path=/data/test.json"]
    cfg = _compose(*overrides)
    validate(cfg)
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves


def test_groups_mirror_packages():
    assert {p.name for p in CONF.iterdir() if p.is_dir()} >= set(GROUPS)


def test_generic_format_without_path_names_the_key():
    with pytest.raises(ConfigError, match=r"dataset\.reviews_path: required for dataset=amazon2014"):
        validate(_compose("dataset=amazon2014"))


def test_unknown_stage_lists_allowed():
    allowed = ", ".join(sorted(STAGES))
    with pytest.raises(ConfigError, match=re.escape(f"paradigm.stages[0]: unknown stage 'nope'; allowed: {allowed}")):
        validate(_compose("paradigm.stages=[nope]"))


def test_key_forced_in_with_plus_is_rejected():
    with pytest.raises(Exception, match=r"dataset\.bogus: unknown key; allowed keys here: allow_http, context, dedupe"):
        validate(_compose("+dataset.bogus=1"))


@pytest.mark.parametrize(
    "override,expected",
    [
        ("dataset=nope", "dataset=nope is not a known choice; allowed values for 'dataset': amazon2014, amazon2018"),
        ("paradigm=nope", "allowed values for 'paradigm': bias, distill_exp3rt, distill_reason4rec, distill_recsaver, global_mean, global_median, item_mean, mf, recone, reczero, sft_rating, user_mean, zero_shot"),
        ("dataset.k_core=abc", "dataset.k_core: Value 'abc' of type 'str' could not be converted to Integer"),
        ("+model.tiny.warmup_templates.nope=1", "model.tiny.warmup_templates.nope: unknown template; known: direct, free_think, think_before_rec"),
        ("model.tiny.warmup_templates.direct=-1", "model.tiny.warmup_templates.direct: a count of examples per cycle, >= 0; got -1"),
        ("dataset.bogus=1", "dataset.bogus: unknown key; allowed keys here: name, format, reviews_path"),
        ("dataset.split.strategy=bad", "dataset.split.strategy: Invalid value 'bad', expected one of [leave_last, global_time, given]"),
        ("logger.mode=loud", "logger.mode: Invalid value 'loud', expected one of [offline, online, disabled]"),
        ("dataset=amazon2014", "dataset.reviews_path: required for dataset=amazon2014"),
        ("trainer.args.learning_rat=1e-4", "trainer.args.learning_rat: not in the composed config; did you mean trainer.args.learning_rate?"),
        ("dataset.reviews_path=~/x.json.gz", "Hydra cannot parse this override (LexerNoViableAltException at '~'); quote the value: 'dataset.reviews_path=\"~/x.json.gz\"'"),
        ("sweep=gpro", "sweep=gpro is not a known choice (did you mean grpo?); allowed values for 'sweep': embedded_default, grpo, reward_weights"),
        ("dataset.k_cor=3", "dataset.k_cor: unknown key (did you mean k_core?)"),
    ],
)
def test_cli_config_error_is_one_line_fast_and_nonzero(override, expected, tmp_path):
    started = time.perf_counter()
    proc = run_cli(override, f"hydra.run.dir={tmp_path / 'run'}", timeout=60)
    elapsed = time.perf_counter() - started
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr
    assert lines == [lines[0]] and lines[0].startswith("config error: "), proc.stderr
    assert expected in lines[0]
    assert elapsed < 3.0, f"config error took {elapsed:.2f}s"


def test_config_errors_do_not_import_heavy_libraries(tmp_path):
    code = (
        "import sys; sys.argv=['run.py','dataset.k_core=abc','hydra.run.dir=" + str(tmp_path) + "'];"
        "import runpy\n"
        "try:\n runpy.run_path('run.py', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "heavy=[m for m in ('torch','transformers','trl','wandb','pandas','pyarrow') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
