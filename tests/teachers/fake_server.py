"""A real HTTP server on 127.0.0.1 speaking just enough of ``/v1/chat/completions`` for the tests.

A ``Behaviour`` maps (request payload, 1-based call number) to (status, body, headers); the server
counts calls, the most requests in flight at once, and records payloads and Authorization headers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Behaviour = Callable[[dict, int], tuple[int, str, dict]]


def completion(content: str | None) -> tuple[int, str, dict]:
    body = {"id": "x", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}
    return 200, json.dumps(body), {"Content-Type": "application/json"}


def last_user_text(payload: dict) -> str:
    return payload["messages"][-1]["content"]


class FakeServer:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.payloads: list[dict] = []
        self.auth_headers: list[str | None] = []
        self.release = threading.Event()  # set at shutdown: stalled handlers give up
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> "FakeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve(self, path: str, payload: dict, auth: str | None) -> tuple[int, str, dict]:
        with self._lock:
            self.calls += 1
            number = self.calls
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.payloads.append(payload)
            self.auth_headers.append(auth)
        try:
            if path != "/v1/chat/completions":
                return 404, "not found", {}
            return self.behaviour(payload, number)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, body, headers = server._serve(self.path, json.loads(raw), self.headers.get("Authorization"))
                data = body.encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args) -> None:
                pass

        return Handler
