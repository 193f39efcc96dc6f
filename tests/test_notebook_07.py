"""Notebook 07 (bring your own LLM), run top to bottom as a learner's Run All would.

The runs are the shared ones of :mod:`tests.notebook_runs` (00-07, in order):

* **Sandbox mode, under nbval**, no credentials, a fresh kit home: every cell runs, the
  checked cells reproduce their committed outputs (the answer from the in-kernel LLM
  server, what the agent sent it, the three broken streams each with its silent agent and
  its explanation, the server stopped). The fresh outputs (the capture plugin
  :mod:`tests.nbval_capture`) show that the server's port is closed after the run, and that
  no key is shown unmasked.
* **Real mode**, against a standalone sandbox playing ZEGO: ``127.0.0.1`` is no URL ZEGO
  can call, so the notebook says so, skips registering and talking, changes nothing on
  the account and still stops its server.
* **The committed notebook** holds the outputs of a sandbox run.

To refresh the committed outputs after changing the notebook::

    .venv/bin/python -m tests.notebook_runs refresh 07_bring_your_own_llm
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from tests.notebook_runs import REAL_SECRET, cell_text, failure_report

REPO = Path(__file__).resolve().parents[1]
NAME = "07_bring_your_own_llm"
NOTEBOOK = REPO / "notebooks" / f"{NAME}.ipynb"
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


def test_runs_in_sandbox_mode_and_reproduces_every_checked_output(sandbox_notebooks):
    result = sandbox_notebooks.result
    assert result.returncode == 0, failure_report(result)
    assert " passed" in result.stdout and "failed" not in result.stdout
    assert sandbox_notebooks.cells.get(NAME), "07 did not run"


def test_sandbox_run_shows_the_requests_each_broken_rule_and_a_stopped_server(sandbox_notebooks):
    text = sandbox_notebooks.text(NAME)
    assert [line for line in EXPECTED if line not in text] == []
    assert "SANDBOX MODE" in text and "Skipped" not in text


def test_the_servers_port_is_closed_after_the_run(sandbox_notebooks):
    ports = re.findall(r"LocalLLM\(http://127\.0\.0\.1:(\d+)/", sandbox_notebooks.text(NAME))
    assert ports, "the notebook did not show its server"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(ports[0]))) != 0


def test_sandbox_run_never_shows_the_key_or_the_sandbox_secret(sandbox_notebooks):
    kit_home = sandbox_notebooks.kit_home
    credentials = json.loads((kit_home / "sandbox-credentials.json").read_text())
    raw = json.dumps(sandbox_notebooks.cells[NAME])
    assert DEMO_KEY not in raw
    assert credentials["ServerSecret"] not in raw


# --- real mode, against a standalone sandbox playing ZEGO --------------------------------


def test_real_mode_explains_that_zego_cannot_reach_a_loopback_url(real_notebooks):
    assert real_notebooks.error == ""
    text = real_notebooks.text(NAME)
    assert "REAL MODE" in text
    assert "ZEGO's cloud calls LLM.Url itself, over the internet" in text
    assert "127.0.0.1 is a loopback address (this machine)" in text
    assert "cloudflared tunnel --url" in text and "Skipped: ZEGO cannot reach" in text
    assert "Local LLM server stopped: True" in text


def test_real_mode_changes_nothing_on_the_account(real_notebooks):
    assert real_notebooks.error == ""
    assert not [a for a in real_notebooks.agents if a["AgentId"].endswith("byo_llm_agent")]
    assert real_notebooks.live_instances == []
    assert REAL_SECRET not in json.dumps(real_notebooks.notebooks[NAME])


# --- the committed notebook -------------------------------------------------------------


def test_committed_notebook_holds_the_outputs_of_a_sandbox_run():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code_cells), "a cell was never run"
    checked = [c for c in code_cells if "nbval-check-output" in c["metadata"].get("tags", [])]
    assert len(checked) >= 7 and all(c["outputs"] for c in checked)
    text = "\n".join(cell_text(c["outputs"]) for c in checked)
    assert [line for line in EXPECTED if line not in text] == []
    outputs = json.dumps([c["outputs"] for c in code_cells])
    assert DEMO_KEY not in outputs
    assert not re.search(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", outputs)  # a ServerSecret
