"""OpenAITeacher against a real local HTTP server: order, concurrency, cache, retries, timeouts,
bad bodies and the API key's confinement to the Authorization header."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from recexp.common.errors import ConfigError
from recexp.config import TeacherConfig
from recexp.teachers.base import TeacherRequest
from recexp.teachers.openai_compat import OpenAITeacher

from .fake_server import FakeServer, completion, last_user_text

SECRET = "sk-test-Secret-0123456789"


def make_cfg(url: str, **overrides):
    fields = dict(name="fake", backend="openai", base_url=url, model="fake-model", api_key_env=None,
                  temperature=0.0, concurrency=3, timeout_s=5.0, max_retries=3, backoff_s=0.01)
    return OmegaConf.structured(TeacherConfig(**{**fields, **overrides}))


def request(text: str, sample: int = 0) -> TeacherRequest:
    return TeacherRequest(messages=({"role": "system", "content": "You rate."}, {"role": "user", "content": text}),
                          sample=sample)


def echo(delay: float = 0.0):
    def behaviour(payload, number):
        time.sleep(delay)
        return completion(f"re: {last_user_text(payload)} seed={payload.get('seed')}")
    return behaviour


def cache_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_replies_in_order_within_concurrency_and_cached_on_rerun(tmp_path):
    prompts = [f"prompt {i}" for i in range(9)]
    with FakeServer(echo(delay=0.05)) as server:
        replies = OpenAITeacher(make_cfg(server.url), tmp_path).complete([request(p) for p in prompts])
        assert [r.text for r in replies] == [f"re: {p} seed=None" for p in prompts]
        assert all(r.error is None and not r.cached for r in replies)
        assert server.calls == 9
        assert 2 <= server.max_in_flight <= 3
        assert all("seed" not in p for p in server.payloads)  # greedy: no seed sent

        again = OpenAITeacher(make_cfg(server.url), tmp_path).complete([request(p) for p in prompts])
        assert server.calls == 9  # zero new requests
        assert [r.text for r in again] == [r.text for r in replies] and all(r.cached for r in again)


def test_k_samples_are_distinct_seeded_calls(tmp_path):
    with FakeServer(echo()) as server:
        teacher = OpenAITeacher(make_cfg(server.url, temperature=0.7), tmp_path)
        replies = teacher.complete([request("same", sample=k) for k in range(3)])
        assert server.calls == 3
        seeds = [p["seed"] for p in server.payloads]
        assert len(set(seeds)) == 3 and len({r.text for r in replies}) == 3
        teacher.complete([request("same", sample=k) for k in range(3)])
        assert server.calls == 3


def test_429_then_500_then_success_is_retried_with_backoff(tmp_path):
    def flaky(payload, number):
        if number == 1:
            return 429, '{"error": "rate limited"}', {}
        if number == 2:
            return 500, "boom", {}
        return completion("finally")

    with FakeServer(flaky) as server:
        start = time.monotonic()
        [reply] = OpenAITeacher(make_cfg(server.url, backoff_s=0.05), tmp_path).complete([request("x")])
        elapsed = time.monotonic() - start
    assert reply.text == "finally" and reply.error is None
    assert server.calls == 3
    assert elapsed >= 0.05 + 0.10  # backoff_s, then doubled


def test_client_error_is_not_retried(tmp_path):
    with FakeServer(lambda payload, number: (400, '{"error": "bad model"}', {})) as server:
        [reply] = OpenAITeacher(make_cfg(server.url), tmp_path).complete([request("x")])
    assert reply.text is None and reply.error.startswith("HTTP 400") and server.calls == 1


def test_stalled_server_gives_error_reply_after_retries_quickly(tmp_path):
    def stall(payload, number):
        server.release.wait(5)
        return completion("too late")

    with FakeServer(stall) as server:
        start = time.monotonic()
        [reply] = OpenAITeacher(make_cfg(server.url, timeout_s=0.2, max_retries=1), tmp_path).complete([request("x")])
        elapsed = time.monotonic() - start
    assert reply.text is None and "timeout" in reply.error and "gave up after 1 retries" in reply.error
    assert server.calls == 2
    assert elapsed < 2.0
    assert cache_files(tmp_path) == []


def test_bad_bodies_become_error_replies_and_are_not_cached(tmp_path):
    def mixed(payload, number):
        text = last_user_text(payload)
        if text == "garbage":
            return 200, "<html>not json{", {"Content-Type": "text/html"}
        if text == "nochoices":
            return 200, '{"id": "x", "choices": []}', {"Content-Type": "application/json"}
        if text == "empty":
            return completion("")
        return completion("fine")

    texts = ["garbage", "nochoices", "empty", "ok"]
    with FakeServer(mixed) as server:
        replies = OpenAITeacher(make_cfg(server.url), tmp_path).complete([request(t) for t in texts])
        assert "not JSON" in replies[0].error
        assert "no choices" in replies[1].error
        assert "empty content" in replies[2].error
        assert [r.text for r in replies] == [None, None, None, "fine"]
        assert len(cache_files(tmp_path)) == 1

        again = OpenAITeacher(make_cfg(server.url), tmp_path).complete([request(t) for t in texts])
        assert server.calls == 4 + 3  # failures are asked again, the success is cached
        assert [r.cached for r in again] == [False, False, False, True]


def test_api_key_only_in_the_authorization_header(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("RECEXP_TEST_KEY", SECRET)

    def echo_auth_on_error(payload, number):
        if last_user_text(payload) == "fail":
            return 401, f"invalid key {server.auth_headers[-1]}", {}
        return completion("ok")

    caplog.set_level(logging.DEBUG)
    with FakeServer(echo_auth_on_error) as server:
        teacher = OpenAITeacher(make_cfg(server.url, api_key_env="RECEXP_TEST_KEY"), tmp_path)
        replies = teacher.complete([request("good"), request("fail")])
    assert server.auth_headers == [f"Bearer {SECRET}"] * 2
    assert replies[0].text == "ok" and SECRET not in replies[1].error and "***" in replies[1].error
    assert SECRET not in str(teacher.describe()) and SECRET not in repr(teacher)
    assert SECRET not in caplog.text
    files = cache_files(tmp_path)
    assert files and not any(SECRET in f.read_text() for f in files)


def test_missing_key_variable_fails_at_construction_naming_it(tmp_path, monkeypatch):
    monkeypatch.delenv("RECEXP_ABSENT_KEY", raising=False)
    with pytest.raises(ConfigError, match="environment variable RECEXP_ABSENT_KEY is not set"):
        OpenAITeacher(make_cfg("http://127.0.0.1:9/v1", api_key_env="RECEXP_ABSENT_KEY"), tmp_path)


def test_describe_names_the_endpoint_without_secrets(tmp_path):
    described = OpenAITeacher(make_cfg("http://127.0.0.1:9/v1"), tmp_path).describe()
    assert described["teacher/name"] == "fake" and described["teacher/model"] == "fake-model"
    assert described["teacher/base_url"] == "http://127.0.0.1:9/v1"
