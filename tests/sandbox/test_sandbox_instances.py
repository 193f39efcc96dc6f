"""Instance management: create (3 kinds), update, delete (graceful too), limits, duplicate ids."""

from __future__ import annotations

import base64
import json

import pytest

from .helpers import Api, api_for, rtc, trial_llm, trial_tts, wait_until


def create_body(tag: str = "1", **extra) -> dict:
    body = {
        "AgentId": "agent_1",
        "UserId": f"user_{tag}",
        "RTC": rtc(tag),
        "MessageHistory": {"SyncMode": 1, "Messages": [], "WindowSize": 10},
    }
    return {**body, **extra}


def test_create_returns_a_numeric_instance_id_and_lists_it(api: Api, agent: str) -> None:
    instance_id = api.create("1")
    assert instance_id.isdigit() and len(instance_id) == 19
    rows = api.ok("SandboxListInstances", {})["Instances"]
    assert [(r["AgentInstanceId"], r["UserId"], r["RoomId"]) for r in rows] == [
        (instance_id, "user_1", "room_1")
    ]
    assert rows[0]["Status"] == "IDLE"
    created = api.wait_event(instance_id, "AgentInstanceCreated")
    assert created["Data"]["CreatedTimestamp"] == rows[0]["CreatedTimestamp"]
    assert created["AgentId"] == "agent_1" and created["AgentUserId"] == "agent_1"


def test_list_instances_filters_by_prefix(api: Api, agent: str) -> None:
    api.create("alice_1")
    api.create("bob_1")
    rows = api.ok("SandboxListInstances", {"Prefix": "room_alice"})["Instances"]
    assert [r["RoomId"] for r in rows] == ["room_alice_1"]


def test_create_with_an_unknown_agent_gives_410001009(api: Api) -> None:
    api.fails("CreateAgentInstance", create_body(AgentId="ghost"), 410001009)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"UserId": None}, "UserId"),
        ({"RTC": None}, "RTC"),
        ({"RTC": {**rtc("1"), "RoomId": None}}, "RTC.RoomId"),
        ({"RTC": {**rtc("1"), "AgentStreamId": ""}}, "RTC.AgentStreamId"),
        ({"RTC": {**rtc("1"), "AgentUserId": None}}, "RTC.AgentUserId"),
        ({"RTC": {**rtc("1"), "UserStreamId": None}}, "RTC.UserStreamId"),
        ({"UserId": "u" * 33}, "UserId"),
        ({"UserId": "user.name"}, "UserId"),
        ({"RTC": {**rtc("1"), "RoomId": "r" * 129}}, "RTC.RoomId"),
        ({"RTC": {**rtc("1"), "RoomId": "room 1"}}, "RTC.RoomId"),
        ({"RTC": {**rtc("1"), "AgentUserId": "a" * 33}}, "RTC.AgentUserId"),
        ({"RTC": {**rtc("1"), "StreamExtraInfo": "x" * 1025}}, "RTC.StreamExtraInfo"),
        ({"RTC": {**rtc("1"), "AgentUserId": "user_1"}}, "RTC.AgentUserId"),
        (
            {
                "MessageHistory": {
                    "SyncMode": 1,
                    "Messages": [{"Role": "user", "Content": "hi"}] * 101,
                }
            },
            "MessageHistory.Messages",
        ),
        (
            {"MessageHistory": {"SyncMode": 1, "Messages": [{"Role": "system", "Content": "x"}]}},
            "MessageHistory.Messages[0].Role",
        ),
        ({"MessageHistory": {"SyncMode": 1, "WindowSize": 501}}, "MessageHistory.WindowSize"),
        ({"MessageHistory": {"SyncMode": 3}}, "MessageHistory.SyncMode"),
        ({"AdvancedConfig": {"MaxIdleTime": 5}}, "AdvancedConfig.MaxIdleTime"),
        ({"AdvancedConfig": {"CommunicationMode": 1}}, "AdvancedConfig.CommunicationMode"),
        ({"CallbackConfig": {"LLMResult": 2}}, "CallbackConfig.LLMResult"),
        ({"VAD": {"TurnDetectConfig": {"SilenceSegmentation": 100}}}, "VAD.TurnDetectConfig"),
        ({"TTS": {"Vendor": "MiniMax"}}, "TTS.Params"),
    ],
)
def test_invalid_create_bodies_name_the_field(api: Api, agent: str, change: dict, field: str):
    body = {k: v for k, v in create_body(**change).items() if v is not None}
    message = api.fails("CreateAgentInstance", body, 410000003)
    assert message.startswith(field), message


