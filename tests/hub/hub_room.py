"""A workshop room on a real local JupyterHub: the pieces the hub test drives.

* :class:`RoomSandbox`: ``zego-kit sandbox`` in a child process, as the trainer starts it,
  writing the attendees' settings file the hub reads (``--write-env``);
* :class:`Hub`: ``jupyterhub`` (which starts ``configurable-http-proxy`` from
  ``tests/hub/node_modules``) with ``tests/hub/jupyterhub_config.py``, which loads the
  deployment's own TLJH snippet unchanged; users are created, logged in and their servers
  started through the hub's REST API, as a trainer's script would;
* :func:`run_notebook`: Run All on a notebook in an attendee's server, over the kernel
  websocket through the proxy, as JupyterLab does (any error output fails it);
* :func:`processes_of_run` / :func:`kill_leftovers`: every process of one run, found by a
  marker variable each of them inherits. The hub, the proxy, each server and each kernel
  runs in a session of its own, so a process group says nothing; the marker does.

Each child gets SIGINT's default handler back (:mod:`tests.child_process`): under
``make test &`` it would inherit SIGINT ignored, and the hub stops servers with SIGINT
(then waits 10 s for nothing before SIGTERM).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import nbformat
import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.child_process import lines_until_ready, module_command, printed_settings, start_kit

REPO_ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = Path(__file__).resolve().parent
CHP = HUB_DIR / "node_modules" / "configurable-http-proxy" / "bin" / "configurable-http-proxy"
MARKER = "ZEGO_HUB_TEST_RUN"
MIN_NODE_MAJOR = 20
T = TypeVar("T")


def free_port() -> int:
    """A free loopback port (the hub and the proxy need numbers, not 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_tools() -> str:
    """Why the hub test cannot run here ("" when it can): the proxy and Node.js 20+."""
    if not CHP.exists():
        return "configurable-http-proxy is not installed: run `make hub-deps` (npm ci in tests/hub)"
    try:
        version = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "Node.js is not installed: run `make node` (configurable-http-proxy needs it)"
    major = int(re.match(r"v(\d+)", version).group(1)) if re.match(r"v(\d+)", version) else 0
    if major < MIN_NODE_MAJOR:
        return f"configurable-http-proxy 5 needs Node.js {MIN_NODE_MAJOR}+, found {version}"
    return ""


# --- processes -----------------------------------------------------------------------------


def processes_of_run(run_id: str) -> dict[int, str]:
    """pid -> command line of every live process carrying ``MARKER=run_id`` (zombies aside)."""
    needle = f"{MARKER}={run_id}".encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            state = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[0]
            if state == "Z" or needle not in Path(f"/proc/{entry}/environ").read_bytes():
                continue
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:  # gone meanwhile
            continue
        found[int(entry)] = command.decode(errors="replace").strip()[:200]
    return found


def kill_leftovers(run_id: str, grace: float = 10.0) -> dict[int, str]:
    """Wait up to ``grace`` s for the run's processes to exit; SIGKILL the rest; return them."""
    deadline = time.monotonic() + grace
    left = processes_of_run(run_id)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = processes_of_run(run_id)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def _stop(process: subprocess.Popen, sig: int, timeout: float) -> float:
    """Send ``sig``, wait up to ``timeout`` s (then SIGKILL); the seconds it took."""
    started = time.monotonic()
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return time.monotonic() - started


# --- the room sandbox ----------------------------------------------------------------------


class RoomSandbox:
    """``zego-kit sandbox`` for the room, and the trainer's link to it."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.room_file = folder / "room.json"
        self.attendee_env = folder / "zego-room.env"
        self.process = start_kit(
            "sandbox",
            *("--host", "127.0.0.1", "--instance-limit", "100", "--rate-limit", "0"),
            *("--room-file", str(self.room_file), "--write-env", str(self.attendee_env)),
            cwd=folder,
            env=env,
            stderr=subprocess.STDOUT,
        )
        lines = lines_until_ready(self.process)
        self.settings = printed_settings(lines)
        self.url = self.settings["ZEGO_API_BASE_URL"]
        self.token = next(line for line in lines if "#token=" in line).partition("#token=")[2]

    def status(self) -> dict[str, Any]:
        """The dashboard's data, as the page gets it (the trainer token in the header)."""
        answer = requests.get(
            f"{self.url}/room/api/status?wait=0",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()

    def stop(self) -> float:
        return _stop(self.process, signal.SIGINT, 20)


# --- the hub -------------------------------------------------------------------------------


class Hub:
    """A JupyterHub on loopback, driven through its REST API."""

    def __init__(self, state: Path, env: dict[str, str]) -> None:
        self.state = state
        self.password = secrets.token_urlsafe(12)
        self.admin_token = secrets.token_hex(32)
        self.base = f"http://127.0.0.1:{free_port()}"
        self.api = f"{self.base}/hub/api"
        self.admin = requests.Session()
        self.admin.headers["Authorization"] = f"token {self.admin_token}"
        self.env = {
            **env,
            "ZEGO_HUB_TEST_STATE": str(state),
            "ZEGO_HUB_TEST_PROXY_PORT": self.base.rpartition(":")[2],
            "ZEGO_HUB_TEST_HUB_PORT": str(free_port()),
            "ZEGO_HUB_TEST_PROXY_API_PORT": str(free_port()),
            "ZEGO_HUB_TEST_CHP": str(CHP),
            "ZEGO_HUB_TEST_PASSWORD": self.password,
            "ZEGO_HUB_TEST_ADMIN_TOKEN": self.admin_token,
            "ZEGO_HUB_TEST_DEPLOY_SNIPPET": str(REPO_ROOT / "deploy" / "tljh" / "zego_room.py"),
        }
        self.log_path = state / "hub.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> None:
        with open(self.log_path, "w") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                module_command("jupyterhub", "-f", str(HUB_DIR / "jupyterhub_config.py")),
                cwd=self.state,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the hub exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            try:
                if self.admin.get(f"{self.api}/", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"the hub did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, characters: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]

    def create_users(self, names: list[str]) -> None:
        answer = self.admin.post(f"{self.api}/users", json={"usernames": names}, timeout=30)
        answer.raise_for_status()

    def log_in(self, name: str) -> str:
        """Log in with the workshop password through the REST API; the user's API token."""
        answer = requests.post(
            f"{self.api}/users/{name}/tokens",
            json={"auth": {"username": name, "password": self.password}, "note": "test login"},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["token"]

    def start_server(self, name: str, token: str) -> None:
        answer = requests.post(
            f"{self.api}/users/{name}/server",
            headers={"Authorization": f"token {token}"},
            timeout=60,
        )
        if answer.status_code not in (201, 202):
            raise RuntimeError(f"starting {name}'s server: HTTP {answer.status_code} {answer.text}")

    def wait_ready(self, names: list[str], timeout: float = 240) -> None:
        waiting = set(names)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            for name in sorted(waiting):
                user = self.admin.get(f"{self.api}/users/{name}", timeout=30).json()
                server = user.get("servers", {}).get("")
                if server and server.get("ready"):
                    waiting.discard(name)
                elif not server and not user.get("pending"):
                    raise RuntimeError(f"{name}'s server failed to start:\n{self.log_tail()}")
            time.sleep(0.25)
        if waiting:
            raise TimeoutError(f"servers not ready after {timeout} s: {sorted(waiting)}")

    def server_url(self, name: str) -> str:
        return f"{self.base}/user/{requests.utils.quote(name, safe='')}"

    def stop(self) -> float:
        """SIGTERM: the hub stops every server and the proxy, then exits."""
        return _stop(self.process, signal.SIGTERM, 90) if self.process else 0.0


# --- Run All, remotely ----------------------------------------------------------------------


def _message(msg_type: str, content: dict[str, Any], session: str) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": session,
            "username": "test",
            "version": "5.3",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


async def run_notebook(
    server_url: str, token: str, path: str, cell_timeout: float = 180
) -> list[str]:
    """Run every code cell of ``path`` (in the server's notebook folder) in a new kernel.

    As JupyterLab does: a session through the REST API, then ``execute_request`` per cell on
    the kernel's websocket. Returns the text outputs; an error output raises, naming the cell.
    """
    headers = {"Authorization": f"token {token}"}
    api = f"{server_url}/api"
    loop = asyncio.get_running_loop()

    def call(method: str, url: str, **kwargs: Any) -> Any:
        answer = requests.request(method, url, headers=headers, timeout=120, **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    model = await loop.run_in_executor(None, lambda: call("GET", f"{api}/contents/{path}"))
    notebook = nbformat.from_dict(model["content"])
    body = {"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}}
    session = await loop.run_in_executor(None, lambda: call("POST", f"{api}/sessions", json=body))
    socket_url = api.replace("http://", "ws://") + f"/kernels/{session['kernel']['id']}/channels"
    # Tornado's default 20 s is too short when five kernels start at once on a busy machine
    # (it timed out once there): the same patience as the REST calls above.
    request = HTTPRequest(socket_url, headers=headers, connect_timeout=120, request_timeout=120)
    connection = await websocket_connect(request, max_message_size=64 << 20)
    outputs: list[str] = []
    client_session = uuid.uuid4().hex
    try:
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            request = _message(
                "execute_request",
                {
                    "code": cell.source,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                client_session,
            )
            await connection.write_message(json.dumps(request))
            outputs += await _collect(connection, request, f"{path} cell {index}", cell_timeout)
    finally:
        connection.close()
        await loop.run_in_executor(None, lambda: call("DELETE", f"{api}/sessions/{session['id']}"))
    return outputs


async def _collect(connection: Any, request: dict, where: str, timeout: float) -> list[str]:
    """The text outputs of one cell, until its reply and the kernel's idle status."""
    msg_id = request["header"]["msg_id"]
    texts: list[str] = []
    replied = idle = False
    deadline = time.monotonic() + timeout
    while not (replied and idle):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"{where} ran longer than {timeout} s")
        raw = await asyncio.wait_for(connection.read_message(), remaining)
        if raw is None:
            raise ConnectionError(f"{where}: the kernel's websocket closed")
        if isinstance(raw, bytes):  # binary frames carry widget buffers only
            continue
        message = json.loads(raw)
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            texts.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            texts.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            trace = "\n".join(content.get("traceback", []))
            raise RuntimeError(f"{where} raised {content['ename']}:\n{trace[-3000:]}")
        elif kind == "execute_reply":
            replied = True
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return texts


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end on a loop of its own, in a thread of its own.

    Not ``asyncio.run`` here: another test's driver may hold this thread's event loop
    (Playwright's sync API keeps one running for the whole session).
    """
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def hub_env(run_id: str, home: Path) -> dict[str, str]:
    """The environment of the hub and the room sandbox: the kit's venv first, no ZEGO_ setting."""
    keep = ("LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        HOME=str(home),
        ZEGO_KIT_HOME=str(home / "kit"),
        **{MARKER: run_id},
    )
    return env
