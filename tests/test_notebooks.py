"""The notebooks: what a learner reads in them, and what they do when run (issue 13).

* **The files** (no kernel): each quick-start step is the learner's own
  ``client.<method>(...)`` call; no raw ``client.call("Sandbox...")``; one
  visible first line and no other cell copied from notebook to notebook; lean
  files (no widget state) that still show their outputs; no emoji marks; no secret.
* **Sandbox mode** (``sandbox_notebooks``, under nbval): 00-07 pass and every
  checked output is reproduced; the hand-off and the checklist behave.
* **Real mode** (``real_notebooks``): the same notebooks against a stand-in for ZEGO.
* **Room sandbox** (``room_notebooks``): an attendee pointed at the trainer's room sandbox
  sees the room-sandbox banner on every notebook, and everything cleans up.
* **Hand-off**: 02's exercise cell run three times with wrong answers, then 03 and 04.

Notebook 05 and 06's own checks are in ``tests/test_notebooks_05_06.py``. To refresh the
committed outputs after changing a notebook::

    .venv/bin/python -m tests.notebook_runs refresh
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.notebook_files import is_lean, read
from tests.notebook_runs import (
    LLM_ANSWER,
    LLM_KEY,
    LLM_MODEL,
    NOTEBOOKS,
    REAL_SECRET,
    ROOM_ATTENDEE,
    ROOM_SECRET,
    TTS_KEY,
    cell_text,
    code_cells,
    execute,
    failure_report,
    make_sandbox_run,
    notebook_client,
    notebook_env,
    notebook_text,
    path_of,
)
from tests.readable import cells_not_left_aligned, emoji_in
from zego_helpers.ledger import Ledger

pytestmark = pytest.mark.notebooks

#: The first cell of every numbered notebook: one visible line, named results.
START_CELL = (
    "from zego_helpers.widgets.setup import start_notebook\n\n"
    "settings, client, agent_id, banner = start_notebook()\nbanner"
)
#: Each quick-start step, as the learner's own calls (issue 13, "Done when").
QUICK_START_CALLS = {
    "01_register_agent": ["register_agent"],
    "02_create_instance": ["create_agent_instance"],
    "03_talk": [
        "send_agent_instance_llm",
        "send_agent_instance_tts",
        "interrupt_agent_instance",
        "query_agent_instance_status",
        "get_agent_instance_msg_list",
    ],
    "04_delete_instance": ["delete_agent_instance"],
}
TOKEN04 = re.compile(r"04[A-Za-z0-9+/]{40,}={0,2}")


def committed(name: str) -> dict[str, Any]:
    return read(path_of(name))


def source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def html_outputs(notebook: dict[str, Any]) -> list[str]:
    return [
        "".join(output["data"]["text/html"])
        for cell in code_cells(notebook)
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]


# --- the files --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "methods"), QUICK_START_CALLS.items())
def test_each_quick_start_step_is_the_learners_own_client_call(name, methods):
    code = "\n".join(source(c) for c in code_cells(committed(name)))
    for method in methods:
        assert re.search(rf"^\s*(?:\w+ = )?client\.{method}\(", code, re.M), f"{name}: {method}"


def test_no_notebook_sends_a_raw_sandbox_action():
    for name in [*NOTEBOOKS, "trainer_guide"]:
        code = "\n".join(source(c) for c in code_cells(committed(name)))
        assert '.call("Sandbox' not in code and ".call('Sandbox" not in code, name


def test_one_visible_first_line_and_no_copied_cells():
    seen: dict[str, str] = {}
    for name in NOTEBOOKS:
        notebook = committed(name)
        cells = notebook["cells"]
        first = code_cells(notebook)[0]
        assert source(first) == START_CELL, name
        for cell in cells:
            text = source(cell)
            if cell is first or not text.strip():
                continue
            assert text not in seen, f"{name} repeats a cell of {seen.get(text)}: {text[:80]!r}"
            seen[text] = name


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_stay_short_enough_to_read(name):
    """05 had 60 cells and a 39-line cell; each idea now fits on a screen."""
    cells = committed(name)["cells"]
    assert len(cells) <= 30, f"{name} has {len(cells)} cells"
    longest = max(len(source(c).splitlines()) for c in code_cells(committed(name)))
    assert longest <= 25, f"{name} has a code cell of {longest} lines"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebooks_are_lean_and_show_their_outputs(name):
    notebook = committed(name)
    assert is_lean(notebook) == []
    size = path_of(name).stat().st_size
    assert size < 45_000, f"{name} is {size} bytes"  # 01 was 161 KB, 70% widget state
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for cell in code_cells(notebook):
        if source(cell).startswith("#"):
            continue  # a commented-out hint cell, run on request only
        assert cell["execution_count"] is not None, f"{name}: a cell was never run"
        if "nbval-check-output" in cell["metadata"].get("tags", []):
            assert cell["outputs"], f"{name}: a checked cell has no committed output"
    # the banner renders without widget state (on GitHub, in JupyterLab before a run)
    first = code_cells(notebook)[0]["outputs"][0]["data"]
    assert "SANDBOX MODE" in "".join(first["text/html"]) and "Your progress" in "".join(
        first["text/html"]
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_outputs_need_no_emoji_font_and_tables_are_left_aligned(name):
    for markup in html_outputs(committed(name)):
        assert emoji_in(markup) == [], f"{name}: emoji state marks"
        if "<table" in markup:
            assert cells_not_left_aligned(markup) == [], f"{name}: a right-aligned table"


def test_notebook_00_says_what_the_checklist_will_show():
    text = "\n".join(
        source(c) for c in committed("00_setup")["cells"] if c["cell_type"] == "markdown"
    )
    assert "*Your progress: 1/7*" in text and "after *Run All* it reads **2/7**" in text
    last = code_cells(committed("00_setup"))[-1]
    assert "Your progress: 2/7" in cell_text(last["outputs"])


def test_exercise_checks_in_the_committed_notebooks_do_not_give_the_answer_away():
    text = "\n".join(notebook_text(committed(n)) for n in ("01_register_agent", "03_talk"))
    assert "Not yet" in text and "check.hint()" in text
    for answer in ('Always start with \\"Ahoy\\"', "TTS.trial('MiniMax')", "priority='High'"):
        assert answer not in text, answer


def test_committed_notebooks_hold_no_secret():
    server_secret = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
    for name in [*NOTEBOOKS, "trainer_guide"]:
        raw = path_of(name).read_text(encoding="utf-8")
        for secret in (REAL_SECRET, LLM_KEY, TTS_KEY, ROOM_SECRET):
            assert secret not in raw
        assert not TOKEN04.search(raw), f"a Token04 is committed in {name}"
        assert not server_secret.search(raw), f"a ServerSecret-like value is committed in {name}"
        assert not re.search(r"sk-[A-Za-z0-9]{16,}", raw), f"an API key is committed in {name}"


# --- sandbox mode, under nbval ----------------------------------------------------------


def test_notebooks_run_in_sandbox_mode_and_reproduce_the_checked_outputs(sandbox_notebooks):
    result = sandbox_notebooks.result
    assert result.returncode == 0, failure_report(result)
    assert " passed" in result.stdout and "failed" not in result.stdout
    kit = sandbox_notebooks.kit_home
    assert (kit / "sandbox-state.json").is_file()  # one shared sandbox state...
    ledger = Ledger.in_home(kit)
    assert ledger.entries() == [] and ledger.pending_creates() == []  # ...cleaned up
    record = json.loads((kit / "handoff-default.json").read_text())
    assert "tutorial" not in record  # 04 deleted the tutorial instance and took it back


def test_sandbox_run_shows_the_learners_calls_and_what_to_expect(sandbox_notebooks):
    assert "Registered tutorial_agent (Name: Tutorial agent)" in sandbox_notebooks.text(
        "01_register_agent"
    )
    talk = sandbox_notebooks.text("03_talk")
    assert "Using the tutorial instance notebook 02 handed off" in talk
    assert "{'Status': 'IDLE'}" in talk and "{'Round': 1}" in talk and "{'Round': 2}" in talk
    assert "Interrupted round 2\nNow: IDLE" in talk
    assert "     user: Hello! Who are you?" in talk and "assistant: Welcome to the ZEGO" in talk
    assert "Your progress: 2/7" in sandbox_notebooks.text("00_setup")


# --- real mode, against a stand-in for ZEGO ----------------------------------------------


def test_notebooks_run_in_real_mode_against_a_separate_server(real_notebooks):
    assert real_notebooks.error == ""
    for name in NOTEBOOKS:
        text = real_notebooks.text(name)
        assert "REAL MODE" in text and "ROOM SANDBOX" not in text, name
    # the kit talked to the configured URL, never to an embedded sandbox of its own
    assert not (real_notebooks.kit_home / "sandbox-state.json").exists()
    assert not (real_notebooks.kit_home / "sandbox-credentials.json").exists()
    assert "checks passed" in real_notebooks.text("00_setup")


def test_real_mode_registers_the_settings_llm_and_tts_and_cleans_up(real_notebooks):
    assert real_notebooks.error == ""
    (agent,) = [a for a in real_notebooks.agents if a["AgentId"] == "tutorial_agent"]
    assert agent["LLM"]["Url"].endswith("/v1/chat/completions")
    assert agent["LLM"]["Model"] == LLM_MODEL and agent["LLM"]["ApiKey"] == LLM_KEY
    assert agent["TTS"]["Vendor"] == "MiniMax"
    assert agent["TTS"]["Params"]["app"]["api_key"] == TTS_KEY
    # the agent really used that LLM with that key (doctor's probe, then the chat turn)
    assert f"Bearer {LLM_KEY}" in real_notebooks.llm_authorizations
    assert LLM_ANSWER in real_notebooks.text("03_talk")
    assert "Gone: code 410001002" in real_notebooks.text("04_delete_instance")
    assert real_notebooks.live_instances == []  # nothing left running on "ZEGO"


def test_no_secret_of_the_real_mode_run_appears_in_any_executed_notebook(real_notebooks):
    for name, notebook in real_notebooks.notebooks.items():
        raw = json.dumps(notebook, ensure_ascii=False)  # widget state too
        for secret in (REAL_SECRET, LLM_KEY, TTS_KEY):
            assert secret not in raw, f"a secret leaked into {name}"
        assert not TOKEN04.search(raw), f"a Token04 leaked into {name}"


# --- the room sandbox of a workshop --------------------------------------------------------


def test_in_a_room_sandbox_every_notebook_says_so(room_notebooks):
    assert room_notebooks.error == ""
    banner = f"room sandbox at {room_notebooks.base_url}, run by your trainer"
    for name in NOTEBOOKS:
        text = room_notebooks.text(name)
        assert "ROOM SANDBOX" in text and banner in text, name
        assert "REAL MODE" not in text, name
        assert "100 instances at once, no rate limit" in text, name


def test_in_a_room_sandbox_the_attendee_is_named_simulated_and_cleaned_up(room_notebooks):
    assert room_notebooks.error == ""
    (agent,) = [a for a in room_notebooks.agents if a["AgentId"].endswith("_tutorial_agent")]
    assert agent["Name"] == ROOM_ATTENDEE  # the trainer's listings can say whose it is
    assert "CallWidget(mode='sandbox'" in room_notebooks.text("03_talk")  # no RTC room there
    assert f"Nothing is left running for attendee '{ROOM_ATTENDEE}'" in room_notebooks.text(
        "04_delete_instance"
    )
    assert room_notebooks.live_instances == []
    room_secret_text = json.dumps(room_notebooks.notebooks, ensure_ascii=False)
    assert ROOM_SECRET not in room_secret_text


# --- the hand-off: exercise retries, then 03 and 04 --------------------------------------------

WRONG_ANSWERS = [
    ("AdvancedConfig(max_idle_time=100)", "MessageHistory(window_size=4)"),
    ("AdvancedConfig(max_idle_time=300)", "MessageHistory(window_size=8)"),
    ("AdvancedConfig()", "MessageHistory()"),
]


def _with_answer(cell_source: str, advanced: str, history: str) -> str:
    return cell_source.replace(
        "exercise_advanced = None", f"exercise_advanced = {advanced}"
    ).replace("exercise_history = None", f"exercise_history = {history}")


def live_instances(kit_home: Path) -> list[str]:
    """Every live instance of the kit home's sandbox (state shared by all kernels)."""
    from zego_helpers import connect, load_settings
    from zego_helpers.sandbox import ensure_embedded_sandbox
    from zego_helpers.sandbox_control import SandboxControl

    settings = load_settings(env={"ZEGO_KIT_HOME": str(kit_home)}, dotenv_path="")
    try:
        with connect(settings) as client:
            return [row["AgentInstanceId"] for row in SandboxControl(client).list_instances()]
    finally:
        ensure_embedded_sandbox(kit_home).stop()


