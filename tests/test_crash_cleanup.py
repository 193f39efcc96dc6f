"""Kernels really killed mid-create, then ``zego-kit cleanup``: nothing lost, nothing orphaned.

The server is a sandbox behind :class:`tests.hold_back_proxy.HoldBackProxy`,
which holds every create back for a random time before and after the sandbox
sees it, so kills land while an instance exists and its answer has not come.
With ``real_service=True`` the proxy refuses the sandbox-only actions as
ZEGO does, so the kit takes its real-service paths; the test asks the
sandbox directly what runs. ``tests/benchmarks/bench_crash_ledger.py`` runs
the same with 40 kills per signal, for the numbers.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.child_process import module_command
from tests.crash_support import (
    AGENT,
    REPO,
    kill_loop,
    leftover_temp_files,
    loop_env,
    lost_instances,
    real_env,
    run_cleanup,
    running_rows,
    sandbox_client,
    start_crash_sandbox,
    writers_on_one_home,
)
from tests.hold_back_proxy import HoldBackProxy
from zego_helpers.constants import CREATE_TRANSIT_SECONDS
from zego_helpers.ledger import LEDGER_FILE_NAME, Ledger, LedgerEntry
from zego_helpers.models import LLM, TTS
from zego_helpers.sandbox import RunningSandbox
from zego_helpers.workflows import ensure_agent

KILLS = 10
CREATE_DOC = "https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-agent-instance"


@pytest.fixture(scope="module")
def sandbox():
    running = start_crash_sandbox()
    yield running
    running.stop()


def started_here(rows: list[dict], home: Path) -> list[dict]:
    """The rows of instances this test's kernels made (their rooms are in its loop logs)."""
    logs = "".join(p.read_text() for p in (home / "logs").glob("*.out"))
    ledger = Ledger.in_home(home)
    rooms = {e.room_id for e in ledger.entries() + ledger.pending_creates()}
    return [r for r in rows if r["RoomId"] in rooms or r["AgentInstanceId"] in logs]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_kills_of_a_create_loop_lose_no_entry_and_cleanup_ends_every_instance(
    sandbox, tmp_path, signum
):
    admin = sandbox_client(sandbox)
    before = {r["AgentInstanceId"] for r in running_rows(admin)}
    (tmp_path / "logs").mkdir()
    with HoldBackProxy(sandbox.base_url, max_hold=0.4, real_service=True, seed=signum) as proxy:
        kill_loop(
            loop_env(sandbox, tmp_path, proxy.url),
            kills=KILLS,
            signum=signum,
            rng=random.Random(signum),
            log_dir=tmp_path / "logs",
        )
        mine = [r for r in running_rows(admin) if r["AgentInstanceId"] not in before]
        assert mine, "no kill landed while an instance existed: the test proves nothing"
        assert lost_instances(admin, tmp_path) == []
        unanswered = Ledger.in_home(tmp_path).pending_creates()
        assert unanswered, "no kill landed while a create was in flight"

        proxy.max_hold = 0.05
        result = run_cleanup(real_env(sandbox, tmp_path, proxy.url))

    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 0, output
    for entry in unanswered:
        assert (
            f"ended   create in room {entry.room_id} (agent user {entry.agent_user_id})" in output
        )
    assert [r for r in running_rows(admin) if r["AgentInstanceId"] not in before] == []
    ledger = Ledger.in_home(tmp_path)
    assert ledger.entries() == [] and ledger.pending_creates() == []
    assert leftover_temp_files(tmp_path) == []


def test_in_a_sandbox_cleanup_finds_each_unanswered_create_by_its_ids(sandbox, tmp_path):
    admin = sandbox_client(sandbox)
    before = {r["AgentInstanceId"] for r in running_rows(admin)}
    (tmp_path / "logs").mkdir()
    with HoldBackProxy(sandbox.base_url, max_hold=0.4, real_service=False, seed=7) as proxy:
        kill_loop(
            loop_env(sandbox, tmp_path, proxy.url),
            kills=6,
            signum=signal.SIGKILL,
            rng=random.Random(7),
            log_dir=tmp_path / "logs",
        )
        assert lost_instances(admin, tmp_path) == []
        unanswered = Ledger.in_home(tmp_path).pending_creates()
        # A create the proxy still holds reaches the sandbox after its kernel died; cleanup
        # waits CREATE_TRANSIT_SECONDS for that, and so does the test before it looks.
        newest = max(e.created_at for e in unanswered)
        time.sleep(max(0.0, newest + CREATE_TRANSIT_SECONDS - time.time()))
        running = {
            (r["RoomId"], r["AgentUserId"]): r["AgentInstanceId"] for r in running_rows(admin)
        }
        dry = run_cleanup(real_env(sandbox, tmp_path, proxy.url), "--dry-run")
        result = run_cleanup(real_env(sandbox, tmp_path, proxy.url))
    assert dry.returncode == 0 and result.returncode == 0, dry.stdout + result.stdout
    for entry in unanswered:
        found = running.get((entry.room_id, entry.agent_user_id))
        if found:  # the sandbox ran it: found by room and agent user, deleted by its id
            assert f"as {found}: would be deleted (dry run)" in dry.stdout
            assert f"found by its room and agent user as {found} and deleted" in result.stdout
        else:  # the kill came before the sandbox saw the create
            assert f"room {entry.room_id}" in result.stdout and "never started" in result.stdout
    assert [r for r in running_rows(admin) if r["AgentInstanceId"] not in before] == []
    assert Ledger.in_home(tmp_path).pending_creates() == []


