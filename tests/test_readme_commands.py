"""The README's commands work where people type them, exactly as the README types them.

The README's command section (between ``<!-- commands:start -->`` and
``<!-- commands:end -->``) is a shell block; every line of it runs here, twice:

* **in a plain shell**: ``bash -c LINE`` in the kit's folder, with a ``PATH`` that holds no
  ``.venv`` (nothing activated), after the README's setup step (``make venv``, which
  ``make test`` has done);
* **in JupyterLab's Terminal**: ``make lab`` itself starts JupyterLab (no browser, a free
  port), a Terminal is opened through JupyterLab's own API, and each line is typed into it.

How each line runs: for real, in sandbox mode (no credentials; a fresh ``HOME``, so the
kit's state starts empty; ``ZEGO_ENV_FILE=none``, so a developer's own ``.env`` with real
credentials is never used). Only the commands that serve until Ctrl-C (``sandbox``,
``callbacks``) get ``--help`` appended (``ARGS=--help`` for their ``make`` target): run for
real they would hold the README's fixed port, on every interface, and never end by
themselves. Serving and Ctrl-C are tested in ``tests/sandbox/test_sandbox_cli.py``.

The Chinese README (``README.zh.md``) has the same command section, with Chinese
comments: its commands must be the English ones, and each runs in a plain shell with
``ZEGO_LANG=zh`` (what it tells its readers to set), answering in Chinese. (They are the
English README's commands, so the JupyterLab Terminal run above covers them too.)

Every other mention of a ``.venv/bin/zego-kit`` command in the READMEs and the notebooks
(English and Chinese) is parsed by the kit's own argument parser, so no text tells a learner
to type an option that does not exist; and none says ``python -m zego_helpers`` any more.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
README_ZH = REPO / "README.zh.md"
VENV = REPO / ".venv"
KIT = VENV / "bin" / "zego-kit"
SECTION = re.compile(r"<!-- commands:start -->(.*?)<!-- commands:end -->", re.S)
SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
#: Subcommands (and make targets) that serve until Ctrl-C: run with --help appended.
SERVING = {"sandbox", "callbacks"}
#: Settings a developer may have in their environment; the commands run without them.
SETTING_PREFIXES = ("ZEGO_", "NEXT_PUBLIC_ZEGO_", "LLM_", "TTS_")
COMMAND_TIMEOUT = 90
LAB_START_TIMEOUT = 90

#: What some commands must print (a pattern), beyond a zero exit code and no traceback; by
#: the command's words, else by its first word (make targets count as their command).
EXPECTED = {
    "--help": r"usage: zego-kit",
    "doctor": r"\[ok\] +Signed call",
    "token": r"(?m)^04[A-Za-z0-9+/=]{40,}\s*$",  # the token alone on its line
    "cleanup --dry-run": r"Dry run: \d+ instances? found, nothing deleted",
    "cleanup": r"Nothing to clean up|deleted",
    "preflight": r"Pre-flight passed\.",
}
#: The same, for the Chinese README's commands (run with ZEGO_LANG=zh).
EXPECTED_ZH = {
    "--help": r"usage: zego-kit",  # argparse's own word; the help texts are Chinese
    "doctor": r"\[ok\] +签名调用：",
    "token": EXPECTED["token"],
    "cleanup --dry-run": r"演练模式（dry run）：找到 \d+ 个智能体实例，未删除任何实例。",
    "cleanup": r"无需清理|已删除",
    "preflight": r"预检通过。",
}


def readme_command_lines(readme: Path = README) -> list[str]:
    """The lines of the shell block in a README's command section, as written."""
    section = SECTION.search(readme.read_text(encoding="utf-8"))
    assert section, f"{readme.name} has no <!-- commands:start --> ... end section"
    block = SHELL_BLOCK.search(section.group(1))
    assert block, "the command section has no ```sh block"
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert lines
    return lines


