"""A workshop room on a real JupyterHub: five attendees, one room sandbox, the trainer's view.

What a trainer does on the day, end to end, with the real pieces: ``jupyterhub`` from PyPI,
``configurable-http-proxy`` from npm, local-process servers, a shared-password login, the
deployment's own TLJH snippet (``deploy/tljh/zego_room.py``) and the kit's ``start``:

1. the trainer starts the room sandbox (``zego-kit sandbox --write-env``: the attendees'
   settings file the hub reads) and the hub;
2. five attendees log in through the hub's REST API and get their servers, all at once;
3. in each server, notebooks 00-04 run (Run All, over the kernel websocket, as JupyterLab
   does), for all five attendees at the same time, against the one room sandbox. Nobody
   typed a name or a secret: ZEGO_ATTENDEE is the hub user name, the settings come from
   the room file;
4. the dashboard lists 5 attendees by the names they logged in with (the agent's ``Name``
   notebook 01 registers), 5 distinct prefixes, every quick-start step done, no id
   collision; then each runs 02 again and leaves an instance running;
5. the trainer's ``zego-kit room cleanup --all`` and ``room unregister --all`` leave 0
   instances and 0 agents, whatever server created them;
6. the hub and the sandbox stop, and no process of the run is left (each carries a marker).

Timings are printed (``pytest -s``) and kept in ``test-artifacts/hub-room-timings.json``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid

import pytest

from tests.child_process import kit_command
from zego_helpers.ids import namespace_prefix
from zego_helpers.sandbox.room import STEP_KEYS

from .hub_room import (
    REPO_ROOT,
    Hub,
    RoomSandbox,
    hub_env,
    kill_leftovers,
    missing_tools,
    processes_of_run,
    run_async,
    run_notebook,
)

#: Hub user names: an accent and a name with no Latin letter, as in a real room.
ATTENDEES = ["zoë", "张伟", "amara", "jonas", "sofia"]
NOTEBOOKS = [
    "00_setup.ipynb",
    "01_register_agent.ipynb",
    "02_create_instance.ipynb",
    "03_talk.ipynb",
    "04_delete_instance.ipynb",
]
TIMINGS = REPO_ROOT / "test-artifacts" / "hub-room-timings.json"


def test_five_attendees_on_jupyterhub_one_room_sandbox_and_the_trainers_cleanup(tmp_path):
    problem = missing_tools()
    if problem:
        pytest.fail(problem, pytrace=False)
    run_id = uuid.uuid4().hex
    env = hub_env(run_id, tmp_path / "trainer")
    timings: dict[str, float] = {}
    clock = time.monotonic()
    room = hub = None
    try:
        room = RoomSandbox(tmp_path, env)
        (tmp_path / "hub").mkdir()
        hub_environment = {
            **env,
            "ZEGO_ROOM_FILE": str(room.attendee_env),
            "ZEGO_KIT_DIR": str(REPO_ROOT),
        }
        hub = Hub(tmp_path / "hub", hub_environment)
        hub.start()
        timings["sandbox and hub up"] = time.monotonic() - clock

        mark = time.monotonic()
        hub.create_users(ATTENDEES)
        tokens = {name: hub.log_in(name) for name in ATTENDEES}
        for name in ATTENDEES:  # all at once: the hub answers 202 and starts them together
            hub.start_server(name, tokens[name])
        hub.wait_ready(ATTENDEES)
        timings["5 logins and servers ready"] = time.monotonic() - mark

        async def attendee(name: str, notebooks: list[str]) -> list[str]:
            outputs: list[str] = []
            for notebook in notebooks:
                outputs += await run_notebook(hub.server_url(name), tokens[name], notebook)
            return outputs

        async def everybody(notebooks: list[str]) -> list[list[str]]:
            return await asyncio.gather(*(attendee(name, notebooks) for name in ATTENDEES))

        mark = time.monotonic()
        outputs = run_async(lambda: everybody(NOTEBOOKS))
        timings["notebooks 00-04, 5 attendees at once"] = time.monotonic() - mark
        for name, printed in zip(ATTENDEES, outputs, strict=True):
            text = "".join(printed)
            assert f"Attendee: {name}" in text, text[:2000]  # the hub name, typed by nobody
            assert room.settings["ZEGO_SERVER_SECRET"] not in text  # never in an output

        snapshot = room.status()
        rows = {row["Namespace"]: row for row in snapshot["Attendees"]}
        prefixes = {namespace_prefix(name) for name in ATTENDEES}
        assert len(prefixes) == 5 and set(rows) == prefixes
        assert snapshot["Room"]["Collisions"] == 0
        assert snapshot["Room"]["UnattributedErrors"] == 0, snapshot["Room"]
        for name in ATTENDEES:  # by the name they logged in with, beside their id prefix
            row = rows[namespace_prefix(name)]
            assert row["Name"] == name, row
            assert set(row["Steps"]) == set(STEP_KEYS), (name, row["Steps"])
            assert row["Instances"] == [] and len(row["Agents"]) == 1

        # everyone starts another call and leaves it running (the end of the day)
        mark = time.monotonic()
        run_async(lambda: everybody(["02_create_instance.ipynb"]))
        timings["notebook 02 again, 5 at once"] = time.monotonic() - mark
        snapshot = room.status()
        live = [i["AgentInstanceId"] for row in snapshot["Attendees"] for i in row["Instances"]]
        assert len(live) == len(set(live)) == 5
        assert all(len(row["Instances"]) == 1 for row in snapshot["Attendees"])

        # the trainer cleans up everybody's, from the room file, whatever server ran it
        mark = time.monotonic()
        for command in ("cleanup", "unregister"):
            result = subprocess.run(
                kit_command("room", command, "--all", "--room-file", str(room.room_file)),
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
        timings["trainer's cleanup"] = time.monotonic() - mark
        after = room.status()["Room"]
        assert after["Instances"] == 0 and after["Agents"] == 0
        assert after["Collisions"] == 0
    finally:
        mark = time.monotonic()
        if hub is not None:
            timings["hub stop"] = hub.stop()
        if room is not None:
            timings["sandbox stop"] = room.stop()
        left = kill_leftovers(run_id)
        timings["stop, all processes gone"] = time.monotonic() - mark
        timings["total"] = time.monotonic() - clock
        TIMINGS.parent.mkdir(exist_ok=True)
        TIMINGS.write_text(json.dumps({k: round(v, 1) for k, v in timings.items()}, indent=2))
        print("\nhub test timings (s):", json.dumps({k: round(v, 1) for k, v in timings.items()}))
    assert left == {}, f"processes left behind (now killed): {left}"
    assert processes_of_run(run_id) == {}


def test_the_harness_finds_every_process_carrying_the_marker(tmp_path):
    """The leftover check itself: a process in a session of its own is found and killed."""
    run_id = uuid.uuid4().hex
    env = hub_env(run_id, tmp_path)
    child = subprocess.Popen(
        ["sleep", "300"], env=env, start_new_session=True, stdin=subprocess.DEVNULL
    )
    try:
        # Until the child has exec'd `sleep`, /proc shows the environment it forked with
        # (no marker yet): give a loaded machine a moment, as the hub's own processes get.
        deadline = time.monotonic() + 10
        while not processes_of_run(run_id) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert list(processes_of_run(run_id)) == [child.pid]
        assert list(kill_leftovers(run_id, grace=0.2)) == [child.pid]
        assert child.wait(10) != 0
        assert processes_of_run(run_id) == {}
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_the_hub_snippet_refuses_a_room_file_that_sets_anything_else(tmp_path):
    """deploy/tljh/zego_room.py reads the room file with the standard library, strictly."""
    namespace: dict = {"get_config": lambda: _Config()}
    snippet = REPO_ROOT / "deploy" / "tljh" / "zego_room.py"
    exec(compile(snippet.read_text(), str(snippet), "exec"), namespace)  # noqa: S102
    read = namespace["read_room_file"]
    error = namespace["RoomFileError"]
    good = tmp_path / "good.env"
    good.write_text(
        "# the room\nexport ZEGO_APP_ID=123\nZEGO_SERVER_SECRET='a=b c'\n\nLLM_MODEL=\"m\"\n"
    )
    assert read(good) == {"ZEGO_APP_ID": "123", "ZEGO_SERVER_SECRET": "a=b c", "LLM_MODEL": "m"}
    for line, says in [
        ("PATH=/tmp/evil", "PATH is not a room setting"),
        ("ZEGO_ATTENDEE=bob", "ZEGO_ATTENDEE is not a room setting"),
        ("just words", "line 1: expected KEY=VALUE"),
        ("1X=2", "expected KEY=VALUE"),
    ]:
        bad = tmp_path / "bad.env"
        bad.write_text(line + "\n")
        with pytest.raises(error, match=says):
            read(bad)
    with pytest.raises(error, match="does not exist: the trainer writes"):
        read(tmp_path / "missing.env")
    bad = tmp_path / "binary.env"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(error, match="cannot be read"):
        read(bad)


class _Config:
    """Just enough of traitlets' config for the snippet's own lines to run."""

    class _Section:
        def __init__(self) -> None:
            self.environment: dict = {}

        def __setattr__(self, name: str, value: object) -> None:
            object.__setattr__(self, name, value)

    def __init__(self) -> None:
        self.Spawner = self._Section()
