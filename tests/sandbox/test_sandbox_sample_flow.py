"""ZEGO's sample backend's calls, against the sandbox: every one must answer Code 0.

ZEGOCLOUD/ai_agent_quick_start_server (Next.js) is what many integrators start from. Its
routes, as that repository's ``src/lib/zego/aiagent.ts`` and ``src/app/api/*/route.ts``
behave (re-stated here in Python, not copied):

* ``/api/start``: ``QueryAgents {AgentIds: [id]}``; if absent ``RegisterAgent`` with the
  LLM from its environment, its default TTS (MiniMax shape) and ``ASR: {Params: {}}``; if
  present and different, ``UpdateAgent`` with the same body; then ``CreateAgentInstance``
  with ``MessageHistory {SyncMode: 1, Messages: [], WindowSize: 10}`` and ``null`` for
  LLM, TTS, ASR, CallbackConfig and AdvancedConfig (``JSON.stringify`` keeps them);
* ``/api/send-agent-instance-tts``: ``SendAgentInstanceTTS`` with only the fields given;
* ``/api/stop``: ``DeleteAgentInstance {AgentInstanceId}``;
* ``/api/start-digital-human``: ``CreateDigitalHumanAgentInstance`` (no null fields:
  they are ``undefined`` there), falling back to a voice instance on 410001025;
* ``ListAgents`` with an empty body.

It signs with a ``SignatureNonce`` from ``Math.random().toString(36).substring(2)``
(base-36, not hex) and checks only the HTTP status, so a business error would surface
far away: here every envelope is checked.
"""

from __future__ import annotations

import random
import string
from typing import Any

from .helpers import Api, api_for

AGENT_ID = "ai_agent_example_1"
AGENT_NAME = "李浩然"
#: The sample's environment: its own LLM (any OpenAI-compatible URL) and default TTS.
ENV = {
    "LLM_BASE_URL": "https://api.example-llm.com/v1/chat/completions",
    "LLM_API_KEY": "sk-sample-backend-key",
    "LLM_MODEL": "model-a",
    "TTS_MODEL": "speech-2.8-turbo",
}


def base36_nonce() -> str:
    """What ``Math.random().toString(36).substring(2)`` gives: about 11 base-36 digits."""
    return "".join(random.choice(string.digits + string.ascii_lowercase) for _ in range(11))


class SampleBackend:
    """The sample server's calls to ZEGO, made the way it makes them."""

    def __init__(self, api: Api, env: dict[str, str]) -> None:
        self.api, self.env = api, env
        self.actions: list[str] = []

    def send(self, action: str, body: Any) -> dict[str, Any]:
        self.actions.append(action)
        envelope = self.api.call(action, body, nonce=base36_nonce())
        assert envelope["Code"] == 0, envelope
        return envelope

    def default_config(self) -> dict[str, Any]:
        env = self.env
        tts = {  # the third branch of buildTTSConfig: MiniMax with empty credentials
            "Vendor": "MiniMax",
            "Params": {
                "app": {"group_id": "", "api_key": ""},
                "model": env["TTS_MODEL"],
                "voice_setting": {"voice_id": "", "speed": 1, "vol": 1, "pitch": 0},
                "audio_setting": {"sample_rate": 32000, "bitrate": 128000, "format": "mp3",
                                  "channel": 1},  # fmt: skip
            },
            "FilterText": [{"BeginCharacters": "(", "EndCharacters": ")"},
                           {"BeginCharacters": "（", "EndCharacters": "）"},
                           {"BeginCharacters": "{", "EndCharacters": "}"}],  # fmt: skip
        }
        llm = {"Url": env["LLM_BASE_URL"], "ApiKey": env["LLM_API_KEY"],
               "Model": env["LLM_MODEL"], "SystemPrompt": "你在做角色扮演。"}  # fmt: skip
        return {"LLM": llm, "TTS": tts, "ASR": {"Params": {}}}

    def ensure_agent_registered(self) -> None:
        agents = self.send("QueryAgents", {"AgentIds": [AGENT_ID]})["Data"]["Agents"]
        config = self.default_config()
        body = {"AgentId": AGENT_ID, "Name": AGENT_NAME, **config}
        existing = next((a for a in agents if a["AgentId"] == AGENT_ID), None)
        if existing is None:
            self.send("RegisterAgent", body)
        elif {key: existing.get(key) for key in config} != config:
            self.send("UpdateAgent", body)

    def rtc(self, user_id: str, room_id: str, user_stream_id: str) -> dict[str, str]:
        suffix = base36_nonce()[:8]
        return {"RoomId": room_id, "AgentStreamId": "stream_agent_" + suffix,
                "AgentUserId": "user_agent_" + suffix, "UserStreamId": user_stream_id}  # fmt: skip

    def start(self, user_id: str, room_id: str, user_stream_id: str) -> str:
        self.ensure_agent_registered()
        body = {
            "AgentId": AGENT_ID, "UserId": user_id,
            "RTC": self.rtc(user_id, room_id, user_stream_id),
            "MessageHistory": {"SyncMode": 1, "Messages": [], "WindowSize": 10},
            "LLM": None, "TTS": None, "ASR": None, "CallbackConfig": None, "AdvancedConfig": None,
        }  # fmt: skip
        return self.send("CreateAgentInstance", body)["Data"]["AgentInstanceId"]

    def start_digital_human(self, user_id: str, room_id: str, user_stream_id: str) -> str:
        self.ensure_agent_registered()
        rtc = self.rtc(user_id, room_id, user_stream_id)
        body = {"AgentId": AGENT_ID, "UserId": user_id, "RTC": rtc,
                "DigitalHuman": {"DigitalHumanId": "xiaozhi", "ConfigId": "web"},
                "MessageHistory": {"SyncMode": 1, "Messages": [], "WindowSize": 10}}  # fmt: skip
        self.actions.append("CreateDigitalHumanAgentInstance")
        envelope = self.api.call("CreateDigitalHumanAgentInstance", body, nonce=base36_nonce())
        if envelope["Code"] == 410001025:  # the sample's fallback: a voice instance
            fallback = {"AgentId": AGENT_ID, "UserId": user_id, "RTC": rtc,
                        "MessageHistory": {"SyncMode": 1, "Messages": [], "WindowSize": 10},
                        "LLM": None, "TTS": None, "ASR": None, "CallbackConfig": None,
                        "AdvancedConfig": None}  # fmt: skip
            return self.send("CreateAgentInstance", fallback)["Data"]["AgentInstanceId"]
        assert envelope["Code"] == 0, envelope
        assert envelope["Data"]["DigitalHumanConfig"]
        return envelope["Data"]["AgentInstanceId"]

    def send_tts(self, agent_instance_id: str, text: str, **given: Any) -> int:
        names = {"add_history": "AddHistory", "interrupt_mode": "InterruptMode",
                 "priority": "Priority", "same_priority_option": "SamePriorityOption",
                 "enqueue_user_speech": "EnqueueUserSpeech"}  # fmt: skip
        body = {"AgentInstanceId": agent_instance_id, "Text": text}
        body.update({names[k]: v for k, v in given.items() if v is not None})
        return self.send("SendAgentInstanceTTS", body)["Data"]["Round"]

    def stop(self, agent_instance_id: str) -> None:
        self.send("DeleteAgentInstance", {"AgentInstanceId": agent_instance_id})