def test_create_needs_an_llm_and_tts_from_the_agent_or_the_request(api: Api) -> None:
    api.ok("RegisterAgent", {"AgentId": "agent_1"})
    assert api.fails("CreateAgentInstance", create_body(), 410000003).startswith("LLM")
    body = create_body(TTS=trial_tts())
    assert api.fails("CreateAgentInstance", body, 410000003).startswith("LLM")
    api.ok("CreateAgentInstance", create_body(LLM=trial_llm(), TTS=trial_tts()))


def test_omitting_message_history_is_noted_because_zego_would_use_zim(api: Api, agent) -> None:
    body = create_body()
    del body["MessageHistory"]
    instance_id = api.ok("CreateAgentInstance", body)["AgentInstanceId"]
    note = api.wait_event(instance_id, "SandboxNote")
    assert "ZIM" in note["Data"]["Message"]


def test_initial_messages_become_the_history(api: Api, agent: str) -> None:
    messages = [{"Role": "user", "Content": "I like tea"}, {"Role": "assistant", "Content": "OK"}]
    body = create_body(MessageHistory={"SyncMode": 1, "Messages": messages, "WindowSize": 5})
    instance_id = api.ok("CreateAgentInstance", body)["AgentInstanceId"]
    assert api.history(instance_id) == messages


def test_more_than_the_instance_limit_gives_410000011(start) -> None:
    api = api_for(start(instance_limit=2))
    api.register()
    first = api.create("1")
    api.create("2")
    message = api.fails("CreateAgentInstance", create_body("3"), 410000011)
    assert "limit is 2" in message
    api.ok("DeleteAgentInstance", {"AgentInstanceId": first})
    api.create("3")


def test_the_instance_limit_can_be_changed_at_run_time(start) -> None:
    api = api_for(start(instance_limit=1))
    api.register()
    api.create("1")
    api.ok("SandboxConfigure", {"InstanceLimit": 2})
    api.create("2")


def test_a_duplicate_agent_user_id_kicks_the_earlier_instance_out(api: Api, agent: str) -> None:
    old = api.create("1")
    body = create_body("2", RTC={**rtc("2"), "AgentUserId": "agent_1"})
    new = api.ok("CreateAgentInstance", body)["AgentInstanceId"]
    kicked = api.wait_event(old, "Exception")
    assert kicked["Data"]["Code"] == 1203 and new in kicked["Data"]["Message"]
    assert api.wait_event(old, "AgentInstanceDeleted")["Data"]["Code"] == 1203
    api.fails("QueryAgentInstanceStatus", {"AgentInstanceId": old}, 410001002)
    assert api.status(new) == "IDLE"


def test_rerunning_create_with_the_same_ids_replaces_the_old_instance(start) -> None:
    api = api_for(start(instance_limit=1))
    api.register()
    old = api.create("1")
    new = api.create("1")  # same AgentUserId and AgentStreamId: the old one is kicked
    assert [r["AgentInstanceId"] for r in api.ok("SandboxListInstances", {})["Instances"]] == [new]
    assert api.wait_event(old, "AgentInstanceDeleted")["Data"]["Code"] == 1203


def test_a_duplicate_agent_stream_id_makes_the_new_instance_fail_to_publish(api, agent) -> None:
    old = api.create("1")
    body = create_body("2", RTC={**rtc("2"), "AgentStreamId": "agent_stream_1"})
    new = api.ok("CreateAgentInstance", body)["AgentInstanceId"]
    failure = api.wait_event(new, "Exception")
    assert failure["Data"]["Code"] == 1206 and old in failure["Data"]["Message"]
    assert api.wait_event(new, "AgentInstanceDeleted")["Data"]["Code"] == 1206
    assert api.events(new, "AgentInstanceCreated") == []
    api.fails("QueryAgentInstanceStatus", {"AgentInstanceId": new}, 410001002)
    assert api.status(old) == "IDLE"


