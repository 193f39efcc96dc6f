"""LLM turns against a local fake OpenAI-compatible streaming endpoint (Tornado, 127.0.0.1)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from tornado.web import RequestHandler

from .helpers import Api, LocalServer, trial_tts, wait_until

API_KEY = "sk-test-0123456789abcdef"


class FakeLLM(LocalServer):
    """Streams ``pieces`` as SSE chunks (or answers ``status``); records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.pieces = ["Hello ", "from the ", "fake LLM. ", "Second sentence!"]
        fake = self

        class Completions(RequestHandler):
            async def post(self) -> None:
                fake.requests.append(
                    {"headers": dict(self.request.headers), "body": json.loads(self.request.body)}
                )
                if fake.status != 200:
                    self.set_status(fake.status)
                    self.write({"error": {"message": f"Incorrect API key provided: {API_KEY}"}})
                    return
                self.set_header("Content-Type", "text/event-stream")
                for i, piece in enumerate(fake.pieces):
                    last = i == len(fake.pieces) - 1
                    chunk = {
                        "choices": [
                            {"delta": {"content": piece}, "finish_reason": "stop" if last else None}
                        ]
                    }
                    self.write(f"data: {json.dumps(chunk)}\n\n")
                    await self.flush()
                self.write("data: [DONE]\n\n")

        super().__init__([(r"/v1/chat/completions", Completions)])
        self.url = self.base_url + "/v1/chat/completions"


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.stop()


def own_llm(url: str, **extra: Any) -> dict[str, Any]:
    return {"Url": url, "ApiKey": API_KEY, "Model": "tiny-model", **extra}


def test_a_reachable_llm_gets_prompt_window_and_text_and_its_stream_is_the_answer(
    api: Api, fake_llm: FakeLLM
) -> None:
    llm = own_llm(
        fake_llm.url,
        SystemPrompt="You are Tess.",
        Temperature=0.5,
        TopP=0.8,
        Params={"max_tokens": 64},
        AddAgentInfo=True,
        AgentExtraInfo={"course": "workshop"},
    )
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": llm, "TTS": trial_tts()})
    history = [{"Role": "user" if i % 2 else "assistant", "Content": f"m{i}"} for i in range(5)]
    instance = api.create(
        agent_id="own", MessageHistory={"SyncMode": 1, "Messages": history, "WindowSize": 3}
    )
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "What now?"})
    wait_until(lambda: len(api.history(instance)) == 6, what="the answer in the history")

    assert api.history(instance)[-1] == {
        "Role": "assistant",
        "Content": "Hello from the fake LLM. Second sentence!",
    }
    [request] = fake_llm.requests
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    body = request["body"]
    assert body["model"] == "tiny-model" and body["stream"] is True
    assert body["temperature"] == 0.5 and body["top_p"] == 0.8 and body["max_tokens"] == 64
    assert body["messages"] == [
        {"role": "system", "content": "You are Tess."},
        {"role": "assistant", "content": "m2"},
        {"role": "user", "content": "m3"},
        {"role": "assistant", "content": "m4"},
        {"role": "user", "content": "What now?"},
    ]
    assert body["agent_info"]["agent_instance_id"] == instance
    assert body["agent_info"]["room_id"] == "room_1" and body["agent_info"]["round_id"] == 1
    assert body["agent_extra_info"] == {"course": "workshop"}
    texts = [e["Data"]["Text"] for e in api.events(instance, "LLMResult")]
    assert texts == ["Hello from the fake LLM.", "Second sentence!"]
    assert api.events(instance, "SandboxNote") == []  # a real answer: nothing to explain

    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance})
    latency = api.wait_event(instance, "AgentInstanceDeleted")["Data"]["LatencyData"]
    assert latency["LLMTTFT"] >= 0 and latency["LLMTPS"] > 0
    assert latency["TotalCost"] >= latency["TTSAudioFirstFrameTime"] > 0


def test_window_size_zero_sends_no_history(api: Api, fake_llm: FakeLLM) -> None:
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": own_llm(fake_llm.url), "TTS": trial_tts()})
    history = {"SyncMode": 1, "Messages": [{"Role": "user", "Content": "old"}], "WindowSize": 0}
    instance = api.create(agent_id="own", MessageHistory=history)
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hi"})
    wait_until(lambda: fake_llm.requests, what="the LLM request")
    assert fake_llm.requests[0]["body"]["messages"] == [{"role": "user", "content": "Hi"}]


def test_an_llm_that_rejects_the_key_gives_exception_2203(api: Api, fake_llm: FakeLLM) -> None:
    fake_llm.status = 401
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": own_llm(fake_llm.url), "TTS": trial_tts()})
    instance = api.create(agent_id="own")
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hi"})
    event = api.wait_event(instance, "Exception")["Data"]
    assert event["Code"] == 2203 and event["Round"] == 1
    assert "rejected LLM.ApiKey" in event["Message"] and "401" in event["Message"]
    assert API_KEY not in event["Message"]  # the LLM echoed the key; the sandbox hides it
    assert api.history(instance) == []
    wait_until(lambda: api.status(instance) == "IDLE", what="IDLE after the failure")


def test_an_llm_server_error_gives_exception_2201(api: Api, fake_llm: FakeLLM) -> None:
    fake_llm.status = 500
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": own_llm(fake_llm.url), "TTS": trial_tts()})
    instance = api.create(agent_id="own")
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hi"})
    assert api.wait_event(instance, "Exception")["Data"]["Code"] == 2201


def test_a_stream_without_content_gives_exception_2201(api: Api, fake_llm: FakeLLM) -> None:
    fake_llm.pieces = []
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": own_llm(fake_llm.url), "TTS": trial_tts()})
    instance = api.create(agent_id="own")
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hi"})
    event = api.wait_event(instance, "Exception")["Data"]
    assert event["Code"] == 2201 and "no-content" in event["Message"]


def test_an_unreachable_llm_falls_back_to_the_built_in_responder(api: Api) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: nothing listens there
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": own_llm(url), "TTS": trial_tts()})
    instance = api.create(agent_id="own")
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    note = api.wait_event(instance, "SandboxNote")["Data"]["Message"]
    assert "could not reach" in note and url in note
    answer = wait_until(lambda: api.history(instance), what="the answer")[-1]["Content"]
    assert answer.endswith("(sandbox reply)")


def test_the_responses_vendor_is_answered_by_the_built_in_responder(api: Api) -> None:
    llm = own_llm("https://api.openai.com/v1/responses", Vendor="OpenAIResponses")
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": llm, "TTS": trial_tts()})
    instance = api.create(agent_id="own")
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    assert "OpenAIResponses" in api.wait_event(instance, "SandboxNote")["Data"]["Message"]
