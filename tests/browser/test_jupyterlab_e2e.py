"""End to end: the notebooks in a real JupyterLab, in headless Chromium, in sandbox mode.

Three tests. The first runs every notebook, 00 to 06, one after the other (as a learner
does, sharing one kit home) and checks what a reader sees after *Run All*: no failed
cell, no JavaScript error, notebooks 05 and 06 each under 8,000 px, and state marks that
need no emoji font (this Chromium has none: an emoji would show as an empty box). It
saves a screenshot of each whole notebook (``docs/images/notebook-*.png``, written when
missing or with ``ZEGO_UPDATE_SCREENSHOTS=1``).

The Chinese test does the same for ``notebooks/zh/`` 00 to 03, in a JupyterLab whose
kernels get no ``ZEGO_LANG`` (the folder makes them Chinese), with Debian's Noto CJK font
installed (``make browser``): screenshots in ``docs/images/zh/``.

The second is notebook 03 in depth. What a learner does, and what they rely on:

1. JupyterLab starts from the project's venv (its ``python3`` kernel is the
   venv's), on a temporary copy of ``notebooks/``, with no ZEGO credentials and
   a fresh kit home: sandbox mode.
2. ``03_talk.ipynb`` opens in the browser and *Run All* runs every cell without
   an error (the JupyterLab command ``notebook:run-all-cells``, through the
   ``window.jupyterapp`` that ``--LabApp.expose_app_in_browser`` exposes).
3. The call widget (anywidget) and the chat panel (ipywidgets) render.
4. A turn typed in the chat panel gets the agent's reply into its transcript.
5. The simulated call: Join tells the sandbox the user is in the room (the
   status light turns LISTENING), a typed turn gets the agent's reply into the
   widget's transcript and is read aloud, Leave ends it.
6. No JavaScript error on the page from start to end.

A screenshot goes to ``test-artifacts/`` (and, when missing or with
``ZEGO_UPDATE_SCREENSHOTS=1``, to ``docs/images/``). JupyterLab and its kernels
always stop at the end; the whole test is bounded by one deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import REPO_ROOT, artifact_path, watch_page_errors

from tests.notebook_runs import NOTEBOOK_DIR, NOTEBOOKS, SETTING_PREFIXES

pytestmark = pytest.mark.browser

NOTEBOOK = "03_talk.ipynb"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "images" / "jupyterlab-03-talk.png"
UPDATE_SCREENSHOTS_ENV = "ZEGO_UPDATE_SCREENSHOTS"
#: Everything below (start, Run All, both turns) must fit in this many seconds.
TEST_BUDGET_S = 80
STOP_GRACE_S = 8

CHAT_PANEL = ".zego-chat"  # ChatPanel's CSS class
CHAT_INPUT = ".zego-chat-input input"  # its message box (the class is on the box's wrapper)
CHAT_TURN = "What can you do for me?"
CALL_TURN = "Tell me something about the sea."
SANDBOX_REPLY = "(sandbox reply)"  # how the sandbox's built-in responder ends its replies

#: The sandbox has no RTC room, so the simulated call reads replies aloud with the
#: browser's speech synthesis. Headless Chromium has no audio device and no voices,
#: so a real utterance may never end; this stand-in records what would be said and
#: ends each utterance at once, like a very fast voice.
SPEECH_STUB = """
(() => {
  window.__spoken = [];
  class Utterance { constructor(text) { this.text = text; } }
  window.SpeechSynthesisUtterance = Utterance;
  Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
    speak(utterance) {
      window.__spoken.push(utterance.text);
      setTimeout(() => utterance.onend && utterance.onend({}), 50);
    },
    cancel() {},
  }});
})();
"""


class Deadline:
    """One time budget for the whole test; every wait takes what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def seconds_left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            pytest.fail(f"the test ran over its budget of {self.seconds} s", pytrace=False)
        return left

    def ms(self) -> float:
        """Milliseconds left, for Playwright's ``timeout=`` arguments."""
        return self.seconds_left() * 1000