def age(home: Path, seconds: float) -> None:
    """Make the one pending create in ``home``'s ledger ``seconds`` older (edits the file)."""
    path = home / LEDGER_FILE_NAME
    item = json.loads(path.read_text())
    item["created_at"] -= seconds
    path.write_text(json.dumps(item) + "\n")


def _timed_out_kernel(sandbox: RunningSandbox, home: Path, url: str, agent: str) -> tuple[str, str]:
    """A kernel whose create times out (the answer is held back longer), then exits."""
    env = {**loop_env(sandbox, home, url, agent), "CRASH_LOOP_TIMEOUT": "0.3"}
    done = subprocess.run(
        module_command("tests.crash_loop", "once"),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    words = done.stdout.split()
    assert words[:2] == ["timed", "out"], done.stdout + done.stderr
    return words[2], words[3]


def test_a_create_that_cannot_be_ended_is_named_until_the_idle_rule_ends_it(sandbox, tmp_path):
    """Timed out (2/2 were lost before): the entry stays; cleanup names it and exits 1."""
    admin = sandbox_client(sandbox)
    ensure_agent(admin, "doomed_agent", llm=LLM.trial(), tts=TTS.trial())
    with HoldBackProxy(sandbox.base_url, min_hold=1.0, max_hold=1.0, real_service=True) as proxy:
        room, agent_user = _timed_out_kernel(sandbox, tmp_path, proxy.url, "doomed_agent")
        deadline = time.monotonic() + 10
        while not [r for r in running_rows(admin) if r["RoomId"] == room]:
            assert time.monotonic() < deadline, "the held-back create never reached the sandbox"
            time.sleep(0.05)
        (entry,) = Ledger.in_home(tmp_path).pending_creates()
        assert (entry.room_id, entry.agent_user_id) == (room, agent_user)
        # The test saw the create arrive: no need for cleanup to wait for it (as it would
        # for CREATE_TRANSIT_SECONDS after the create was sent).
        age(tmp_path, CREATE_TRANSIT_SECONDS)
        (entry,) = Ledger.in_home(tmp_path).pending_creates()
        admin.unregister_agent("doomed_agent")  # no takeover possible: the agent is gone

        dry = run_cleanup(real_env(sandbox, tmp_path, proxy.url), "--dry-run")
        result = run_cleanup(real_env(sandbox, tmp_path, proxy.url))
        assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
        (line,) = [x for x in result.stdout.splitlines() if x.startswith("UNRESOLVED")]
        for expected in (
            f"create in room {room} (agent user {agent_user})",
            "its instance id is unknown, and ZEGO has no call that lists instances",
            "410001009",  # why it could not be ended sooner: the agent no longer exists
            "ZEGO ends it by itself by",
            f"if its user {entry.user_id} never joined the room",
            CREATE_DOC,
            "zego-kit cleanup --wait",
        ):
            assert expected in line, expected
        assert f"create in room {room}" in dry.stdout and CREATE_DOC in dry.stdout
        assert [r for r in running_rows(admin) if r["RoomId"] == room]  # honest: it still runs
        assert len(Ledger.in_home(tmp_path).pending_creates()) == 1

        # --wait: bring the deadline 6 s near (as if the create were older), wait, drop it.
        # (6 s, not less: a loaded machine takes seconds to start the cleanup process, and a
        # deadline that passed meanwhile is dropped without waiting, as it should be.)
        age(tmp_path, entry.idle_deadline - time.time() - 6)
        started = time.monotonic()
        waited = run_cleanup(real_env(sandbox, tmp_path, proxy.url), "--wait")
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert time.monotonic() - started >= 1.5, waited.stdout
    assert "Waiting until" in waited.stdout and "ZEGO's idle rule has ended it" in waited.stdout
    assert Ledger.in_home(tmp_path).pending_creates() == []
    for row in running_rows(admin):  # the sandbox's idle rule is off: end it for the next test
        if row["RoomId"] == room:
            admin.delete_agent_instance(row["AgentInstanceId"])


def test_a_create_still_in_flight_in_a_live_kernel_is_left_alone(sandbox, tmp_path):
    ledger = Ledger.in_home(tmp_path)
    key = ledger.record_pending(  # this test's process is the live kernel
        LedgerEntry(
            "",
            sandbox.app_id,
            sandbox.base_url,
            agent_id=AGENT,
            room_id="room_busy",
            user_id="user_busy",
            agent_user_id="agent_busy",
            user_stream_id="us",
        )
    )
    result = run_cleanup(real_env(sandbox, tmp_path, sandbox.base_url))
    assert result.returncode == 0, result.stdout
    assert "waiting create in room room_busy" in result.stdout and "left alone" in result.stdout
    assert [e.key for e in ledger.pending_creates()] == [key]


def test_four_kernels_with_thirty_creates_each_lose_no_entry(tmp_path):
    found = writers_on_one_home(tmp_path, processes=4, creates=30)
    assert found == {"expected": 80, "lost": 0, "revived": 0, "pending": 0}
    assert leftover_temp_files(tmp_path) == []
