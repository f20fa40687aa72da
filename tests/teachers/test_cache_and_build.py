"""The reply cache (keys, atomic writes), config checks, and build_teacher's dispatch."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from omegaconf import OmegaConf

from recexp.common.errors import ConfigError
from recexp.config import TeacherConfig
from recexp.teachers import build_teacher, check_teacher
from recexp.teachers.base import TeacherRequest
from recexp.teachers.cache import ORPHAN_AGE_S, ReplyCache, request_key

from ..conftest import ROOT

IDENTITY = {"backend": "openai", "model": "m", "base_url": "http://h/v1", "temperature": 0.7, "top_p": 1.0,
            "max_tokens": 64}
REQUEST = TeacherRequest(messages=({"role": "user", "content": "rate it"},))


def cfg(**fields):
    return OmegaConf.structured(TeacherConfig(**fields))


def test_key_changes_with_every_part_that_changes_the_reply():
    base = request_key(IDENTITY, REQUEST)
    assert request_key(dict(IDENTITY), REQUEST) == base
    assert request_key(IDENTITY, TeacherRequest(messages=REQUEST.messages, sample=1)) != base
    assert request_key(IDENTITY, TeacherRequest(messages=({"role": "user", "content": "other"},))) != base
    for name, value in [("model", "m2"), ("temperature", 0.0), ("top_p", 0.9), ("max_tokens", 65), ("base_url", "x")]:
        assert request_key({**IDENTITY, name: value}, REQUEST) != base


def test_put_then_get_round_trips(tmp_path):
    cache = ReplyCache(tmp_path, IDENTITY)
    assert cache.get(REQUEST) is None
    cache.put(REQUEST, "because <rate>4</rate>")
    assert ReplyCache(tmp_path, IDENTITY).get(REQUEST) == "because <rate>4</rate>"
    assert cache.path(REQUEST).is_relative_to(tmp_path / "teacher")


def test_crash_during_write_leaves_no_entry_and_no_temp_file(tmp_path, monkeypatch):
    cache = ReplyCache(tmp_path, IDENTITY)

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("recexp.common.publish.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        cache.put(REQUEST, "text")
    assert cache.get(REQUEST) is None
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_opening_removes_old_orphaned_temp_files_only(tmp_path, caplog):
    """A .tmp older than ORPHAN_AGE_S has no live writer and goes; a fresh one (a writer may own
    it) and the entries stay."""
    cache = ReplyCache(tmp_path, IDENTITY)
    cache.put(REQUEST, "text")
    entry = cache.path(REQUEST)
    old, fresh = entry.parent / f".{entry.name}-dead0001.tmp", entry.parent / f".{entry.name}-live0002.tmp"
    old.write_text("half")
    fresh.write_text("half")
    long_ago = time.time() - ORPHAN_AGE_S - 60
    os.utime(old, (long_ago, long_ago))
    with caplog.at_level("WARNING", logger="recexp.teachers.cache"):
        reopened = ReplyCache(tmp_path, IDENTITY)
    assert not old.exists() and fresh.exists() and reopened.get(REQUEST) == "text"
    assert "removed 1 .tmp file(s)" in caplog.text


def test_unreadable_entry_is_an_error_naming_the_file(tmp_path):
    cache = ReplyCache(tmp_path, IDENTITY)
    cache.put(REQUEST, "text")
    cache.path(REQUEST).write_text("{torn")
    with pytest.raises(ValueError, match="teacher cache entry .* is unreadable"):
        cache.get(REQUEST)


@pytest.mark.parametrize("fields,message", [
    (dict(backend="openai", model="m"), "teacher.base_url: required for teacher.backend=openai"),
    (dict(backend="openai", base_url="http://h/v1"), "teacher.model: required for teacher.backend=openai"),
    (dict(backend="openai", base_url="h/v1", model="m"), "teacher.base_url: must start with http"),
    (dict(backend="hf"), "teacher.model: required for teacher.backend=hf"),
    (dict(backend="hf", model="m", top_p=0.0), "teacher.top_p: must be in"),
    (dict(backend="openai", base_url="http://h/v1", model="m", concurrency=0), "teacher.concurrency"),
])
def test_check_teacher_names_the_key(fields, message):
    with pytest.raises(ConfigError, match=message):
        check_teacher(cfg(**fields))


def test_check_teacher_rejects_a_pasted_key_without_echoing_it():
    with pytest.raises(ConfigError) as info:
        check_teacher(cfg(backend="openai", base_url="http://h/v1", model="m", api_key_env="sk-abc-123"))
    assert "teacher.api_key_env" in str(info.value) and "sk-abc-123" not in str(info.value)


def test_check_teacher_accepts_the_shipped_defaults():
    check_teacher(cfg())
    check_teacher(cfg(backend="heuristic"))
    check_teacher(cfg(backend="openai", base_url="http://localhost:8000/v1", model="m"))


def test_build_teacher_dispatches(tmp_path):
    from recexp.teachers.hf import HFTeacher
    from recexp.teachers.openai_compat import OpenAITeacher

    assert build_teacher(cfg(), tmp_path) is None
    openai = build_teacher(cfg(backend="openai", base_url="http://localhost:8000/v1", model="m"), tmp_path)
    assert isinstance(openai, OpenAITeacher)
    hf = build_teacher(cfg(backend="hf", model="/nowhere"), tmp_path)
    assert isinstance(hf, HFTeacher) and hf._model is None  # loaded on first uncached request
    with pytest.raises(ValueError, match="allowed values: none, heuristic, openai, hf"):
        build_teacher(SimpleNamespace(backend="bogus"), tmp_path)


def test_build_teacher_heuristic(tmp_path):
    from recexp.teachers.heuristic import HeuristicTeacher

    assert isinstance(build_teacher(cfg(backend="heuristic"), tmp_path), HeuristicTeacher)


def test_importing_the_package_loads_no_heavy_module():
    code = ("import sys, recexp.teachers; "
            "print(sorted(m for m in ('torch', 'transformers', 'httpx', 'openai') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
