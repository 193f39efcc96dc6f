"""A scripted HTTP server standing in for ZEGO in client tests.

Unlike the sandbox it has no rules of its own: each test says what it
answers, and every request it received (query, JSON body, headers) is kept
for assertions. The client and the sandbox are thus tested separately, so a
misunderstanding they share cannot hide.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"Code": 0, "Message": "Succeed", "RequestId": "1"})
    delay: float = 0.0
    raw: bytes | None = None  # send these bytes instead of JSON
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}


Responder = Callable[[Received], Reply]


class _QuietServer(ThreadingHTTPServer):
    """Don't print a traceback when a client gives up on a slow reply (timeout tests do)."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def envelope(data: Any = None, code: int = 0, message: str = "Succeed", request_id: str = "42"):
    body = {"Code": code, "Message": message, "RequestId": request_id}
    if data is not None:
        body["Data"] = data
    return body


class FakeZego:
    """``with FakeZego() as server:`` serves on ``server.url`` until the block ends."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.requests: list[Received] = []
        self.responder: Responder = responder or (lambda _r: Reply())
        self.script: list[Reply] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per reply and no Nagle delay: otherwise keep-alive calls
            # wait ~40 ms for a delayed ACK, which would distort benchmarks.
            wbufsize = 64 * 1024
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                received = Received(self.command, parts.path, query, body, dict(self.headers))
                outer.requests.append(received)
                reply = outer.script.pop(0) if outer.script else outer.responder(received)
                if reply.delay:
                    threading.Event().wait(reply.delay)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_POST = _handle
            do_GET = _handle
            do_HEAD = _handle

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeZego:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
