"""ensure_agent is idempotent; AgentSession always deletes; ask waits for the answer."""

from __future__ import annotations

import pytest

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers.client import AIAgentClient
from zego_helpers.errors import ZegoError
from zego_helpers.ids import make_call_ids
from zego_helpers.models import LLM, TTS
from zego_helpers.workflows import AgentSession, ask, ensure_agent

SECRET = "fedcba9876543210fedcba9876543210"
LLM_CONFIG = LLM.trial()
TTS_CONFIG = TTS.trial("ByteDanceV3")


def client_for(server) -> AIAgentClient:
    return AIAgentClient(1, SECRET, server.url, requests_per_second=None, max_retries=0)


def stored_agent(**overrides):
    agent = {
        "AgentId": "a1",
        "Name": "Ada",
        "LLM": {**LLM_CONFIG.to_api(), "Vendor": "OpenAIChat", "Temperature": 0.7},
        "TTS": TTS_CONFIG.to_api(),
    }
    agent.update(overrides)
    return agent


def actions(server):
    return [r.query["Action"] for r in server.requests]


def test_ensure_agent_registers_when_missing():
    with FakeZego() as server:
        server.script = [Reply(body=envelope({"Agents": []})), Reply(body=envelope())]
        result = ensure_agent(client_for(server), "a1", name="Ada", llm=LLM_CONFIG, tts=TTS_CONFIG)
    assert result == "registered"
    assert actions(server) == ["QueryAgents", "RegisterAgent"]
    assert server.requests[1].body["TTS"] == TTS_CONFIG.to_api()


def test_ensure_agent_leaves_an_identical_agent_alone_despite_server_defaults():
    with FakeZego() as server:
        server.script = [Reply(body=envelope({"Agents": [stored_agent()]}))]
        result = ensure_agent(client_for(server), "a1", name="Ada", llm=LLM_CONFIG, tts=TTS_CONFIG)
    assert result == "unchanged" and actions(server) == ["QueryAgents"]


def test_ensure_agent_updates_only_when_the_config_differs():
    changed = LLM.trial(system_prompt="You are a pirate.")
    with FakeZego() as server:
        server.script = [Reply(body=envelope({"Agents": [stored_agent()]})), Reply(body=envelope())]
        result = ensure_agent(client_for(server), "a1", name="Ada", llm=changed, tts=TTS_CONFIG)
    assert result == "updated"
    assert actions(server) == ["QueryAgents", "UpdateAgent"]
    assert server.requests[1].body["LLM"]["SystemPrompt"] == "You are a pirate."


def test_ensure_agent_treats_a_racing_registration_as_success():
    with FakeZego() as server:
        server.script = [
            Reply(body=envelope({"Agents": []})),
            Reply(body=envelope(code=410001008, message="agent exists")),
            Reply(body=envelope({"Agents": [stored_agent()]})),
        ]
        result = ensure_agent(client_for(server), "a1", name="Ada", llm=LLM_CONFIG, tts=TTS_CONFIG)
    assert result == "unchanged"
    assert actions(server) == ["QueryAgents", "RegisterAgent", "QueryAgents"]


def _instance_server():
    def respond(received):
        action = received.query["Action"]
        if action == "CreateAgentInstance":
            return Reply(body=envelope({"AgentInstanceId": "i1"}))
        return Reply(body=envelope())

    return FakeZego(respond)


def test_agent_session_deletes_even_when_the_block_raises():
    with _instance_server() as server:
        ids = make_call_ids("alice")
        with pytest.raises(RuntimeError), AgentSession(client_for(server), "a1", ids) as session:
            assert session.instance_id == "i1"
            raise RuntimeError("learner's bug")
    assert actions(server) == ["CreateAgentInstance", "DeleteAgentInstance"]
    create, delete = server.requests
    assert create.body["MessageHistory"] == {"SyncMode": 1, "Messages": [], "WindowSize": 10}
    assert create.body["RTC"] == ids.to_rtc().to_api()
    assert delete.body == {"AgentInstanceId": "i1"}


def test_agent_session_counts_an_already_gone_instance_as_deleted():
    with FakeZego() as server:
        server.script = [
            Reply(body=envelope({"AgentInstanceId": "i1"})),
            Reply(body=envelope(code=410001002, message="instance not exist")),
        ]
        with AgentSession(client_for(server), "a1", make_call_ids()):
            pass
    assert actions(server) == ["CreateAgentInstance", "DeleteAgentInstance"]


def test_ask_returns_the_new_assistant_message():
    history = [{"Role": "user", "Content": "old"}, {"Role": "assistant", "Content": "old answer"}]
    with FakeZego() as server:
        server.script = [
            Reply(body=envelope({"Total": 2, "MessageList": history})),
            Reply(body=envelope({"Round": 3})),
            Reply(
                body=envelope(
                    {"Total": 3, "MessageList": [*history, {"Role": "user", "Content": "Hi"}]}
                )
            ),
            Reply(
                body=envelope(
                    {
                        "Total": 4,
                        "MessageList": [
                            *history,
                            {"Role": "user", "Content": "Hi"},
                            {"Role": "assistant", "Content": "Hello there"},
                        ],
                    }
                )
            ),
        ]
        reply = ask(client_for(server), "i1", "Hi", interval=0.01)
    assert (reply.round, reply.text) == (3, "Hello there")


def test_ask_explains_a_silent_agent():
    silent = Reply(body=envelope({"Round": 1, "MessageList": []}))
    with FakeZego(lambda _r: silent) as server, pytest.raises(ZegoError, match="2203"):
        ask(client_for(server), "i1", "Hi", timeout=0.2, interval=0.05)
