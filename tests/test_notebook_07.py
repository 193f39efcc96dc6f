"""Notebook 07 (bring your own LLM), run top to bottom as a learner's Run All would.

* **Sandbox mode, under nbval**, in a separate process with no credentials and a fresh
  kit home: every cell runs, the checked cells reproduce their committed outputs (the
  answer from the in-kernel LLM server, what the agent sent it, the three broken streams
  each with its silent agent and its explanation, the server stopped). The fresh outputs
  are read back (the capture plugin of ``tests/test_notebook_05``) to check that the
  server's port is closed after the run, and that no key is shown unmasked.
* **Real mode**, against a standalone sandbox playing ZEGO: ``127.0.0.1`` is no URL ZEGO
  can call, so the notebook says so, skips registering and talking, changes nothing on
  the account and still stops its server.
* **The committed notebook** holds the outputs of a sandbox run.

To refresh the committed outputs after changing the notebook::

    .venv/bin/python -m tests.test_notebook_07 refresh
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.test_notebook_05 import CAPTURE_ENV, cell_text, execute, failure_report, is_checked
from tests.test_notebooks import notebook_env

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "07_bring_your_own_llm.ipynb"
CELL_TIMEOUT = 60
RUN_TIMEOUT = 300
#: The key the notebook gives its LLM; only its masked form may be shown.
DEMO_KEY = "local-demo-key-0042"

pytestmark = pytest.mark.notebooks

#: What the checked cells must show: the answer, the request, each broken rule, the stop.
EXPECTED = [
    'Round 1: You asked: "What is the capital of France?".',
    "Authorization: Bearer ****42",
    "model: my-own-model | stream: True",
    "messages: ['system', 'user']",
    "agent_info: ['agent_instance_id', 'agent_user_id', 'room_id', 'round_id', 'time_stamp', "
    "'user_id']",
    "agent_extra_info: {'course': 'zego-kit'}",
    "finish_reason: ['', ''] ... ['', 'stop']; last line: data: [DONE]",
    "Round 2: no answer, the agent stayed silent.\nException 2201 (LLM general error)",
    "only the last valid data may carry a finish_reason",
    "Round 3: no answer, the agent stayed silent.\nException 2201 (LLM general error)",
    "finally, a termination line must be sent: 'data: [DONE]'",
    "Round 4: no answer, the agent stayed silent.\nException 2203 (LLM authentication failed)",
    "Round 5: You asked: \"Are you still there?\". I am the LLM running in your notebook, "
    "and I can see 2 earlier message(s).",
    "Local LLM server stopped: True\nNothing listens on its port any more: True",
]


@dataclass
class SandboxRun:
    result: subprocess.CompletedProcess
    kit_home: Path
    cells: list[dict[str, Any]]

    def text(self) -> str:
        return "\n".join(cell_text(c["outputs"]) for c in self.cells)


@pytest.fixture(scope="module")
def sandbox_run(tmp_path_factory: pytest.TempPathFactory) -> SandboxRun:
    tmp = tmp_path_factory.mktemp("notebook_07")
    capture = tmp / "outputs.jsonl"
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
        f"--nbval-cell-timeout={CELL_TIMEOUT}", "-p", "no:cacheprovider",
        "-p", "tests.test_notebook_05", "-q", "--color=no", str(NOTEBOOK),
    ]  # fmt: skip
    env = notebook_env(tmp / "kit", {CAPTURE_ENV: str(capture)})
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    lines = capture.read_text(encoding="utf-8").splitlines() if capture.exists() else []
    return SandboxRun(result, tmp / "kit", [json.loads(line) for line in lines])


def test_runs_in_sandbox_mode_and_reproduces_every_checked_output(sandbox_run):
    assert sandbox_run.result.returncode == 0, failure_report(sandbox_run.result)
    assert " passed" in sandbox_run.result.stdout
    assert "failed" not in sandbox_run.result.stdout


def test_sandbox_run_shows_the_requests_each_broken_rule_and_a_stopped_server(sandbox_run):
    text = sandbox_run.text()
    assert [line for line in EXPECTED if line not in text] == []
    assert "SANDBOX MODE" in text and "Skipped" not in text


def test_the_servers_port_is_closed_after_the_run(sandbox_run):
    ports = re.findall(r"LocalLLM\(http://127\.0\.0\.1:(\d+)/", sandbox_run.text())
    assert ports, "the notebook did not show its server"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(ports[0]))) != 0


def test_sandbox_run_never_shows_the_key_or_the_sandbox_secret(sandbox_run):
    credentials = json.loads((sandbox_run.kit_home / "sandbox-credentials.json").read_text())
    raw = json.dumps([c["outputs"] for c in sandbox_run.cells])
    assert sandbox_run.cells and DEMO_KEY not in raw
    assert credentials["ServerSecret"] not in raw


# --- real mode, against a standalone sandbox playing ZEGO --------------------------------

REAL_APP_ID = 1357924680
REAL_SECRET = "5ecre7c0ffee5ecre7c0ffee5ecre7ab"


@dataclass
class RealRun:
    notebook: dict[str, Any]
    agents_left: int
    instances_left: int

    def text(self) -> str:
        return "\n".join(cell_text(c.get("outputs", [])) for c in self.notebook["cells"])


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealRun]:
    from zego_helpers.client import AIAgentClient
    from zego_helpers.sandbox import SandboxConfig, start_sandbox

    kit_home = tmp_path_factory.mktemp("notebook_07_real") / "kit"
    zego = start_sandbox(SandboxConfig(app_id=REAL_APP_ID, server_secret=REAL_SECRET))
    try:
        env = notebook_env(
            kit_home,
            {
                "ZEGO_APP_ID": str(REAL_APP_ID),
                "ZEGO_SERVER_SECRET": REAL_SECRET,
                "ZEGO_API_BASE_URL": zego.base_url,
            },
        )
        notebook = execute(NOTEBOOK, env)
        with AIAgentClient(REAL_APP_ID, REAL_SECRET, zego.base_url) as client:
            agents = client.list_agents()["Total"]
            instances = len(client.call("SandboxListInstances", {})["Instances"])
        yield RealRun(notebook, agents, instances)
    finally:
        zego.stop()


def test_real_mode_explains_that_zego_cannot_reach_a_loopback_url(real_run):
    text = real_run.text()
    assert "REAL MODE" in text
    assert "ZEGO's cloud calls LLM.Url itself, over the internet" in text
    assert "127.0.0.1 is a loopback address (this machine)" in text
    assert "cloudflared tunnel --url" in text and "Skipped: ZEGO cannot reach" in text
    assert "Local LLM server stopped: True" in text


def test_real_mode_changes_nothing_on_the_account(real_run):
    assert real_run.agents_left == 0 and real_run.instances_left == 0
    assert REAL_SECRET not in json.dumps(real_run.notebook)


# --- the committed notebook -------------------------------------------------------------


def test_committed_notebook_holds_the_outputs_of_a_sandbox_run():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code_cells), "a cell was never run"
    checked = [c for c in code_cells if is_checked(c)]
    assert len(checked) >= 7 and all(c["outputs"] for c in checked)
    text = "\n".join(cell_text(c["outputs"]) for c in checked)
    assert [line for line in EXPECTED if line not in text] == []
    outputs = json.dumps([c["outputs"] for c in code_cells])
    assert DEMO_KEY not in outputs
    assert not re.search(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", outputs)  # a ServerSecret


# --- maintenance: python -m tests.test_notebook_07 refresh -------------------------------


def _refresh() -> None:
    """Execute the notebook in sandbox mode (fresh kit home) and save it with its outputs."""
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        executed = execute(NOTEBOOK, notebook_env(Path(tmp) / "kit"))
    nbformat.write(nbformat.reads(json.dumps(executed), as_version=4), NOTEBOOK)
    print(f"refreshed {NOTEBOOK.relative_to(REPO)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["refresh"]:
        sys.exit("usage: python -m tests.test_notebook_07 refresh")
    _refresh()
