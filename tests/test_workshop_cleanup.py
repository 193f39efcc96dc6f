"""Cleanup in a workshop: by attendee, for everybody, and of a whole sandbox; isolation."""

from __future__ import annotations

import re

import pytest

from tests.fake_zego import FakeZego, Reply, envelope
from tests.workshop_helpers import (
    attendee_client,
    cli_env,
    live_ids,
    room_sandbox,
    run_cli,
    start_instance,
)
from zego_helpers.cli.cleanup import (
    CleanupRefused,
    NotASandboxError,
    cleanup_ledger,
    cleanup_sandbox,
    cleanup_scope,
)
from zego_helpers.client import AIAgentClient
from zego_helpers.connect import connect
from zego_helpers.ids import (
    belongs_to,
    id_owner,
    instance_owner,
    make_agent_id,
    make_call_ids,
    namespace_prefix,
)
from zego_helpers.ledger import Ledger
from zego_helpers.models import LLM, TTS, MessageHistory
from zego_helpers.settings import load_settings
from zego_helpers.tutorial import register_if_missing
from zego_helpers.tutorial.workshop import namespace_clashes, set_attendee
from zego_helpers.workflows import ensure_agent


@pytest.fixture
def room():
    yield from room_sandbox()


# --- namespaces: every generated id carries the attendee's prefix ---------------------------

NAMES = [
    "Zoë",
    "张伟",
    "Ögünç-Ätäç",
    "Participant number 17 of the workshop",
    "O'Brien",
    "x" * 300,
    "🙂 Emoji",
    "  a   b  ",
]


@pytest.mark.parametrize("name", NAMES)
def test_generated_ids_carry_the_prefix_and_stay_valid(name):
    prefix = namespace_prefix(name)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,11}", prefix), prefix
    ids = make_call_ids(name)
    every = (ids.room_id, ids.user_id, ids.agent_user_id, ids.user_stream_id, ids.agent_stream_id)
    for value in every:
        assert value.startswith(f"{prefix}_") and re.fullmatch(r"[A-Za-z0-9_-]+", value)
        assert len(value.encode()) <= 128
    assert len(ids.user_id.encode()) <= 32 and len(ids.agent_user_id.encode()) <= 32
    assert make_agent_id(name).startswith(f"{prefix}_")


def test_a_room_of_numbered_names_gets_distinct_namespaces():
    names = [f"Attendee {i:02d}" for i in range(50)] + [f"Zoë {i}" for i in range(50)]
    assert namespace_clashes(names) == {}
    assert len({namespace_prefix(n) for n in names}) == len(names)


def test_names_that_would_share_a_namespace_are_found_before_the_day():
    assert namespace_clashes(["Zoe", "Zoë", "Bob", "ZOE"]) == {"zoe": ["Zoe", "Zoë", "ZOE"]}


# --- whose id is whose -------------------------------------------------------------------


def test_id_owner_reads_the_namespace_back_exactly():
    ids = make_call_ids("Zoë")
    assert id_owner(ids.room_id, "room") == "zoe"
    assert id_owner(ids.user_id, "user") == "zoe"
    assert id_owner(ids.agent_user_id, "agent") == "zoe"
    # "zoe_1" is another attendee, not zoe's; "zoe_room" too (its room is zoe_room_room_...)
    assert id_owner(make_call_ids("zoe 1").room_id, "room") == "zoe_1"
    assert id_owner(make_call_ids("Zoe Room").room_id, "room") == "zoe_room"
    assert id_owner(make_call_ids().room_id, "room") == ""
    assert id_owner("my_room", "room") is None  # hand-picked: nobody's namespace
    assert id_owner("zoe_room_3F2A1C9D0E4B", "room") is None  # not the kit's lowercase hex


@pytest.mark.parametrize("name", ["张伟", "Ögünç-Ätäç", "a" * 80, "Zoë"])
def test_every_attendee_owns_exactly_their_own_ids(name):
    ids = make_call_ids(name)
    assert belongs_to(name, ids.room_id, ids.user_id, ids.agent_user_id)
    other = make_call_ids(name + " 1")
    assert not belongs_to(name, other.room_id, other.user_id, other.agent_user_id)
    assert instance_owner(agent_user_id=ids.agent_user_id) == instance_owner(room_id=ids.room_id)