@dataclass(frozen=True)
class Command:
    """One README line and how this test runs it."""

    line: str  # as written, comment included
    run: str  # what is typed: the line, or its command part with --help appended
    words: tuple[str, ...]  # the command's words (no comment)
    language: str = "en"  # the README's

    @classmethod
    def from_line(cls, line: str, language: str = "en") -> Command:
        words = tuple(shlex.split(line, comments=True))
        code = line.split(" #", 1)[0].rstrip()
        assert tuple(shlex.split(code)) == words, f"cannot tell the comment apart: {line!r}"
        assert words[0] in (".venv/bin/zego-kit", "make"), f"not a kit command: {line!r}"
        if words[1] in SERVING:
            run = code + (" ARGS=--help" if words[0] == "make" else " --help")
            return cls(line, run, words, language)
        return cls(line, line, words, language)

    @property
    def name(self) -> str:
        """``doctor``, ``cleanup --dry-run`` ... (make targets as their command)."""
        rest = [w for w in self.words[1:] if not w.startswith("ARGS=")]
        options = [w.split("=", 1)[1] for w in self.words if w.startswith("ARGS=")]
        return " ".join(rest[:1] + options) if self.words[0] == "make" else " ".join(rest)

    def check(self, returncode: int, output: str) -> None:
        where = f"{self.run!r} answered (exit {returncode}):\n{output[-3000:]}"
        assert returncode == 0, where
        assert "Traceback" not in output, where
        if self.run != self.line:
            assert "usage: zego-kit" in output, where
        table = EXPECTED_ZH if self.language == "zh" else EXPECTED
        expected = table.get(self.name) or table.get(self.name.split(" ")[0])
        if expected:
            assert re.search(expected, output), f"expected /{expected}/: {where}"
        if self.words[0] == "make":  # a thin wrapper: make shows the command it runs
            assert f".venv/bin/zego-kit {self.name}" in output, where


COMMANDS = [Command.from_line(line) for line in readme_command_lines()]
COMMANDS_ZH = [Command.from_line(line, "zh") for line in readme_command_lines(README_ZH)]


def plain_path() -> str:
    """This PATH without any virtual environment's bin (no .venv, nothing activated)."""
    venvs = {str(VENV), os.environ.get("VIRTUAL_ENV", str(VENV))}
    entries = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    kept = [e for e in entries if e and not any(e.startswith(v) for v in venvs)]
    return os.pathsep.join(kept)


def user_env(home: Path) -> dict[str, str]:
    """A new user's environment: their PATH (no venv), a fresh HOME, no kit settings."""
    keep = ("LANG", "LC_ALL", "LC_CTYPE", "TERM", "USER", "LOGNAME", "SHELL", "TMPDIR", "CI")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    assert not any(k.startswith(SETTING_PREFIXES) for k in env)
    return {**env, "PATH": plain_path(), "HOME": str(home), "ZEGO_ENV_FILE": "none"}


@pytest.fixture(scope="module")
def kit_installed() -> None:
    if not KIT.exists():
        pytest.fail(f"{KIT} is missing: run `make venv` first (the README's setup step)")


def test_the_command_section_covers_the_kits_commands_and_make_targets():
    names = {c.words[1] for c in COMMANDS}
    assert {"doctor", "token", "agents", "cleanup", "preflight", "sandbox", "callbacks"} <= names
    assert {c.words[1] for c in COMMANDS if c.words[0] == "make"} == {
        "doctor", "sandbox", "cleanup",
    }  # fmt: skip


def test_the_chinese_readme_shows_the_english_readmes_commands():
    """The same commands, in the same order; only the comments are Chinese."""
    assert [c.words for c in COMMANDS_ZH] == [c.words for c in COMMANDS]
    assert all(re.search(r"[\u4e00-\u9fff]", c.line) for c in COMMANDS_ZH)


def test_each_readme_links_to_the_other_at_its_top():
    assert "[中文](README.zh.md)" in README.read_text(encoding="utf-8").split("\n## ")[0]
    assert "[English](README.md)" in README_ZH.read_text(encoding="utf-8").split("\n## ")[0]


@pytest.mark.parametrize("command", COMMANDS_ZH, ids=lambda c: c.run)
def test_each_chinese_readme_command_works_in_a_plain_shell_and_speaks_chinese(
    command, kit_installed, tmp_path_factory
):
    home = tmp_path_factory.getbasetemp() / "plain-shell-home-zh"
    home.mkdir(exist_ok=True)
    result = subprocess.run(
        ["bash", "-c", command.run],
        cwd=REPO, env={**user_env(home), "ZEGO_LANG": "zh"}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
    )  # fmt: skip
    command.check(result.returncode, result.stdout + result.stderr)


