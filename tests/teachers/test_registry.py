"""recexp.teachers._registry: the backends declared in their modules, none reserved, nothing heavy listed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from recexp.common.errors import ConfigError
from recexp.teachers import TEACHERS
from recexp.teachers.heuristic import HeuristicTeacher
from recexp.teachers.openai_compat import OpenAITeacher

from ..conftest import ROOT


def test_backends_are_listed_in_message_order():
    assert TEACHERS.names() == ["none", "heuristic", "openai", "hf", "vllm_local"]
    assert TEACHERS.get("heuristic") is HeuristicTeacher and TEACHERS.get("openai") is OpenAITeacher


def test_unknown_backend_names_the_key_and_the_allowed_values():
    with pytest.raises(ConfigError, match=r"teacher.backend: unknown teacher backend 'opnai' \(did you mean openai\?\); "
                                          r"allowed values: none, heuristic, openai, hf, vllm_local"):
        TEACHERS.check("opnai")


def test_listing_the_backends_imports_nothing_heavy():
    code = ("import sys; from recexp.teachers import TEACHERS; TEACHERS.names(); "
            "print(sorted(m for m in ('torch', 'transformers', 'trl', 'vllm', 'httpx', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