def test_exercise_retries_leave_one_instance_and_03_talks_to_02s_main_one(tmp_path):
    import nbformat

    env = notebook_env(tmp_path / "kit")
    notebook = nbformat.read(path_of("02_create_instance"), as_version=4)
    cells = notebook.cells
    exercise = next(i for i, c in enumerate(cells) if "exercise_advanced = None" in c.source)
    create = next(i for i, c in enumerate(cells) if c.source.startswith("advanced, history ="))
    original = cells[exercise].source
    runner = notebook_client(notebook)
    with runner.setup_kernel(env=env):
        for index, cell in enumerate(cells[: exercise + 1]):
            if index == exercise:
                cell.source = _with_answer(original, *WRONG_ANSWERS[0])
            if cell.cell_type == "code":
                runner.execute_cell(cell, index)
        for advanced, history in WRONG_ANSWERS[1:]:  # the learner tries again, twice
            cells[exercise].source = _with_answer(original, advanced, history)
            runner.execute_cell(cells[exercise], exercise)
    main_id = re.search(r"AgentInstanceId: (\d+)", cell_text(cells[create].outputs)).group(1)
    tries = re.findall(r"Created (\d+)", cell_text(cells[exercise].outputs))
    assert len(tries) == 1 and tries[0] != main_id
    assert sorted(live_instances(tmp_path / "kit")) == sorted([main_id, tries[0]])

    talk = notebook_text(execute("03_talk", env))
    assert f"Using the tutorial instance notebook 02 handed off: instance {main_id}" in talk
    gone = notebook_text(execute("04_delete_instance", env))
    assert f"Deleted {main_id}" in gone
    assert "Cleaned up 1 left-over instance(s)." in gone  # the last exercise try
    assert live_instances(tmp_path / "kit") == []


