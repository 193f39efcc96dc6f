"""Running the notebooks as a learner's *Run All* would, in each of the three settings they meet.

* **sandbox** (:func:`make_sandbox_run`): no credentials, a fresh kit home, 00-07 in order under
  ``nbval``, so every ``nbval-check-output`` cell must reproduce its committed output. The
  small nbval plugin :mod:`tests.nbval_capture` keeps the fresh outputs for the tests.
* **real** (:func:`real_run`): credentials and ``ZEGO_API_BASE_URL`` pointing at a local
  stand-in for ZEGO (a standalone sandbox *not* started as a room's), an LLM key and a TTS
  key, and a fake LLM that records the key it receives.
* **room** (:func:`room_run`): the workshop case. The "real" settings point at a room
  sandbox (``room=True``, 100 instances, no rate limit, as ``zego-kit sandbox`` serves),
  with an attendee name, ``张伟``.

Each run is made once per test session (the fixtures live in ``tests/conftest.py``) and
read by :mod:`tests.test_notebooks` and :mod:`tests.test_notebooks_05_06`.

The Chinese notebooks (``notebooks/zh/``, the same code: see :mod:`tests.notebook_zh`) run
in the first two settings (``language="zh"``): ``sandbox_notebooks_zh`` under nbval, and
``real_notebooks_zh`` against the stand-in for ZEGO. Their kernels get no ``ZEGO_LANG`` and
a neutral locale, so the language comes from where a learner's does: the folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
#: The Chinese notebooks: same names, same code cells, Chinese prose and messages.
ZH_NOTEBOOK_DIR = NOTEBOOK_DIR / "zh"
LANGUAGES = ("en", "zh")
#: Locale variables gettext reads (a zh run removes them: the folder must decide).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
#: Every numbered notebook, in the order a learner runs them.
NOTEBOOKS = [
    "00_setup",
    "01_register_agent",
    "02_create_instance",
    "03_talk",
    "04_delete_instance",
    "05_callbacks",
    "06_troubleshooting",
    "07_bring_your_own_llm",
]
#: Settings a developer may have in their environment; the runs start without them.
SETTING_PREFIXES = ("ZEGO_", "NEXT_PUBLIC_ZEGO_", "LLM_", "TTS_")
CELL_TIMEOUT = 120
RUN_TIMEOUT = 900
#: Where the nbval plugin writes each cell's fresh outputs (one JSON line per cell).
CAPTURE_ENV = "ZEGO_TEST_NBVAL_OUTPUTS"

REAL_APP_ID = 1357924680
REAL_SECRET = "5ecre7c0ffee5ecre7c0ffee5ecre7ab"
LLM_KEY = "sk-notebook-test-llm-key-9f8e7d6c5b4a"
TTS_KEY = "tts-notebook-test-key-1a2b3c4d5e6f"
LLM_MODEL = "tiny-test-model"
#: Long enough to be heard for about a second (the stand-in speaks 15 ms per character).
LLM_ANSWER = "Hello from the fake LLM. It gives this same answer, of one long breath, to everyone."
ROOM_APP_ID = 2468013579
ROOM_SECRET = "0ddba11c0ffee0ddba11c0ffee0ddba1"
ROOM_ATTENDEE = "张伟"


def notebook_env(
    kit_home: Path, extra: Mapping[str, str] | None = None, language: str = "en"
) -> dict[str, str]:
    """A clean environment for notebook kernels: no ZEGO/LLM/TTS settings, no ``.env``.

    English runs set ``ZEGO_LANG=en``: the committed outputs are English, whatever this
    machine's locale. Chinese runs set no ``ZEGO_LANG`` and the neutral locale ``C.UTF-8``:
    their kernels start in ``notebooks/zh/``, and that folder must make them Chinese.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update(
        ZEGO_ENV_FILE="none",
        ZEGO_KIT_HOME=str(kit_home),
        JUPYTER_PREFER_ENV_PATH="1",  # the venv's "python3" kernel, not a user-wide one
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    if language == "en":
        env["ZEGO_LANG"] = "en"
    else:
        for variable in LOCALE_VARIABLES:
            env.pop(variable, None)
        env["LANG"] = "C.UTF-8"
    env.update(extra or {})
    return env


def folder_of(language: str) -> Path:
    return NOTEBOOK_DIR if language == "en" else ZH_NOTEBOOK_DIR


def path_of(name: str, language: str = "en") -> Path:
    return folder_of(language) / f"{name}.ipynb"


def notebook_client(notebook: Any, language: str = "en") -> Any:
    """An nbclient for Run All in a fresh venv kernel started in the notebook's folder."""
    from nbclient import NotebookClient

    return NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder_of(language))}},
        record_timing=False,
    )


