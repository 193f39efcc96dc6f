"""The trainer's guide runs top to bottom in sandbox mode, and its cells show what it promises."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "notebooks" / "trainer_guide.ipynb"


def outputs_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.append(data.get("text/markdown", "") + data.get("text/plain", ""))
    return "".join(parts)


def test_trainer_guide_runs_in_sandbox_mode(tmp_path):
    notebook = nbformat.read(GUIDE, as_version=4)
    assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit the guide without outputs"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEGO_", "LLM_", "TTS_"))}
    env.update(ZEGO_ENV_FILE="none", ZEGO_KIT_HOME=str(tmp_path), JUPYTER_PREFER_ENV_PATH="1")
    client = NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(GUIDE.parent)}},
    )
    client.execute(env=env)  # raises CellExecutionError, naming the cell, on any error

    text = "\n".join(outputs_text(c) for c in notebook.cells if c.cell_type == "code")
    assert "That fits" in text and "raise the concurrent-instance limit to at least 30" in text
    assert "'zoe_martin': ['Zoë Martin', 'Zoe Martin']" in text
    assert "[ok]   Talk: the agent answered" in text and "[FAIL]" not in text
    assert "0 instance(s) in this machine's ledger" in text
    # against the room sandbox, its own limits: 30 fit in 100, no rate limit
    assert "30 instance(s) at peak; the room sandbox allows 100." in text
    assert "the room sandbox has no rate limit" in text
