"""The kit's client against the sandbox: every method once, and errors mapped to exceptions.

The other sandbox tests use hand-signed requests so that a misunderstanding
shared by client and sandbox cannot hide; this one checks that the two agree.
"""

from __future__ import annotations

import pytest

from zego_helpers import (
    LLM,
    TTS,
    AdvancedConfig,
    AIAgentClient,
    AlreadyExistsError,
    DigitalHuman,
    LimitReachedError,
    Message,
    MessageHistory,
    NotFoundError,
    SignatureError,
    ZegoAPIError,
    make_call_ids,
)

from .helpers import wait_until


@pytest.fixture
def client(sandbox):
    with AIAgentClient(
        sandbox.app_id, sandbox.server_secret, sandbox.base_url, max_retries=0
    ) as client:
        yield client


def test_every_client_method_works_against_the_sandbox(client: AIAgentClient) -> None:
    client.register_agent("tutor", name="Tutor", llm=LLM.trial(), tts=TTS.trial())
    client.update_agent("tutor", llm=LLM.trial(system_prompt="You are Ada."))
    assert client.get_agent("tutor")["LLM"]["SystemPrompt"] == "You are Ada."
    assert [a["AgentId"] for a in client.iter_agents()] == ["tutor"]

    ids = make_call_ids("client")
    instance = client.create_agent_instance(
        "tutor", ids.user_id, ids.to_rtc(), message_history=MessageHistory()
    )["AgentInstanceId"]
    client.update_agent_instance(instance, llm=LLM.trial(system_prompt="You are Bea."))
    sent = client.send_agent_instance_llm(instance, "Who are you?", add_question_to_history=True)
    assert sent["Round"] == 1
    wait_until(lambda: client.get_agent_instance_msg_list(instance)["Total"] == 2, what="answer")
    assert "Bea" in client.get_agent_instance_msg_list(instance)["MessageList"][1]["Content"]
    assert client.send_agent_instance_tts(instance, "Hello!")["Round"] == 2
    assert client.query_agent_instance_status(instance)["Status"] in ("SPEAKING", "IDLE")
    assert client.interrupt_agent_instance(instance)["Round"] == 2
    client.add_agent_instance_msg(instance, [Message.user("I like tea")])
    client.reset_agent_instance_msg_list(instance)
    assert client.get_agent_instance_msg_list(instance)["Total"] == 0
    client.delete_agent_instance(instance)

    walkie_ids = make_call_ids("walkie")
    walkie = client.create_agent_instance(
        "tutor",
        walkie_ids.user_id,
        walkie_ids.to_rtc(),
        message_history=MessageHistory(),
        advanced_config=AdvancedConfig(communication_mode=2),
    )["AgentInstanceId"]
    assert client.start_listening(walkie, sequence=1)["Round"] == 1
    client.stop_listening(walkie, sequence=2)
    client.delete_agent_instance(walkie, graceful=True, graceful_timeout=5)

    human_ids = make_call_ids("human")
    human = client.create_digital_human_agent_instance(
        "tutor", human_ids.user_id, human_ids.to_rtc(), DigitalHuman(digital_human_id="dh-1")
    )
    assert human["DigitalHumanConfig"]
    client.delete_agent_instance(human["AgentInstanceId"])
    live_ids = make_call_ids("live")
    live_rtc = {
        "RoomId": live_ids.room_id,
        "AgentStreamId": live_ids.agent_stream_id,
        "AgentUserId": live_ids.agent_user_id,
    }
    live = client.create_live_digital_human_agent_instance(
        "tutor", DigitalHuman(digital_human_id="dh-1"), rtc=live_rtc
    )["AgentInstanceId"]
    client.send_agent_instance_tts(live, "Welcome to the show")
    client.delete_agent_instance(live)

    client.unregister_agent("tutor")
    assert client.call("SandboxListInstances", {})["Instances"] == []


def test_sandbox_codes_become_the_clients_exceptions(sandbox, client: AIAgentClient) -> None:
    client.register_agent("twice", llm=LLM.trial(), tts=TTS.trial())
    with pytest.raises(AlreadyExistsError):
        client.register_agent("twice", llm=LLM.trial(), tts=TTS.trial())
    with pytest.raises(NotFoundError):
        client.unregister_agent("nobody")
    with pytest.raises(NotFoundError):
        client.delete_agent_instance("1234567890123456789")
    client.call("SandboxConfigure", {"InstanceLimit": 0})
    ids = make_call_ids()
    with pytest.raises(LimitReachedError):
        client.create_agent_instance("twice", ids.user_id, ids.to_rtc())
    # The client checks the trial pairs itself; a raw call reaches the sandbox's check.
    body = {
        "AgentId": "raw",
        "LLM": {"Url": "https://x.test/v1", "ApiKey": "zego_test", "Model": "m"},
    }
    with pytest.raises(ZegoAPIError) as error:
        client.call("RegisterAgent", body)
    assert error.value.code == 410001047
    wrong = AIAgentClient(sandbox.app_id, "0" * 32, sandbox.base_url, max_retries=0)
    with pytest.raises(SignatureError):
        wrong.list_agents()
    wrong.close()


def test_the_client_rides_out_the_rate_limit(start) -> None:
    sandbox = start(rate_limit_per_action=2)
    with AIAgentClient(
        sandbox.app_id,
        sandbox.server_secret,
        sandbox.base_url,
        requests_per_second=None,  # no pacing: the sandbox's 429 must be retried
        max_retries=3,
    ) as client:
        for _ in range(5):
            client.list_agents()
