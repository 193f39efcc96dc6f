"""The notebooks, run top to bottom as a learner's *Run All* would, in both modes.

* **Sandbox mode, under nbval**: 00 to 04 in order, sharing one fresh kit home
  (so the hand-off through the ledger and the sandbox state is tested), with
  no credentials and no ``.env``. Cells tagged ``nbval-check-output`` must
  reproduce the committed output: these are the cells that prove a step
  worked (the agent stored with its LLM *and* TTS, the instance in the
  ledger, the conversation, the instance gone), so breaking a step fails.
* **Real mode**: the same notebooks against a separate local server standing
  in for ZEGO (a standalone sandbox reached through ``ZEGO_API_BASE_URL``,
  with ``ZEGO_APP_ID``/``ZEGO_SERVER_SECRET`` in the environment), an LLM key
  and a TTS key in ``LLM_*``/``TTS_*``, and a fake LLM that records the key it
  receives.
* **Secrets**: nothing from that run's secrets appears in any executed
  notebook (outputs and saved widget state), nor in the committed notebooks.

To refresh the committed outputs after changing a notebook::

    .venv/bin/python -m tests.test_notebooks refresh
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from zego_helpers.ledger import Ledger

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = [
    "00_setup",
    "01_register_agent",
    "02_create_instance",
    "03_talk",
    "04_delete_instance",
]
#: Settings a developer may have in their environment; the runs start without them.
SETTING_PREFIXES = ("ZEGO_", "NEXT_PUBLIC_ZEGO_", "LLM_", "TTS_")
CELL_TIMEOUT = 120
RUN_TIMEOUT = 600

pytestmark = pytest.mark.notebooks


def notebook_env(kit_home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment for notebook kernels: no ZEGO/LLM/TTS settings, no ``.env``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update(
        ZEGO_ENV_FILE="none",
        ZEGO_KIT_HOME=str(kit_home),
        JUPYTER_PREFER_ENV_PATH="1",  # the venv's "python3" kernel, not a user-wide one
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    env.update(extra or {})
    return env


def paths(names: list[str]) -> list[str]:
    return [str(NOTEBOOK_DIR / f"{name}.ipynb") for name in names]


def run_nbval(names: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess:
    """``pytest --nbval-lax`` on the notebooks, in order, in a separate process."""
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
        f"--nbval-cell-timeout={CELL_TIMEOUT}", "-p", "no:cacheprovider", "-q", "--color=no",
        *paths(names),
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=REPO, env=dict(env), capture_output=True, text=True, timeout=RUN_TIMEOUT
    )


def execute_notebooks(
    names: list[str], out_dir: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess:
    """Run the notebooks in order with nbclient, in another process; save them in ``out_dir``."""
    command = [sys.executable, "-m", "tests.test_notebooks", "execute", str(out_dir), *names]
    return subprocess.run(
        command, cwd=REPO, env=dict(env), capture_output=True, text=True, timeout=RUN_TIMEOUT
    )


def run_notebook(notebook: Any) -> None:
    """Run All on one notebook in place, in a fresh venv kernel started in ``notebooks/``."""
    from nbclient import NotebookClient

    NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        record_timing=False,
    ).execute()


def _execute_in_this_process(out_dir: Path, names: list[str]) -> None:
    """What ``execute`` does, in the subprocess: Run All on each notebook, then save it."""
    import nbformat

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
        run_notebook(notebook)
        nbformat.write(notebook, out_dir / f"{name}.ipynb")
        print("executed", name, flush=True)


def outputs_text(notebook_path: Path) -> str:
    """Every output of a notebook as text (streams, plain text, HTML), in order."""
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append("".join(output["text"]))
            for mime in ("text/plain", "text/html"):
                if mime in output.get("data", {}):
                    parts.append("".join(output["data"][mime]))
    return "\n".join(parts)


def failure_report(result: subprocess.CompletedProcess) -> str:
    """The first failure in full (it explains the others), then the summary and stderr."""
    out = result.stdout
    if len(out) > 9000:
        out = f"{out[:6000]}\n[...]\n{out[-2500:]}"
    err = result.stderr[-3000:]
    return f"exit code {result.returncode}\n--- stdout ---\n{out}\n--- stderr ---\n{err}"


# --- sandbox mode (nbval) ---------------------------------------------------------------


def test_notebooks_run_in_sandbox_mode_and_reproduce_the_checked_outputs(tmp_path):
    kit_home = tmp_path / "kit"
    result = run_nbval(NOTEBOOKS, notebook_env(kit_home))
    assert result.returncode == 0, failure_report(result)
    assert " passed" in result.stdout and "failed" not in result.stdout
    # the hand-off worked through one sandbox state and one ledger
    assert (kit_home / "sandbox-state.json").is_file()
    ledger = Ledger.in_home(kit_home)
    assert ledger.entries() == [] and ledger.pending_creates() == []  # 02 created it, 04 deleted it


def test_notebook_03_runs_on_its_own(tmp_path):
    """No instance in the ledger (nothing ran before): 03 registers and creates what it needs."""
    result = run_nbval(["03_talk"], notebook_env(tmp_path / "kit"))
    assert result.returncode == 0, failure_report(result)


def test_notebook_04_cleans_up_what_another_kernel_left_behind(tmp_path):
    """02 run twice leaves two instances, each created by another kernel's sandbox (port)."""
    names = ["02_create_instance", "02_create_instance", "04_delete_instance"]
    result = execute_notebooks(names, tmp_path / "out", notebook_env(tmp_path / "kit"))
    assert result.returncode == 0, failure_report(result)
    text = outputs_text(tmp_path / "out" / "04_delete_instance.ipynb")
    assert "Cleaned up 1 left-over instance(s)." in text
    assert "The ledger now holds 0" in text