@dataclass
class Lab:
    """A running JupyterLab: its URL, its token and where its log goes."""

    url: str
    token: str
    log_path: Path

    def api(self, path: str) -> object:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]


def lab_env(home: Path, language: str = "en") -> dict[str, str]:
    """No ZEGO/LLM/TTS settings, no .env, a fresh kit home, Jupyter dirs of its own
    under ``home`` (with JupyterLab's user settings written there).

    ``language="en"`` sets ``ZEGO_LANG=en`` (the expected texts are English, whatever this
    machine's locale); ``"zh"`` sets none, and a neutral locale: the Chinese notebooks'
    folder must make their kernels Chinese, as it does for a learner.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
        "ZEGO_KIT_HOME": home / "kit",
    }
    env.update({name: str(path) for name, path in dirs.items()})
    env.update(
        ZEGO_ENV_FILE="none",
        JUPYTER_PREFER_ENV_PATH="1",  # the venv's kernel spec before any user-wide one
        PATH=os.pathsep.join([str(VENV_BIN), env.get("PATH", "")]),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    if language == "en":
        env["ZEGO_LANG"] = "en"
    else:
        for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            env.pop(variable, None)
        env["LANG"] = "C.UTF-8"
    # No "fetch Jupyter news?" toast (nor its request to the internet).
    settings = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # Every cell laid out, not only those in view: the page then has the notebook's real
    # height, which the test measures (and screenshots whole).
    tracker = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    return env


def stop_process_tree(process: subprocess.Popen) -> None:
    """Stop JupyterLab and every kernel it started (kernels run in sessions of their own)."""
    import psutil  # a dependency of ipykernel, so always in the venv

    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    process.send_signal(signal.SIGTERM)  # the server shuts its kernels down, then exits
    try:
        process.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    _, alive = psutil.wait_procs(family, timeout=STOP_GRACE_S)
    for child in alive:
        child.kill()
    psutil.wait_procs(alive, timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything else left in JupyterLab's group


@contextmanager
def jupyterlab(
    root_dir: Path, home: Path, deadline: Deadline, language: str = "en"
) -> Iterator[Lab]:
    """JupyterLab from the venv on 127.0.0.1, serving ``root_dir``; stopped at the end."""
    jupyter = VENV_BIN / "jupyter"
    if not jupyter.exists():
        pytest.fail(f"{jupyter} is missing: run `make venv` first", pytrace=False)
    token = secrets.token_hex(24)
    command = [
        str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1",
        "--port=0",  # the system picks a free port; the server's info file says which
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to run commands
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    env = lab_env(home, language)
    log_path = home / "jupyterlab.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            yield wait_until_serving(
                process, Path(env["JUPYTER_RUNTIME_DIR"]), token, log_path, deadline
            )
        finally:
            stop_process_tree(process)


def wait_until_serving(
    process: subprocess.Popen, runtime_dir: Path, token: str, log_path: Path, deadline: Deadline
) -> Lab:
    """Wait for the server's info file (written once it listens), then for its API."""
    lab = Lab("", token, log_path)
    while True:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {process.returncode}:\n{lab.log_tail()}")
        if not lab.url:
            for info_file in runtime_dir.glob("jpserver-*.json"):
                with contextlib.suppress(ValueError):  # still being written
                    lab.url = f"http://127.0.0.1:{json.loads(info_file.read_text())['port']}"
        if lab.url:
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                lab.api("/api/status")
                return lab
        if deadline.seconds_left() < 1:
            pytest.fail(f"JupyterLab did not start in time:\n{lab.log_tail()}")
        time.sleep(0.2)


# --- driving JupyterLab through window.jupyterapp ---------------------------------------
# Each snippet is a JavaScript function taking the notebook's path (relative to the root).

#: The notebook's panel in JupyterLab's main area (found by path, not by focus).
FIND_PANEL = """(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const widget of app.shell.widgets("main")) {
    if (widget.context && widget.context.path === path) return widget;
  }
  return null;
}"""

