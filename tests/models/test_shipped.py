"""The shipped warmed-up student (recexp/models/students/tiny/): it is the default config's recipe,
its files are the ones its recipe.json lists, a run asking for another recipe is refused in one line,
and the package (a wheel, not only this checkout) carries it."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from recexp.common.errors import ConfigError
from recexp.models.command import compose_run_config, config_recipe, contents_of
from recexp.models.shipped import (
    RECIPE_FILE,
    SHIPPED_DIR,
    check_shipped,
    choose_shipped,
    file_hashes,
    recipe_mismatch,
    stored_recipe,
)

from ..conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def default_recipe():
    """(recipe, data, model.tiny, prompt budget) of the default config (python run.py)."""
    return config_recipe(compose_run_config([]))


def test_the_shipped_student_is_the_default_configs_recipe(default_recipe):
    """Fails when the tiny sizes, warm-up length or mix, prompt budget, data or build version change
    and the student was not rebuilt (recexp student build)."""
    wanted, *_ = default_recipe
    stored = stored_recipe()
    assert wanted["key"] == stored["key"], f"rebuild it ({stored['rebuild']}): {recipe_mismatch(wanted, stored)}"


@pytest.mark.slow
def test_the_shipped_tokenizer_and_warmup_data_are_the_recipes(default_recipe):
    """Fails when the code that trains the tokenizer or writes the warm-up prompts and answers
    changes what they are, config unchanged, and the student was not rebuilt (~30 CPU s: it trains
    the tokenizer and writes the 8,000 warm-up examples, without training the model)."""
    _, data, tiny, prompt = default_recipe
    stored = stored_recipe()
    assert contents_of(tiny, data, prompt) == stored["contents"], f"rebuild it: {stored['rebuild']}"


@pytest.mark.slow
def test_student_build_records_what_its_build_trained_on(tmp_path):
    """`recexp student build` (a smoke recipe, an empty cache, ~20 s) writes the student with the
    fingerprints its build recorded of what it trained on, and the sha256 of the files it wrote."""
    env = {"OMP_NUM_THREADS": "1", "RECEXP_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "recexp.cli", "student", "build", "debug=smoke", "--out",
                           str(tmp_path / "student")], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    written = stored_recipe(tmp_path / "student")
    built, = (tmp_path / "cache" / "models").glob("tiny-*/tiny_build.json")
    assert written["contents"] == json.loads(built.read_text())["contents"]
    assert written["key"] == built.parent.name.removeprefix("tiny-")
    assert written["files"] == file_hashes(tmp_path / "student") and "model.safetensors" in written["files"]


def test_the_shipped_files_are_the_ones_built_and_small():
    stored = stored_recipe()
    assert file_hashes(SHIPPED_DIR) == stored["files"]
    assert {"model.safetensors", "tokenizer.json", "config.json"} <= set(stored["files"])
    assert sum((SHIPPED_DIR / name).stat().st_size for name in stored["files"]) < 1_000_000


def test_the_miniature_loads_the_same_shipped_student():
    wanted, *_ = config_recipe(compose_run_config(["experiment=miniature"]))
    assert wanted["key"] == stored_recipe()["key"]


def test_a_stale_shipped_recipe_is_refused_naming_what_differs(default_recipe, tmp_path):
    wanted, *_ = default_recipe
    stale = {**stored_recipe(), "key": "0" * 16}
    stale["tiny"] = {**stale["tiny"], "warmup_steps": 300}
    (tmp_path / RECIPE_FILE).write_text(json.dumps(stale))
    with pytest.raises(ConfigError, match=r"model.tiny.warmup_steps=2400 \(shipped: 300\).*model.tiny.student=build"):
        check_shipped(wanted, tmp_path)
    check_shipped(wanted, SHIPPED_DIR)  # the real one passes


def test_a_run_with_another_recipe_fails_in_one_line_before_loading(tmp_path):
    proc = run_cli(f"hydra.run.dir={tmp_path / 'x'}", "logger=none", "model.tiny.student=shipped",
                   "model.tiny.warmup_steps=300")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "config error: model.tiny.student=shipped: the shipped student was built by another recipe; this run has "
        "model.tiny.warmup_steps=300 (shipped: 2400). Set model.tiny.student=build")


def test_other_data_with_the_shipped_student_fails_in_one_line(tmp_path):
    proc = run_cli(f"hydra.run.dir={tmp_path / 'x'}", "logger=none", "model.tiny.student=shipped", "dataset=imdb")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1] == (
        "config error: model.tiny.student=shipped: the shipped student was warmed up on dataset=synthetic, not "
        "dataset=imdb; set model.tiny.student=build to build one for it")


def test_auto_loads_the_shipped_student_for_its_recipe_and_builds_any_other(default_recipe, caplog):
    wanted, *_ = default_recipe
    assert choose_shipped(wanted, "auto") == SHIPPED_DIR
    other = {**wanted, "key": "1" * 16, "tiny": {**wanted["tiny"], "layers": 4}}
    with caplog.at_level(logging.INFO, logger="recexp.models.shipped"):
        assert choose_shipped(other, "auto") is None
    assert ("model.tiny.student=auto: not the shipped student's recipe (model.tiny.layers=4 (shipped: 2)); "
            "building this one") in caplog.text
    with pytest.raises(ConfigError, match="model.tiny.layers=4"):
        choose_shipped(other, "shipped")


@pytest.mark.slow
def test_a_wheel_carries_the_shipped_student(tmp_path):
    """A non-editable install gets the student: package-data lists it (about 40 s: builds a wheel)."""
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "outputs", "*.egg-info", "__pycache__", "tests"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
                           str(tmp_path / "dist"), str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("recexp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in [*stored_recipe()["files"], RECIPE_FILE]:
        assert f"recexp/models/students/tiny/{name}" in names, name