# --- update -----------------------------------------------------------------------------------


def test_update_instance_replaces_the_llm_used_for_the_next_turn(api: Api, instance: str) -> None:
    llm = trial_llm(SystemPrompt="You are Rex, a dog.")
    api.ok("UpdateAgentInstance", {"AgentInstanceId": instance, "LLM": llm})
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Who are you?"})
    wait_until(lambda: api.history(instance), what="an answer")
    assert "Rex" in api.history(instance)[-1]["Content"]


def test_update_instance_refuses_a_tts_vendor_change(api: Api, instance: str) -> None:
    tts = {"Vendor": "MiniMax", "Params": {"app": {"api_key": "zego_test"}}}
    message = api.fails("UpdateAgentInstance", {"AgentInstanceId": instance, "TTS": tts}, 410000003)
    assert message.startswith("TTS.Vendor")
    same_vendor = trial_tts(Params={"app": {"appid": "zego_test", "token": "zego_test"}, "x": 1})
    api.ok("UpdateAgentInstance", {"AgentInstanceId": instance, "TTS": same_vendor})


def test_update_instance_only_changes_the_user_stream_of_rtc(api: Api, instance: str) -> None:
    body = {"AgentInstanceId": instance, "RTC": {"UserStreamId": "new_stream"}}
    api.ok("UpdateAgentInstance", body)
    body = {"AgentInstanceId": instance, "RTC": {"RoomId": "elsewhere"}}
    assert api.fails("UpdateAgentInstance", body, 410000003).startswith("RTC.RoomId")


def test_update_of_an_unknown_instance_gives_410001002(api: Api) -> None:
    api.fails("UpdateAgentInstance", {"AgentInstanceId": "123", "LLM": trial_llm()}, 410001002)


# --- delete -----------------------------------------------------------------------------------


def test_delete_removes_the_instance_and_reports_latency(api: Api, instance: str) -> None:
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance})
    deleted = api.wait_event(instance, "AgentInstanceDeleted")
    assert deleted["Data"]["Code"] == 0
    assert set(deleted["Data"]["LatencyData"]) == {
        "LLMTTFT",
        "LLMTPS",
        "TTSAudioFirstFrameTime",
        "TotalCost",
    }
    api.fails("DeleteAgentInstance", {"AgentInstanceId": instance}, 410001002)
    assert api.ok("SandboxListInstances", {})["Instances"] == []


def test_delete_needs_an_instance_id(api: Api) -> None:
    assert api.fails("DeleteAgentInstance", {}, 410000003) == "AgentInstanceId: is required"


def test_graceful_timeout_outside_1_to_120_is_refused(api: Api, instance: str) -> None:
    body = {"AgentInstanceId": instance, "GracefulShutdown": True, "GracefulShutdownTimeout": 0}
    assert api.fails("DeleteAgentInstance", body, 410000003).startswith("GracefulShutdownTimeout")


def test_graceful_delete_waits_for_the_agent_to_finish_speaking(start) -> None:
    api = api_for(start(speech_ms_per_char=20))  # 30 characters: 0.6 s of speech
    api.register()
    instance = api.create()
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "x" * 30})
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance, "GracefulShutdown": True})
    # While it shuts down, other calls are refused with 410001041 ...
    api.fails("QueryAgentInstanceStatus", {"AgentInstanceId": instance}, 410001041)
    body = {"AgentInstanceId": instance, "Text": "more"}
    api.fails("SendAgentInstanceTTS", body, 410001041)
    rows = api.ok("SandboxListInstances", {})["Instances"]
    assert rows[0]["ShuttingDown"] is True
    # ... and once the speech has ended, it is gone.
    deleted = api.wait_event(instance, "AgentInstanceDeleted")
    assert deleted["Data"]["Code"] == 0
    api.fails("QueryAgentInstanceStatus", {"AgentInstanceId": instance}, 410001002)