#: The notebook is loaded and its kernel session is up.
PANEL_READY = f"""(path) => {{
  const panel = ({FIND_PANEL})(path);
  return Boolean(panel && panel.context.isReady && panel.sessionContext.isReady);
}}"""

#: Run All (on the notebook, brought to the front). The command resolves once every
#: cell has run (true: without an error); the outcome lands in window.__runAll, for
#: the Python side to wait for with a timeout.
RUN_ALL = f"""(path) => {{
  const app = window.jupyterapp;
  window.__runAll = undefined;
  app.shell.activateById(({FIND_PANEL})(path).id);
  app.shell.collapseLeft();  // more room for the notebook (and the screenshot)
  app.commands.execute("notebook:run-all-cells").then(
    (ok) => {{ window.__runAll = ok === true ? "ok" : "a cell failed"; }},
    (err) => {{ window.__runAll = "Run All threw: " + err; }},
  );
}}"""

KERNEL_IDLE = f"""(path) => {{
  const kernel = ({FIND_PANEL})(path)?.sessionContext.session?.kernel;
  return kernel?.status === "idle";
}}"""

#: What ran: each code cell's execution count and its errors, from the notebook's model.
CELLS = f"""(path) => ({FIND_PANEL})(path).context.model.toJSON().cells
  .filter((cell) => cell.cell_type === "code")
  .map((cell) => ({{
    source: [].concat(cell.source).join(""),
    count: cell.execution_count,
    errors: cell.outputs
      .filter((output) => output.output_type === "error")
      .map((output) => output.ename + ": " + output.evalue),
  }}))"""


def run_all_cells(page, deadline: Deadline, path: str = NOTEBOOK) -> None:
    """Run All once the kernel is up; fail with the cell that failed, if one did."""
    page.wait_for_function(PANEL_READY, arg=path, timeout=deadline.ms())
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=deadline.ms())
    page.evaluate(RUN_ALL, path)
    page.wait_for_function("() => window.__runAll !== undefined", timeout=deadline.ms())
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=deadline.ms())
    cells = page.evaluate(CELLS, path)
    failed = [cell for cell in cells if cell["errors"]]
    assert not failed, f"cells failed in JupyterLab: {failed}"
    never_ran = [
        c["source"]
        for c in cells
        if c["count"] is None and c["source"].strip() and not c["source"].startswith("#")
    ]
    assert not never_ran, f"cells that did not run: {never_ran}"
    assert page.evaluate("() => window.__runAll") == "ok"


def refresh_until(status, text: str, deadline: Deadline) -> None:
    """Press the status light's Refresh until it shows ``text`` (the kernel acts in the
    background, so the first press may come too early)."""
    from playwright.sync_api import expect

    while True:
        status.get_by_role("button", name="Refresh").click()
        try:
            expect(status).to_contain_text(text, timeout=1000)
            return
        except AssertionError:
            if deadline.seconds_left() < 2:
                raise


def save_screenshot(page, call) -> None:
    """The call widget and the chat panel below it, in JupyterLab."""
    call.evaluate("el => el.closest('.jp-Cell').scrollIntoView({block: 'start'})")
    page.screenshot(path=artifact_path(DOCS_SCREENSHOT.name))
    # The README's picture: written once (or again with ZEGO_UPDATE_SCREENSHOTS=1).
    if not DOCS_SCREENSHOT.exists() or os.environ.get(UPDATE_SCREENSHOTS_ENV):
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifact_path(DOCS_SCREENSHOT.name), DOCS_SCREENSHOT)


# --- the test ---------------------------------------------------------------------------


