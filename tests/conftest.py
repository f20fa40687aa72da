"""Shared fixtures: an isolated cache per session, the repo root, the shared data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
# the one metrics.json a test writes corrupt on purpose (tests/test_compare.py); any other must parse
CORRUPT_METRICS = '{"test/mae": 0.5,'


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory) -> Path:
    """Every test uses a fresh data cache and offline W&B, never the user's."""
    cache = tmp_path_factory.mktemp("recexp-cache")
    os.environ["RECEXP_CACHE_DIR"] = str(cache)
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    return cache


@pytest.fixture(scope="session", autouse=True)
def metrics_files_are_strict_json(tmp_path_factory):
    """After the session: every metrics.json a test wrote parses as strict JSON (no NaN/Infinity),
    except the deliberately corrupt one (``CORRUPT_METRICS``)."""
    yield
    import json

    for path in tmp_path_factory.getbasetemp().rglob("metrics.json"):
        text = path.read_text()
        if text == CORRUPT_METRICS:
            continue
        try:
            json.loads(text, parse_constant=lambda c: 1 / 0)
        except ZeroDivisionError:
            pytest.fail(f"{path}: not strict JSON (NaN or Infinity)")
        except json.JSONDecodeError as err:
            pytest.fail(f"{path}: not JSON ({err})")


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


def run_cli(*overrides: str, cwd: Path = ROOT, timeout: float = 600, env: dict | None = None):
    """Run `python run.py OVERRIDES...` in a subprocess; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *overrides],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )
