"""The models write exactly the JSON of the API reference (§4), read it back, and refuse
what the reference documents as invalid, naming the field."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import warnings

import pytest

from zego_helpers.docs import DocsWarning
from zego_helpers.errors import ValidationError
from zego_helpers.form_specs import (
    LLM_FIELDS,
    LLM_PRESETS,
    TTS_VENDOR_FIELDS,
    llm_from_fields,
    tts_from_fields,
)
from zego_helpers.models import (
    ASR,
    LLM,
    RTC,
    TTS,
    TTS_VENDORS,
    VAD,
    AdvancedConfig,
    CallbackConfig,
    DigitalHuman,
    Message,
    MessageHistory,
    to_api_value,
)
from zego_helpers.secrets_mask import is_secret_key
from zego_helpers.validation import TRIAL_LLM_PAIRS

DOUBAO_URL = "https://ark.cn-beijing.volces.com/api/v3/chat/completions"
OPENAI_URL = "https://api.openai.com/v1/chat/completions"
SECRET = "sk-SECRET-0123456789abcdef"  # distinctive, so a leak is easy to spot


def assert_invalid(model, field: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        model.validate()
    assert info.value.field == field, str(info.value)
    return info.value


def changed(obj, /, **changes):
    return dataclasses.replace(obj, **changes)


def at_path(body: dict, dotted: str):
    for key in dotted.split("."):
        body = body[key]
    return body


# ---------------------------------------------------------------------------
# Serialisation: literal dicts written from the reference
# ---------------------------------------------------------------------------


def test_llm_full_serialisation():
    llm = LLM(
        url=OPENAI_URL,
        api_key=SECRET,
        model="gpt-4o-mini",
        system_prompt="Be brief.",
        temperature=0.7,
        top_p=0.9,
        vendor="OpenAIChat",
        params={"max_tokens": 4096},
        add_agent_info=True,
        agent_extra_info={"tier": "gold"},
    )
    assert llm.to_api() == {
        "Url": OPENAI_URL,
        "ApiKey": SECRET,
        "Model": "gpt-4o-mini",
        "SystemPrompt": "Be brief.",
        "Temperature": 0.7,
        "TopP": 0.9,
        "Vendor": "OpenAIChat",
        "Params": {"max_tokens": 4096},
        "AddAgentInfo": True,
        "AgentExtraInfo": {"tier": "gold"},
    }


def test_llm_none_fields_are_left_out():
    assert LLM(url=OPENAI_URL, api_key=SECRET, model="m").to_api() == {
        "Url": OPENAI_URL,
        "ApiKey": SECRET,
        "Model": "m",
    }


def test_to_api_returns_a_copy():
    llm = LLM(url=OPENAI_URL, api_key=SECRET, model="m", params={"max_tokens": 1})
    llm.to_api()["Params"]["max_tokens"] = 99
    assert llm.params == {"max_tokens": 1}


@pytest.mark.parametrize("url", list(TRIAL_LLM_PAIRS))
def test_llm_trial_picks_the_url_for_each_model(url):
    for model in TRIAL_LLM_PAIRS[url]:
        llm = LLM.trial(model=model, system_prompt="Hi")
        assert llm.to_api() == {
            "Url": url,
            "ApiKey": "zego_test",
            "Model": model,
            "SystemPrompt": "Hi",
        }
        llm.validate()


def test_llm_trial_default_is_doubao_lite():
    llm = LLM.trial()
    assert (llm.url, llm.model, llm.api_key) == (
        DOUBAO_URL,
        "doubao-1-5-lite-32k-250115",
        "zego_test",
    )
    assert llm.system_prompt  # a short-answer prompt suited to voice


def test_llm_trial_unknown_model():
    with pytest.raises(ValidationError) as info:
        LLM.trial(model="gpt-4o")
    assert info.value.field == "LLM.Model"


TTS_BUILDER_CASES = [
    (
        TTS.aliyun("ak", "id", "key", voice="zhitian_emo", volume=50, speech_rate=0, pitch_rate=10),
        {
            "Vendor": "Aliyun",
            "Params": {
                "app": {"app_key": "ak", "ak_id": "id", "ak_key": "key"},
                "voice": "zhitian_emo",
                "volume": 50,
                "speech_rate": 0,
                "pitch_rate": 10,
            },
        },
    ),
    (
        TTS.aliyun("ak", "id", "key"),
        {
            "Vendor": "Aliyun",
            "Params": {
                "app": {"app_key": "ak", "ak_id": "id", "ak_key": "key"},
                "voice": "xiaoyun",
            },
        },
    ),
    (
        TTS.cosyvoice("key", "longxiaochun_v2", volume=50, rate=1.2, pitch=0.9),
        {
            "Vendor": "CosyVoice",
            "Params": {
                "app": {"api_key": "key"},
                "payload": {
                    "model": "cosyvoice-v2",
                    "parameters": {
                        "voice": "longxiaochun_v2", "volume": 50, "rate": 1.2, "pitch": 0.9
                    },
                },
            },
        },
    ),
    (
        TTS.cosyvoice("key", "longxiaochun", model="cosyvoice-v1"),
        {
            "Vendor": "CosyVoice",
            "Params": {
                "app": {"api_key": "key"},
                "payload": {"model": "cosyvoice-v1", "parameters": {"voice": "longxiaochun"}},
            },
        },
    ),
    (
        TTS.bytedance_v3("app1", "tok", "zh_female_vv_uranus_bigtts", speech_rate=20,
                         loudness_rate=-10),
        {
            "Vendor": "ByteDanceV3",
            "Params": {
                "app": {"appid": "app1", "token": "tok", "resource_id": "seed-tts-2.0"},
                "req_params": {
                    "speaker": "zh_female_vv_uranus_bigtts",
                    "audio_params": {"speech_rate": 20, "loudness_rate": -10},
                },
            },
        },
    ),
    (
        TTS.bytedance_v3("app1", "tok", "en_female_sarah_mars_bigtts", resource_id="seed-tts-1.0"),
        {
            "Vendor": "ByteDanceV3",
            "Params": {
                "app": {"appid": "app1", "token": "tok", "resource_id": "seed-tts-1.0"},
                "req_params": {"speaker": "en_female_sarah_mars_bigtts"},
            },
        },
    ),
    (
        TTS.bytedance_flowing("app1", "tok", "zh_female_vv_uranus_bigtts", speech_rate=5),
        {
            "Vendor": "ByteDanceFlowing",
            "Params": {
                "app": {"appid": "app1", "token": "tok", "resource_id": "seed-tts-2.0"},
                "req_params": {
                    "speaker": "zh_female_vv_uranus_bigtts",
                    "audio_params": {"speech_rate": 5},
                },
            },
        },
    ),
    (
        TTS.minimax("key", "female-shaonv", speed=1.2, vol=5, pitch=-2, group_id="g1"),
        {
            "Vendor": "MiniMax",
            "Params": {
                "app": {"api_key": "key", "group_id": "g1"},
                "model": "speech-02-turbo",
                "voice_setting": {"voice_id": "female-shaonv", "speed": 1.2, "vol": 5, "pitch": -2},
            },
        },
    ),
    (
        TTS.minimax("key", "male-qn-qingse", model="speech-02-hd"),
        {
            "Vendor": "MiniMax",
            "Params": {
                "app": {"api_key": "key"},
                "model": "speech-02-hd",
                "voice_setting": {"voice_id": "male-qn-qingse"},
            },
        },
    ),
    (
        TTS.bytedance_legacy("app1", "tok", "zh_female_yuanqinvyou_moon_bigtts", speed_ratio=1.2,
                             loudness_ratio=0.8),
        {
            "Vendor": "ByteDance",
            "Params": {
                "app": {"appid": "app1", "token": "tok", "cluster": "volcano_tts"},
                "audio": {
                    "voice_type": "zh_female_yuanqinvyou_moon_bigtts",
                    "speed_ratio": 1.2,
                    "loudness_ratio": 0.8,
                },
            },
        },
    ),
    (
        TTS.bytedance_legacy("app1", "tok", "my_clone", cluster="volcano_icl"),
        {
            "Vendor": "ByteDance",
            "Params": {
                "app": {"appid": "app1", "token": "tok", "cluster": "volcano_icl"},
                "audio": {"voice_type": "my_clone"},
            },
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize(("tts", "expected"), TTS_BUILDER_CASES)
def test_tts_builders(tts, expected):
    assert tts.to_api() == expected
    assert tts.validate() is tts


TRIAL_TTS = {
    "ByteDanceV3": {
        "Vendor": "ByteDanceV3",
        "Params": {
            "app": {"appid": "zego_test", "token": "zego_test", "resource_id": "seed-tts-2.0"},
            "req_params": {"speaker": "zh_female_vv_uranus_bigtts"},
        },
    },
    "ByteDanceFlowing": {
        "Vendor": "ByteDanceFlowing",
        "Params": {
            "app": {"appid": "zego_test", "token": "zego_test", "resource_id": "seed-tts-2.0"},
            "req_params": {"speaker": "zh_female_vv_uranus_bigtts"},
        },
    },
    "MiniMax": {
        "Vendor": "MiniMax",
        "Params": {
            "app": {"api_key": "zego_test"},
            "model": "speech-02-turbo",
            "voice_setting": {"voice_id": "female-shaonv"},
        },
    },
    "CosyVoice": {
        "Vendor": "CosyVoice",
        "Params": {
            "app": {"api_key": "zego_test"},
            "payload": {"model": "cosyvoice-v2", "parameters": {"voice": "longxiaochun_v2"}},
        },
    },
    "Aliyun": {
        "Vendor": "Aliyun",
        "Params": {
            "app": {"app_key": "zego_test", "ak_id": "zego_test", "ak_key": "zego_test"},
            "voice": "xiaoyun",
        },
    },
    "ByteDance": {
        "Vendor": "ByteDance",
        "Params": {
            "app": {"appid": "zego_test", "token": "zego_test", "cluster": "volcano_tts"},
            "audio": {"voice_type": "zh_female_yuanqinvyou_moon_bigtts"},
        },
    },
}


@pytest.mark.parametrize("vendor", list(TRIAL_TTS))
def test_tts_trial(vendor):
    assert TTS.trial(vendor).to_api() == TRIAL_TTS[vendor]


def test_tts_trial_default_vendor_and_unknown_vendor():
    assert TTS.trial().vendor == "ByteDanceV3"
    with pytest.raises(ValidationError) as info:
        TTS.trial("Polly")
    assert info.value.field == "TTS.Vendor"


def test_tts_optional_top_level_fields():
    tts = changed(
        TTS.trial("MiniMax"),
        url="wss://api.minimaxi.com/ws/v1/t2a_v2",
        filter_text=[{"BeginCharacters": "(", "EndCharacters": ")"}],
        terminator_text="#",
        character_filter=["*", "~~"],
    )
    assert tts.validate().to_api() == {
        **TRIAL_TTS["MiniMax"],
        "Url": "wss://api.minimaxi.com/ws/v1/t2a_v2",
        "FilterText": [{"BeginCharacters": "(", "EndCharacters": ")"}],
        "TerminatorText": "#",
        "CharacterFilter": ["*", "~~"],
    }


def test_asr_serialisation():
    assert ASR().to_api() == {"Vendor": "Tencent"}
    assert ASR.tencent().to_api() == {
        "Vendor": "Tencent",
        "Params": {"engine_model_type": "16k_zh"},
    }
    assert ASR.tencent("16k_en", {"ZEGOCLOUD": 10, "ASR": 11}).to_api() == {
        "Vendor": "Tencent",
        "Params": {"engine_model_type": "16k_en", "hotword_list": "ZEGOCLOUD|10,ASR|11"},
    }
    paraformer = {"payload": {"model": "paraformer-realtime-v2"}}
    assert ASR(vendor="AliyunParaformer", params=paraformer).to_api() == {
        "Vendor": "AliyunParaformer",
        "Params": paraformer,
    }


def test_rtc_serialisation():
    rtc = RTC("room_1", "agent_stream_1", "agent_user_1", "user_stream_1", stream_extra_info="hi")
    assert rtc.to_api() == {
        "RoomId": "room_1",
        "AgentStreamId": "agent_stream_1",
        "AgentUserId": "agent_user_1",
        "UserStreamId": "user_stream_1",
        "StreamExtraInfo": "hi",
    }


def test_message_history_defaults_match_the_reference_backend():
    assert MessageHistory().to_api() == {"SyncMode": 1, "Messages": [], "WindowSize": 10}


def test_message_history_with_messages_and_zim():
    history = MessageHistory(
        messages=[Message.user("Hi"), {"Role": "assistant", "Content": "Hello!"}], window_size=20
    )
    assert history.to_api() == {
        "SyncMode": 1,
        "Messages": [
            {"Role": "user", "Content": "Hi"},
            {"Role": "assistant", "Content": "Hello!"},
        ],
        "WindowSize": 20,
    }
    zim = MessageHistory(
        sync_mode=0, messages=None, zim={"RobotId": "@RBT#1", "LoadMessageCount": 5}
    )
    assert zim.validate().to_api() == {
        "SyncMode": 0,
        "WindowSize": 10,
        "ZIM": {"RobotId": "@RBT#1", "LoadMessageCount": 5},
    }


def test_message_helpers():
    assert Message.user("a").to_api() == {"Role": "user", "Content": "a"}
    assert Message.assistant("b").to_api() == {"Role": "assistant", "Content": "b"}


def test_callback_config_flags_become_0_and_1():
    config = CallbackConfig(
        asr_result=True,
        llm_result=False,
        interrupted=1,
        user_speak_action=0,
        agent_instance_status=True,
        user_audio_data=False,
        host_tag="tag_a",
    )
    assert config.validate().to_api() == {
        "ASRResult": 1,
        "LLMResult": 0,
        "Interrupted": 1,
        "UserSpeakAction": 0,
        "AgentInstanceStatus": 1,
        "UserAudioData": 0,
        "HostTag": "tag_a",
    }
    assert CallbackConfig().to_api() == {}


def test_advanced_config_serialisation():
    config = AdvancedConfig(
        interrupt_mode=1,
        max_idle_time=300,
        disable_tts=False,
        communication_mode=2,
        llm_meta_info={"BeginCharacters": "[[", "EndCharacters": "]]", "SendMetaKeys": ["mood"]},
        add_asr_info=True,
        tts_param_paths={"instruction": "payload.parameters.instruction"},
    )
    assert config.validate().to_api() == {
        "InterruptMode": 1,
        "MaxIdleTime": 300,
        "DisableTTS": False,
        "CommunicationMode": 2,
        "LLMMetaInfo": {"BeginCharacters": "[[", "EndCharacters": "]]", "SendMetaKeys": ["mood"]},
        "AddASRInfo": True,
        "TTSParamPaths": {"instruction": "payload.parameters.instruction"},
    }


def test_vad_nested_serialisation():
    vad = VAD(
        silence_segmentation=500,
        pause_interval=800,
        sensitivity_level=3,
        min_speech_dur=200,
        energy_threshold=0.3,
    )
    assert vad.validate().to_api() == {
        "TurnDetectConfig": {"SilenceSegmentation": 500, "PauseInterval": 800},
        "VoiceDetectConfig": {
            "SensitiveConfig": {"Level": 3, "MinSpeechDur": 200, "EnergyThreshold": 0.3}
        },
    }
    assert VAD(silence_segmentation=700).to_api() == {
        "TurnDetectConfig": {"SilenceSegmentation": 700}
    }
    assert VAD().to_api() == {}


def test_digital_human_serialisation():
    human = DigitalHuman(
        "63c3aa64-1d80-4b04-a0be-1c65614eb7eb", config_id="web", encode_code="H264"
    )
    assert human.validate().to_api() == {
        "DigitalHumanId": "63c3aa64-1d80-4b04-a0be-1c65614eb7eb",
        "ConfigId": "web",
        "EncodeCode": "H264",
    }


def test_to_api_value():
    llm = LLM.trial()
    assert to_api_value(llm) == llm.to_api()
    body = {"Url": "x"}
    assert to_api_value(body) is body
    assert to_api_value(None) is None
    assert to_api_value([Message.user("a"), {"Role": "assistant", "Content": "b"}]) == [
        {"Role": "user", "Content": "a"},
        {"Role": "assistant", "Content": "b"},
    ]
    with pytest.raises(ValidationError, match="expected a zego_helpers model"):
        to_api_value("LLM")


# ---------------------------------------------------------------------------
# from_api: round trips, unknown keys kept
# ---------------------------------------------------------------------------

ROUND_TRIP_MODELS = [
    LLM(url=OPENAI_URL, api_key=SECRET, model="m", temperature=0.2, params={"max_tokens": 5}),
    LLM.trial(),
    *[tts for tts, _ in TTS_BUILDER_CASES],
    changed(TTS.trial(), terminator_text="#", character_filter=["*"], url="wss://x.example/ws"),
    ASR.tencent("16k_en", {"zego": 5}),
    ASR(),
    RTC("r", "as", "au", "us", stream_extra_info="info"),
    Message.user("hi"),
    MessageHistory(messages=[Message.user("a"), Message.assistant("b")]),
    MessageHistory(sync_mode=0, messages=None, zim={"RobotId": "@RBT#1"}),
    CallbackConfig(asr_result=1, llm_result=0, host_tag="t"),
    AdvancedConfig(interrupt_mode=0, max_idle_time=120, llm_meta_info={"BeginCharacters": "[["}),
    VAD(silence_segmentation=500, sensitivity_level=3, min_speech_dur=1, energy_threshold=0.5),
    DigitalHuman("id-1", config_id="mobile"),
]


@pytest.mark.parametrize("model", ROUND_TRIP_MODELS, ids=lambda m: type(m).__name__)
def test_from_api_round_trip(model):
    body = model.to_api()
    again = type(model).from_api(body)
    assert again == model
    assert again.to_api() == body
    assert again.extra == {}


def test_callback_flags_from_booleans_round_trip_as_ints():
    config = CallbackConfig(asr_result=True, llm_result=False)
    assert CallbackConfig.from_api(config.to_api()) == config  # True == 1, False == 0


def test_from_api_keeps_unknown_keys_and_sends_them_back():
    body = {
        "Url": OPENAI_URL,
        "ApiKey": SECRET,
        "Model": "m",
        "FutureField": {"a": 1},
    }
    llm = LLM.from_api(body)
    assert llm.extra == {"FutureField": {"a": 1}}
    assert llm.to_api() == body

    vad_body = {
        "TurnDetectConfig": {"SilenceSegmentation": 600, "NewKnob": 1},
        "VoiceDetectConfig": {"SensitiveConfig": {"Level": 1}},
    }
    vad = VAD.from_api(vad_body)
    assert vad.silence_segmentation == 600 and vad.sensitivity_level == 1
    assert vad.extra == {"TurnDetectConfig": {"NewKnob": 1}}
    assert vad.to_api() == vad_body

    asr = ASR.from_api({"Vendor": "Tencent", "HotWord": "zego|10"})  # deprecated field
    assert asr.extra == {"HotWord": "zego|10"}
    assert asr.to_api() == {"Vendor": "Tencent", "HotWord": "zego|10"}


def test_modelled_fields_win_over_extra():
    llm = LLM(url=OPENAI_URL, api_key="k", model="m", extra={"Model": "old", "X": 1})
    assert llm.to_api() == {"Url": OPENAI_URL, "ApiKey": "k", "Model": "m", "X": 1}


def test_from_api_missing_fields_are_none_and_validation_names_them():
    llm = LLM.from_api({"Url": OPENAI_URL, "Model": "m"})
    assert llm.api_key is None
    assert_invalid(llm, "LLM.ApiKey")
    history = MessageHistory.from_api({"Messages": []})
    assert history.sync_mode is None  # not set: ZEGO's own default applies
    assert history.to_api() == {"Messages": []}


def test_from_api_does_not_share_state_with_the_input():
    body = copy.deepcopy(TRIAL_TTS["MiniMax"])
    tts = TTS.from_api(body)
    tts.params["app"]["api_key"] = "changed"
    assert body == TRIAL_TTS["MiniMax"]


def test_from_api_messages_become_message_objects():
    history = MessageHistory.from_api({"Messages": [{"Role": "user", "Content": "x"}]})
    assert history.messages == [Message("user", "x")]


def test_from_api_refuses_non_objects():
    with pytest.raises(ValidationError) as info:
        TTS.from_api(["Vendor"])  # type: ignore[arg-type]
    assert info.value.field == "TTS"


# ---------------------------------------------------------------------------
# Validation: one passing and one failing case per rule, naming the field
# ---------------------------------------------------------------------------

GOOD_LLM = LLM(url=OPENAI_URL, api_key=SECRET, model="gpt-4o-mini")


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        ({"url": "http://localhost:11434/v1/chat"}, {"url": "ftp://x.example"}, "LLM.Url"),
        ({"url": OPENAI_URL}, {"url": "api.openai.com/v1/chat/completions"}, "LLM.Url"),
        ({"url": OPENAI_URL}, {"url": ""}, "LLM.Url"),
        ({"api_key": "any"}, {"api_key": ""}, "LLM.ApiKey"),
        ({"api_key": "any"}, {"api_key": None}, "LLM.ApiKey"),
        ({"model": "m"}, {"model": "  "}, "LLM.Model"),
        ({"temperature": 0}, {"temperature": -0.1}, "LLM.Temperature"),
        ({"temperature": 2}, {"temperature": 2.1}, "LLM.Temperature"),
        ({"top_p": 1}, {"top_p": 1.5}, "LLM.TopP"),
        ({"top_p": 0.0}, {"top_p": True}, "LLM.TopP"),
        ({"vendor": "OpenAIResponses"}, {"vendor": "Anthropic"}, "LLM.Vendor"),
        ({"system_prompt": "x"}, {"system_prompt": 5}, "LLM.SystemPrompt"),
        ({"params": {"max_tokens": 9}}, {"params": [1]}, "LLM.Params"),
        ({"add_agent_info": False}, {"add_agent_info": "yes"}, "LLM.AddAgentInfo"),
        ({"agent_extra_info": {"a": 1}}, {"agent_extra_info": "a"}, "LLM.AgentExtraInfo"),
    ],
)  # fmt: skip
def test_llm_rules(good, bad, field):
    changed(GOOD_LLM, **good).validate()
    error = assert_invalid(changed(GOOD_LLM, **bad), field)
    assert SECRET not in str(error)


def test_trial_key_with_other_url_is_refused():
    error = assert_invalid(LLM(url=OPENAI_URL, api_key="zego_test", model="gpt-4o-mini"), "LLM.Url")
    assert "410001047" in str(error)


def test_trial_key_with_wrong_model_is_refused():
    assert_invalid(LLM(url=DOUBAO_URL, api_key="zego_test", model="qwen-plus"), "LLM.Model")


@pytest.mark.parametrize(
    ("url", "model"), [(url, model) for url, models in TRIAL_LLM_PAIRS.items() for model in models]
)
def test_each_trial_pair_is_accepted(url, model):
    LLM(url=url, api_key="zego_test", model=model).validate()


def test_own_key_may_use_any_url():
    LLM(url=DOUBAO_URL, api_key="my-own-key", model="anything").validate()


@pytest.mark.parametrize(
    ("tts", "field"),
    [
        (changed(TTS.trial(), vendor="Bytedance"), "TTS.Vendor"),
        (changed(TTS.trial("MiniMax"), vendor="Minimax"), "TTS.Vendor"),
        (changed(TTS.trial(), params="app"), "TTS.Params"),
        (changed(TTS.trial(), params={"req_params": {"speaker": "x"}}), "TTS.Params.app"),
        (changed(TTS.trial(), params={"app": "zego_test"}), "TTS.Params.app"),
        (TTS.bytedance_v3("a", "t", ""), "TTS.Params.req_params.speaker"),
        (TTS.bytedance_flowing("a", "t", "  "), "TTS.Params.req_params.speaker"),
        (TTS.minimax("k", ""), "TTS.Params.voice_setting.voice_id"),
        (TTS.minimax("k", "v", model=""), "TTS.Params.model"),
        (TTS.cosyvoice("k", ""), "TTS.Params.payload.parameters.voice"),
        (TTS.cosyvoice("k", "v", model=""), "TTS.Params.payload.model"),
        (TTS.aliyun("a", "b", "c", voice=""), "TTS.Params.voice"),
        (TTS.bytedance_legacy("a", "t", ""), "TTS.Params.audio.voice_type"),
        (changed(TTS.trial(), url="api.example.com"), "TTS.Url"),
        (changed(TTS.trial(), url="ftp://api.example.com"), "TTS.Url"),
    ],
)
def test_tts_structure_rules(tts, field):
    assert_invalid(tts, field)


#: The ``app`` credentials each vendor must have (reference §4.3 and ZEGO's TTS guide).
CREDENTIALS = {
    "Aliyun": ["app_key", "ak_id", "ak_key"],
    "CosyVoice": ["api_key"],
    "ByteDanceV3": ["appid", "token", "resource_id"],
    "ByteDanceFlowing": ["appid", "token", "resource_id"],
    "MiniMax": ["api_key"],
    "ByteDance": ["appid", "token", "cluster"],
}


@pytest.mark.parametrize(
    ("vendor", "credential"),
    [(vendor, name) for vendor, names in CREDENTIALS.items() for name in names],
)
def test_each_vendor_credential_is_required(vendor, credential):
    tts = TTS.trial(vendor)
    tts.validate()
    for empty in ("", None):
        tts.params["app"][credential] = empty
        assert_invalid(tts, f"TTS.Params.app.{credential}")
    del tts.params["app"][credential]
    assert_invalid(tts, f"TTS.Params.app.{credential}")


@pytest.mark.parametrize(
    ("vendor", "good", "bad"),
    [("ByteDanceV3", "####", "#####"), ("MiniMax", "a", ""), ("ByteDanceFlowing", "#", "##")],
)
def test_terminator_text_length(vendor, good, bad):
    changed(TTS.trial(vendor), terminator_text=good).validate()
    assert_invalid(changed(TTS.trial(vendor), terminator_text=bad), "TTS.TerminatorText")


def test_character_filter_items():
    changed(TTS.trial(), character_filter=["*", "##"]).validate()
    assert_invalid(changed(TTS.trial(), character_filter=["*", "###"]), "TTS.CharacterFilter[1]")
    assert_invalid(changed(TTS.trial(), character_filter=[""]), "TTS.CharacterFilter[0]")
    assert_invalid(changed(TTS.trial(), character_filter="*"), "TTS.CharacterFilter")


def test_filter_text_items():
    changed(TTS.trial(), filter_text=[{"BeginCharacters": "(", "EndCharacters": ")"}]).validate()
    assert_invalid(
        changed(TTS.trial(), filter_text=[{"BeginCharacters": "("}]),
        "TTS.FilterText[0].EndCharacters",
    )
    assert_invalid(changed(TTS.trial(), filter_text=["()"]), "TTS.FilterText[0].BeginCharacters")
    assert_invalid(changed(TTS.trial(), filter_text={"(": ")"}), "TTS.FilterText")


def test_tts_errors_do_not_show_credentials():
    tts = TTS.bytedance_v3("app", SECRET, "")
    error = assert_invalid(tts, "TTS.Params.req_params.speaker")
    assert SECRET not in str(error)


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        (ASR(vendor="Microsoft"), ASR(vendor="Google"), "ASR.Vendor"),
        (ASR(params={}), ASR(params=["x"]), "ASR.Params"),
        (ASR.tencent("16k_en"), ASR.tencent(""), "ASR.Params.engine_model_type"),
        (ASR.tencent(hot_words={"ZEGO": 1}), ASR.tencent(hot_words={"ZEGO": 0}),
         "ASR.Params.hotword_list"),
        (ASR.tencent(hot_words={"ZEGO": 11}), ASR.tencent(hot_words={"ZEGO": 12}),
         "ASR.Params.hotword_list"),
        (ASR.tencent(hot_words={"real-time": 5}), ASR.tencent(hot_words={"real time": 5}),
         "ASR.Params.hotword_list"),
        (ASR.tencent(hot_words={"x" * 30: 5}), ASR.tencent(hot_words={"x" * 31: 5}),
         "ASR.Params.hotword_list"),
        (ASR.tencent(hot_words={f"w{i}": 5 for i in range(128)}),
         ASR.tencent(hot_words={f"w{i}": 5 for i in range(129)}), "ASR.Params.hotword_list"),
        (ASR(params={"hotword_list": "a|1, b|2"}), ASR(params={"hotword_list": "a|1,b"}),
         "ASR.Params.hotword_list"),
        (ASR(params={"hotword_list": "a|1"}), ASR(params={"hotword_list": "a|x"}),
         "ASR.Params.hotword_list"),
    ],
)  # fmt: skip
def test_asr_rules(good, bad, field):
    good.validate()
    assert_invalid(bad, field)


def test_asr_hot_words_only_checked_for_tencent():
    # Not refused; Microsoft takes phrase_list and language only, so the guide's rule warns.
    with pytest.warns(DocsWarning, match="only supports phrase_list and language"):
        ASR(vendor="Microsoft", params={"hotword_list": "not tencent format"}).validate()


GOOD_RTC = RTC("room_1", "agent_stream_1", "agent_user_1", "user_stream_1")


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        ({"room_id": "r" * 128}, {"room_id": "r" * 129}, "RTC.RoomId"),
        ({"room_id": "a-b_C9"}, {"room_id": "room.1"}, "RTC.RoomId"),
        ({"agent_stream_id": "s" * 128}, {"agent_stream_id": "s" * 129}, "RTC.AgentStreamId"),
        ({"agent_user_id": "u" * 32}, {"agent_user_id": "u" * 33}, "RTC.AgentUserId"),
        ({"agent_user_id": "u"}, {"agent_user_id": "agent user"}, "RTC.AgentUserId"),
        ({"user_stream_id": "s"}, {"user_stream_id": ""}, "RTC.UserStreamId"),
        ({"stream_extra_info": "é" * 512}, {"stream_extra_info": "é" * 513}, "RTC.StreamExtraInfo"),
        ({"stream_extra_info": ""}, {"stream_extra_info": {"a": 1}}, "RTC.StreamExtraInfo"),
    ],
)  # fmt: skip
def test_rtc_rules(good, bad, field):
    changed(GOOD_RTC, **good).validate()
    assert_invalid(changed(GOOD_RTC, **bad), field)


def test_message_rules():
    Message("assistant", "").validate()
    assert_invalid(Message("system", "x"), "Message.Role")
    assert_invalid(Message("user", None), "Message.Content")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        ({"sync_mode": 0, "messages": None}, {"sync_mode": 2}, "MessageHistory.SyncMode"),
        ({"messages": [Message.user("x")] * 100}, {"messages": [Message.user("x")] * 101},
         "MessageHistory.Messages"),
        ({"messages": [{"Role": "user", "Content": "x"}]},
         {"messages": [{"Role": "robot", "Content": "x"}]}, "MessageHistory.Messages[0].Role"),
        ({"messages": []}, {"messages": [Message("user", 5)]},
         "MessageHistory.Messages[0].Content"),
        ({"messages": []}, {"messages": "hi"}, "MessageHistory.Messages"),
        ({"window_size": 0}, {"window_size": -1}, "MessageHistory.WindowSize"),
        ({"window_size": 500}, {"window_size": 501}, "MessageHistory.WindowSize"),
        ({"sync_mode": 0, "zim": {"LoadMessageCount": 500}},
         {"sync_mode": 0, "zim": {"LoadMessageCount": 501}}, "MessageHistory.ZIM.LoadMessageCount"),
        ({"sync_mode": 0, "zim": {"RobotId": "@RBT#1"}}, {"sync_mode": 0, "zim": {"RobotId": 1}},
         "MessageHistory.ZIM.RobotId"),
        ({"sync_mode": 0, "zim": {}}, {"sync_mode": 0, "zim": "robot"}, "MessageHistory.ZIM"),
    ],
)  # fmt: skip
def test_message_history_rules(good, bad, field):
    with warnings.catch_warnings():  # WindowSize 500: allowed, with the guide's warning
        warnings.simplefilter("ignore", DocsWarning)
        changed(MessageHistory(), **good).validate()
    assert_invalid(changed(MessageHistory(), **bad), field)


@pytest.mark.parametrize(
    ("name", "api_name"),
    [
        ("asr_result", "ASRResult"),
        ("llm_result", "LLMResult"),
        ("interrupted", "Interrupted"),
        ("user_speak_action", "UserSpeakAction"),
        ("agent_instance_status", "AgentInstanceStatus"),
        ("user_audio_data", "UserAudioData"),
    ],
)
def test_callback_flag_rules(name, api_name):
    for ok in (0, 1, True, False):
        CallbackConfig(**{name: ok}).validate()
    for bad in (2, -1, "1"):
        assert_invalid(CallbackConfig(**{name: bad}), f"CallbackConfig.{api_name}")


def test_callback_host_tag_rule():
    CallbackConfig(host_tag="a").validate()
    assert_invalid(CallbackConfig(host_tag=1), "CallbackConfig.HostTag")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        ({"interrupt_mode": 1}, {"interrupt_mode": 2}, "AdvancedConfig.InterruptMode"),
        ({"max_idle_time": 10}, {"max_idle_time": 9}, "AdvancedConfig.MaxIdleTime"),
        ({"max_idle_time": 1800}, {"max_idle_time": 1801}, "AdvancedConfig.MaxIdleTime"),
        ({"disable_tts": True}, {"disable_tts": 1}, "AdvancedConfig.DisableTTS"),
        ({"communication_mode": 2}, {"communication_mode": 1}, "AdvancedConfig.CommunicationMode"),
        ({"add_asr_info": False}, {"add_asr_info": "no"}, "AdvancedConfig.AddASRInfo"),
        ({"llm_meta_info": {"BeginCharacters": "[[", "EndCharacters": "]]"}},
         {"llm_meta_info": {"BeginCharacters": "[["}}, "AdvancedConfig.LLMMetaInfo.EndCharacters"),
        ({"llm_meta_info": {"BeginCharacters": "[[", "EndCharacters": "]]"}},
         {"llm_meta_info": "[["}, "AdvancedConfig.LLMMetaInfo"),
        ({"llm_meta_info": {"BeginCharacters": "<", "EndCharacters": ">", "SendMetaKeys": ["a"]}},
         {"llm_meta_info": {"BeginCharacters": "<", "EndCharacters": ">", "SendMetaKeys": "a"}},
         "AdvancedConfig.LLMMetaInfo.SendMetaKeys"),
        ({"tts_param_paths": {"a": "payload.x"}}, {"tts_param_paths": {"a": 1}},
         "AdvancedConfig.TTSParamPaths"),
    ],
)  # fmt: skip
def test_advanced_config_rules(good, bad, field):
    AdvancedConfig(**good).validate()
    assert_invalid(AdvancedConfig(**bad), field)


CUSTOM_VAD = {"sensitivity_level": 3, "min_speech_dur": 100, "energy_threshold": 0.5}
SENSITIVE = "VAD.VoiceDetectConfig.SensitiveConfig"


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        ({"silence_segmentation": 200}, {"silence_segmentation": 199},
         "VAD.TurnDetectConfig.SilenceSegmentation"),
        ({"silence_segmentation": 2000}, {"silence_segmentation": 2001},
         "VAD.TurnDetectConfig.SilenceSegmentation"),
        ({"pause_interval": 2000}, {"pause_interval": 2001}, "VAD.TurnDetectConfig.PauseInterval"),
        ({"pause_interval": 200}, {"pause_interval": 150}, "VAD.TurnDetectConfig.PauseInterval"),
        ({"sensitivity_level": 2}, {"sensitivity_level": 4}, f"{SENSITIVE}.Level"),
        ({**CUSTOM_VAD, "min_speech_dur": 1000}, {**CUSTOM_VAD, "min_speech_dur": 1001},
         f"{SENSITIVE}.MinSpeechDur"),
        ({**CUSTOM_VAD, "energy_threshold": 1}, {**CUSTOM_VAD, "energy_threshold": 1.5},
         f"{SENSITIVE}.EnergyThreshold"),
    ],
)  # fmt: skip
def test_vad_rules(good, bad, field):
    VAD(**good).validate()
    assert_invalid(VAD(**bad), field)


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        ({"digital_human_id": "x"}, {"digital_human_id": ""}, "DigitalHuman.DigitalHumanId"),
        ({"config_id": "mobile"}, {"config_id": "tv"}, "DigitalHuman.ConfigId"),
        ({"encode_code": "H264"}, {"encode_code": "H265"}, "DigitalHuman.EncodeCode"),
    ],
)
def test_digital_human_rules(good, bad, field):
    base = DigitalHuman("id-1")
    changed(base, **good).validate()
    assert_invalid(changed(base, **bad), field)


# ---------------------------------------------------------------------------
# Secrets never show in a repr
# ---------------------------------------------------------------------------

SECRET_TTS = [
    TTS.aliyun(SECRET + "1", SECRET + "2", SECRET + "3"),
    TTS.cosyvoice(SECRET, "longxiaochun_v2"),
    TTS.bytedance_v3("appid_1", SECRET, "speaker"),
    TTS.bytedance_flowing("appid_1", SECRET, "speaker"),
    TTS.minimax(SECRET, "voice", group_id="group_1"),
    TTS.bytedance_legacy("appid_1", SECRET, "voice"),
]


@pytest.mark.parametrize("tts", SECRET_TTS, ids=lambda t: t.vendor)
def test_tts_repr_hides_credentials(tts):
    for text in (repr(tts), str(tts), repr([tts])):
        assert "SECRET" not in text
        assert tts.vendor in text
    assert "****" in repr(tts)


def test_llm_repr_hides_the_key_but_shows_the_rest():
    llm = LLM(url=OPENAI_URL, api_key=SECRET, model="gpt-4o-mini", extra={"Token": SECRET})
    text = repr(llm)
    assert "SECRET" not in text and "SECRET" not in str(llm)
    assert "gpt-4o-mini" in text and OPENAI_URL in text and "****ef" in text
    assert "zego_test" in repr(LLM.trial())  # the public trial key stays readable


def test_repr_leaves_out_unset_fields():
    assert repr(VAD(silence_segmentation=500)) == "VAD(silence_segmentation=500)"


# ---------------------------------------------------------------------------
# Form tables and the plain functions behind the forms
# ---------------------------------------------------------------------------

_BUILDERS = {
    "ByteDanceV3": TTS.bytedance_v3,
    "ByteDanceFlowing": TTS.bytedance_flowing,
    "MiniMax": TTS.minimax,
    "CosyVoice": TTS.cosyvoice,
    "Aliyun": TTS.aliyun,
    "ByteDance": TTS.bytedance_legacy,
}


def test_every_vendor_has_a_form():
    assert set(TTS_VENDOR_FIELDS) == set(TTS_VENDORS) == set(_BUILDERS)


@pytest.mark.parametrize("vendor", list(TTS_VENDOR_FIELDS))
def test_form_fields_match_the_builder_arguments(vendor):
    params = inspect.signature(_BUILDERS[vendor]).parameters
    specs = TTS_VENDOR_FIELDS[vendor]
    assert [spec.name for spec in specs] == list(params)
    for spec in specs:
        # "required" in the form means: the builder has no default for it
        assert spec.required == (params[spec.name].default is inspect.Parameter.empty), spec.name
        assert spec.secret == is_secret_key(spec.name), spec.name
        assert spec.kind in ("text", "multiline", "int", "float")


@pytest.mark.parametrize("vendor", list(TTS_VENDOR_FIELDS))
def test_form_defaults_give_the_valid_trial_config(vendor):
    defaults = {spec.name: spec.default for spec in TTS_VENDOR_FIELDS[vendor]}
    tts = tts_from_fields(vendor, defaults)
    assert tts.to_api() == TRIAL_TTS[vendor]


@pytest.mark.parametrize("vendor", list(TTS_VENDOR_FIELDS))
def test_each_form_field_lands_at_its_api_path(vendor):
    specs = TTS_VENDOR_FIELDS[vendor]
    values = {spec.name: spec.default for spec in specs}
    for i, spec in enumerate(specs):
        values[spec.name] = {"int": 7 + i, "float": 1.5}.get(spec.kind, f"value_{i}")
        if spec.api_path == "TTS.Url":  # text, but it must be a URL
            values[spec.name] = f"wss://tts{i}.example.com/v1"
    body = {"TTS": tts_from_fields(vendor, values).to_api()}
    for spec in specs:
        expected = values[spec.name]
        assert at_path(body, spec.api_path) == expected, spec.name


def test_tts_from_fields_converts_form_text():
    tts = tts_from_fields(
        "MiniMax",
        {
            "api_key": "  mm-key \n",
            "voice_id": "female-shaonv",
            "model": "speech-02-turbo",
            "speed": "1.25",
            "vol": "",
            "pitch": "-3",
            "group_id": None,
        },
    )
    assert tts.to_api()["Params"] == {
        "app": {"api_key": "mm-key"},
        "model": "speech-02-turbo",
        "voice_setting": {"voice_id": "female-shaonv", "speed": 1.25, "pitch": -3},
    }


def test_tts_from_fields_missing_optional_uses_the_builder_default():
    tts = tts_from_fields("ByteDanceV3", {"appid": "a", "token": "t", "speaker": "s"})
    assert tts.params["app"]["resource_id"] == "seed-tts-2.0"


@pytest.mark.parametrize(
    ("vendor", "values", "field"),
    [
        ("ByteDanceV3", {"appid": "a", "token": "", "speaker": "s"}, "TTS.Params.app.token"),
        ("ByteDanceV3", {"appid": "a", "token": "t"}, "TTS.Params.req_params.speaker"),
        ("ByteDanceV3", {"appid": "a", "token": "t", "speaker": "s", "speech_rate": "fast"},
         "TTS.Params.req_params.audio_params.speech_rate"),
        ("ByteDanceV3", {"appid": "a", "token": "t", "speaker": "s", "speech_rate": 150},
         "TTS.Params.req_params.audio_params.speech_rate"),
        ("Aliyun", {"app_key": "a", "ak_id": "b", "ak_key": "   "}, "TTS.Params.app.ak_key"),
        ("CosyVoice", {"api_key": 123, "voice": "v"}, "TTS.Params.app.api_key"),
        ("MiniMax", {"api_key": "k", "voice_id": "v", "speed": True},
         "TTS.Params.voice_setting.speed"),
        ("MiniMax", {"api_key": "k", "voice_id": "v", "speed": "inf"},
         "TTS.Params.voice_setting.speed"),
        ("MiniMax", {"api_key": "k", "voice_id": "v", "speed": [1]},
         "TTS.Params.voice_setting.speed"),
        ("ByteDanceV3", {"appid": "a", "token": "t", "speaker": "s", "speeker": "x"},
         "TTS (ByteDanceV3)"),
        ("Polly", {}, "TTS.Vendor"),
    ],
)  # fmt: skip
def test_tts_from_fields_errors_name_the_field(vendor, values, field):
    with pytest.raises(ValidationError) as info:
        tts_from_fields(vendor, values)
    assert info.value.field == field


def test_form_errors_do_not_echo_secret_values():
    with pytest.raises(ValidationError) as info:
        tts_from_fields("CosyVoice", {"api_key": 1234567890123, "voice": "v"})
    assert "1234567890123" not in str(info.value)


def test_llm_fields_are_llm_fields():
    llm_fields = {f.name for f in dataclasses.fields(LLM)}
    assert {spec.name for spec in LLM_FIELDS} <= llm_fields
    for spec in LLM_FIELDS:
        assert spec.secret == is_secret_key(spec.name)


def test_llm_presets():
    names = list(LLM_PRESETS)
    assert names[0] == "ZEGO trial (Doubao lite)"
    assert {"OpenAI", "Local (Ollama)", "Custom"} <= set(names)
    trial = {(p["url"], p["model"]) for p in LLM_PRESETS.values() if p["api_key"] == "zego_test"}
    pairs = {(url, model) for url, models in TRIAL_LLM_PAIRS.items() for model in models}
    assert trial == pairs  # one preset per trial pair
    assert LLM_PRESETS["OpenAI"] == {"url": OPENAI_URL, "api_key": "", "model": "gpt-4o-mini"}
    assert LLM_PRESETS["Local (Ollama)"]["url"] == "http://localhost:11434/v1/chat/completions"
    assert LLM_PRESETS["Local (Ollama)"]["model"] == "llama3.2"


@pytest.mark.parametrize("name", [n for n in LLM_PRESETS if n.startswith("ZEGO trial")])
def test_trial_presets_are_ready_to_use(name):
    llm = llm_from_fields(LLM_PRESETS[name])
    assert llm.api_key == "zego_test"


def test_presets_that_need_input_say_which_field():
    with pytest.raises(ValidationError) as info:
        llm_from_fields(LLM_PRESETS["OpenAI"])
    assert info.value.field == "LLM.ApiKey"
    with pytest.raises(ValidationError) as info:
        llm_from_fields(LLM_PRESETS["Custom"])
    assert info.value.field == "LLM.Url"
    llm_from_fields({**LLM_PRESETS["OpenAI"], "api_key": SECRET})
    llm_from_fields(LLM_PRESETS["Local (Ollama)"])


def test_llm_from_fields_converts_form_text():
    llm = llm_from_fields(
        {
            "url": f" {OPENAI_URL} ",
            "api_key": SECRET,
            "model": "gpt-4o-mini",
            "system_prompt": "",
            "temperature": "0.5",
            "top_p": None,
            "vendor": "",
        }
    )
    assert llm.to_api() == {
        "Url": OPENAI_URL,
        "ApiKey": SECRET,
        "Model": "gpt-4o-mini",
        "Temperature": 0.5,
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"temperature": "hot"}, "LLM.Temperature"),
        ({"temperature": "3"}, "LLM.Temperature"),
        ({"vendor": "Claude"}, "LLM.Vendor"),
        ({"api_key": "zego_test"}, "LLM.Url"),  # trial key with the OpenAI URL
        ({"modle": "x"}, "LLM"),
    ],
)
def test_llm_from_fields_errors_name_the_field(values, field):
    base = {"url": OPENAI_URL, "api_key": SECRET, "model": "gpt-4o-mini"}
    with pytest.raises(ValidationError) as info:
        llm_from_fields({**base, **values})
    assert info.value.field == field
    assert SECRET not in str(info.value)