# --- who may clean up what ---------------------------------------------------------------


def test_an_attendee_cleans_only_their_own_namespace():
    scope = cleanup_scope("Zoë")
    assert scope.namespace == "zoe"
    assert "only your own instances" in scope.description and "'zoe_'" in scope.description
    assert cleanup_scope("Zoë", prefix="zoe").namespace == "zoe"  # their own, spelt otherwise
    for asked in ({"prefix": "bob"}, {"all_attendees": True}):
        with pytest.raises(CleanupRefused, match="trainer's job"):
            cleanup_scope("Zoë", **asked)


def test_a_trainer_chooses_one_attendee_or_everybody():
    assert cleanup_scope(None, prefix="Bob").namespace == "bob"
    assert cleanup_scope(None, all_attendees=True).namespace is None
    assert cleanup_scope(None).namespace is None
    with pytest.raises(CleanupRefused):
        cleanup_scope(None, prefix="  ")


# --- against a room sandbox ----------------------------------------------------------------


def test_cleanup_by_prefix_deletes_one_attendee_and_leaves_the_others(room, tmp_path):
    client = attendee_client(room, tmp_path)  # one shared ledger: the hardest case
    zoe = start_instance(client, "Zoë")
    zoe_1 = start_instance(client, "zoe 1")
    bob = start_instance(client, "Bob")

    results = cleanup_ledger(client, prefix="Zoë")

    assert [(r.agent_instance_id, r.ok, r.detail) for r in results] == [(zoe, True, "deleted")]
    assert live_ids(client) == {zoe_1, bob}
    assert {e.agent_instance_id for e in client.ledger.entries()} == {zoe_1, bob}


def test_cleanup_sandbox_sees_instances_no_ledger_here_knows(room, tmp_path):
    mine = attendee_client(room, tmp_path / "trainer")
    theirs = attendee_client(room, tmp_path / "laptop")
    zoe = start_instance(theirs, "Zoë")
    bob = start_instance(theirs, "Bob")
    assert cleanup_ledger(mine) == []  # the trainer's ledger knows nothing of them

    preview = cleanup_sandbox(mine, prefix="Bob", delete=False)
    assert [r.agent_instance_id for r in preview] == [bob] and live_ids(mine) == {zoe, bob}

    assert [r.agent_instance_id for r in cleanup_sandbox(mine, prefix="Bob")] == [bob]
    assert live_ids(mine) == {zoe}
    assert [r.agent_instance_id for r in cleanup_sandbox(mine)] == [zoe]
    assert live_ids(mine) == set()


def test_cleanup_sandbox_refuses_the_real_service(tmp_path):
    refused = envelope(code=100000007, message="unsupported action")
    with FakeZego(lambda _r: Reply(body=refused)) as server:
        client = AIAgentClient(1234567, "0" * 32, server.url, max_retries=0)
        with pytest.raises(NotASandboxError, match="100000007"):
            cleanup_sandbox(client)
    assert [r.query["Action"] for r in server.requests] == ["SandboxInfo"]  # nothing deleted


# --- the command line, as attendees and the trainer run it -------------------------------


