"""Notebooks 05 (callbacks) and 06 (troubleshooting), in the three settings of the runs.

* **Sandbox mode**: 05 shows a conversation's callbacks, signed and verified; 06 reproduces
  and diagnoses each of the seven failures (every diagnosis is in a checked cell, so nbval
  proves each one on every run).
* **Real mode** (a stand-in for ZEGO): 06 runs the read-only drills and says why it skips
  the others; nothing is left on the "account".
* **Room sandbox**: every drill runs (on the notebook's private sandbox), none is skipped.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.notebook_runs import NOTEBOOK_DIR, cell_text, code_cells, failure_report
from zego_helpers.codes import EXCEPTION_CODES, RETURN_CODES

pytestmark = pytest.mark.notebooks

CALLBACKS = "05_callbacks"
DRILLS = "06_troubleshooting"
#: The made-up key the rejected-key drill uses; like any key, it must never be printed.
DRILL_LLM_KEY = "sk-not-a-valid-key"


def _api(code: int, action: str) -> str:
    return f"{RETURN_CODES[code].meaning} [code {code} from {action}]"


def _event(code: int, round_: int) -> str:
    return f"{EXCEPTION_CODES[code].meaning} [Exception {code}, round {round_}]"


#: What 05 must show: the callbacks of one conversation, each verified.
CALLBACK_LINES = [
    "AgentInstanceCreated   Agent joined the room",
    "AgentInstanceStatus    Status THINKING (round 1)",
    'LLMResult              LLM said: "Hello!"',
    "AgentInstanceDeleted   Deleted through the API",
    "each signed and verified with: server_secret",
    "Retries ignored: 0; refused: none",
]
#: What 06 must show, per drill: each failure's diagnosis.
DRILL_LINES = {
    "wrong ServerSecret": [_api(100000005, "ListAgents")],
    "clock skew": [_api(100000004, "ListAgents")],
    "registering twice": [
        _api(410001008, "RegisterAgent"),
        "With ensure_agent, same config: unchanged",
        "With ensure_agent, a new prompt: updated",
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
#: The drills that only a sandbox runs, as 06 names them when it skips one.
SANDBOX_ONLY = [
    "the drills that change the sandbox's rules",
    "the register-twice drill",
    "the instance-limit drill",
    "the idle-rule drill",
    "the rejected-key drill",
    "sending the trial-key mistake raw",
]


def missing(text: str, expected: dict[str, list[str]]) -> list[str]:
    return [
        f"{step}: {line}" for step, lines in expected.items() for line in lines if line not in text
    ]


def committed(name: str) -> dict:
    return json.loads((NOTEBOOK_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))


def checked_text(notebook: dict) -> str:
    return "\n".join(
        cell_text(c["outputs"])
        for c in code_cells(notebook)
        if "nbval-check-output" in c["metadata"].get("tags", [])
    )


# --- sandbox mode -------------------------------------------------------------------------


def test_05_shows_a_conversation_through_its_verified_callbacks(sandbox_notebooks):
    assert sandbox_notebooks.result.returncode == 0, failure_report(sandbox_notebooks.result)
    text = sandbox_notebooks.text(CALLBACKS)
    assert [line for line in CALLBACK_LINES if line not in text] == []
    assert "LLM time to first token" in text  # the latency chart: there was a conversation
    assert "Skipped in real mode" not in text


def test_06_reproduces_and_diagnoses_every_failure(sandbox_notebooks):
    assert sandbox_notebooks.result.returncode == 0, failure_report(sandbox_notebooks.result)
    cells = sandbox_notebooks.cells[DRILLS]
    assert len(cells) == len(code_cells(committed(DRILLS))), "a cell was not captured"
    text = sandbox_notebooks.text(DRILLS)
    assert missing(text, DRILL_LINES) == []
    assert "SANDBOX MODE" in text and "Skipped in real mode" not in text


def test_05_and_06_never_show_the_sandbox_secret_or_a_key(sandbox_notebooks):
    credentials = json.loads((sandbox_notebooks.kit_home / "sandbox-credentials.json").read_text())
    raw = json.dumps([sandbox_notebooks.cells[n] for n in (CALLBACKS, DRILLS)])
    assert credentials["ServerSecret"] not in raw and DRILL_LLM_KEY not in raw


# --- real mode: a stand-in for ZEGO --------------------------------------------------------


def test_06_against_zego_runs_the_read_only_drills_and_says_why_it_skips_the_others(
    real_notebooks,
):
    assert real_notebooks.error == ""
    text = real_notebooks.text(DRILLS)
    assert "REAL MODE" in text
    for step in ("wrong ServerSecret", "clock skew"):
        assert all(line in text for line in DRILL_LINES[step]), step
    assert "refused by the kit before sending [LLM.Url]" in text
    for drill in SANDBOX_ONLY:
        assert f"Skipped in real mode: {drill} runs only against the sandbox" in text, drill
    for step in ("registering twice", "instance limit", "idle rule", "LLM rejects its key"):
        assert not any(line in text for line in DRILL_LINES[step]), step
    assert "Skipped in real mode: the live conversation" in real_notebooks.text(CALLBACKS)


def test_05_and_06_against_zego_change_nothing_and_show_no_secret(real_notebooks):
    from tests.notebook_runs import REAL_SECRET

    assert real_notebooks.error == ""
    assert real_notebooks.live_instances == []
    drill_agents = [a["AgentId"] for a in real_notebooks.agents if "drill" in a["AgentId"]]
    assert drill_agents == []  # the register-twice drill did not run on the "account"
    for name in (CALLBACKS, DRILLS):
        assert REAL_SECRET not in json.dumps(real_notebooks.notebooks[name])


# --- the room sandbox ----------------------------------------------------------------------


def test_in_a_room_sandbox_every_drill_runs_and_none_is_skipped(room_notebooks):
    assert room_notebooks.error == ""
    text = room_notebooks.text(DRILLS)
    assert f"room sandbox at {room_notebooks.base_url}, run by your trainer" in text
    assert "Skipped" not in text
    assert missing(text, DRILL_LINES) == []
    # every drill cell ran and printed its part (none printed nothing, none was skipped)
    for cell in code_cells(room_notebooks.notebooks[DRILLS]):
        if "drills_run_here(" in "".join(cell["source"]):
            assert cell_text(cell["outputs"]).strip(), "".join(cell["source"])[:80]
    callbacks = room_notebooks.text(CALLBACKS)
    assert [line for line in CALLBACK_LINES if line not in callbacks] == []


def test_the_room_was_never_locked_out_by_a_drill(room_notebooks):
    """The drills lowered a limit and switched the idle rule on, on a private sandbox."""
    from tests.notebook_runs import ROOM_APP_ID, ROOM_SECRET
    from zego_helpers.client import AIAgentClient
    from zego_helpers.sandbox_control import SandboxControl

    assert room_notebooks.error == ""
    with AIAgentClient(ROOM_APP_ID, ROOM_SECRET, room_notebooks.base_url) as client:
        info = SandboxControl(client).info(refresh=True)
    assert info.instance_limit == 100 and info.room
    assert not any("drill" in a["AgentId"] for a in room_notebooks.agents)


# --- the committed notebooks -----------------------------------------------------------------


def test_committed_05_and_06_hold_every_diagnosis_in_a_checked_cell():
    assert [line for line in CALLBACK_LINES if line not in checked_text(committed(CALLBACKS))] == []
    assert missing(checked_text(committed(DRILLS)), DRILL_LINES) == []


def test_committed_05_and_06_hold_nothing_shaped_like_a_secret():
    for name in (CALLBACKS, DRILLS):
        outputs = json.dumps([c.get("outputs", []) for c in committed(name)["cells"]])
        assert not re.search(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", outputs)  # ServerSecret
        assert not re.search(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])", outputs)  # a Signature
        assert DRILL_LLM_KEY not in outputs


def test_the_event_view_in_the_committed_05_is_compact():
    """One row per event, the newest first, latency only where measured, no duplicate table."""
    notebook = committed(CALLBACKS)
    views = [
        "".join(o["data"]["text/html"])
        for c in code_cells(notebook)
        for o in c["outputs"]
        if "zego-event-view" in "".join(o.get("data", {}).get("text/html", ""))
    ]
    assert len(views) == 1  # the events are shown once, not again as a table at the end
    (view,) = views
    assert view.count("<tr") - view.count("<thead") <= 13  # header + at most 12 rows in view
    assert not re.search(r"(?<![\d.])0 ms|(?<![\d.])0\.0 tokens/s", view)  # zeros say nothing
