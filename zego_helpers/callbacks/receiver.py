"""An HTTP endpoint for ZEGO's callbacks that runs in the background of a notebook.

    >>> from zego_helpers.callbacks import CallbackReceiver
    >>> receiver = CallbackReceiver(settings).start()   # own thread, own event loop
    >>> receiver.url
    'http://127.0.0.1:54321/zego/callback'
    >>> receiver.log.exceptions()                        # what went wrong, if anything
    >>> receiver.stop()

Every POST goes through the same short path, and nothing on it is slow, so
ZEGO gets its 2xx at once (a late answer counts as a failure and is retried):

1. the body must be at most ``max_body_bytes``          -> else **413**
2. it must decode to a JSON object (see ``body.py``)       -> else **400**
3. its Signature must match a secret, Timestamp be fresh -> else **401**
4. it is parsed leniently and appended to the event log  -> **200**
   (a retry of an event already logged also gets **200**, and is not logged twice)

Listeners (a widget, the CLI's printer) are called afterwards on the event
log's own thread. ``GET /healthz`` answers with the counters from :meth:`stats`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import time
from collections import Counter, deque
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler, stream_request_body

from ..i18n import _
from ..local_url import local_url
from .body import BodyError, decode_body
from .event_log import EventLog
from .events import parse_callback
from .verify import DEFAULT_MAX_AGE_SECONDS, CallbackRejected, CallbackSecrets, CallbackVerifier

logger = logging.getLogger(__name__)

DEFAULT_PATH = "/zego/callback"
#: Large enough for a ``UserAudioData`` event (up to ~1.5 s of 16 kHz PCM, base64: ~64 KB,
#: and about three times that if it arrives URL-encoded), small enough to refuse a flood.
DEFAULT_MAX_BODY_BYTES = 256 * 1024


class CallbackReceiver:
    """Receives, checks and records ZEGO callbacks on ``http://host:port/path``.

    ``secrets`` is a ``Settings`` object (its ``callback_secret`` and
    ``server_secret`` are used), a :class:`CallbackSecrets`, or ``None`` to
    load the settings from the environment. ``port=0`` picks a free port.
    Pass ``log`` to share one :class:`EventLog` between receivers.
    """

    def __init__(
        self,
        secrets: Any = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = DEFAULT_PATH,
        log: EventLog | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_age_seconds: float | None = DEFAULT_MAX_AGE_SECONDS,
    ) -> None:
        if not path.startswith("/") or path == "/healthz":
            raise ValueError(
                _("path must start with '/' and not be /healthz, got {path}").format(
                    path=repr(path)
                )
            )
        self.verifier = CallbackVerifier(_secrets_from(secrets), max_age_seconds=max_age_seconds)
        self.host = host
        self.path = path
        self.log = log if log is not None else EventLog()
        self.max_body_bytes = max_body_bytes
        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._rejections: deque[tuple[float, int, str]] = deque(maxlen=20)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started_at = 0.0
        self._listening = False

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> CallbackReceiver:
        """Start serving on a background thread; returns ``self``. Calling it twice is harmless."""
        if self.running:
            return self
        try:
            sockets = bind_sockets(self._requested_port, address=self.host)
        except OSError as exc:
            raise OSError(
                _(
                    "Cannot listen on {address} ({error}). Pick another port (port=0 picks a "
                    "free one) or stop what uses it."
                ).format(address=f"{self.host}:{self._requested_port}", error=exc.strerror)
            ) from None
        self._port = sockets[0].getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run,
            args=(self._serve(sockets, ready),),
            name=f"zego-callbacks-{self._port}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(timeout=10) or not self._listening:
            for sock in sockets:
                sock.close()
            raise RuntimeError(_("The callback receiver's thread failed to start (see the log)"))
        self._started_at = time.time()
        return self

    def stop(self) -> None:
        """Stop serving and wait (at most 5 s) for the thread to end. Harmless if not running."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None or loop is None or stopping is None:
            return
        with contextlib.suppress(RuntimeError):  # RuntimeError: the loop already closed
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=5)
        self._thread = self._loop = self._stopping = None
        self._listening = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(_("The receiver is not started yet: call .start() first"))
        return self._port

    @property
    def url(self) -> str:
        """Where to POST callbacks on this machine (a tunnel forwards the public URL here)."""
        return local_url(self.host, self.port) + self.path

    def __enter__(self) -> CallbackReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        state = "running" if self.running else "stopped"
        return f"CallbackReceiver({where}, {state}, {self.verifier.secrets!r}, {self.log!r})"

    # --- what the handler does -------------------------------------------------------------

    def handle(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """Check and record one callback body; return ``(HTTP status, JSON reply)``.

        This is the whole decision, without HTTP, so it can be read (and tested) on its own.
        """
        if len(body) > self.max_body_bytes:
            return self._reject(413, self._too_large_reason())
        try:
            decoded = decode_body(body)
        except BodyError as exc:
            return self._reject(400, _("malformed callback: {error}").format(error=exc))
        try:
            verified_by = self.verifier.verify(decoded)
        except CallbackRejected as exc:
            return self._reject(exc.status, exc.reason)
        event = parse_callback(decoded, verified_by=verified_by)
        is_new = self.log.append(event)
        with self._lock:
            self._counts["accepted" if is_new else "duplicates"] += 1
            self._counts[f"verified_by_{verified_by}"] += 1
        return 200, ({"ok": True} if is_new else {"ok": True, "duplicate": True})

    def stats(self) -> dict[str, Any]:
        """Counters since start: accepted, duplicates, rejected (by status), which secret matched.

        ``last_rejections`` lists the latest ``(time, status, reason)``: the first
        place to look when callbacks seem not to arrive.
        """
        with self._lock:
            counts = dict(self._counts)
            rejections = list(self._rejections)
        return {
            "accepted": counts.pop("accepted", 0),
            "duplicates": counts.pop("duplicates", 0),
            "events_in_log": len(self.log),
            "verified_by": {
                key.removeprefix("verified_by_"): counts.pop(key)
                for key in sorted(counts)
                if key.startswith("verified_by_")
            },
            "rejected": {int(k.removeprefix("rejected_")): v for k, v in sorted(counts.items())},
            "last_rejections": rejections,
        }

    def _reject(self, status: int, reason: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self._counts[f"rejected_{status}"] += 1
            self._rejections.append((time.time(), status, reason))
        logger.info("Rejected a callback: HTTP %d, %s", status, reason)
        return status, {"ok": False, "error": reason}

    def _too_large_reason(self) -> str:
        return _("body larger than {limit} bytes (max_body_bytes)").format(
            limit=self.max_body_bytes
        )

    # --- the Tornado side ------------------------------------------------------------------

    async def _serve(self, sockets: list, ready: threading.Event) -> None:
        try:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            app = Application(
                [
                    (re.escape(self.path), _CallbackHandler, {"receiver": self}),
                    (r"/healthz", _HealthHandler, {"receiver": self}),
                ],
                default_handler_class=_NotFoundHandler,
                default_handler_args={"receiver": self},
                log_function=_log_request,
            )
            server = HTTPServer(app)
            server.add_sockets(sockets)
            self._listening = True
        finally:
            ready.set()  # also on failure, so start() need not wait for its timeout
        try:
            await self._stopping.wait()
        finally:
            server.stop()
            try:
                await asyncio.wait_for(server.close_all_connections(), timeout=2)
            except asyncio.TimeoutError:
                logger.info("Some callback connections did not close within 2 s")


class _JSONHandler(RequestHandler):
    def initialize(self, receiver: CallbackReceiver) -> None:
        self.receiver = receiver

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Tornado's default error page would include a traceback in debug mode; keep it short.
        self.reply(status_code, {"ok": False, "error": self._reason})


@stream_request_body
class _CallbackHandler(_JSONHandler):
    """Reads the body in chunks so that an oversized one is refused without storing it."""

    #: Bodies announced beyond this many times the limit are refused before reading.
    #: Below it, an oversized body is read and dropped first: answering while the
    #: client is still sending makes many clients see a reset instead of the 413.
    DRAIN_FACTOR = 64

    def prepare(self) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.receiver.max_body_bytes * self.DRAIN_FACTOR:
            self.reply(*self.receiver._reject(413, self.receiver._too_large_reason()))

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self.receiver.max_body_bytes:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()  # keep counting, stop storing

    def post(self) -> None:
        if self._size > self.receiver.max_body_bytes:
            self.reply(*self.receiver._reject(413, self.receiver._too_large_reason()))
        else:
            self.reply(*self.receiver.handle(b"".join(self._chunks)))

    def get(self) -> None:
        self.reply(405, {"ok": False, "error": "ZEGO callbacks are POSTed here; GET /healthz"})


class _HealthHandler(_JSONHandler):
    def get(self) -> None:
        stats = self.receiver.stats()
        del stats["last_rejections"]
        uptime = round(time.time() - self.receiver._started_at)
        self.reply(200, {"ok": True, "uptime_s": uptime, **stats})


class _NotFoundHandler(_JSONHandler):
    def prepare(self) -> None:
        error = _("callbacks go to {path}").format(path=self.receiver.path)
        self.reply(404, {"ok": False, "error": error})


def _log_request(handler: RequestHandler) -> None:
    """Tornado's access log, quieter: debug level, no query strings (rejections are logged
    with their reason by :meth:`CallbackReceiver._reject`)."""
    request = handler.request
    logger.debug("%d %s %s", handler.get_status(), request.method, request.path)


def _secrets_from(source: Any) -> CallbackSecrets:
    if isinstance(source, CallbackSecrets):
        return source
    if source is None:
        from ..settings import load_settings

        source = load_settings()
    return CallbackSecrets.from_settings(source)
