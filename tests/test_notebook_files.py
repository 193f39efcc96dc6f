"""The tool that keeps committed notebooks lean: widget state out, readable outputs kept."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

from tests.notebook_files import WIDGET_STATE, WIDGET_VIEW, is_lean, strip_widget_state

REPO = Path(__file__).resolve().parents[1]

BOX, BANNER, CHECKLIST, FORM = "a" * 32, "b" * 32, "c" * 32, "d" * 32


def executed_notebook() -> dict:
    """What nbclient saves: widget views in outputs, every widget's state in the metadata."""
    state = {
        BOX: {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{BANNER}",
                                                               f"IPY_MODEL_{CHECKLIST}"]}},
        BANNER: {"model_name": "HTMLModel", "state": {"value": "<div>SANDBOX MODE</div>"}},
        CHECKLIST: {"model_name": "HTMLModel", "state": {"value": "<b>Your progress: 2/7</b>"}},
        FORM: {"model_name": "VBoxModel", "state": {"children": []}},
    }  # fmt: skip
    return {
        "metadata": {"widgets": {WIDGET_STATE: {"state": state, "version_major": 2}}},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"execution": {"iopub.status.busy": "2025-01-01T00:00:00"}},
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "data": {
                            WIDGET_VIEW: {"model_id": BOX, "version_major": 2},
                            "text/plain": "SANDBOX MODE: ...",
                            "text/html": "<div>SANDBOX MODE</div><b>Your progress: 1/7</b>",
                        },
                    }
                ],
            },
            {
                "cell_type": "code",
                "metadata": {"tags": ["nbval-check-output"]},
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "data": {WIDGET_VIEW: {"model_id": FORM}, "text/plain": "LLMForm: ..."},
                    },
                    {"output_type": "stream", "name": "stdout", "text": "All 6 checks passed.\n"},
                ],
            },
        ],
    }


def test_strip_drops_the_state_and_keeps_what_renders_anywhere():
    notebook = executed_notebook()
    assert len(is_lean(notebook)) == 3
    stripped = strip_widget_state(copy.deepcopy(notebook))
    assert is_lean(stripped) == []
    banner = stripped["cells"][0]["outputs"][0]["data"]
    # the checklist as it stood at the end of the run, not when the cell showed it
    assert banner == {
        "text/plain": "SANDBOX MODE: ...",
        "text/html": "<div>SANDBOX MODE</div><b>Your progress: 2/7</b>",
    }
    form = stripped["cells"][1]["outputs"][0]["data"]
    assert form == {"text/plain": "LLMForm: ..."}  # no HTML to show: the one-line description
    assert stripped["cells"][1]["outputs"][1] == notebook["cells"][1]["outputs"][1]  # untouched
    assert "execution" not in stripped["cells"][0]["metadata"]
    assert stripped["cells"][1]["metadata"] == {"tags": ["nbval-check-output"]}
    assert strip_widget_state(copy.deepcopy(stripped)) == stripped  # twice changes nothing


def test_a_missing_or_cyclic_state_does_not_break_the_strip():
    notebook = executed_notebook()
    state = notebook["metadata"]["widgets"][WIDGET_STATE]["state"]
    state[BOX]["state"]["children"] = [f"IPY_MODEL_{BOX}", "IPY_MODEL_gone", 42]
    stripped = strip_widget_state(notebook)
    html = stripped["cells"][0]["outputs"][0]["data"]["text/html"]
    assert html == "<div>SANDBOX MODE</div><b>Your progress: 1/7</b>"  # kept as it was


def test_the_command_strips_in_place_and_checks(tmp_path):
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(executed_notebook()), encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "tests.notebook_files", *args, str(path)]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    check = run("check")
    assert check.returncode == 1 and "metadata.widgets" in check.stdout
    strip = run("strip")
    assert strip.returncode == 0 and "bytes" in strip.stdout
    assert run("check").returncode == 0
    saved = path.read_text(encoding="utf-8")
    assert saved.endswith("}\n") and "widgets" not in json.loads(saved)["metadata"]
