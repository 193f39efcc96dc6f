"""Running a sandbox inside the current Python process, in a background thread.

Two entry points:

* :func:`start_sandbox` starts a sandbox from a :class:`SandboxConfig` and
  returns a :class:`RunningSandbox` (its base URL and credentials, and
  ``stop()``). Tests, benchmarks and the ``sandbox`` command use it.
* :func:`ensure_embedded_sandbox` is what the kit calls in sandbox mode
  (``zego_helpers.connect()``): one sandbox per kit home and process, started
  on first use and stopped when the interpreter exits. Its credentials are
  made up once and kept in ``<kit home>/sandbox-credentials.json`` (mode 0600),
  and its state in ``<kit home>/sandbox-state.json``, so every notebook kernel
  (each its own process, with its own sandbox on its own free port) sees the
  same agents and instances.

The sandbox thread runs its own asyncio/Tornado event loop, so it works the
same inside Jupyter (whose kernel already runs a loop) and in a plain script.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import socket
import threading
from pathlib import Path
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from ..errors import ConfigError
from ..i18n import _
from ..kit_home import ensure_kit_home
from ..local_url import local_url
from .config import MAX_APP_ID, SandboxConfig, random_app_id, random_secret
from .room import RoomTracker
from .server import MAX_BODY_BYTES, SandboxServer

CREDENTIALS_FILE = "sandbox-credentials.json"
STATE_FILE = "sandbox-state.json"
_STOP_TIMEOUT = 10.0


class RunningSandbox:
    """A sandbox serving in a background thread. ``stop()`` ends it (also at exit)."""

    def __init__(
        self,
        config: SandboxConfig,
        port: int,
        loop: asyncio.AbstractEventLoop,
        thread: threading.Thread,
        server: SandboxServer,
        http_server: HTTPServer,
    ) -> None:
        self.config = config
        self.port = port
        self._server = server
        self._loop = loop
        self._thread = thread
        self._http_server = http_server
        self._stopped = threading.Event()

    @property
    def base_url(self) -> str:
        """Where to send requests, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        return local_url(self.config.host, self.port)

    @property
    def app_id(self) -> int:
        return self.config.app_id

    @property
    def server_secret(self) -> str:
        """The secret to sign requests with (a sandbox-only secret, never a real one)."""
        return self.config.server_secret

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stopped.is_set()

    def stop(self, timeout: float = _STOP_TIMEOUT) -> None:
        """Stop serving, finish background work and end the thread (idempotent)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        _RUNNING.discard(self)
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                self._loop.call_soon_threadsafe(self._request_shutdown)
            self._thread.join(timeout)

    def _request_shutdown(self) -> None:
        asyncio.ensure_future(self._shutdown())

    async def _shutdown(self) -> None:
        self._http_server.stop()
        await self._http_server.close_all_connections()
        await self._server.close()
        self._loop.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"RunningSandbox(base_url={self.base_url!r}, app_id={self.app_id}, {state})"


def start_sandbox(config: SandboxConfig, room: RoomTracker | None = None) -> RunningSandbox:
    """Start a sandbox in a daemon thread and return once it accepts requests.

    With a ``room`` tracker it is a workshop's room sandbox: it follows each
    attendee and serves the trainer's dashboard (:mod:`.room`, :mod:`.dashboard`).
    """
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    try:
        sockets = bind_sockets(config.port, config.host, family=family)
    except OSError as error:
        raise ConfigError(
            f"{config.host}:{config.port}",
            _("the sandbox cannot listen there ({error})").format(error=error.strerror),
            _("choose another port, or port 0 for any free one"),
        ) from None
    port = sockets[0].getsockname()[1]
    ready = threading.Event()
    started: dict[str, Any] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def setup() -> None:
            server = SandboxServer(config, room)
            # max_body_size bounds what Tornado buffers for any path; the API endpoint
            # checks the same limit itself, to answer with a clear message.
            http_server = HTTPServer(server.application(), max_body_size=MAX_BODY_BYTES)
            http_server.add_sockets(sockets)
            server.start()
            started.update(server=server, http_server=http_server)

        try:
            loop.run_until_complete(setup())
        except BaseException as error:  # reported to the caller below
            started["error"] = error
            for sock in sockets:
                sock.close()
            loop.close()
            ready.set()
            return
        started["loop"] = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    thread = threading.Thread(target=serve, name=f"zego-sandbox-{port}", daemon=True)
    thread.start()
    ready.wait()
    if "error" in started:
        raise started["error"]
    sandbox = RunningSandbox(
        config, port, started["loop"], thread, started["server"], started["http_server"]
    )
    _RUNNING.add(sandbox)
    return sandbox


# --- the kit's embedded sandbox -----------------------------------------------------------

_RUNNING: set[RunningSandbox] = set()
_EMBEDDED: dict[Path, RunningSandbox] = {}
_EMBEDDED_LOCK = threading.Lock()


def ensure_embedded_sandbox(kit_home: Path) -> RunningSandbox:
    """The sandbox of this process for ``kit_home``, started on first use."""
    home = Path(kit_home).expanduser().resolve()
    with _EMBEDDED_LOCK:
        sandbox = _EMBEDDED.get(home)
        if sandbox is not None and sandbox.running:
            return sandbox
        ensure_kit_home(home)
        app_id, secret = load_or_create_credentials(home / CREDENTIALS_FILE)
        config = SandboxConfig(app_id=app_id, server_secret=secret, state_path=home / STATE_FILE)
        sandbox = start_sandbox(config)
        _EMBEDDED[home] = sandbox
        return sandbox


def load_or_create_credentials(path: Path) -> tuple[int, str]:
    """(AppID, ServerSecret) of the embedded sandbox, made up on first use and then kept."""
    content = {
        "AppId": random_app_id(),
        "ServerSecret": random_secret(),
        "About": "Credentials of the kit's local sandbox only; they do not work with ZEGO.",
    }
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by another kernel a moment ago
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        app_id, secret = int(data["AppId"]), str(data["ServerSecret"])
        if not 0 < app_id <= MAX_APP_ID or not secret:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            str(path),
            _("is not a valid sandbox credentials file"),
            _(
                "delete it; the kit makes new sandbox credentials (and starts the sandbox state "
                "afresh)"
            ),
        ) from None
    return app_id, secret


@atexit.register
def _stop_all() -> None:
    """Stop every sandbox this process started, so its state is saved and no thread lingers."""
    for sandbox in list(_RUNNING):
        sandbox.stop()
