"""Teacher backend for any OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, DeepSeek,
vLLM, Ollama, SGLang), called with ``httpx`` from a bounded thread pool.

Why httpx and not the ``openai`` SDK: the SDK's retry schedule is fixed by module constants
(0.5 s first delay, 8 s cap; openai/openai-python#1167, the PR exposing them was closed), so
``teacher.backoff_s`` could only be honoured by disabling its retries and writing the loop anyway;
its strict response models would also have to be unwrapped to turn a garbage body into an error
reply. What is left is one POST and a JSON read, which httpx (already installed through
huggingface_hub) does with explicit timeouts and connection limits.

Retries: 408/409/425/429, 5xx, timeouts and connection errors, up to ``max_retries`` times,
waiting ``backoff_s * 2**attempt`` (plus up to 25 % jitter, at least the server's Retry-After,
capped at 60 s). Other 4xx, a non-JSON body, a reply without choices or with empty content are
not retried: they become an error reply. The API key is read from the environment variable
NAMED by ``api_key_env``; it is sent only as a Bearer header and is redacted from error texts.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from recexp.common.errors import ConfigError
from recexp.teachers._registry import TEACHERS
from recexp.teachers.base import Teacher, TeacherReply, TeacherRequest
from recexp.teachers.cache import Deliver, ReplyCache, answer_through_cache
from recexp.teachers.checks import at_least, check_sampling, positive, require
from recexp.teachers.sampling import sample_seed

if TYPE_CHECKING:  # httpx is the optional extra recexp[openai]: imported where a request is made
    import httpx

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
MAX_RETRY_AFTER_S = 60.0
BODY_SNIPPET_CHARS = 200
ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_api_key(api_key_env: str | None) -> str | None:
    """The key from the environment variable named ``api_key_env``; None when no key is configured."""
    if api_key_env is None:
        return None
    key = os.environ.get(api_key_env, "").strip()
    if not key:
        raise ConfigError(f"teacher.api_key_env: the environment variable {api_key_env} is not set or empty; "
                          f"export {api_key_env}=... (or teacher.api_key_env=null for a server without a key)")
    return key


def _check_endpoint(cfg: Any) -> None:
    """The endpoint keys: where to send requests, the key's variable name, and the call limits."""
    require(cfg, "base_url", "e.g. https://api.deepseek.com/v1")
    require(cfg, "model", "the model name the endpoint serves")
    if not str(cfg.base_url).startswith(("http://", "https://")):
        raise ConfigError("teacher.base_url: must start with http:// or https://")
    if cfg.api_key_env is not None and not ENV_VAR_NAME.match(str(cfg.api_key_env)):
        # Never echo the value: a user may have pasted the key itself here.
        raise ConfigError("teacher.api_key_env: must be the NAME of an environment variable "
                          "(letters, digits, _), never the key itself; null for a server without a key")
    at_least(cfg, "concurrency", 1)
    positive(cfg, "timeout_s")
    at_least(cfg, "max_retries", 0)
    at_least(cfg, "backoff_s", 0)


@dataclass(frozen=True)
class _Attempt:
    reply: TeacherReply
    retry: bool = False
    retry_after: float | None = None