def test_graceful_delete_of_an_idle_agent_is_immediate(api: Api, instance: str) -> None:
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance, "GracefulShutdown": True})
    api.fails("QueryAgentInstanceStatus", {"AgentInstanceId": instance}, 410001002)


def test_a_plain_delete_ends_a_graceful_shutdown_at_once(start) -> None:
    api = api_for(start(speech_ms_per_char=100))
    api.register()
    instance = api.create()
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "x" * 20})
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance, "GracefulShutdown": True})
    again = {"AgentInstanceId": instance, "GracefulShutdown": True}
    api.fails("DeleteAgentInstance", again, 410001041)
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance})
    api.fails("DeleteAgentInstance", {"AgentInstanceId": instance}, 410001002)


# --- digital humans ---------------------------------------------------------------------------


def test_digital_human_instance_returns_an_opaque_config(api: Api, agent: str) -> None:
    body = create_body(DigitalHuman={"DigitalHumanId": "dh-1", "ConfigId": "web"})
    data = api.ok("CreateDigitalHumanAgentInstance", body)
    config = json.loads(base64.b64decode(data["DigitalHumanConfig"]))
    assert config["DigitalHumanId"] == "dh-1"
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": data["AgentInstanceId"], "Text": "Hi"})


@pytest.mark.parametrize(
    ("human", "field"),
    [
        (None, "DigitalHuman"),
        ({"ConfigId": "web"}, "DigitalHuman.DigitalHumanId"),
        ({"DigitalHumanId": "dh", "ConfigId": "tv"}, "DigitalHuman.ConfigId"),
        ({"DigitalHumanId": "dh", "EncodeCode": "VP8"}, "DigitalHuman.EncodeCode"),
    ],
)
def test_digital_human_needs_a_valid_digital_human(api: Api, agent: str, human, field) -> None:
    body = create_body(DigitalHuman=human)
    message = api.fails("CreateDigitalHumanAgentInstance", body, 410000003)
    assert message.startswith(field)


def test_live_digital_human_only_takes_tts_and_delete(api: Api, agent: str) -> None:
    room = {k: v for k, v in rtc("live").items() if k != "UserStreamId"}
    body = {"AgentId": "agent_1", "RTC": room, "DigitalHuman": {"DigitalHumanId": "dh-1"}}
    instance_id = api.ok("CreateLiveDigitalHumanAgentInstance", body)["AgentInstanceId"]
    assert api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance_id, "Text": "Welcome!"})
    for action, extra in [
        ("SendAgentInstanceLLM", {"Text": "hi"}),
        ("QueryAgentInstanceStatus", {}),
        ("InterruptAgentInstance", {}),
        ("GetAgentInstanceMsgList", {}),
    ]:
        api.fails(action, {"AgentInstanceId": instance_id, **extra}, 410001049)
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance_id})


def test_live_digital_human_can_push_to_cdn(api: Api, agent: str) -> None:
    body = {
        "AgentId": "agent_1",
        "CDN": {"Url": "rtmp://live.example.com/app/stream"},
        "DigitalHuman": {"DigitalHumanId": "dh-1"},
    }
    api.ok("CreateLiveDigitalHumanAgentInstance", body)
    body["CDN"] = {"Url": "https://not-rtmp.example.com"}
    assert api.fails("CreateLiveDigitalHumanAgentInstance", body, 410000003).startswith("CDN.Url")


def test_an_agent_stream_equal_to_the_user_stream_fails_to_publish(api: Api, agent: str) -> None:
    body = create_body("1", RTC={**rtc("1"), "AgentStreamId": "user_stream_1"})
    instance = api.ok("CreateAgentInstance", body)["AgentInstanceId"]
    failure = api.wait_event(instance, "Exception")["Data"]
    assert failure["Code"] == 1206 and "UserStreamId" in failure["Message"]
    api.fails("QueryAgentInstanceStatus", {"AgentInstanceId": instance}, 410001002)