# --- other orders and people ------------------------------------------------------------------


def test_notebook_03_runs_on_its_own(tmp_path):
    """Nothing handed off (nothing ran before): 03 registers and creates what it needs."""
    run = make_sandbox_run(tmp_path, ["03_talk"])
    assert run.result.returncode == 0, failure_report(run.result)
    assert "a new one was created and handed off" in run.text("03_talk")


def test_notebook_04_cleans_up_what_another_kernel_left_behind(tmp_path):
    """02 run twice: 04 deletes the second (handed off), its cleanup the first."""
    env = notebook_env(tmp_path / "kit")
    first = notebook_text(execute("02_create_instance", env))
    execute("02_create_instance", env)
    text = notebook_text(execute("04_delete_instance", env))
    assert "Cleaned up 1 left-over instance(s)." in text
    first_id = re.search(r"AgentInstanceId: (\d+)", first).group(1)
    assert f"deleted {first_id}" in text and "The ledger now holds 0" in text


def test_notebook_04_of_an_attendee_cleans_up_only_their_own_instances(tmp_path):
    """Bob and Zoë share a kit home (one ledger, one sandbox state): Zoë's 04 leaves Bob's alone."""
    kit_home = tmp_path / "kit"
    execute("02_create_instance", notebook_env(kit_home, {"ZEGO_ATTENDEE": "Bob"}))
    zoe = notebook_env(kit_home, {"ZEGO_ATTENDEE": "Zoë"})
    execute("02_create_instance", zoe)
    execute("02_create_instance", zoe)
    text = notebook_text(execute("04_delete_instance", zoe))
    assert "only your own instances (ids starting with 'zoe_')" in text
    assert "Cleaned up 1 left-over instance(s)." in text
    assert "Nothing is left running for attendee" in text  # the exercise check
    left = Ledger.in_home(kit_home).entries()
    assert [entry.room_id.split("_")[0] for entry in left] == ["bob"]
    record = json.loads((kit_home / "handoff-bob.json").read_text())
    assert record["tutorial"]["room_id"].startswith("bob_")  # Bob's hand-off is untouched
