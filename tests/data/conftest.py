"""A real HTTP server on 127.0.0.1 for the download tests (``server`` fixture): what it serves,
how it misbehaves (ignored ranges, a cut body, a stall, redirects) and what it was asked."""

from __future__ import annotations

import hashlib
import http.server
import io
import random
import re
import tarfile
import threading
import zipfile
from dataclasses import dataclass, field

import pytest

PAYLOAD = random.Random(0).randbytes(300_000)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Server:
    """What the handler serves (``files``), how it misbehaves, and what it was asked."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    ignore_range: bool = False
    cut_first: bool = False  # first response: full Content-Length, half the body, then close
    stall: threading.Event | None = None  # wait on this before answering
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location of a 302
    requests: list[tuple[str, str | None]] = field(default_factory=list)


def make_handler(server: Server) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            server.requests.append((self.path, self.headers.get("Range")))
            if server.stall is not None:
                server.stall.wait(10)
                return
            if self.path in server.redirects:
                self.send_response(302)
                self.send_header("Location", server.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = server.files.get(self.path)
            if data is None:
                self.send_error(404)
                return
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            start = int(match.group(1)) if match and not server.ignore_range else 0
            if start >= len(data) > 0:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            body = data[start:]
            if server.cut_first:
                server.cut_first = False
                body = body[: len(body) // 2]
            self.wfile.write(body)

    return Handler


@pytest.fixture
def server():
    state = Server(url="")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    if state.stall is not None:
        state.stall.set()
    httpd.shutdown()
    httpd.server_close()


def yelp_like_zip(members: dict[str, bytes]) -> bytes:
    """A zip holding ``Yelp JSON/yelp_dataset.tar`` that holds ``members``."""
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    zip_buf = io.BytesIO()
    with zipfile.ZipFile(zip_buf, "w") as zf:
        zf.writestr("Yelp JSON/yelp_dataset.tar", tar_buf.getvalue())
        zf.writestr("Yelp JSON/readme.txt", b"terms")
    return zip_buf.getvalue()
