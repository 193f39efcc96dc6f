"""State shared between kernels through a state file, and the kit's embedded sandbox."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from zego_helpers.errors import ConfigError
from zego_helpers.sandbox import ensure_embedded_sandbox
from zego_helpers.sandbox.config import random_app_id, random_secret

from .helpers import api_for, create_voice_instance, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kernels(start, tmp_path: Path):
    """``kernels(n)``: n sandboxes with one AppID and one state file, as n notebook kernels."""
    credentials = {"app_id": random_app_id(), "server_secret": random_secret()}
    path = tmp_path / "sandbox-state.json"

    def _kernels(count: int = 2, **options):
        return [api_for(start(**credentials, state_path=path, **options)) for _ in range(count)]

    _kernels.path = path  # type: ignore[attr-defined]
    return _kernels


def test_one_kernel_creates_another_talks_a_third_deletes(kernels) -> None:
    nb02, nb03, nb04 = kernels(3)
    assert len({nb02.base_url, nb03.base_url, nb04.base_url}) == 3  # each on its own port
    nb02.register()
    instance = nb02.create()

    assert nb03.ok("QueryAgents", {"AgentIds": ["agent_1"]})["Agents"][0]["AgentId"] == "agent_1"
    nb03.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    answer = wait_until(lambda: nb02.history(instance), what="the answer, seen from nb02")
    assert answer[-1]["Content"].endswith("(sandbox reply)")

    nb04.ok("DeleteAgentInstance", {"AgentInstanceId": instance})
    nb02.fails("QueryAgentInstanceStatus", {"AgentInstanceId": instance}, 410001002)
    events = [e["Event"] for e in nb03.events(instance)]
    assert events[0] == "AgentInstanceCreated" and events[-1] == "AgentInstanceDeleted"
    assert "LLMResult" in events


def test_status_is_derived_from_shared_timestamps(kernels) -> None:
    a, b = kernels(2, speech_ms_per_char=100)
    a.register()
    instance = a.create()
    a.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "a fairly long line"})
    assert b.status(instance) == "SPEAKING"
    a.ok("InterruptAgentInstance", {"AgentInstanceId": instance})
    assert b.status(instance) == "IDLE"


def test_run_time_settings_are_shared(kernels) -> None:
    a, b = kernels(2)
    a.ok("SandboxConfigure", {"IdleRule": True, "IdleTimeScale": 0.5})
    config = b.ok("SandboxInfo")["Config"]
    assert config["IdleRule"] is True and config["IdleTimeScale"] == 0.5
    assert b.ok("SandboxInfo")["Persistent"] is True


def test_state_survives_a_restart_and_the_file_is_private(kernels) -> None:
    [first] = kernels(1)
    first.register()
    instance = first.create()
    path: Path = kernels.path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    [second] = kernels(1)  # a new kernel after the first one's
    assert second.status(instance) == "IDLE"
    assert second.ok("QueryAgents", {"AgentIds": ["agent_1"]})["Agents"]


def test_a_fresh_session_starts_with_its_own_config(kernels) -> None:
    [first] = kernels(1)
    first.ok("SandboxConfigure", {"LatencyMs": 5})
    [second] = kernels(1, latency_ms=0)  # nothing is running: its config applies
    assert second.ok("SandboxInfo")["Config"]["LatencyMs"] == 0
    second.register()
    second.create()
    second.ok("SandboxConfigure", {"LatencyMs": 7})
    [third] = kernels(1, latency_ms=0)  # an instance runs: the shared settings stay
    assert third.ok("SandboxInfo")["Config"]["LatencyMs"] == 7


def test_an_unreadable_state_file_is_set_aside_and_the_state_starts_afresh(kernels, caplog) -> None:
    [first] = kernels(1)
    first.register()
    kernels.path.write_text("{ this is not json")
    [second] = kernels(1)
    assert second.ok("QueryAgents", {"AgentIds": ["agent_1"]})["Agents"] == []
    [copy] = kernels.path.parent.glob("sandbox-state.json.damaged-*")
    assert copy.read_text() == "{ this is not json"
    assert "was damaged" in caplog.text and copy.name in caplog.text


def test_a_state_file_of_another_app_id_is_ignored(start, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = api_for(start(state_path=path))
    first.register()
    second = api_for(start(state_path=path))  # other random credentials
    assert second.ok("QueryAgents", {"AgentIds": ["agent_1"]})["Agents"] == []


# --- the embedded sandbox ---------------------------------------------------------------------


@pytest.fixture
def kit_home(tmp_path: Path):
    home = tmp_path / "kit"
    yield home
    from zego_helpers.sandbox import embedded

    sandbox = embedded._EMBEDDED.pop(home.resolve(), None)  # only ours
    if sandbox is not None:
        sandbox.stop()


def sandbox_thread(sandbox) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"zego-sandbox-{sandbox.port}"]


def test_the_embedded_sandbox_is_one_per_process_and_stops_cleanly(kit_home: Path) -> None:
    first = ensure_embedded_sandbox(kit_home)
    assert ensure_embedded_sandbox(kit_home) is first
    assert first.base_url.startswith("http://127.0.0.1:")
    assert first.server_secret not in repr(first) and "running" in repr(first)
    credentials = kit_home / "sandbox-credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert json.loads(credentials.read_text())["AppId"] == first.app_id

    api = api_for(first)
    api.register()
    first.stop()
    first.stop()  # idempotent
    assert not first.running and "stopped" in repr(first)
    assert sandbox_thread(first) == []

    again = ensure_embedded_sandbox(kit_home)
    assert again is not first and again.running
    assert (again.app_id, again.server_secret) == (first.app_id, first.server_secret)
    assert api_for(again).ok("QueryAgents", {"AgentIds": ["agent_1"]})["Agents"]


def test_credentials_are_made_once_and_kept(kit_home: Path) -> None:
    from zego_helpers.sandbox.embedded import load_or_create_credentials

    kit_home.mkdir()
    path = kit_home / "sandbox-credentials.json"
    assert load_or_create_credentials(path) == load_or_create_credentials(path)
    os.chmod(path, 0o644)
    load_or_create_credentials(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_corrupt_credentials_name_the_file_and_the_fix(kit_home: Path) -> None:
    kit_home.mkdir()
    (kit_home / "sandbox-credentials.json").write_text('{"AppId": "x"}')
    with pytest.raises(ConfigError) as error:
        ensure_embedded_sandbox(kit_home)
    assert "sandbox-credentials.json" in str(error.value) and "delete it" in str(error.value)


def test_two_processes_share_the_embedded_state(kit_home: Path) -> None:
    """A real second process (like a second notebook kernel) registers an agent."""
    script = textwrap.dedent(
        f"""
        import hashlib, secrets, time, requests
        from pathlib import Path
        from zego_helpers.sandbox import ensure_embedded_sandbox
        sb = ensure_embedded_sandbox(Path({str(kit_home)!r}))
        nonce, ts = secrets.token_hex(8), int(time.time())
        sig = hashlib.md5(f"{{sb.app_id}}{{nonce}}{{sb.server_secret}}{{ts}}".encode()).hexdigest()
        query = dict(Action="RegisterAgent", AppId=sb.app_id, SignatureNonce=nonce,
                     Timestamp=ts, Signature=sig, SignatureVersion="2.0")
        print(requests.post(sb.base_url + "/", params=query, json={{"AgentId": "from_nb01"}},
                            timeout=10).json()["Code"])
        """
    )
    mine = ensure_embedded_sandbox(kit_home)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
    agents = api_for(mine).ok("QueryAgents", {"AgentIds": ["from_nb01"]})["Agents"]
    assert [a["AgentId"] for a in agents] == ["from_nb01"]


def test_the_events_file_is_compacted_and_every_process_follows(tmp_path, monkeypatch) -> None:
    from zego_helpers.sandbox import state as state_module
    from zego_helpers.sandbox import store as store_module
    from zego_helpers.sandbox.state import SandboxState
    from zego_helpers.sandbox.store import StateStore

    monkeypatch.setattr(state_module, "MAX_EVENTS", 5)
    monkeypatch.setattr(store_module, "MAX_EVENTS", 5)
    path = tmp_path / "state.json"
    settings = {"idle_rule": False, "idle_time_scale": 1.0}

    def new_state() -> SandboxState:
        return SandboxState(1234567, settings)

    one, two = StateStore(path, new_state), StateStore(path, new_state)  # two "processes"
    with one.transaction() as state:
        state.register_agent(state_module.Agent("a", "A", {"Model": "m"}, {"Vendor": "v"}))
        create_voice_instance(
            state,
            agent_id="a",
            user_id="u",
            rtc={"RoomId": "r", "AgentStreamId": "s", "AgentUserId": "au"},
            limit=10,
            now=1.0,
        )
    for i in range(20):  # each presence change emits a status event
        store = one if i % 2 else two
        with store.transaction() as state:
            state.set_presence("r", "u", i % 2 == 0, now=2.0 + i)
    events_file = tmp_path / "state.events.jsonl"
    assert len(events_file.read_text().splitlines()) <= 10
    assert stat.S_IMODE(events_file.stat().st_mode) == 0o600
    for store in (one, two):
        with store.transaction() as state:
            sequences = [e["body"]["Sequence"] for e in state.events]
            assert sequences == list(range(state.sequence - 4, state.sequence + 1))
    one.close()
    two.close()