def execute(name: str, env: Mapping[str, str], language: str = "en") -> dict[str, Any]:
    """Run All on one notebook in a kernel started with ``env``; the executed notebook."""
    import nbformat

    notebook = nbformat.read(path_of(name, language), as_version=4)
    notebook_client(notebook, language).execute(env=dict(env))
    return json.loads(nbformat.writes(notebook))


def cell_text(outputs: list[dict[str, Any]]) -> str:
    """Streams, plain text and HTML of one cell's outputs."""
    parts = []
    for output in outputs:
        if "text" in output:
            parts.append("".join(output["text"]))
        for mime in ("text/plain", "text/html"):
            if mime in output.get("data", {}):
                parts.append("".join(output["data"][mime]))
    return "\n".join(parts)


def notebook_text(notebook: dict[str, Any]) -> str:
    return "\n".join(cell_text(c.get("outputs", [])) for c in notebook["cells"])


def code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def failure_report(result: subprocess.CompletedProcess) -> str:
    """The first failure in full (it explains the others), then the summary and stderr."""
    out = result.stdout
    if len(out) > 9000:
        out = f"{out[:6000]}\n[...]\n{out[-2500:]}"
    err = result.stderr[-3000:]
    return f"exit code {result.returncode}\n--- stdout ---\n{out}\n--- stderr ---\n{err}"


# --- sandbox mode, under nbval ----------------------------------------------------------


@dataclass
class SandboxRun:
    result: subprocess.CompletedProcess
    kit_home: Path
    #: notebook name -> the fresh outputs of each code cell, in order
    cells: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return "\n".join(cell_text(outputs) for outputs in self.cells.get(name, []))


def run_nbval(
    names: list[str], env: Mapping[str, str], language: str = "en"
) -> subprocess.CompletedProcess:
    """``pytest --nbval-lax`` on the notebooks, in order, in a separate process."""
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
        f"--nbval-cell-timeout={CELL_TIMEOUT}", "-p", "no:cacheprovider",
        "-p", "tests.nbval_capture", "-q", "--color=no",
        *(str(path_of(name, language)) for name in names),
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=REPO, env=dict(env), capture_output=True, text=True, timeout=RUN_TIMEOUT
    )


def make_sandbox_run(tmp: Path, names: list[str] = NOTEBOOKS, language: str = "en") -> SandboxRun:
    capture = tmp / "outputs.jsonl"
    env = notebook_env(tmp / "kit", {CAPTURE_ENV: str(capture)}, language)
    result = run_nbval(names, env, language)
    run = SandboxRun(result, tmp / "kit")
    lines = capture.read_text(encoding="utf-8").splitlines() if capture.exists() else []
    for line in lines:
        record = json.loads(line)
        run.cells.setdefault(Path(record["file"]).stem, []).append(record["outputs"])
    return run


# --- real mode and room mode, with nbclient ----------------------------------------------


