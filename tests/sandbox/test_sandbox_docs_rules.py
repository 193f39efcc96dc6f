"""Issue 14, the sandbox's side: it behaves as ZEGO's docs describe, one test per finding.

Requests are signed by hand (see helpers.py); the client side is in tests/test_docs_rules.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from zego_helpers.sandbox.responder import chat_request_body
from zego_helpers.sandbox.state import LLMJob
from zego_helpers.sandbox.user_audio import SAMPLE_RATE

from .helpers import Api, api_for, rtc, trial_llm, trial_tts, wait_until

HUMAN = {"DigitalHumanId": "xiaozhi", "ConfigId": "web"}
LIVE_RTC = {k: v for k, v in rtc("live").items() if k != "UserStreamId"}


# --- ASR vendors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vendor",
    ["Tencent", "AliyunParaformer", "AliyunFunASR", "AliyunQwenASR", "VolcSeedASR", "Microsoft"],
)
def test_the_six_documented_asr_vendors_are_accepted(api: Api, vendor: str) -> None:
    api.register("a", ASR={"Vendor": vendor, "Params": {}})


def test_an_undocumented_asr_vendor_is_refused(api: Api) -> None:
    body = {"AgentId": "a", "LLM": trial_llm(), "TTS": trial_tts(), "ASR": {"Vendor": "ElevenLabs"}}
    assert api.fails("RegisterAgent", body, 410000003).startswith("ASR.Vendor")


# --- live digital human -----------------------------------------------------------------


def test_live_digital_human_takes_its_own_idle_range_and_callbacks(api: Api, agent: str) -> None:
    body = {
        "AgentId": agent, "RTC": LIVE_RTC, "DigitalHuman": HUMAN,
        "AdvancedConfig": {"MaxIdleTime": 3600},
        "CallbackConfig": {"Interrupted": 1, "AgentInstanceStatus": 1, "ASRResult": 1},
    }  # fmt: skip
    instance = api.ok("CreateLiveDigitalHumanAgentInstance", body)["AgentInstanceId"]
    note = api.wait_event(instance, "SandboxNote")["Data"]["Message"]
    assert "CallbackConfig.ASRResult" in note and "ignored" in note
    too_short = {**body, "AdvancedConfig": {"MaxIdleTime": 15}}
    message = api.fails("CreateLiveDigitalHumanAgentInstance", too_short, 410000003)
    assert message.startswith("AdvancedConfig.MaxIdleTime") and "30 and 86400" in message


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("CreateDigitalHumanAgentInstance", {"UserId": "user_dh", "RTC": rtc("dh")}),
        ("CreateLiveDigitalHumanAgentInstance", {"RTC": LIVE_RTC}),
    ],
)
def test_disable_tts_makes_a_digital_human_create_fail(
    api: Api, agent: str, action: str, extra: dict[str, Any]
) -> None:
    body = {"AgentId": agent, "DigitalHuman": HUMAN, "AdvancedConfig": {"DisableTTS": True}}
    assert api.fails(action, {**body, **extra}, 410000003).startswith("AdvancedConfig.DisableTTS")


# --- AddQuestionToHistory defaults to false ---------------------------------------------


def test_the_question_stays_out_of_the_history_unless_asked(api: Api, instance: str) -> None:
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    history = wait_until(lambda: api.history(instance), what="the answer")
    assert [m["Role"] for m in history] == ["assistant"]


# --- WindowSize above the guide's 100 ---------------------------------------------------


def test_a_window_over_100_is_accepted_with_a_note(api: Api, agent: str) -> None:
    history = {"SyncMode": 1, "Messages": [], "WindowSize": 200}
    instance = api.create(MessageHistory=history)
    note = api.wait_event(instance, "SandboxNote")["Data"]["Message"]
    assert "WindowSize is 200" in note and "at most 100" in note
    refused = {"SyncMode": 1, "Messages": [], "WindowSize": 501}
    api.fails("CreateAgentInstance", {"AgentId": agent, "UserId": "u9", "RTC": rtc("9"),
                                      "MessageHistory": refused}, 410000003)  # fmt: skip


# --- UpdateAgent.Name -------------------------------------------------------------------


def test_update_agent_name_limit_is_64(api: Api, agent: str) -> None:
    api.ok("UpdateAgent", {"AgentId": agent, "Name": "n" * 64})
    assert api.fails("UpdateAgent", {"AgentId": agent, "Name": "n" * 65}, 410000003).startswith(
        "Name")  # fmt: skip


# --- "only effective when" is accepted --------------------------------------------------


def test_vad_thresholds_without_level_3_and_zim_with_sync_mode_1_are_accepted(
    api: Api, agent: str
) -> None:
    vad = {"VoiceDetectConfig": {"SensitiveConfig": {"MinSpeechDur": 100}}}
    history = {"SyncMode": 1, "Messages": [], "ZIM": {"RobotId": "@RBT#1"}}
    api.create(VAD=vad, MessageHistory=history)


# --- TTS.Url and agent_info -------------------------------------------------------------


def test_tts_url_is_accepted(api: Api) -> None:
    api.register("a", TTS=trial_tts(Url="wss://api.minimax.io/ws/v1/t2a_v2"))


def _job(**llm: Any) -> LLMJob:
    info = {"room_id": "r", "agent_instance_id": "1", "agent_user_id": "a", "user_id": "u",
            "round_id": 1, "time_stamp": 1}  # fmt: skip
    return LLMJob("1", 1, {"Model": "m", **llm}, [{"role": "user", "content": "Hi"}], info)


def test_agent_info_is_sent_as_documented_and_only_for_openai_chat() -> None:
    body = chat_request_body(_job(AddAgentInfo=True, AgentExtraInfo={"k": "v"}))
    assert body["stream"] is True and body["model"] == "m"
    assert set(body["agent_info"]) == {"room_id", "agent_instance_id", "agent_user_id",
                                       "user_id", "round_id", "time_stamp"}  # fmt: skip
    assert body["agent_extra_info"] == {"k": "v"}
    responses = chat_request_body(
        _job(Vendor="OpenAIResponses", AddAgentInfo=True, AgentExtraInfo={"k": "v"})
    )
    assert "agent_info" not in responses and "agent_extra_info" not in responses


# --- digital-human concurrency: 410001031 -----------------------------------------------


def test_the_digital_human_limit_answers_410001031(start) -> None:
    api = api_for(start(instance_limit=1))
    api.register()
    body = {"AgentId": "agent_1", "UserId": "user_a", "RTC": rtc("a"), "DigitalHuman": HUMAN}
    api.ok("CreateDigitalHumanAgentInstance", body)
    second = {**body, "UserId": "user_b", "RTC": rtc("b")}
    assert "limit is 1" in api.fails("CreateDigitalHumanAgentInstance", second, 410001031)


# --- AgentInstanceMetaInfo --------------------------------------------------------------

META = {"BeginCharacters": "[[", "EndCharacters": "]]", "SendMetaKeys": ["action"]}
MINIMAX = {
    "Vendor": "MiniMax",
    "Params": {"app": {"api_key": "zego_test"}, "model": "speech-02-turbo",
               "voice_setting": {"voice_id": "female-shaonv"}},
}  # fmt: skip


def test_meta_info_in_spoken_text_is_sent_as_agent_instance_meta_info(api: Api, agent: str) -> None:
    instance = api.create(TTS=MINIMAX, AdvancedConfig={"LLMMetaInfo": META})
    text = '[[{"action": "wave", "mood": "happy"}]]Welcome! [[not json]] Bye.'
    round_ = api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": text})["Round"]
    event = api.wait_event(instance, "AgentInstanceMetaInfo")
    assert event["Data"] == {"Round": round_, "MetaInfo": {"action": "wave"}}  # SendMetaKeys only
    assert len(api.events(instance, "AgentInstanceMetaInfo")) == 1


def test_meta_info_needs_send_meta_keys_and_a_tts_that_can_time_it(api: Api, agent: str) -> None:
    no_keys = api.create("1", AdvancedConfig={"LLMMetaInfo": {**META, "SendMetaKeys": []}},
                         TTS=MINIMAX)  # fmt: skip
    cosy = {"Vendor": "CosyVoice", "Params": {"app": {"api_key": "zego_test"}}}
    wrong_tts = api.create("2", AdvancedConfig={"LLMMetaInfo": META}, TTS=cosy)
    for instance, says in ((no_keys, "SendMetaKeys is empty"), (wrong_tts, "cannot align")):
        api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": '[[{"action": 1}]]Hi'})
        notes = wait_until(lambda i=instance: [
            e for e in api.events(i, "SandboxNote") if "MetaInfo" in e["Data"]["Message"]])
        assert says in notes[0]["Data"]["Message"]
        assert api.events(instance, "AgentInstanceMetaInfo") == []


# --- UserAudioData ----------------------------------------------------------------------


def test_user_audio_data_carries_the_first_second_of_speech_when_asked(
    api: Api, agent: str
) -> None:
    instance = api.create(CallbackConfig={"UserAudioData": 1})
    quiet = api.create("2")
    long_turn = "Could you please tell me what the weather is like today?"  # about 3.6 s
    round_ = api.ok("SandboxUserSpeak", {"AgentInstanceId": instance, "Text": long_turn})["Round"]
    data = api.wait_event(instance, "UserAudioData")["Data"]
    assert data["UserId"] == "user_1" and data["Round"] == round_
    assert data["SampleRate"] == SAMPLE_RATE == 16000 and data["Format"] == "pcm"
    seconds = len(base64.b64decode(data["Audio"])) / (2 * SAMPLE_RATE)
    assert seconds == 1.5  # "the first 1-1.5 s of each dialogue round"
    api.ok("SandboxUserSpeak", {"AgentInstanceId": instance, "Text": "Hi"})  # under 1 s
    api.ok("SandboxUserSpeak", {"AgentInstanceId": quiet, "Text": long_turn})  # not asked for
    wait_until(lambda: len(api.events(instance, "ASRResult")) == 2, what="the second turn")
    assert len(api.events(instance, "UserAudioData")) == 1
    assert api.events(quiet, "UserAudioData") == []


# --- StartListening.UserId --------------------------------------------------------------


def test_start_listening_uses_the_default_user_or_another_one(api: Api, agent: str) -> None:
    walkie = api.create(AdvancedConfig={"CommunicationMode": 2})
    for user_id in (None, "", "user_1", "another_user"):
        body = {"AgentInstanceId": walkie, **({} if user_id is None else {"UserId": user_id})}
        api.ok("StartListening", body)
        api.ok("StopListening", body)
    assert json.dumps(api.events(walkie, "Exception")) == "[]"
