"""Notebook 05 (callbacks and troubleshooting), run top to bottom as a learner's Run All would.

* **Sandbox mode, under nbval**, in a separate process with no credentials, no ``.env`` and
  a fresh kit home: every cell runs, and every cell tagged ``nbval-check-output``
  reproduces its committed output. Those cells print the kit's diagnosis of one failure
  each, so a drill that stops failing (or a diagnosis that changes) fails the test. The
  fresh outputs are also read back (the small nbval plugin at the end of this file saves
  them) to check each diagnosis and that the sandbox's secret appears nowhere.
* **Real mode**, against a standalone sandbox playing ZEGO: the read-only drills run and
  are diagnosed, every other drill prints why it was skipped, and nothing is left on the
  "account".
* **The committed notebook** holds the outputs of a sandbox run, with every diagnosis,
  and nothing shaped like a secret.

To refresh the committed outputs after changing the notebook::

    .venv/bin/python -m tests.test_notebook_05 refresh
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.test_notebooks import notebook_env
from zego_helpers.codes import EXCEPTION_CODES, RETURN_CODES

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "05_callbacks_and_troubleshooting.ipynb"
#: Where the nbval plugin below writes each cell's fresh outputs (one JSON line per cell).
CAPTURE_ENV = "ZEGO_TEST_NBVAL_OUTPUTS"
CELL_TIMEOUT = 60
RUN_TIMEOUT = 300
#: The made-up key the rejected-key drill uses; like any key, it must never be printed.
DRILL_LLM_KEY = "sk-not-a-valid-key"

pytestmark = pytest.mark.notebooks


def _api(code: int, action: str) -> str:
    return f"{RETURN_CODES[code].meaning} [code {code} from {action}]"


def _event(code: int, round_: int) -> str:
    return f"{EXCEPTION_CODES[code].meaning} [Exception {code}, round {round_}]"


#: What the notebook must show, per step: the callbacks arriving, then each failure's diagnosis.
EXPECTED = {
    "callbacks arrive, verified": [
        "AgentInstanceCreated   Agent joined the room",
        "AgentInstanceStatus    Status THINKING (round 1)",
        'LLMResult              LLM said: "Hello!"',
        "AgentInstanceDeleted   Deleted through the API",
        "each signed and verified with: server_secret",
        "Retries ignored: 0; refused: none",
    ],
    "wrong ServerSecret": [_api(100000005, "ListAgents")],
    "clock skew": [_api(100000004, "ListAgents")],
    "registering twice": [
        _api(410001008, "RegisterAgent"),
        "Same config again:    unchanged",
        "A new system prompt:  updated",
    ],
    "instance limit": [
        "Created 3 instances; the next one was refused.",
        _api(410000011, "CreateAgentInstance"),
        "cleanup_ledger deleted 3 instance(s).",
    ],
    "idle rule": [_event(1202, 0), _api(410001002, "QueryAgentInstanceStatus")],
    "LLM rejects its key": [
        "CreateAgentInstance and SendAgentInstanceLLM both succeeded (round 1).",
        _event(2203, 1),
        "HTTP 401: the LLM rejected the key (ZEGO would report Exception 2203)",
    ],
    "zego_test on another URL": [
        "refused by the kit before sending [LLM.Url]",
        "(ZEGO would answer 410001047)",
        _api(410001047, "RegisterAgent"),
    ],
}


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


def is_checked(cell: dict[str, Any]) -> bool:
    return "nbval-check-output" in cell.get("metadata", {}).get("tags", [])


def missing(text: str) -> list[str]:
    """The expected lines (see :data:`EXPECTED`) that ``text`` does not contain."""
    return [
        f"{step}: {line}" for step, lines in EXPECTED.items() for line in lines if line not in text
    ]


def failure_report(result: subprocess.CompletedProcess) -> str:
    out = result.stdout if len(result.stdout) < 9000 else result.stdout[-9000:]
    err = result.stderr[-3000:]
    return f"exit code {result.returncode}\n--- stdout ---\n{out}\n--- stderr ---\n{err}"


# --- sandbox mode, under nbval ----------------------------------------------------------


@dataclass
class SandboxRun:
    result: subprocess.CompletedProcess
    kit_home: Path
    cells: list[dict[str, Any]]  # {"cell": name, "outputs": [...]} per executed cell

    def text(self) -> str:
        return "\n".join(cell_text(c["outputs"]) for c in self.cells)


@pytest.fixture(scope="module")
def sandbox_run(tmp_path_factory: pytest.TempPathFactory) -> SandboxRun:
    tmp = tmp_path_factory.mktemp("notebook_05")
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


def test_sandbox_run_shows_the_events_and_each_failures_diagnosis(sandbox_run):
    code_cells = sum(
        1 for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"
    )
    assert len(sandbox_run.cells) == code_cells, "the nbval plugin did not capture every cell"
    text = sandbox_run.text()
    assert missing(text) == []
    assert "SANDBOX MODE" in text and "Skipped in real mode" not in text


def test_sandbox_run_never_shows_the_sandbox_secret_or_a_key(sandbox_run):
    credentials = json.loads((sandbox_run.kit_home / "sandbox-credentials.json").read_text())
    secret = credentials["ServerSecret"]
    raw = json.dumps([c["outputs"] for c in sandbox_run.cells])  # widget views included
    assert sandbox_run.cells and secret not in raw
    assert DRILL_LLM_KEY not in raw


# --- real mode, against a standalone sandbox playing ZEGO --------------------------------

REAL_APP_ID = 1357924680
REAL_SECRET = "5ecre7c0ffee5ecre7c0ffee5ecre7ab"


@dataclass
class RealRun:
    notebook: dict[str, Any]
    kit_home: Path
    agents_left: int
    instances_left: int

    def text(self) -> str:
        return "\n".join(cell_text(c.get("outputs", [])) for c in self.notebook["cells"])


def execute(notebook_path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Run All with nbclient in a kernel started with ``env``; the executed notebook as JSON."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(notebook_path, as_version=4)
    NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook_path.parent)}},
        record_timing=False,
    ).execute(env=dict(env))
    return json.loads(nbformat.writes(notebook))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealRun]:
    from zego_helpers.client import AIAgentClient
    from zego_helpers.sandbox import SandboxConfig, start_sandbox

    kit_home = tmp_path_factory.mktemp("notebook_05_real") / "kit"
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
        yield RealRun(notebook, kit_home, agents, instances)
    finally:
        zego.stop()


def test_real_mode_runs_the_read_only_drills_and_skips_the_others(real_run):
    text = real_run.text()
    assert "REAL MODE" in text
    for step in ("wrong ServerSecret", "clock skew"):
        assert all(line in text for line in EXPECTED[step]), step
    assert "refused by the kit before sending [LLM.Url]" in text
    for drill in (
        "the live conversation",
        "the register-twice drill",
        "the instance-limit drill",
        "the idle-rule drill",
        "the rejected-key drill",
        "sending the trial-key mistake raw",
    ):
        assert f"Skipped in real mode: {drill} runs only against the sandbox" in text, drill
    for step in ("registering twice", "instance limit", "idle rule", "LLM rejects its key"):
        assert not any(line in text for line in EXPECTED[step]), step


def test_real_mode_changes_nothing_on_the_account_and_shows_no_secret(real_run):
    assert real_run.agents_left == 0 and real_run.instances_left == 0
    assert not (real_run.kit_home / "sandbox-credentials.json").exists()  # no sandbox started
    assert REAL_SECRET not in json.dumps(real_run.notebook)


# --- the committed notebook -------------------------------------------------------------


def test_committed_notebook_holds_the_outputs_of_a_sandbox_run():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code_cells), "a cell was never run"
    checked = [c for c in code_cells if is_checked(c)]
    assert len(checked) >= 10 and all(c["outputs"] for c in checked)
    # every diagnosis is in a checked cell, so nbval proves each one on every run
    assert missing("\n".join(cell_text(c["outputs"]) for c in checked)) == []


def test_committed_notebook_holds_nothing_shaped_like_a_secret():
    raw = NOTEBOOK.read_text(encoding="utf-8")
    widgets = json.loads(raw)["metadata"].get("widgets", {})
    state = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(raw)["cells"]])
    for model_id in state:  # widget model ids are 32 hex digits too, random and harmless
        outputs = outputs.replace(model_id, "")
    assert not re.search(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", outputs)  # a ServerSecret
    assert not re.search(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])", outputs)  # a callback Signature
    assert DRILL_LLM_KEY not in outputs and REAL_SECRET not in raw


# --- the nbval plugin (loaded in the nbval subprocess with ``-p tests.test_notebook_05``) --


def pytest_runtest_makereport(item: Any, call: Any) -> None:
    """Append the cell's fresh outputs to the file named by :data:`CAPTURE_ENV`.

    nbval compares only the checked cells and keeps the outputs to itself
    (``item.test_outputs``); this saves them for the tests above. In the main
    test run this function is never called: pytest takes hooks from plugins
    and conftest files, not from test modules.
    """
    path = os.environ.get(CAPTURE_ENV)
    outputs = getattr(item, "test_outputs", None)
    if call.when != "call" or not path or outputs is None:
        return
    with open(path, "a", encoding="utf-8") as capture:
        capture.write(json.dumps({"cell": item.name, "outputs": outputs}) + "\n")


# --- maintenance: python -m tests.test_notebook_05 refresh -------------------------------


def _refresh() -> None:
    """Execute the notebook in sandbox mode (fresh kit home) and save it with its outputs."""
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        executed = execute(NOTEBOOK, notebook_env(Path(tmp) / "kit"))
    nbformat.write(nbformat.reads(json.dumps(executed), as_version=4), NOTEBOOK)
    print(f"refreshed {NOTEBOOK.relative_to(REPO)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["refresh"]:
        sys.exit("usage: python -m tests.test_notebook_05 refresh")
    _refresh()