def test_notebook_03_runs_in_jupyterlab_and_both_widgets_talk_to_the_agent(browser, tmp_path):
    from playwright.sync_api import expect

    deadline = Deadline(TEST_BUDGET_S)
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = tmp_path / "home"
    home.mkdir()
    with jupyterlab(root, home, deadline) as lab:
        # The python3 kernel JupyterLab starts is the venv's Python.
        argv = lab.api("/api/kernelspecs")["kernelspecs"]["python3"]["spec"]["argv"]
        assert Path(shutil.which(argv[0], path=str(VENV_BIN)) or "").parent == VENV_BIN, argv

        context = browser.new_context(viewport={"width": 1120, "height": 800})
        context.add_init_script(SPEECH_STUB)
        page = context.new_page()
        errors = watch_page_errors(page)
        try:
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}", timeout=deadline.ms())
            run_all_cells(page, deadline)
            assert [s["kernel"]["name"] for s in lab.api("/api/sessions")] == ["python3"]
            assert "SANDBOX MODE" in page.locator(".jp-Notebook").text_content()

            # Both widgets rendered: the call widget as a simulated call, and the chat
            # panel with the turn Run All sent.
            call = page.locator(".zego-call")
            expect(call).to_have_count(1, timeout=deadline.ms())
            expect(call.locator(".zego-call-head .zego-call-mode")).to_have_text(
                "simulated call (sandbox)", timeout=deadline.ms()
            )
            expect(call.locator(".zego-call-note")).to_contain_text("Simulated call")
            expect(call.locator(".zego-call-state")).to_have_text("ready")
            chat = page.locator(CHAT_PANEL)
            expect(chat).to_have_count(1, timeout=deadline.ms())
            chat_input = chat.locator(CHAT_INPUT)
            expect(chat_input).to_have_count(1)
            expect(chat).to_contain_text("you: Hello! Who are you?", timeout=deadline.ms())
            status = page.locator(".widget-hbox", has=page.get_by_role("button", name="Refresh"))
            expect(status).to_have_count(1)

            # Join the simulated call: the sandbox now has the user in the room.
            call.locator(".zego-call-join").click()
            expect(call.locator(".zego-call-state")).to_have_text(
                "in the simulated call", timeout=deadline.ms()
            )
            refresh_until(status, "LISTENING", deadline)

            # A typed turn in the call: the reply is shown and read aloud.
            call.locator(".zego-call-input").fill(CALL_TURN)
            call.locator(".zego-call-send").click()
            lines = call.locator(".zego-call-line")
            expect(lines.last).to_contain_text(SANDBOX_REPLY, timeout=deadline.ms())
            expect(lines).to_have_count(2)
            expect(lines.first).to_have_text(f"You: {CALL_TURN}")
            expect(lines.last).to_contain_text("Agent: ")
            spoken = page.evaluate("() => window.__spoken")
            assert len(spoken) == 1 and spoken[0].endswith(SANDBOX_REPLY), spoken

            # A typed turn in the chat panel: the reply lands in its transcript.
            chat_input.fill(CHAT_TURN)
            chat.get_by_role("button", name="Send").click()
            answered = re.compile(
                re.escape(f"you: {CHAT_TURN}") + r"\s*agent: [^\n]*" + re.escape(SANDBOX_REPLY)
            )
            expect(chat).to_contain_text(answered, timeout=deadline.ms())

            expect(call.locator(".zego-call-error")).to_have_text("")
            save_screenshot(page, call)
            call.locator(".zego-call-leave").click()
            expect(call.locator(".zego-call-state")).to_have_text("left", timeout=deadline.ms())
        except Exception:
            page.screenshot(path=artifact_path("jupyterlab-03-talk-failure.png"))
            artifact_path("jupyterlab-03-talk-failure.log").write_text(lab.log_tail(100_000))
            raise
        finally:
            context.close()
        assert errors == [], "JavaScript errors on the JupyterLab page:\n" + "\n".join(errors)


# --- every notebook, after Run All: screenshots, heights, marks ----------------------------

#: The numbered notebooks 00-06, in order (as a learner runs them, sharing one kit home).
ALL_NOTEBOOKS = NOTEBOOKS[: NOTEBOOKS.index("06_troubleshooting") + 1]
#: Notebooks 05 and 06 must each fit in this many pixels after Run All (issue 13).
MAX_HEIGHT_PX = {"05_callbacks": 8000, "06_troubleshooting": 8000}
ALL_BUDGET_S = 300
SCREENSHOT_WIDTH = 1000

