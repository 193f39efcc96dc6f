"""A local stand-in for ZEGO that holds the create answer back: a sandbox behind a slow proxy.

The crash tests need a server on which an instance really exists while the
client is still waiting for the answer of ``CreateAgentInstance``: that is the
moment a killed kernel used to lose an instance. :class:`HoldBackProxy` sits
in front of a sandbox (the faithful emulator: signatures checked, instances
kept, a second instance with the same AgentUserId kicks the first out) and,
for a create, waits a random time *before* forwarding it (a kill then lands
before ZEGO saw the request) and *after* (the instance runs, the answer has
not arrived). Every other action goes straight through.

With ``real_service=True`` it also answers the sandbox-only actions
(``SandboxInfo``, ``SandboxListInstances``...) the way ZEGO's real service
does, with code 100000007 "unsupported action", so the kit takes its
real-service paths. The test itself asks the sandbox directly what runs.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CREATE_ACTIONS = frozenset(
    {
        "CreateAgentInstance",
        "CreateDigitalHumanAgentInstance",
        "CreateLiveDigitalHumanAgentInstance",
    }
)
UNSUPPORTED_ACTION = 100000007


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client killed while its answer is held back: nothing to report


class HoldBackProxy:
    """``with HoldBackProxy(sandbox_url, max_hold=0.5) as proxy:`` serves on ``proxy.url``.

    Each hold (before and after forwarding a create) lasts a random time from
    ``min_hold`` to ``max_hold`` seconds (``seed`` makes the series repeatable).
    """

    def __init__(
        self,
        upstream: str,
        *,
        max_hold: float = 0.5,
        min_hold: float = 0.0,
        real_service: bool = True,
        seed: int | None = None,
    ) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.max_hold = max_hold
        self.min_hold = min_hold
        self.real_service = real_service
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = parse_qs(urlsplit(self.path).query).get("Action", [""])[0]
                if outer.real_service and action.startswith("Sandbox"):
                    self._answer(200, _unsupported(action))
                    return
                held = action in CREATE_ACTIONS
                if held:
                    threading.Event().wait(outer._hold())
                status, payload = outer._forward(self.path, body)
                if held:
                    threading.Event().wait(outer._hold())
                self._answer(status, payload)

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _hold(self) -> float:
        with self._rng_lock:
            return self._rng.uniform(self.min_hold, max(self.min_hold, self.max_hold))

    def _forward(self, path: str, body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=30)
        try:
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def __enter__(self) -> HoldBackProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _unsupported(action: str) -> bytes:
    return json.dumps(
        {"Code": UNSUPPORTED_ACTION, "Message": f"unsupported action {action}", "RequestId": "p"}
    ).encode()