def test_the_sample_backends_voice_flow_answers_code_0_at_every_step(start) -> None:
    api = api_for(start())
    sample = SampleBackend(api, dict(ENV))
    first = sample.start("user_1", "room_1", "user_stream_1")
    assert sample.actions == ["QueryAgents", "RegisterAgent", "CreateAgentInstance"]
    assert sample.send_tts(first, "欢迎！", priority="High", add_history=True) == 1
    assert sample.send_tts(first, "Second line", interrupt_mode=1, enqueue_user_speech=False) == 2
    sample.stop(first)

    sample.actions.clear()
    again = sample.start("user_1", "room_1", "user_stream_1")  # same config: no update
    assert sample.actions == ["QueryAgents", "CreateAgentInstance"]
    sample.env["LLM_MODEL"] = "model-b"  # the operator changed .env and restarted
    sample.actions.clear()
    third = sample.start("user_2", "room_2", "user_stream_2")
    assert sample.actions == ["QueryAgents", "UpdateAgent", "CreateAgentInstance"]
    stored = api.ok("QueryAgents", {"AgentIds": [AGENT_ID]})["Agents"][0]
    assert stored["LLM"]["Model"] == "model-b" and stored["Name"] == AGENT_NAME
    assert api.ok("ListAgents", {})["Total"] == 1  # the sample sends no Limit
    for instance in (again, third):
        sample.stop(instance)
    assert api.ok("SandboxListInstances", {})["Instances"] == []


def test_the_sample_backends_digital_human_flow_and_the_code_at_the_limit(start) -> None:
    api = api_for(start(instance_limit=1))
    sample = SampleBackend(api, dict(ENV))
    human = sample.start_digital_human("user_1", "room_1", "user_stream_1")
    # At the account's digital-human limit ZEGO answers 410001031 (return-codes), which the
    # sample does not treat as "fall back to voice" (it waits for 410001025): it fails.
    second = sample.api.call(
        "CreateDigitalHumanAgentInstance",
        {"AgentId": AGENT_ID, "UserId": "user_2", "RTC": sample.rtc("user_2", "room_2", "s2"),
         "DigitalHuman": {"DigitalHumanId": "xiaozhi", "ConfigId": "web"}},
        nonce=base36_nonce(),
    )  # fmt: skip
    assert second["Code"] == 410001031
    sample.stop(human)