#: Open a notebook in JupyterLab's main area (no page reload).
OPEN = """(path) => { window.jupyterapp.commands.execute("docmanager:open", {path}); }"""

#: The laid-out height of the notebook's cells, in CSS pixels (every cell is laid out:
#: windowingMode "none"; the empty space to scroll past the end is not counted), and where
#: the notebook starts on the page (below the menu, the tabs and the toolbar).
MEASURE = f"""(path) => {{
  const panel = ({FIND_PANEL})(path);
  const scroller = panel.node.querySelector(".jp-WindowedPanel-outer");
  const cells = panel.node.querySelector(".jp-WindowedPanel-viewport");
  return {{
    content: cells.getBoundingClientRect().height,
    top: scroller.getBoundingClientRect().top,
  }};
}}"""

#: Close the notebook and shut its kernel down (the next notebook gets a fresh one).
CLOSE = f"""(path) => {{
  const panel = ({FIND_PANEL})(path);
  return panel.sessionContext.shutdown().then(() => {{ panel.dispose(); }});
}}"""

#: The text of every output area, and how many font-independent state marks show.
OUTPUTS = f"""(path) => {{
  const node = ({FIND_PANEL})(path).content.node;
  return {{
    text: [...node.querySelectorAll(".jp-OutputArea")].map((n) => n.innerText).join("\\n"),
    marks: node.querySelectorAll(".zego-mark").length,
  }};
}}"""

#: Emoji (or characters usually drawn as emoji) a state mark might use: ✅ ❌ ✔ ⚠ ⬜ ...
EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]")


def screenshot_name(name: str) -> str:
    return f"notebook-{name}.png"


#: Scroll the notebook back to its first cell (Run All leaves it at the last).
SCROLL_TO_TOP = f"""(path) => {{
  ({FIND_PANEL})(path).node.querySelector(".jp-WindowedPanel-outer").scrollTop = 0;
}}"""


def save_notebook_screenshot(page, name: str, height: float, folder: str = "") -> None:
    """The whole notebook, top to bottom: the window is made as tall as its content.

    ``folder`` is ``""`` for the English notebooks, ``"zh"`` for the Chinese ones (their
    pictures go to ``docs/images/zh/``).
    """
    page.set_viewport_size({"width": SCREENSHOT_WIDTH, "height": int(height) + 40})
    page.wait_for_timeout(300)  # one layout pass at the new size
    page.evaluate(SCROLL_TO_TOP, f"{folder}/{name}.ipynb" if folder else f"{name}.ipynb")
    page.wait_for_timeout(200)
    artifact = artifact_path(
        f"{folder}-{screenshot_name(name)}" if folder else screenshot_name(name)
    )
    page.screenshot(path=artifact)
    docs = DOCS_SCREENSHOT.parent / folder / screenshot_name(name)
    if not docs.exists() or os.environ.get(UPDATE_SCREENSHOTS_ENV):
        docs.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifact, docs)
    page.set_viewport_size({"width": SCREENSHOT_WIDTH, "height": 800})