def test_notebook_04_of_an_attendee_cleans_up_only_their_own_instances(tmp_path):
    """Bob and Zoë share a kit home (one ledger, one sandbox state): Zoë's 04 leaves Bob's alone."""
    kit_home = tmp_path / "kit"
    bob_env = notebook_env(kit_home, {"ZEGO_ATTENDEE": "Bob"})
    bob = execute_notebooks(["02_create_instance"], tmp_path / "bob", bob_env)
    assert bob.returncode == 0, failure_report(bob)
    # Zoë creates two; 04 deletes her latest, and its cleanup finds her first one
    names = ["02_create_instance", "02_create_instance", "04_delete_instance"]
    zoe_env = notebook_env(kit_home, {"ZEGO_ATTENDEE": "Zoë"})
    zoe = execute_notebooks(names, tmp_path / "zoe", zoe_env)
    assert zoe.returncode == 0, failure_report(zoe)

    text = outputs_text(tmp_path / "zoe" / "04_delete_instance.ipynb")
    assert "only your own instances (ids starting with 'zoe_')" in text
    assert "Cleaned up 1 left-over instance(s)." in text
    assert "Nothing is left running for attendee" in text  # the exercise check
    left = Ledger.in_home(kit_home).entries()
    assert [entry.room_id.split("_")[0] for entry in left] == ["bob"]


