"""The explicit hand-off: 02 says which instance is *the* tutorial instance; 03 and 04 use it.

Against a sandbox whose state is a file, so a second "kernel" (another sandbox
on another port, on the same state) sees the same instances, as notebooks do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.file_sandbox import file_sandbox
from tests.kit_clients import sandbox_client
from zego_helpers import tutorial
from zego_helpers.client import AIAgentClient
from zego_helpers.errors import ValidationError
from zego_helpers.ids import make_call_ids
from zego_helpers.models import AdvancedConfig, MessageHistory
from zego_helpers.sandbox import SandboxConfig, start_sandbox
from zego_helpers.sandbox_control import SandboxControl
from zego_helpers.settings import load_settings

FAST = {"think_ms": 5, "speech_ms_per_char": 5.0, "rate_limit_per_action": None}


@pytest.fixture
def sandbox(tmp_path):
    with file_sandbox(tmp_path / "state.json", **FAST) as running:
        yield running


@pytest.fixture
def client(sandbox, isolated_kit) -> Iterator[AIAgentClient]:
    made = sandbox_client(sandbox, isolated_kit)
    yield made
    made.close()


def settings_for(home, attendee: str | None = None, **extra: str):
    env = {"ZEGO_KIT_HOME": str(home), **extra}
    if attendee:
        env["ZEGO_ATTENDEE"] = attendee
    return load_settings(env=env, dotenv_path="")


@pytest.fixture
def settings(isolated_kit):
    return settings_for(isolated_kit)


def create(client, settings, **options) -> tuple[str, object]:
    """What notebook 02's create cell does: create, then hand off."""
    tutorial.register_if_missing(client, settings)
    ids = make_call_ids(settings.attendee)
    agent_id = tutorial.tutorial_agent_id(settings)
    data = client.create_agent_instance(
        agent_id, ids.user_id, ids.to_rtc(), message_history=MessageHistory(), **options
    )
    return str(data["AgentInstanceId"]), ids


def live(client) -> set[str]:
    return {row["AgentInstanceId"] for row in SandboxControl(client).list_instances()}


def test_03_uses_the_instance_02_handed_off_not_the_newest_one(client, settings):
    main_id, ids = create(client, settings)
    tutorial.hand_off(settings, client, main_id, "tutorial_agent", ids)
    exercise_id, exercise_ids = create(client, settings)  # newer, e.g. the exercise's
    tutorial.hand_off(settings, client, exercise_id, "tutorial_agent", exercise_ids,
                      role="exercise")  # fmt: skip

    found = tutorial.tutorial_instance(client, settings)
    assert found.how == "handed off" and found.instance.agent_instance_id == main_id
    assert found.instance.ids == ids
    assert found.line() == (
        f"Using the tutorial instance notebook 02 handed off: instance {main_id} "
        f"(room {ids.room_id})."
    )
    # the ledger still knows both (for cleanup); only the hand-off decides which one to use
    assert {e.agent_instance_id for e in client.ledger.entries()} == {main_id, exercise_id}


def test_a_gone_instance_is_replaced_and_the_new_one_handed_off(client, settings):
    main_id, ids = create(client, settings)
    tutorial.hand_off(settings, client, main_id, "tutorial_agent", ids)
    client.call("DeleteAgentInstance", {"AgentInstanceId": main_id})  # ended behind our back
    found = tutorial.tutorial_instance(client, settings)
    assert found.how == "new" and found.instance.agent_instance_id != main_id
    assert "a new one was created and handed off" in found.line()
    again = tutorial.tutorial_instance(client, settings)
    assert again.how == "handed off" and again.instance == found.instance


def test_opening_03_first_registers_the_agent_and_creates_an_instance(client, settings):
    assert tutorial.handed_off(settings, client) is None
    found = tutorial.tutorial_instance(client, settings)
    assert found.how == "new" and found.instance.agent_id == "tutorial_agent"
    agent = client.get_agent("tutorial_agent")
    assert agent["TTS"]["Vendor"] == "ByteDanceV3" and agent["Name"] == "Tutorial agent"
    assert live(client) == {found.instance.agent_instance_id}


