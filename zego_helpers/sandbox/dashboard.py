"""The trainer's dashboard of a room sandbox: a live page, its data, and the clean-up buttons.

A room sandbox started with a trainer token (``zego-kit sandbox`` always has one,
kept in the room file) serves, beside the AI Agent API at ``/``:

===================================  ================================================
``GET /room/``                       the page (plain HTML, no data in it)
``GET /room/dashboard.js``           its script (and ``.css``, ``.svg``: style, icon)
``GET /room/api/status?after=N``     the room's snapshot (:meth:`RoomTracker.snapshot
                                     <zego_helpers.sandbox.room.RoomTracker.snapshot>`)
                                     as JSON; waits up to ``wait`` seconds (default
                                     25) while its ``Version`` is still ``N``
``POST /room/api/cleanup``           delete instances and/or unregister agents of one
                                     attendee or of everybody
===================================  ================================================

The two ``/room/api/`` endpoints need the header ``Authorization: Bearer
<trainer token>``; anything else gets HTTP 401 and says where the token is.
The token is not the room's ServerSecret: attendees hold that secret, and a
signed API request never reaches these handlers, nor does an API answer carry
anything of theirs. The page reads the token from the link the sandbox prints
(``/room/#token=...``: a fragment never leaves the browser), keeps it in the
tab's ``sessionStorage`` and sends it as that header.

Everything an attendee controls (names, ids, error messages) is put into the
page as text (``textContent``), never as HTML, and a Content-Security-Policy
allows the page's own script only.

The clean-up body::

    {"Namespace": "zoe"} or {"All": true},
    "Instances": true, "Agents": true, "DryRun": false

answers ``{"Deleted": [AgentInstanceId...], "Unregistered": [AgentId...], "DryRun": bool}``.
The CLI (``zego-kit room cleanup|unregister|status``) is a client of these two
endpoints, so the buttons and the commands do exactly the same.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from importlib import resources
from typing import TYPE_CHECKING, Any

from tornado.web import RequestHandler

from ..ids import namespace_prefix
from .strict_json import StrictJSONError, loads_strict

if TYPE_CHECKING:
    from .server import SandboxServer

#: How long a status request may wait for a change, at most (seconds).
MAX_WAIT_SECONDS = 25.0
#: How often a waiting status request looks for a change, and the least time between two
#: answers to a page that follows the room: at most two snapshots a second per page, however
#: busy the room (a snapshot walks the whole room).
POLL_SECONDS = 0.5

_ASSETS = {
    "dashboard.js": "application/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.svg": "image/svg+xml",
}
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_WHERE_THE_TOKEN_IS = (
    "this is the trainer's dashboard of the room sandbox: send 'Authorization: Bearer "
    "<trainer token>'. The sandbox printed the token (and a link that carries it) when it "
    "started; it is also in the room file (zego-kit sandbox --room-file)"
)


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


def dashboard_routes(server: SandboxServer) -> list[tuple[str, type[RequestHandler], dict]]:
    """The dashboard's routes, for :meth:`SandboxServer.application`."""
    pages = {name: _asset(name) for name in (*_ASSETS, "dashboard.html")}
    return [
        (r"/room", RedirectToPage, {}),
        (r"/room/", PageHandler, {"body": pages["dashboard.html"], "content_type": "text/html"}),
        *(
            (rf"/room/{name}", PageHandler, {"body": pages[name], "content_type": kind})
            for name, kind in _ASSETS.items()
        ),
        (r"/room/api/status", StatusHandler, {"server": server}),
        (r"/room/api/cleanup", CleanupHandler, {"server": server}),
    ]


class _SecureHandler(RequestHandler):
    def set_default_headers(self) -> None:
        for name, value in _SECURITY_HEADERS.items():
            self.set_header(name, value)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"Error": self._reason}))


class RedirectToPage(_SecureHandler):
    def get(self) -> None:
        self.redirect("/room/")


class PageHandler(_SecureHandler):
    """One static file of the page (the same bytes for everybody: no data in them)."""

    def initialize(self, body: bytes, content_type: str) -> None:
        self.body, self.content_type = body, content_type

    def get(self) -> None:
        self.set_header("Content-Type", self.content_type)
        self.finish(self.body)


