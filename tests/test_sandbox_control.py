"""SandboxControl: the sandbox-only actions as typed calls, and "is this a sandbox?" asked once."""

from __future__ import annotations

import json

import pytest

from zego_helpers import AIAgentClient, MockTransport, ValidationError, ZegoAPIError
from zego_helpers.errors import TransportError
from zego_helpers.ids import make_call_ids
from zego_helpers.models import LLM, TTS, MessageHistory
from zego_helpers.sandbox import SandboxConfig, start_sandbox
from zego_helpers.sandbox.config import RUNTIME_SETTINGS
from zego_helpers.sandbox_control import CONFIGURE_FIELDS, SandboxControl
from zego_helpers.transport import HTTPResponse
from zego_helpers.workflows import ensure_agent

SECRET = "0123456789abcdef0123456789abcdef"


#: Each test starts and ends with no remembered "is this a sandbox?" answer (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_sandbox_info")


@pytest.fixture
def sandbox():
    running = start_sandbox(
        SandboxConfig(app_id=1234567, server_secret=SECRET, rate_limit_per_action=None, think_ms=5)
    )
    yield running
    running.stop()


@pytest.fixture
def client(sandbox):
    with AIAgentClient(1234567, SECRET, sandbox.base_url, requests_per_second=None) as made:
        yield made


def counting_zego(code: int = 100000007):
    """A stand-in for ZEGO that answers every request with ``code``; counts the requests."""
    sent: list[str] = []

    def handler(request):
        sent.append(request.action)
        body = {"Code": code, "Message": "unsupported action", "RequestId": "r1", "Data": {}}
        return HTTPResponse(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    return sent, handler


def test_zego_is_no_sandbox_and_is_asked_only_once():
    sent, handler = counting_zego()
    client = AIAgentClient(1234567, SECRET, transport=MockTransport(handler), max_retries=0)
    control = SandboxControl(client)
    assert control.info() is None and not control.is_sandbox()
    assert SandboxControl(client).info() is None  # another control, the same service
    assert sent == ["SandboxInfo"]
    assert control.info(refresh=True) is None and sent == ["SandboxInfo", "SandboxInfo"]


def test_a_failure_other_than_unsupported_is_raised_and_not_remembered():
    sent, handler = counting_zego(code=100000005)
    client = AIAgentClient(1234567, SECRET, transport=MockTransport(handler), max_retries=0)
    for _ in range(2):
        with pytest.raises(ZegoAPIError) as error:
            SandboxControl(client).info()
        assert error.value.code == 100000005
    assert sent == ["SandboxInfo", "SandboxInfo"]

    def offline(request):
        raise TransportError("SandboxInfo", "connection refused", "is it running?")

    down = AIAgentClient(1234567, SECRET, "http://127.0.0.1:9", transport=MockTransport(offline))
    with pytest.raises(TransportError):
        SandboxControl(down).info()


def test_a_sandbox_says_what_it_is_and_its_limits(client):
    info = SandboxControl(client).info()
    assert info is not None and info.app_id == 1234567 and info.base_url == client.base_url
    assert info.room is False  # started without room=True: a stand-in, not the room's sandbox
    assert info.instance_limit == 10 and info.rate_limit_per_action is None
    assert info.limits_text() == "10 instances at once, no rate limit"


def test_the_room_sandbox_says_it_is_the_rooms():
    room = start_sandbox(
        SandboxConfig.with_random_credentials(
            room=True, instance_limit=100, rate_limit_per_action=20
        )
    )
    try:
        with AIAgentClient(room.app_id, room.server_secret, room.base_url) as client:
            info = SandboxControl(client).info()
    finally:
        room.stop()
    assert info is not None and info.room is True
    assert info.limits_text() == "100 instances at once, 20 requests/s per action"


def test_configure_names_every_setting_the_sandbox_knows_and_refreshes_the_limits(client):
    # the client side keeps its own list of names; it must match the sandbox's, both ways
    assert set(CONFIGURE_FIELDS.values()) == set(RUNTIME_SETTINGS)
    control = SandboxControl(client)
    assert control.info().instance_limit == 10
    config = control.configure(instance_limit=3, idle_rule=True, idle_time_scale=0.5)
    assert config["InstanceLimit"] == 3 and config["IdleRule"] is True
    assert control.info().instance_limit == 3  # asked again after a change


def test_configure_refuses_a_typo_before_sending_and_the_sandbox_refuses_a_bad_value(client):
    control = SandboxControl(client)
    with pytest.raises(ValidationError) as error:
        control.configure(instance_limt=3)
    assert error.value.field == "instance_limt" and "instance_limit" in error.value.problem
    with pytest.raises(ZegoAPIError) as refused:
        control.configure(instance_limit=-1)
    assert refused.value.code == 410000003 and "InstanceLimit" in refused.value.message


def test_presence_listing_events_and_speech(client):
    control = SandboxControl(client)
    ensure_agent(client, "shared_agent", llm=LLM.trial(), tts=TTS.trial())
    ids = make_call_ids("Zoë")
    other = make_call_ids("Bob")
    mine = client.create_agent_instance(
        "shared_agent", ids.user_id, ids.to_rtc(), message_history=MessageHistory()
    )["AgentInstanceId"]
    client.create_agent_instance(
        "shared_agent", other.user_id, other.to_rtc(), message_history=MessageHistory()
    )
    assert control.user_joined(ids.room_id, ids.user_id) == [mine]
    assert client.query_agent_instance_status(mine)["Status"] == "LISTENING"
    assert [row["AgentInstanceId"] for row in control.list_instances("zoe_")] == [mine]
    assert len(control.list_instances()) == 2
    assert control.user_says(mine, "Hello there") == 1
    assert any(e["Event"] == "AgentInstanceCreated" for e in control.events(mine))
    control.user_left(ids.room_id, ids.user_id)
    assert client.query_agent_instance_status(mine)["Status"] in ("IDLE", "THINKING", "SPEAKING")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.user_joined("room 1", "u1"), "room_id"),
        (lambda c: c.user_left("r1", ""), "user_id"),
        (lambda c: c.user_says("", "hi"), "agent_instance_id"),
        (lambda c: c.list_instances(prefix=3), "prefix"),
    ],
)
def test_bad_arguments_name_the_argument_before_anything_is_sent(call, field):
    sent, handler = counting_zego(code=0)
    control = SandboxControl(AIAgentClient(1234567, SECRET, transport=MockTransport(handler)))
    with pytest.raises(ValidationError) as error:
        call(control)
    assert error.value.field == field and sent == []


def test_a_tracked_client_sees_the_user_join(client, isolated_kit):
    from zego_helpers.tutorial.progress import track, tracker_for

    track(client)
    ensure_agent(client, "agent_a", llm=LLM.trial(), tts=TTS.trial())
    ids = make_call_ids()
    client.create_agent_instance(
        "agent_a", ids.user_id, ids.to_rtc(), message_history=MessageHistory()
    )
    SandboxControl(client).user_joined(ids.room_id, ids.user_id)
    assert tracker_for().is_done("user joined")