def test_attendee_cleanup_cannot_touch_another_attendees_instance(room, tmp_path):
    home = tmp_path / "shared_home"  # e.g. one JupyterHub account for two people
    client = attendee_client(room, home)
    zoe, bob = start_instance(client, "Zoë"), start_instance(client, "Bob")

    tried = run_cli("cleanup", "--prefix", "Bob", env=cli_env(room, home, "Zoë"))
    assert tried.returncode == 2 and "trainer's job" in tried.stderr
    assert "Traceback" not in tried.stderr

    result = run_cli("cleanup", env=cli_env(room, home, "Zoë"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "only your own instances (ids starting with 'zoe_')" in result.stdout
    assert f"deleted {zoe}" in result.stdout and bob not in result.stdout
    assert live_ids(client) == {bob}


def test_trainer_sweeps_the_room_sandbox_and_its_ledger(room, tmp_path):
    laptop = attendee_client(room, tmp_path / "laptop")
    zoe, bob = start_instance(laptop, "Zoë"), start_instance(laptop, "Bob")
    trainer = cli_env(room, tmp_path / "trainer")

    dry = run_cli("cleanup", "--sandbox-all", "--dry-run", env=trainer)
    assert dry.returncode == 0 and "2 instances found, nothing deleted" in dry.stdout
    one = run_cli("cleanup", "--sandbox-all", "--prefix", "Bob", env=trainer)
    assert f"deleted {bob}" in one.stdout and zoe not in one.stdout
    rest = run_cli("cleanup", "--sandbox-all", env=trainer)
    assert rest.returncode == 0 and f"deleted {zoe}" in rest.stdout
    assert "every instance, whoever created it" in rest.stdout
    assert live_ids(laptop) == set()

    ledger = run_cli("cleanup", "--all-attendees", env=cli_env(room, tmp_path / "laptop"))
    assert ledger.returncode == 0, ledger.stderr  # both were already gone: forgotten
    assert "was already gone" in ledger.stdout
    assert Ledger.in_home(tmp_path / "laptop").entries() == []


def test_sandbox_all_against_the_real_service_says_why_not(tmp_path):
    refused = envelope(code=100000007, message="unsupported action")
    with FakeZego(lambda _r: Reply(body=refused)) as server:
        env = {
            "HOME": str(tmp_path),
            "ZEGO_KIT_HOME": str(tmp_path),
            "ZEGO_APP_ID": "1234567",
            "ZEGO_SERVER_SECRET": "0" * 32,
            "ZEGO_API_BASE_URL": server.url,
        }
        result = run_cli("cleanup", "--sandbox-all", env=env)
    assert result.returncode == 2
    assert "ZEGO's real service" in result.stderr and "Traceback" not in result.stderr


def test_sandbox_mode_cleanup_finds_instances_another_kernel_created(isolated_kit):
    # A notebook kernel (this process) creates an instance in its embedded sandbox...
    with connect() as client:
        instance_id = start_instance(client, None)
    # ...and the CLI, with its own embedded sandbox on another port, still deletes it.
    result = run_cli("cleanup", env={"HOME": str(isolated_kit), "ZEGO_KIT_HOME": str(isolated_kit)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"deleted {instance_id}" in result.stdout
    with connect() as client:
        assert live_ids(client) == set()


def test_trainer_listings_show_the_attendees_name_beside_the_prefix(room, tmp_path):
    """张伟's ids start with a hash (u3a0ba_...): the listings also say 张伟 (issue 13)."""
    env_file = tmp_path / "zhang" / ".env"
    env_file.parent.mkdir()
    set_attendee("张伟", env_path=env_file)
    settings = load_settings(
        env={**cli_env(room, tmp_path / "zhang"), "ZEGO_ENV_FILE": str(env_file)}
    )
    assert settings.attendee == "张伟"
    client = attendee_client(room, tmp_path / "zhang")
    assert register_if_missing(client, settings)  # notebook 02/03's fallback names the agent too
    agent_id = make_agent_id("张伟")
    assert client.get_agent(agent_id)["Name"] == "张伟"
    ids = make_call_ids("张伟")
    created = client.create_agent_instance(
        agent_id, ids.user_id, ids.to_rtc(), message_history=MessageHistory()
    )["AgentInstanceId"]
    prefix = namespace_prefix("张伟")
    # an agent registered without a name shows its prefix alone
    ensure_agent(client, make_agent_id("Bob"), llm=LLM.trial(), tts=TTS.trial())
    bobs = start_instance(client, "Bob")

    trainer = cli_env(room, tmp_path / "trainer")
    dry = run_cli("cleanup", "--sandbox-all", "--dry-run", env=trainer)
    assert f"found   {created} (张伟 ({prefix}), room {ids.room_id})" in dry.stdout
    assert f"found   {bobs} (bob, room bob_room_" in dry.stdout
    laptop = cli_env(room, tmp_path / "zhang")
    ledger = run_cli("cleanup", "--all-attendees", "--dry-run", env=laptop)
    assert f"(张伟 ({prefix}), room {ids.room_id})" in ledger.stdout
    agents = run_cli("agents", env=trainer)
    assert f"{agent_id}  (name: 张伟)" in agents.stdout