class _TrainerHandler(_SecureHandler):
    """Answers only a request carrying the trainer token; errors are JSON ``{"Error": ...}``."""

    def initialize(self, server: SandboxServer) -> None:
        self.server = server
        assert server.room is not None
        self.room = server.room

    def prepare(self) -> None:
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        expected = self.room.trainer_token.encode()
        given = token.strip().encode("utf-8", "replace")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, expected):
            self.set_header("WWW-Authenticate", 'Bearer realm="zego-room"')
            self._fail(401, _WHERE_THE_TOKEN_IS)

    def _fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"Error": message}))

    def _answer(self, data: dict[str, Any]) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False))

    def _snapshot(self) -> dict[str, Any]:
        room = self.room
        return self.server._transact(lambda state: room.snapshot(state, time.time()))


class StatusHandler(_TrainerHandler):
    """``GET /room/api/status?after=N&wait=S``: the snapshot, once its version is not ``N``."""

    async def get(self) -> None:
        after = self._number("after", -1)
        wait = self._number("wait", MAX_WAIT_SECONDS)
        if after is None or wait is None:
            return
        deadline = time.monotonic() + min(max(wait, 0.0), MAX_WAIT_SECONDS)
        connection = self.request.connection
        if after >= 0 and wait > 0:  # a page following the room: not more often than this
            await asyncio.sleep(min(POLL_SECONDS, deadline - time.monotonic()))
        while self.room.version == after and time.monotonic() < deadline:
            if getattr(getattr(connection, "stream", None), "closed", lambda: False)():
                return  # the page went away: nobody to answer
            await asyncio.sleep(POLL_SECONDS)
        self._answer(self._snapshot())

    def _number(self, name: str, default: float) -> float | None:
        raw = self.get_query_argument(name, "")
        if raw == "":
            return default
        try:
            value = float(raw) if name == "wait" else int(raw)
        except ValueError:
            value = None
        if value is None or not raw.isascii() or value != value:  # NaN
            self._fail(400, f"{name}={raw[:20]!r} is not a number (ASCII digits)")
            return None
        return value


class CleanupHandler(_TrainerHandler):
    """``POST /room/api/cleanup``: the trainer's clean-up of one attendee or everybody."""

    def post(self) -> None:
        try:
            body = loads_strict(self.request.body or b"{}")
        except StrictJSONError as error:
            self._fail(400, f"the body is not accepted: {error}")
            return
        problem = _cleanup_problem(body)
        if problem:
            self._fail(400, problem)
            return
        namespace = None if body.get("All") is True else body["Namespace"]
        delete = not body.get("DryRun", False)
        room = self.room

        def clean(state: Any) -> dict[str, Any]:
            now = time.time()
            state.advance(now)
            deleted = unregistered = []
            if body.get("Instances", True):
                deleted = room.delete_instances(state, namespace, now, delete=delete)
            if body.get("Agents", False):
                unregistered = room.unregister_agents(state, namespace, now, delete=delete)
            return {"Deleted": deleted, "Unregistered": unregistered, "DryRun": not delete}

        self._answer(self.server._transact(clean))


def _cleanup_problem(body: Any) -> str:
    """What is wrong with a clean-up body, or ``""``."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    known = {"Namespace", "All", "Instances", "Agents", "DryRun"}
    unknown = sorted(set(body) - known)
    if unknown:
        return f"unknown field(s) {', '.join(unknown)[:80]}; use {', '.join(sorted(known))}"
    everybody = body.get("All") is True
    if everybody == ("Namespace" in body):
        return 'give either Namespace (one attendee\'s id prefix, "" for no name) or All: true'
    if not everybody:
        namespace = body["Namespace"]
        if not isinstance(namespace, str):
            return "Namespace must be a string: an attendee's id prefix"
        if namespace_prefix(namespace) != namespace:
            return (
                f"Namespace {namespace[:40]!r} is not an id prefix; the prefix of that name is "
                f"{namespace_prefix(namespace)!r}"
            )
    for name in ("All", "Instances", "Agents", "DryRun"):
        if name in body and not isinstance(body[name], bool):
            return f"{name} must be true or false"
    if not body.get("Instances", True) and not body.get("Agents", False):
        return "nothing to do: set Instances and/or Agents to true"
    return ""