def test_every_notebook_runs_in_jupyterlab_compact_and_readable(browser, tmp_path):
    """00-06 after Run All in a real JupyterLab: no error, 05 and 06 each under 8,000 px, state
    marks that need no emoji font; a screenshot of each (docs/images/notebook-*.png)."""
    deadline = Deadline(ALL_BUDGET_S)
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = tmp_path / "home"
    home.mkdir()
    heights: dict[str, float] = {}
    with jupyterlab(root, home, deadline) as lab:
        context = browser.new_context(viewport={"width": SCREENSHOT_WIDTH, "height": 800})
        context.add_init_script(SPEECH_STUB)
        page = context.new_page()
        errors = watch_page_errors(page)
        try:
            page.goto(f"{lab.url}/lab?token={lab.token}", timeout=deadline.ms())
            page.wait_for_function("() => window.jupyterapp?.started", timeout=deadline.ms())
            for name in ALL_NOTEBOOKS:
                path = f"{name}.ipynb"
                page.evaluate(OPEN, path)
                run_all_cells(page, deadline, path)
                page.wait_for_timeout(500)  # widgets render after their cell has run
                shown = page.evaluate(OUTPUTS, path)
                assert not EMOJI.findall(shown["text"]), (name, EMOJI.findall(shown["text"]))
                assert shown["marks"] >= 7, name  # the checklist's done / to do, at least
                size = page.evaluate(MEASURE, path)
                heights[name] = size["content"]
                save_notebook_screenshot(page, name, size["top"] + size["content"])
                page.evaluate(CLOSE, path)
        except Exception:
            page.screenshot(path=artifact_path("jupyterlab-all-failure.png"))
            artifact_path("jupyterlab-all-failure.log").write_text(lab.log_tail(100_000))
            raise
        finally:
            context.close()
    artifact_path("notebook-heights.json").write_text(json.dumps(heights, indent=1))
    for name, limit in MAX_HEIGHT_PX.items():
        assert heights[name] < limit, f"{name} is {heights[name]:.0f} px tall (limit {limit})"
    assert errors == [], "JavaScript errors on the JupyterLab page:\n" + "\n".join(errors)


# --- the Chinese notebooks ------------------------------------------------------------------

#: The Chinese notebooks pictured in docs/images/zh/ (issue 16): the quick start's four steps.
ZH_NOTEBOOKS = ["00_setup", "01_register_agent", "02_create_instance", "03_talk"]
#: What the kit says in Chinese on every one of them: the banner and the checklist.
ZH_BANNER = ("沙箱模式", "您的进度")


def chinese_fonts() -> list[str]:
    """The font families fontconfig has for Chinese (``make browser`` installs Noto CJK)."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30
        ).stdout
    except FileNotFoundError:
        return []
    return sorted({line.split(",")[0] for line in listed.splitlines() if line.strip()})


def test_chinese_notebooks_run_in_jupyterlab_with_a_chinese_font(browser, tmp_path):
    """zh/00-03 after Run All in a real JupyterLab, speaking Chinese from their folder alone,
    drawn with a real Chinese font; a screenshot of each (docs/images/zh/notebook-*.png)."""
    from browser_support import skip_or_fail

    fonts = chinese_fonts()
    if not any("Noto Sans CJK" in family for family in fonts):
        skip_or_fail(
            "no Noto CJK font: Chinese would show as boxes. Install it with "
            "`sudo apt-get install fonts-noto-cjk` (or run `make browser`)"
        )
    deadline = Deadline(ALL_BUDGET_S)
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = tmp_path / "home"
    home.mkdir()
    with jupyterlab(root, home, deadline, language="zh") as lab:
        context = browser.new_context(viewport={"width": SCREENSHOT_WIDTH, "height": 800})
        context.add_init_script(SPEECH_STUB)
        page = context.new_page()
        errors = watch_page_errors(page)
        try:
            page.goto(f"{lab.url}/lab?token={lab.token}", timeout=deadline.ms())
            page.wait_for_function("() => window.jupyterapp?.started", timeout=deadline.ms())
            for name in ZH_NOTEBOOKS:
                path = f"zh/{name}.ipynb"
                page.evaluate(OPEN, path)
                run_all_cells(page, deadline, path)
                page.wait_for_timeout(500)  # widgets render after their cell has run
                shown = page.evaluate(OUTPUTS, path)
                for words in ZH_BANNER:
                    assert words in shown["text"], (name, words)
                assert "SANDBOX MODE" not in shown["text"], name
                assert shown["marks"] >= 7 and not EMOJI.findall(shown["text"]), name
                size = page.evaluate(MEASURE, path)
                save_notebook_screenshot(page, name, size["top"] + size["content"], "zh")
                page.evaluate(CLOSE, path)
        except Exception:
            page.screenshot(path=artifact_path("jupyterlab-zh-failure.png"))
            artifact_path("jupyterlab-zh-failure.log").write_text(lab.log_tail(100_000))
            raise
        finally:
            context.close()
    assert errors == [], "JavaScript errors on the JupyterLab page:\n" + "\n".join(errors)
