"""The sandbox's HTTP side: one endpoint, ``POST /?Action=...``, answering ZEGO's envelope.

What happens to one request (:meth:`SandboxServer.handle`):

0. **Body size** (:class:`ApiHandler`): at most :data:`MAX_BODY_BYTES`, checked
   on ``Content-Length`` before a byte of the body is read (and counted while
   reading a chunked one); a bigger body gets HTTP 413 and code 100000012.
1. **Gateway checks** (:mod:`.gateway`): query parameters (strict UTF-8, ASCII
   digits), signature, and a nonce never used before.
2. **Rate limit** (documented actions only). ZEGO allows 10 requests per
   second per action but documents no code for going over. The sandbox's
   choice: HTTP **429** with a ``Retry-After: 1`` header and an envelope with
   Code **100000015** ("internal gateway error") and a message saying "rate
   limit exceeded". Nothing was executed, and the 429 says so, so a client may
   retry any action after the pause. ``rate_limit_per_action`` = ``None``
   switches it off.
3. **Fault injection** (documented actions only): ``latency_ms`` waits before
   answering; ``failure_rate`` answers Code 100000015 (HTTP 200) to that share
   of requests without executing them. As on ZEGO, where that code does not say
   whether the request ran, a careful client retries only what is safe to repeat
   (https://www.zegocloud.com/docs/aiagent-server/api-reference/return-codes).
4. **Body**: a strict JSON object (:mod:`.strict_json`: UTF-8, at most 64
   levels deep, no NaN, no lone surrogate) or ``410000004``.
5. **Action** (:mod:`.actions`) inside a state transaction (:mod:`.store`),
   after applying whatever time made due (:meth:`SandboxState.advance`).
6. **Afterwards**, without holding up the answer: LLM turns are answered
   (:mod:`.responder`) and callbacks delivered (:mod:`.callbacks`).

7. **A room sandbox** (one started with a :class:`~.room.RoomTracker`, as
   ``zego-kit sandbox`` does) shows each answered request and each new event to
   its tracker, which never slows or fails the request, and serves the trainer's
   dashboard beside the API (:mod:`.dashboard`).

A periodic *sweep* (every ``sweep_interval`` seconds) applies time-based
rules even when no request comes: a speech ending, the idle rule, a graceful
shutdown completing, or another kernel's changes to a shared state file.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from tornado.http1connection import HTTP1Connection
from tornado.httpclient import AsyncHTTPClient
from tornado.ioloop import PeriodicCallback
from tornado.web import Application, RequestHandler, stream_request_body

from .actions import ACTIONS, PUBLIC_ACTIONS, ActionContext, run_action
from .callbacks import CallbackSender, signed_callback
from .config import SandboxConfig
from .envelope import SUCCESS_MESSAGE, SandboxError, envelope, new_numeric_id
from .gateway import RateLimiter, ReplayGuard, authenticate, decode_query
from .responder import BuiltinResponder, answer_turn
from .room import RoomTracker
from .state import LLMJob, SandboxState
from .store import StateStore
from .strict_json import StrictJSONError, loads_strict

log = logging.getLogger("zego_helpers.sandbox")

T = TypeVar("T")

#: The largest request body the sandbox reads: 1 MiB. ZEGO documents no limit. The
#: biggest real bodies (a 100-message MessageHistory, a long SystemPrompt, vendor Params)
#: are tens of kB, so 1 MiB refuses no real request, while a peer can no longer make the
#: sandbox hold more than that per connection: Tornado's own default is 100 MB per request,
#: buffered in full before any check (20 such bodies at once took the sandbox to 2.3 GB).
MAX_BODY_BYTES = 1 << 20
#: A body over the limit but not over this size is still read to its end, and dropped, so
#: that the client gets the answer: most clients (requests included) send the whole body
#: before they read, and would otherwise see only a connection reset. A bigger body is
#: answered at once and its connection closed, without reading it.
DRAIN_BYTES = 16 << 20


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object; an empty body counts as ``{}``."""
    if not raw.strip():
        return {}
    try:
        body = loads_strict(raw)
    except StrictJSONError as error:
        raise SandboxError(410000004, f"the body is not accepted: {error}") from None
    if not isinstance(body, dict):
        raise SandboxError(410000004, f"the body must be a JSON object, not {type(body).__name__}")
    return body