def test_notebooks_are_committed_with_the_outputs_of_a_run():
    checked = 0
    for name in NOTEBOOKS:
        notebook = json.loads((NOTEBOOK_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
        assert notebook["metadata"]["kernelspec"]["name"] == "python3"
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code" or "".join(cell["source"]).startswith("#"):
                continue  # markdown, or a comment-only placeholder
            assert cell["execution_count"] is not None, f"{name}: a cell was never run"
            if "nbval-check-output" in cell["metadata"].get("tags", []):
                checked += 1
                assert cell["outputs"], f"{name}: a checked cell has no committed output"
    assert checked >= 8


# --- real mode, against a local stand-in for ZEGO ---------------------------------------

REAL_SECRET = "5ecre7c0ffee5ecre7c0ffee5ecre7ab"
LLM_KEY = "sk-notebook-test-llm-key-9f8e7d6c5b4a"
TTS_KEY = "tts-notebook-test-key-1a2b3c4d5e6f"
LLM_MODEL = "tiny-test-model"
#: Long enough to be heard for about a second (the stand-in speaks 15 ms per character),
#: so notebook 03's exercise sees the agent SPEAKING even on a busy machine.
LLM_ANSWER = "Hello from the fake LLM. It gives this same answer, of one long breath, to everyone."
TOKEN04 = re.compile(r"04[A-Za-z0-9+/]{40,}={0,2}")


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


class RealModeRun:
    """What the real-mode run left behind, for the tests below to inspect."""

    def __init__(self, out_dir: Path, kit_home: Path, result, stored_agent, live, llm) -> None:
        self.out_dir = out_dir
        self.kit_home = kit_home
        self.result = result
        self.stored_agent = stored_agent
        self.live_instances = live
        self.llm_authorizations = llm

    def text(self, name: str) -> str:
        return outputs_text(self.out_dir / f"{name}.ipynb")


@pytest.fixture(scope="module")
def real_run() -> Iterator[RealModeRun]:
    from zego_helpers.client import AIAgentClient
    from zego_helpers.sandbox import SandboxConfig, start_sandbox

    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
        config = SandboxConfig(app_id=1357924680, server_secret=REAL_SECRET)
        zego = start_sandbox(config)  # plays ZEGO: its own process state, its own port
        try:
            env = notebook_env(
                Path(tmp) / "kit",
                {
                    "ZEGO_APP_ID": str(config.app_id),
                    "ZEGO_SERVER_SECRET": REAL_SECRET,
                    "ZEGO_API_BASE_URL": zego.base_url,
                    "LLM_BASE_URL": llm.url,
                    "LLM_MODEL": LLM_MODEL,
                    "LLM_API_KEY": LLM_KEY,
                    "TTS_VENDOR": "MiniMax",
                    "TTS_API_KEY": TTS_KEY,
                },
            )
            result = execute_notebooks(NOTEBOOKS, Path(tmp) / "out", env)
            with AIAgentClient(config.app_id, REAL_SECRET, zego.base_url) as client:
                stored = client.get_agent("tutorial_agent")
                live = client.call("SandboxListInstances", {})["Instances"]
            yield RealModeRun(
                Path(tmp) / "out", Path(tmp) / "kit", result, stored, live, llm.authorizations
            )
        finally:
            zego.stop()


def test_notebooks_run_in_real_mode_against_a_separate_server(real_run):
    assert real_run.result.returncode == 0, failure_report(real_run.result)
    for name in NOTEBOOKS:
        assert "REAL MODE" in real_run.text(name), name
    # the kit talked to the configured URL, never to an embedded sandbox of its own
    assert not (real_run.kit_home / "sandbox-state.json").exists()
    assert not (real_run.kit_home / "sandbox-credentials.json").exists()
    assert "checks passed" in real_run.text("00_setup")


def test_real_mode_registers_the_settings_llm_and_tts_and_cleans_up(real_run):
    assert real_run.result.returncode == 0, failure_report(real_run.result)
    agent = real_run.stored_agent
    assert agent["LLM"]["Url"].endswith("/v1/chat/completions")
    assert agent["LLM"]["Model"] == LLM_MODEL and agent["LLM"]["ApiKey"] == LLM_KEY
    assert agent["TTS"]["Vendor"] == "MiniMax"
    assert agent["TTS"]["Params"]["app"]["api_key"] == TTS_KEY
    # the agent really used that LLM with that key (doctor's probe, then the chat turn)
    assert f"Bearer {LLM_KEY}" in real_run.llm_authorizations
    assert LLM_ANSWER in real_run.text("03_talk")
    assert "Gone: code 410001002" in real_run.text("04_delete_instance")
    assert real_run.live_instances == []  # nothing left running on "ZEGO"


# --- secrets ------------------------------------------------------------------------------


def test_no_secret_of_the_real_mode_run_appears_in_any_executed_notebook(real_run):
    assert real_run.result.returncode == 0, failure_report(real_run.result)
    for name in NOTEBOOKS:
        raw = (real_run.out_dir / f"{name}.ipynb").read_text(encoding="utf-8")  # widget state too
        for secret in (REAL_SECRET, LLM_KEY, TTS_KEY):
            assert secret not in raw, f"a secret leaked into {name}"
        assert not TOKEN04.search(raw), f"a Token04 leaked into {name}"


def widget_model_ids(raw: str) -> set[str]:
    """The ids of the widgets whose state is saved in a notebook."""
    widgets = json.loads(raw)["metadata"].get("widgets", {})
    return set(widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))


def test_committed_notebooks_hold_no_secret():
    sandbox_secret = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")  # ServerSecret shape
    for name in NOTEBOOKS:
        raw = (NOTEBOOK_DIR / f"{name}.ipynb").read_text(encoding="utf-8")
        for secret in (REAL_SECRET, LLM_KEY, TTS_KEY):
            assert secret not in raw
        assert not TOKEN04.search(raw), f"a Token04 is committed in {name}"
        for model_id in widget_model_ids(raw):  # 32 hex digits too, but random and harmless
            raw = raw.replace(model_id, "")
        assert not sandbox_secret.search(raw), f"a ServerSecret-like value is committed in {name}"
        assert not re.search(r"sk-[A-Za-z0-9]{16,}", raw), f"an API key is committed in {name}"


# --- maintenance: python -m tests.test_notebooks execute|refresh --------------------------


def _main(argv: list[str]) -> int:
    if argv[:1] == ["execute"] and len(argv) >= 3:
        _execute_in_this_process(Path(argv[1]), argv[2:])
        return 0
    if argv == ["refresh"]:
        with tempfile.TemporaryDirectory() as tmp:
            result = execute_notebooks(NOTEBOOKS, NOTEBOOK_DIR, notebook_env(Path(tmp)))
        print(result.stdout, result.stderr, sep="\n")
        return result.returncode
    print("usage: python -m tests.test_notebooks refresh | execute OUT_DIR NAME...")
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