def test_retries_of_the_exercise_delete_the_previous_try_first(client, settings):
    main_id, ids = create(client, settings)
    tutorial.hand_off(settings, client, main_id, "tutorial_agent", ids)
    tries = []
    for idle in (100, 200, 250):  # three wrong answers in a row
        previous = tutorial.delete_previous_try(client, settings)
        assert previous == (tries[-1] if tries else None)
        instance_id, exercise_ids = create(
            client, settings, advanced_config=AdvancedConfig(max_idle_time=idle)
        )
        tutorial.hand_off(settings, client, instance_id, "tutorial_agent", exercise_ids,
                          role="exercise")  # fmt: skip
        tries.append(instance_id)
    assert live(client) == {main_id, tries[-1]}  # one exercise instance, never three
    assert tutorial.tutorial_instance(client, settings).instance.agent_instance_id == main_id


def test_a_second_kernel_on_another_port_finds_the_hand_off(sandbox, tmp_path, client, settings):
    main_id, ids = create(client, settings)
    tutorial.hand_off(settings, client, main_id, "tutorial_agent", ids)
    second = start_sandbox(
        SandboxConfig(
            app_id=sandbox.app_id,
            server_secret=sandbox.server_secret,
            state_path=tmp_path / "state.json",
            **FAST,
        )
    )
    try:
        other = sandbox_client(second, tmp_path)
        assert other.base_url != client.base_url
        found = tutorial.tutorial_instance(other, settings)  # sandbox mode: any port
        assert found.how == "handed off" and found.instance.agent_instance_id == main_id
        # In real mode the URL must match too: a record for another service is not used.
        real = settings_for(settings.kit_home, ZEGO_APP_ID=str(sandbox.app_id),
                            ZEGO_SERVER_SECRET=sandbox.server_secret)  # fmt: skip
        tutorial.hand_off(real, client, main_id, "tutorial_agent", ids)
        assert tutorial.handed_off(real, other) is None
        assert tutorial.handed_off(real, client).agent_instance_id == main_id
    finally:
        second.stop()


def test_attendees_sharing_a_kit_home_each_have_their_own_record(client, isolated_kit):
    bob = settings_for(isolated_kit, "Bob")
    zoe = settings_for(isolated_kit, "Zoë Martin")
    bobs = tutorial.tutorial_instance(client, bob).instance
    zoes = tutorial.tutorial_instance(client, zoe).instance
    assert bobs.room_id.startswith("bob_") and zoes.room_id.startswith("zoe_martin_")
    assert tutorial.tutorial_instance(client, bob).instance == bobs
    assert sorted(p.name for p in isolated_kit.glob("handoff-*.json")) == [
        "handoff-bob.json",
        "handoff-zoe_martin.json",
    ]
    assert client.get_agent("zoe_martin_tutorial_agent")["Name"] == "Zoë Martin"


def test_the_record_holds_ids_only_is_private_and_survives_damage(sandbox, client, settings):
    found = tutorial.tutorial_instance(client, settings)
    path = tutorial.handoffs.handoff_file(settings)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["tutorial"]["agent_instance_id"] == found.instance.agent_instance_id
    assert sandbox.server_secret not in path.read_text(encoding="utf-8")
    assert oct(os.stat(path.parent).st_mode & 0o777) == "0o700"  # inside the private kit home
    for damage in (b"{not json", b"\xff\xfe", b"[]", b'{"tutorial": {"role": "tutorial"}}'):
        path.write_bytes(damage)
        assert tutorial.handed_off(settings, client) is None  # unreadable: a new one, no crash
    assert tutorial.tutorial_instance(client, settings).how == "new"


def test_a_taken_back_instance_is_no_longer_handed_off(client, settings):
    found = tutorial.tutorial_instance(client, settings)
    tutorial.take_back(settings)
    assert tutorial.handed_off(settings, client) is None
    tutorial.take_back(settings)  # twice is fine
    assert found.instance.agent_instance_id in live(client)  # forgetting deletes nothing


def test_bad_roles_and_ids_are_refused(client, settings):
    with pytest.raises(ValidationError, match="role"):
        tutorial.hand_off(settings, client, "1", "a", make_call_ids(), role="main")
    with pytest.raises(ValidationError, match="ids"):
        tutorial.hand_off(settings, client, "1", "a", {"RoomId": "r"})
