"""Every run command the docs show (`python run.py ...`, `recexp run|sweep ...`, `accelerate
launch / torchrun ... run.py ...`, in shell blocks and inline code) composes and passes the
project's own pre-run check (recexp.run.preflight), so a key or option that does not exist fails here,
naming the file, line and command. A multirun of Hydra's basic sweeper is checked job by job (every
value of every swept key at least once)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from recexp.common.layout import CONF_DIR

from .markdown import PLACEHOLDER, REPO, Command, commands, doc_files

VLLM_MISSING = "needs vLLM, which is not installed"


def check(argv: list[str]) -> None:
    """Raise what `python run.py ARGV` would stop on before its run starts."""
    from recexp.run.preflight import preflight

    preflight(argv, CONF_DIR)
    if "-m" in argv or "--multirun" in argv:
        for job in basic_sweep_jobs([a for a in argv if a not in ("-m", "--multirun")]):
            preflight(job, CONF_DIR)


def basic_sweep_jobs(overrides: list[str]) -> list[list[str]]:
    """For a multirun of Hydra's basic sweeper (command-line lists and an experiment's
    hydra.sweeper.params): jobs that use every value of every swept key once. None for Optuna."""
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    parser = OverridesParser.create()
    parsed = parser.parse_overrides(overrides)
    plain = [o.input_line for o in parsed if not o.is_sweep_override()]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=plain, return_hydra_config=True)
    if str(cfg.hydra.sweeper.get("_target_", "")).endswith("RecexpOptunaSweeper"):
        return []  # preflight checked its search space at probe points
    params = cfg.hydra.sweeper.get("params")
    params = OmegaConf.to_container(params, resolve=False) if params else {}
    preset = parser.parse_overrides([f"{k}={v}" for k, v in params.items()])
    swept = [o for o in [*parsed, *preset] if o.is_sweep_override()]
    values = {o.get_key_element(): list(o.sweep_string_iterator()) for o in swept}
    base = [o.input_line for o in parsed if not o.is_sweep_override()]
    width = max((len(v) for v in values.values()), default=0)
    return [base + [f"{key}={vals[i % len(vals)]}" for key, vals in values.items()] for i in range(width)]


def all_commands() -> tuple[dict[tuple[str, ...], list[Command]], list[str]]:
    """The docs' commands grouped by argv (one check per distinct command) and the skipped ones."""
    grouped: dict[tuple[str, ...], list[Command]] = {}
    skipped = []
    for path in doc_files():
        found, skip = commands(path)
        skipped += skip
        for cmd in found:
            grouped.setdefault(cmd.argv, []).append(cmd)
    return grouped, skipped


GROUPED, SKIPPED = all_commands()


@contextlib.contextmanager
def _clean_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: tuple[tuple[str, str], ...] = ()):
    """The command's own variables (`export NAME=...`, `NAME=... python run.py`; a placeholder value
    becomes a dummy), one process, and a cache dir of the test's own."""
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env:
        monkeypatch.setenv(name, "docs-placeholder" if PLACEHOLDER.search(value) else value)
    monkeypatch.setenv("RECEXP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(REPO)  # the docs' relative paths (../shared/..., recipes/...) are from the checkout
    yield


@pytest.mark.parametrize("argv", list(GROUPED), ids=[GROUPED[a][0].where()[:120] for a in GROUPED])
def test_doc_command_composes(argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    places = "\n".join(c.where() for c in GROUPED[argv])
    with _clean_world(monkeypatch, tmp_path, GROUPED[argv][0].env):
        try:
            check(list(argv))
        except Exception as err:  # noqa: BLE001 - any stop before the run is a broken doc command
            if VLLM_MISSING in str(err):
                pytest.skip(f"needs the optional vLLM (not installed): {places}")
            pytest.fail(f"this docs command does not compose:\n{places}\n-> {type(err).__name__}: {err}")


def test_docs_show_commands_to_check() -> None:
    assert len(GROUPED) > 40, f"only {len(GROUPED)} run commands found in the docs"


def test_a_misspelt_key_or_choice_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _clean_world(monkeypatch, tmp_path):
        for argv in (["dataset.k_cor=3"], ["paradigm=reczeroo"], ["-m", "paradigm=bias,mff"],
                     ["-m", "experiment=classic_baselines", "paradigm.cf.regg=1"]):
            with pytest.raises(Exception):  # noqa: B017 - Hydra's and the project's errors alike
                check(argv)


def test_commands_are_read_from_blocks_and_code_spans(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text('Run `python run.py seed=N` or `recexp sweep grpo`.\n\n```bash\nX="dataset.k_core=3"\n'
                    "python run.py \\\n    $X   # a comment\n"
                    "RECEXP_CACHE_DIR=<empty dir> python run.py model.path=<its dir>\n```\n"
                    "```\n$ python run.py dataset.k_core=abc\n```\n")
    found, skipped = commands(page, tmp_path)
    assert [(c.line, c.argv) for c in found] == [(1, ("seed=1",)), (1, ("-m", "sweep=grpo")), (5, ("dataset.k_core=3",))]
    assert skipped == ["README.md:7: RECEXP_CACHE_DIR=<empty dir> python run.py model.path=<its dir>"]