class SandboxServer:
    """Gateway, actions, state and background work of one sandbox (no sockets: see embedded)."""

    def __init__(self, config: SandboxConfig, room: RoomTracker | None = None) -> None:
        self.config = config
        #: A room sandbox's view of its attendees, and its trainer dashboard (see .room).
        self.room = room
        self.store = StateStore(
            config.state_path,
            lambda: SandboxState(config.app_id, config.runtime_settings()),
            server_secret=config.server_secret,
        )
        self.limiter = RateLimiter()
        self.replay_guard = ReplayGuard()
        self.random = random.Random(config.random_seed)
        self.builtin = BuiltinResponder()
        self.http: AsyncHTTPClient | None = None
        self.callbacks: CallbackSender | None = None
        self._tasks: set[asyncio.Future] = set()
        self._sweeper: PeriodicCallback | None = None

    # --- lifecycle (call on the event loop that serves the requests) ------------------------

    def start(self) -> None:
        # Up to 64 LLM calls and callback deliveries at once (Tornado's default is 10).
        self.http = AsyncHTTPClient(force_instance=True, max_clients=64)
        self.callbacks = CallbackSender(self.http, self.config.callback_backoff_scale)
        with self.store.transaction() as state:
            # A fresh session (nothing running) starts with this config; while another
            # kernel's instances run, the shared settings stay as they are.
            if not state.instances:
                state.settings = self.config.runtime_settings()
        self._sweeper = PeriodicCallback(self.sweep, self.config.sweep_interval * 1000)
        self._sweeper.start()

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.http is not None:
            self.http.close()
        self.store.close()

    def application(self) -> Application:
        routes: list[Any] = [(r"/", ApiHandler, {"server": self})]
        if self.room is not None:
            from .dashboard import dashboard_routes

            routes += dashboard_routes(self)
        return Application(
            routes,
            default_handler_class=NotFoundHandler,
            log_function=_log_request,
        )

    # --- one request ------------------------------------------------------------------------

    async def handle(
        self, arguments: Mapping[str, list[bytes]], raw_body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """Answer one request (its raw query arguments and body): (HTTP status, envelope)."""
        request_id = new_numeric_id()
        query: dict[str, str] = {}
        action: str | None = None
        body: dict[str, Any] | None = None
        try:
            query = decode_query(arguments)
            action = authenticate(
                query,
                app_id=self.config.app_id,
                server_secret=self.config.server_secret,
                now=time.time(),
                known_actions=ACTIONS,
                replay_guard=self.replay_guard,
            )
            if action in PUBLIC_ACTIONS:
                await self._gateway_effects(action)
            body = parse_body(raw_body)
            jobs: list[LLMJob] = []
            data = self._transact(lambda state: self._run(state, action, body, jobs))
            for job in jobs:
                self._spawn(self._answer(job))
            if self.room is not None:
                self.room.observe_request(action, body, data, None, time.time())
            return 200, envelope(0, SUCCESS_MESSAGE, request_id, data)
        except SandboxError as error:
            if self.room is not None:
                self.room.observe_request(action, body, None, error, time.time())
            return error.http_status, envelope(error.code, error.message, request_id)
        except Exception:  # a sandbox bug: answer like ZEGO's "system error", keep the trace
            log.exception("sandbox error while handling %s", query.get("Action", "?")[:64])
            message = "sandbox internal error (a bug in the sandbox; its log has the details)"
            return 200, envelope(410000001, message, request_id)

    async def _gateway_effects(self, action: str) -> None:
        """Rate limit, added latency and injected failures (see the module docstring)."""
        settings = self.store.state.settings
        limit = settings["rate_limit_per_action"]
        if limit and not self.limiter.allow(action, time.monotonic(), limit):
            raise SandboxError(
                100000015,
                f"rate limit exceeded: {limit} requests/s per action ({action}); "
                "nothing was executed, retry after a short pause",
                http_status=429,
            )
        if settings["latency_ms"]:
            await asyncio.sleep(settings["latency_ms"] / 1000)
        rate = settings["failure_rate"]
        if rate and self.random.random() < rate:
            raise SandboxError(
                100000015,
                "gateway internal error (injected by the sandbox's failure_rate): nothing was "
                "executed; retry with backoff",
            )

    def _run(
        self, state: SandboxState, action: str, body: dict[str, Any], jobs: list[LLMJob]
    ) -> dict[str, Any] | None:
        now = time.time()
        state.advance(now)
        ctx = ActionContext(state, self.config, now)
        data = run_action(ctx, action, body)
        jobs.extend(ctx.jobs)
        return data

    # --- background work --------------------------------------------------------------------

    def sweep(self) -> None:
        """Apply what time made due, or what another process saved (runs periodically)."""
        try:
            if self.store.changed_elsewhere() or self.store.state.next_deadline() <= time.time():
                self._transact(lambda state: state.advance(time.time()))
        except Exception:
            log.exception("sandbox sweep failed")

    async def _answer(self, job: LLMJob) -> None:
        """Get the LLM's answer for one turn and apply it to the state."""
        assert self.http is not None
        config = self.config
        answer = await answer_turn(
            job,
            self.http,
            think_ms=config.think_ms,
            connect_timeout=config.llm_connect_timeout,
            request_timeout=config.llm_request_timeout,
            builtin=self.builtin,
        )

        def apply(state: SandboxState) -> None:
            now = time.time()
            state.advance(now)
            if answer.error_code:
                state.fail_llm(
                    job.instance_id,
                    job.round,
                    answer.error_code,
                    answer.error_message,
                    now,
                    note=answer.note,
                )
                return
            ctx = ActionContext(state, config, now)
            state.finish_llm(
                job.instance_id,
                job.round,
                answer.text,
                ttft_ms=answer.ttft_ms,
                tokens_per_second=answer.tokens_per_second,
                tts_first_frame_ms=config.tts_first_frame_ms,
                speech_seconds=ctx.speech_seconds(answer.text),
                note=answer.note,
                now=now,
            )

        self._transact(apply)

    def _transact(self, work: Callable[[SandboxState], T]) -> T:
        """Run ``work`` in a state transaction, then send the callbacks of its new events."""
        records: list[dict[str, Any]] = []
        try:
            with self.store.transaction() as state:
                mark = state.sequence
                try:
                    return work(state)
                finally:
                    records = state.events_since(mark)
        finally:
            self._send_callbacks(records)
            if self.room is not None and records:
                self.room.observe_events(records, time.time())

    def _send_callbacks(self, records: list[dict[str, Any]]) -> None:
        settings = self.store.state.settings
        url = settings["callback_url"]
        if not url or self.callbacks is None:
            return
        secret = settings["callback_secret"] or self.config.server_secret
        for record in records:
            if record["callback"]:
                self._spawn(self.callbacks.deliver(url, signed_callback(record["body"], secret)))

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sandbox background task failed", exc_info=task.exception())


@stream_request_body
class ApiHandler(RequestHandler):
    """``POST /?Action=...``: the one endpoint of the AI Agent API.

    The body is streamed in (``@stream_request_body``) so that its size is
    checked before it is kept. The ``Content-Length`` decides before a byte is
    read: up to :data:`MAX_BODY_BYTES` the body is kept; up to
    :data:`DRAIN_BYTES` it is read and dropped, then answered (HTTP 413, code
    100000012); beyond, it is answered at once and not read. A chunked body (no
    length announced) is counted while it arrives and dropped past the limit.
    Either way the sandbox holds at most the limit plus one 64 kB chunk.
    """

    def initialize(self, server: SandboxServer) -> None:
        self.server = server
        self._body = bytearray()
        self._oversized = False

    def _set_max_body_size(self, size: int) -> None:
        connection = self.request.connection
        assert isinstance(connection, HTTP1Connection)  # the only kind Tornado's HTTPServer makes
        connection.set_max_body_size(size)

    def prepare(self) -> None:
        declared = self.request.headers.get("Content-Length")
        if declared is None:  # chunked: Tornado cuts it off past DRAIN_BYTES
            self._set_max_body_size(DRAIN_BYTES)
        elif declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            # Lift Tornado's own limit (the HTTPServer's max_body_size) for this request:
            # otherwise it would answer a bare "400 Bad Request" instead of ours.
            self._set_max_body_size(int(declared))
            self._oversized = True
            if int(declared) > DRAIN_BYTES:
                self._refuse_body(f"is {int(declared)} bytes")

    def data_received(self, chunk: bytes) -> None:
        if self._oversized:
            return  # dropped
        self._body += chunk
        if len(self._body) > MAX_BODY_BYTES:
            self._body, self._oversized = bytearray(), True

    def _refuse_body(self, size: str) -> None:
        self.set_status(413)
        message = (
            f"the request body {size}; this sandbox reads at most {MAX_BODY_BYTES} bytes "
            "(1 MiB) per request, a limit of its own (ZEGO documents none). Nothing was "
            "executed: send a smaller body"
        )
        self.finish(envelope(100000012, message, new_numeric_id()))

    async def post(self) -> None:
        if self._finished:  # refused in prepare()
            return
        if self._oversized:
            size = self.request.headers.get("Content-Length")
            self._refuse_body(f"is {size} bytes" if size else "grew past the limit")
            return
        body, self._body = bytes(self._body), bytearray()
        status, answer = await self.server.handle(self.request.query_arguments, body)
        self.set_status(status)
        if status == 429:
            self.set_header("Retry-After", "1")
        self.write(answer)

    def _wrong_method(self, *args: Any) -> None:
        self.set_status(405)
        self.set_header("Allow", "POST")
        message = (
            f"this is a ZEGO AI Agent API sandbox: every action is POST /?Action=...&<signed "
            f"query> with a JSON body (this request used {self.request.method})"
        )
        self.write(envelope(410000003, message, new_numeric_id()))

    get = put = delete = patch = _wrong_method


class NotFoundHandler(RequestHandler):
    """Any other path: the base URL probably has an extra path segment."""

    def prepare(self) -> None:
        self.set_status(404)
        message = (
            f"no such path {self.request.path!r}: the AI Agent API has a single endpoint, "
            "POST /?Action=...; check that the base URL has no path"
        )
        self.finish(envelope(410000003, message, new_numeric_id()))


def _log_request(handler: RequestHandler) -> None:
    """Access log at DEBUG level, so that refused requests do not clutter a notebook."""
    request = handler.request
    log.debug(
        "%s %s?Action=%s -> %s (%.1f ms)",
        request.method,
        request.path,
        request.query_arguments.get("Action", [b""])[0].decode(errors="replace"),
        handler.get_status(),
        request.request_time() * 1000,
    )