class FakeLLM:
    """An OpenAI-compatible endpoint on 127.0.0.1 that records each ``Authorization`` header."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.authorizations.append(self.headers.get("Authorization", ""))
                if body.get("stream"):
                    chunk = {"choices": [{"delta": {"content": LLM_ANSWER}}]}
                    done = {"choices": [{"delta": {}, "finish_reason": "stop"}]}
                    payload = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(done)}\n\n"
                    payload += "data: [DONE]\n\n"
                    kind = "text/event-stream"
                else:
                    message = {"role": "assistant", "content": "OK"}
                    payload = json.dumps({"choices": [{"message": message}]})
                    kind = "application/json"
                data = payload.encode()
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1/chat/completions"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class ServiceRun:
    """What a run against a standalone service left behind, for the tests to inspect."""

    kit_home: Path
    base_url: str
    notebooks: dict[str, dict[str, Any]]
    error: str = ""
    agents: list[dict[str, Any]] = field(default_factory=list)
    live_instances: list[dict[str, Any]] = field(default_factory=list)
    llm_authorizations: list[str] = field(default_factory=list)

    def text(self, name: str) -> str:
        return notebook_text(self.notebooks[name])


def _run_all(env: Mapping[str, str], language: str = "en") -> tuple[dict[str, dict[str, Any]], str]:
    """Run All on every notebook in order; stops at the first failure, which it describes."""
    done: dict[str, dict[str, Any]] = {}
    for name in NOTEBOOKS:
        try:
            done[name] = execute(name, env, language)
        except Exception as error:  # the test names the notebook and the cell
            return done, f"{name}: {error}"
    return done, ""


def _inspect(run: ServiceRun, app_id: int, secret: str) -> ServiceRun:
    from zego_helpers.client import AIAgentClient
    from zego_helpers.sandbox_control import SandboxControl

    with AIAgentClient(app_id, secret, run.base_url) as client:
        run.agents = list(client.iter_agents())
        run.live_instances = SandboxControl(client).list_instances()
    return run


def real_run(language: str = "en") -> Iterator[ServiceRun]:
    """00-07 against a stand-in for ZEGO (a standalone sandbox that is not a room's)."""
    from zego_helpers.sandbox import SandboxConfig, start_sandbox

    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
        zego = start_sandbox(SandboxConfig(app_id=REAL_APP_ID, server_secret=REAL_SECRET))
        try:
            env = notebook_env(
                Path(tmp) / "kit",
                {
                    "ZEGO_APP_ID": str(REAL_APP_ID),
                    "ZEGO_SERVER_SECRET": REAL_SECRET,
                    "ZEGO_API_BASE_URL": zego.base_url,
                    "LLM_BASE_URL": llm.url,
                    "LLM_MODEL": LLM_MODEL,
                    "LLM_API_KEY": LLM_KEY,
                    "TTS_VENDOR": "MiniMax",
                    "TTS_API_KEY": TTS_KEY,
                },
                language,
            )
            notebooks, error = _run_all(env, language)
            run = ServiceRun(Path(tmp) / "kit", zego.base_url, notebooks, error)
            run.llm_authorizations = llm.authorizations
            yield _inspect(run, REAL_APP_ID, REAL_SECRET)
        finally:
            zego.stop()


def room_run() -> Iterator[ServiceRun]:
    """00-07 as an attendee of a workshop: the "real" endpoint is the trainer's room sandbox."""
    from zego_helpers.sandbox import SandboxConfig, start_sandbox

    with tempfile.TemporaryDirectory() as tmp:
        room = start_sandbox(
            SandboxConfig(
                app_id=ROOM_APP_ID,
                server_secret=ROOM_SECRET,
                room=True,  # what `zego-kit sandbox` sets
                instance_limit=100,
                rate_limit_per_action=None,
            )
        )
        try:
            env = notebook_env(
                Path(tmp) / "kit",
                {
                    "ZEGO_APP_ID": str(ROOM_APP_ID),
                    "ZEGO_SERVER_SECRET": ROOM_SECRET,
                    "ZEGO_API_BASE_URL": room.base_url,
                    "ZEGO_ATTENDEE": ROOM_ATTENDEE,
                },
            )
            notebooks, error = _run_all(env)
            yield _inspect(
                ServiceRun(Path(tmp) / "kit", room.base_url, notebooks, error),
                ROOM_APP_ID,
                ROOM_SECRET,
            )
        finally:
            room.stop()


@pytest.fixture(scope="session")
def sandbox_notebooks(tmp_path_factory: pytest.TempPathFactory) -> SandboxRun:
    """00-07 under nbval in sandbox mode (see :func:`make_sandbox_run`)."""
    return make_sandbox_run(tmp_path_factory.mktemp("notebooks_sandbox"))


@pytest.fixture(scope="session")
def real_notebooks() -> Iterator[ServiceRun]:
    yield from real_run()


@pytest.fixture(scope="session")
def sandbox_notebooks_zh(tmp_path_factory: pytest.TempPathFactory) -> SandboxRun:
    """The Chinese 00-07 under nbval in sandbox mode."""
    return make_sandbox_run(tmp_path_factory.mktemp("notebooks_sandbox_zh"), language="zh")


@pytest.fixture(scope="session")
def real_notebooks_zh() -> Iterator[ServiceRun]:
    """The Chinese 00-07 against the stand-in for ZEGO."""
    yield from real_run("zh")


@pytest.fixture(scope="session")
def room_notebooks() -> Iterator[ServiceRun]:
    yield from room_run()


# --- maintenance: python -m tests.notebook_runs refresh [--zh|--all] [NAME...] ---------------


def refresh(names: list[str], language: str = "en") -> None:
    """Execute the notebooks in sandbox mode (one fresh kit home) and save them, lean."""
    import nbformat

    from tests.notebook_files import strip_widget_state, write

    with tempfile.TemporaryDirectory() as tmp:
        env = notebook_env(Path(tmp) / "kit", language=language)
        for name in names:
            path = path_of(name, language)
            notebook = nbformat.read(path, as_version=4)
            notebook_client(notebook, language).execute(env=env)
            write(path, strip_widget_state(json.loads(nbformat.writes(notebook))))
            print(f"refreshed {path.relative_to(REPO)}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] != ["refresh"]:
        sys.exit(
            "usage: python -m tests.notebook_runs refresh [--zh|--all] [NAME...]  "
            "(default: 00-07; --zh: the Chinese ones, --all: both)"
        )
    arguments = sys.argv[2:]
    flag = arguments.pop(0) if arguments[:1] in (["--zh"], ["--all"]) else ""
    languages = {"--zh": ["zh"], "--all": ["en", "zh"]}.get(flag, ["en"])
    for chosen in languages:
        refresh(arguments or NOTEBOOKS, chosen)