@TEACHERS.register("openai", order=2)
class OpenAITeacher(Teacher):
    """Chat completions from an OpenAI-compatible server; replies in request order, errors as replies."""

    @classmethod
    def check_config(cls, cfg: Any) -> None:
        """httpx installed, the endpoint and sampling keys valid, and the key's variable set."""
        from recexp.common.extras import require_extra

        require_extra("openai", f"teacher={cfg.name} (an OpenAI-compatible endpoint)")
        _check_endpoint(cfg)
        check_sampling(cfg)
        read_api_key(cfg.api_key_env)

    def __init__(self, cfg: Any, cache_root: Path) -> None:
        self.check_config(cfg)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
        self.cfg = cfg
        self.name = cfg.name
        self.url = str(cfg.base_url).rstrip("/") + "/chat/completions"
        self._api_key = read_api_key(cfg.api_key_env)
        self.cache = ReplyCache(cache_root, self._identity()) if cfg.cache else None

    def __repr__(self) -> str:
        return f"OpenAITeacher(name={self.name!r}, model={self.cfg.model!r}, base_url={self.cfg.base_url!r})"

    def describe(self) -> dict[str, Any]:
        return {"teacher/name": self.name, "teacher/backend": "openai", "teacher/model": self.cfg.model,
                "teacher/base_url": self.cfg.base_url, "teacher/temperature": self.cfg.temperature}

    def complete(self, requests: Sequence[TeacherRequest], desc: str = "teacher") -> list[TeacherReply]:
        def ask_all(pending: list[TeacherRequest], deliver: Deliver) -> None:
            self._ask_all(pending, deliver, desc)

        return answer_through_cache(requests, self.cache, ask_all)

    def _identity(self) -> dict[str, Any]:
        cfg = self.cfg
        return {"backend": "openai", "model": cfg.model, "base_url": cfg.base_url,
                "temperature": cfg.temperature, "top_p": cfg.top_p, "max_tokens": cfg.max_tokens}

    def _ask_all(self, pending: list[TeacherRequest], deliver: Deliver, desc: str) -> None:
        from tqdm.auto import tqdm

        workers = min(self.cfg.concurrency, len(pending))
        failures = 0
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="teacher")
        try:
            with self._client(workers) as client, tqdm(total=len(pending), desc=desc, disable=None) as bar:
                futures = {pool.submit(self._ask, client, request): j for j, request in enumerate(pending)}
                for future in as_completed(futures):
                    reply = future.result()
                    failures += reply.error is not None
                    deliver(futures[future], reply)
                    bar.update()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C, queued requests are dropped
        if failures:
            log.warning("teacher %s: %d of %d requests failed after retries", self.name, failures, len(pending))

    def _client(self, workers: int) -> httpx.Client:
        import httpx

        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        return httpx.Client(headers=headers, timeout=httpx.Timeout(self.cfg.timeout_s),
                            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers))

    def _payload(self, request: TeacherRequest) -> dict[str, Any]:
        cfg = self.cfg
        payload = {"model": cfg.model, "messages": [dict(m) for m in request.messages],
                   "temperature": cfg.temperature, "top_p": cfg.top_p, "max_tokens": cfg.max_tokens}
        if cfg.temperature > 0:
            payload["seed"] = sample_seed(request.sample)
        return payload

    def _ask(self, client: httpx.Client, request: TeacherRequest) -> TeacherReply:
        """One request with retries; never raises for a failed call."""
        payload = self._payload(request)
        for attempt in range(self.cfg.max_retries + 1):
            outcome = self._attempt(client, payload)
            if not outcome.retry:
                return outcome.reply
            if attempt < self.cfg.max_retries:
                time.sleep(self._backoff(attempt, outcome.retry_after))
        return TeacherReply(text=None, error=f"{outcome.reply.error} (gave up after {self.cfg.max_retries} retries)")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        delay = self.cfg.backoff_s * 2 ** attempt * (1 + 0.25 * random.random())
        return min(max(delay, retry_after or 0.0), MAX_RETRY_AFTER_S)

    def _attempt(self, client: httpx.Client, payload: dict[str, Any]) -> _Attempt:
        import httpx

        try:
            response = client.post(self.url, json=payload)
        except httpx.TimeoutException as exc:
            return _Attempt(self._failed(f"timeout after {self.cfg.timeout_s}s ({type(exc).__name__})"), retry=True)
        except httpx.TransportError as exc:
            return _Attempt(self._failed(f"connection error ({type(exc).__name__}: {exc})"), retry=True)
        status = response.status_code
        if status in RETRYABLE_STATUS or status >= 500:
            return _Attempt(self._failed(f"HTTP {status}: {_snippet(response)}"), retry=True,
                            retry_after=_retry_after(response))
        if status >= 400:
            return _Attempt(self._failed(f"HTTP {status}: {_snippet(response)}"))
        return _Attempt(self._parse(response))

    def _parse(self, response: httpx.Response) -> TeacherReply:
        try:
            body = response.json()
        except ValueError:
            return self._failed(f"unparsable body (not JSON): {_snippet(response)}")
        choices = body.get("choices") if isinstance(body, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return self._failed(f"reply has no choices: {_snippet(response)}")
        message = choices[0].get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str) or not content.strip():
            return self._failed(f"empty content (finish_reason={choices[0].get('finish_reason')})")
        return TeacherReply(text=content)

    def _failed(self, error: str) -> TeacherReply:
        if self._api_key:
            error = error.replace(self._api_key, "***")
        return TeacherReply(text=None, error=error)


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:BODY_SNIPPET_CHARS] + ("..." if len(text) > BODY_SNIPPET_CHARS else "") if text else "<empty body>"


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After header (HTTP dates are ignored)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None