def test_the_kits_venv_is_not_on_the_plain_path(kit_installed):
    found = subprocess.run(
        ["bash", "-c", "command -v zego-kit || echo none"],
        env=user_env(REPO), capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert str(VENV) not in found.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.run)
def test_each_readme_command_works_in_a_plain_shell(command, kit_installed, tmp_path_factory):
    home = tmp_path_factory.getbasetemp() / "plain-shell-home"  # one user, command after command
    home.mkdir(exist_ok=True)
    result = subprocess.run(
        ["bash", "-c", command.run],
        cwd=REPO, env=user_env(home), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT,
    )  # fmt: skip
    command.check(result.returncode, result.stdout + result.stderr)


def test_without_the_venv_a_command_says_how_to_create_it():
    """``python3 -m zego_helpers`` with a Python lacking the kit's libraries (``-S``: no
    site-packages at all) names the missing library, ``make venv`` and the command to use."""
    result = subprocess.run(
        [sys.executable, "-S", "-m", "zego_helpers", "cleanup", "--sandbox-all", "--dry-run"],
        cwd=REPO, env={**user_env(REPO), "PYTHONPATH": str(REPO)}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "lacks the library" in result.stderr and "`make venv`" in result.stderr
    assert result.stderr.rstrip().endswith(".venv/bin/zego-kit cleanup --sandbox-all --dry-run")


# --- JupyterLab's Terminal, in the JupyterLab that `make lab` starts ---------------------

ANSI = re.compile(r"\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[ -/]*[@-~]|\r")


@dataclass
class Lab:
    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def api(self, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method="GET" if body is None else "POST",
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")


@pytest.fixture(scope="module")
def lab(kit_installed, tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab as ``make lab`` starts it (plus: no browser, a free port, a known token)."""
    import psutil  # a dependency of ipykernel, so always in the venv

    home = tmp_path_factory.mktemp("lab-home")
    runtime = home / "runtime"
    token = secrets.token_hex(16)
    env = {**user_env(home), "JUPYTER_RUNTIME_DIR": str(runtime)}
    log = home / "make-lab.log"
    extra = f"--no-browser --ip=127.0.0.1 --port=0 --IdentityProvider.token={token}"
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            ["make", "lab", f"LAB_ARGS={extra}"], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        url = ""
        while not url:
            assert process.poll() is None, f"make lab ended:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no JupyterLab:\n{log.read_text()[-3000:]}"
            for info in runtime.glob("jpserver-*.json"):
                with contextlib.suppress(ValueError):
                    url = f"http://127.0.0.1:{json.loads(info.read_text())['port']}"
            time.sleep(0.2)
        yield Lab(url, token, process, log)
    finally:
        family = psutil.Process(process.pid).children(recursive=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # make and JupyterLab; it ends its terminals
        _, alive = psutil.wait_procs(family, timeout=15)
        for leftover in alive:
            leftover.kill()
        process.wait(15)


class Terminal:
    """A JupyterLab Terminal, driven through its websocket as the browser does.

    The websocket runs on an event loop of its own, in a thread of its own: the test's
    thread may already hold a running loop (left by an earlier in-process test).
    """

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.name = lab.api("/api/terminals", {})["name"]
        self.output = ""
        self.counter = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.socket = self._run(self._connect(), LAB_START_TIMEOUT)

    def _run(self, coroutine, timeout: float):
        """Run ``coroutine`` on the Terminal's loop; its result, or its exception."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout + 5)

    async def _connect(self):
        from tornado.websocket import websocket_connect

        ws_url = self.lab.url.replace("http", "ws", 1)
        socket = await websocket_connect(
            f"{ws_url}/terminals/websocket/{self.name}?token={self.lab.token}"
        )
        await socket.write_message(json.dumps(["set_size", 50, 400, 600, 1200]))
        return socket

    def type(self, line: str, timeout: float = COMMAND_TIMEOUT) -> tuple[int, str]:
        """Type ``line`` and Enter; return its exit status and what it printed."""
        self.counter += 1
        n = self.counter
        # The markers are computed by the shell, so the echo of the typed line never matches.
        begin, end = f"__begin_{n}__", rf"__end_{n}_(\d+)__"
        keys = f'echo "__begin_$(({n}))__"\r{line}\recho "__end_$(({n}))_$?__"\r'
        found = self._run(self._send(keys, re.compile(end), timeout), timeout)
        text = ANSI.sub("", self.output)
        output = text[text.index(begin) + len(begin) : found.start()] if begin in text else text
        return int(found.group(1)), output.replace(line, "", 1)  # not the echo of the typing

    async def _send(self, keys: str, pattern: re.Pattern, timeout: float) -> re.Match:
        """Type ``keys``, then read the Terminal's output until ``pattern`` appears in it."""
        await self.socket.write_message(json.dumps(["stdin", keys]))
        deadline = time.monotonic() + timeout
        while not (found := pattern.search(ANSI.sub("", self.output))):
            left = deadline - time.monotonic()
            assert left > 0, f"the Terminal did not finish:\n{ANSI.sub('', self.output)[-3000:]}"
            message = await asyncio.wait_for(self.socket.read_message(), left)
            assert message is not None, f"the Terminal closed:\n{self.output[-3000:]}"
            kind, *payload = json.loads(message)
            if kind == "stdout":
                self.output += payload[0]
        return found

    def close(self) -> None:
        async def close_socket() -> None:
            self.socket.close()

        self._run(close_socket(), 5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def terminal(lab) -> Iterator[Terminal]:
    term = Terminal(lab)
    try:
        yield term
    finally:
        term.close()


def test_the_lab_terminal_opens_in_the_kit_folder_with_the_kits_python(terminal):
    status, output = terminal.type(
        'printf "cwd=%s make=%s\\n" "$PWD" "${MAKELEVEL:-none}"; command -v python zego-kit'
    )
    assert status == 0, output
    assert f"cwd={REPO} make=none" in output  # not inside `make lab`'s make
    assert f"{VENV}/bin/python" in output and f"{VENV}/bin/zego-kit" in output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.run)
def test_each_readme_command_works_in_the_lab_terminal(command, terminal):
    status, output = terminal.type(command.run)
    command.check(status, output)


def test_make_lab_gives_jupyterlab_the_venv_first_on_path_and_no_news(lab):
    import psutil

    servers = [
        p for p in psutil.Process(lab.process.pid).children(recursive=True)
        if "jupyter-lab" in " ".join(p.cmdline())
    ]  # fmt: skip
    assert servers, "no jupyter-lab process under make lab"
    # Kernels and `!zego-kit ...` in a notebook cell inherit this PATH.
    assert servers[0].environ()["PATH"].split(os.pathsep)[0] == str(VENV / "bin")
    # The news popup: off in the venv's settings (overrides.json), nothing in the user's.
    notification = lab.api("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    properties = notification["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false"
    assert properties["checkForUpdates"]["default"] is False


def test_make_lab_prints_no_warning(lab, terminal):
    terminal.type("true")  # a Terminal has been opened and used
    printed = lab.log.read_text(encoding="utf-8")
    warnings = [line for line in printed.splitlines() if "[W " in line or "Warning" in line]
    assert warnings == [], printed[-3000:]


# --- every other mention, in the README and the notebooks --------------------------------

MENTION = re.compile(r"(?:`|^\s*)(\.venv/bin/zego-kit(?: [^`\n#]*)?)", re.M)


def documents() -> dict[str, str]:
    """The READMEs and the markdown of every notebook (English and Chinese), by file name."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in (README, README_ZH)}
    for path in sorted((REPO / "notebooks").glob("**/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[str(path.relative_to(REPO / "notebooks"))] = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
        )
    return texts


def test_no_document_says_python_m_zego_helpers():
    stale = [name for name, text in documents().items() if "python -m zego_helpers" in text]
    assert stale == [], "say `.venv/bin/zego-kit ...` (it works in a plain shell and in Lab)"


def test_every_zego_kit_mention_names_options_that_exist():
    from zego_helpers.cli import build_parser

    mentions = [
        (name, found.group(1).replace("...", "").strip())
        for name, text in documents().items()
        for found in MENTION.finditer(text)
    ]
    assert len(mentions) > 20
    for name, mention in mentions:
        words = shlex.split(mention)[1:]
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            pytest.raises(SystemExit) as done,
        ):
            build_parser().parse_args([*words, "--help"])
        assert done.value.code == 0, f"{name}: `{mention}`: {err.getvalue()}"
