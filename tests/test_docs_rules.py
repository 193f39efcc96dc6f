"""Issue 14, one test (or a small group) per finding: the client does what ZEGO's docs say.

Each finding names the page it comes from. The kit refuses what the docs forbid, and
warns (``DocsWarning``, naming the page) where a page says "only effective when" or two
pages disagree; the sandbox side is in ``tests/sandbox/test_sandbox_docs_rules.py``.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator

import pytest

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers import docs
from zego_helpers.client import AIAgentClient
from zego_helpers.codes import describe_return_code
from zego_helpers.docs import DocsWarning
from zego_helpers.errors import ValidationError, ZegoAPIError
from zego_helpers.form_specs import (
    ASR_FORM_HINTS,
    TTS_VENDOR_FIELDS,
    asr_from_fields,
    tts_from_fields,
)
from zego_helpers.models import (
    ASR,
    ASR_BUILDERS,
    ASR_VENDORS,
    COSYVOICE_MODELS,
    LLM,
    MINIMAX_MODELS,
    RTC,
    TTS,
    TTS_BUILDERS,
    VAD,
    AdvancedConfig,
    CallbackConfig,
    DigitalHuman,
    LiveAdvancedConfig,
    MessageHistory,
)
from zego_helpers.request_bodies import (
    create_digital_human_agent_instance_body,
    create_live_digital_human_body,
    listening_body,
    send_agent_instance_llm_body,
    update_agent_body,
)
from zego_helpers.transport import FakeClock
from zego_helpers.workflows import ensure_agent

APP_ID = 1234567890
SECRET = "fedcba9876543210fedcba9876543210"
RTC_IDS = RTC("room_1", "agent_stream_1", "agent_user_1", "user_stream_1")
HUMAN = DigitalHuman("xiaozhi")


@contextlib.contextmanager
def no_docs_warning() -> Iterator[None]:
    """A block in which any DocsWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DocsWarning)
        yield


# --- ASR vendors (guides/configuring-asr) -----------------------------------------------


def test_asr_has_exactly_the_six_documented_vendors_each_with_a_builder():
    assert ASR_VENDORS == (
        "Tencent", "AliyunParaformer", "AliyunFunASR", "AliyunQwenASR", "VolcSeedASR", "Microsoft",
    )  # fmt: skip
    assert set(ASR_BUILDERS) == set(ASR_VENDORS) == set(ASR_FORM_HINTS)
    for vendor in ("AliyunQwenAudioASR", "ElevenLabs"):  # offered before, documented nowhere
        with pytest.raises(ValidationError, match="ASR.Vendor"):
            ASR(vendor=vendor).validate()


@pytest.mark.parametrize(
    ("asr", "params"),
    [
        (ASR.tencent("16k_multi_lang", {"ZEGOCLOUD": 10}),
         {"engine_model_type": "16k_multi_lang", "hotword_list": "ZEGOCLOUD|10"}),
        (ASR.aliyun_paraformer(["zh", "en"]),
         {"payload": {"model": "paraformer-realtime-v2",
                      "parameters": {"language_hints": ["zh", "en"]}}}),
        (ASR.aliyun_funasr("en"),
         {"payload": {"model": "fun-asr-realtime", "parameters": {"language_hints": ["en"]}}}),
        (ASR.aliyun_qwen("ja"), {"session": {"input_audio_transcription": {"language": "ja"}}}),
        (ASR.volc_seed("test_boosting_table"),
         {"corpus": {"boosting_table_id": "test_boosting_table"}}),
        (ASR.microsoft("en-US", ["zego", "microsoft"]),
         {"language": "en-US", "phrase_list": ["zego", "microsoft"]}),
    ],
    ids=list(ASR_VENDORS),
)  # fmt: skip
def test_each_asr_builder_writes_the_params_shape_of_the_guides_example(asr, params):
    with no_docs_warning():
        assert ASR.coerce(asr).params == params


def test_asr_settings_the_guide_says_are_ignored_are_sent_with_a_warning():
    with pytest.warns(DocsWarning, match="only the first language hint"):
        ASR.coerce(ASR(vendor="AliyunFunASR",
                       params={"payload": {"parameters": {"language_hints": ["zh", "en"]}}}))
    with pytest.warns(DocsWarning, match="only supports phrase_list and language"):
        ASR.coerce(ASR(vendor="Microsoft", params={"language": "en-US", "profanity": "raw"}))
    with pytest.warns(DocsWarning, match="not an engine the ASR guide lists"):
        ASR.coerce(ASR.tencent("16k_klingon"))


def test_tencent_hot_words_count_a_chinese_character_as_three():
    """ "At most 30 characters (up to 10 Chinese characters)", in EN and ZH alike."""
    chinese = "即构科技实时互动语音"  # 10 Chinese characters
    for word in (chinese, "Z" * 30, "ZEGO" + chinese[:8]):  # 30, 30 and 4 + 8 * 3 = 28
        ASR.tencent(hot_words={word: 5}).validate()
    for word in (chinese + "好", "Z" * 31, "ZEGO" + chinese[:9]):  # 33, 31 and 4 + 9 * 3 = 31
        with pytest.raises(ValidationError, match="at most 30 characters, of which at most 10"):
            ASR.tencent(hot_words={word: 5}).validate()


def test_the_asr_form_offers_the_six_vendors_and_each_ones_language_setting():
    assert asr_from_fields("AliyunParaformer", "zh, en").params["payload"]["parameters"] == {
        "language_hints": ["zh", "en"]}  # fmt: skip
    assert asr_from_fields("AliyunQwenASR", "fr").params == {
        "session": {"input_audio_transcription": {"language": "fr"}}}  # fmt: skip
    assert asr_from_fields("VolcSeedASR", "", "my_table").params == {
        "corpus": {"boosting_table_id": "my_table"}}  # fmt: skip
    assert "16k_multi_lang" in ASR_FORM_HINTS["Tencent"].language  # multi-language guidance
    for vendor, what in (("VolcSeedASR", "language"), ("AliyunParaformer", "hot words")):
        with pytest.raises(ValidationError, match=f"takes no {what}"):
            asr_from_fields(vendor, "en", "zego|5")


# --- live digital human (create-live-digital-human-agent-instance) ----------------------


def test_live_digital_human_has_its_own_idle_range_callbacks_and_rtc():
    body = create_live_digital_human_body(
        "agent_1", HUMAN, rtc={"RoomId": "r", "AgentStreamId": "s", "AgentUserId": "u"},
        advanced_config=AdvancedConfig(max_idle_time=3600),  # over the voice call's 1800
        callback_config=CallbackConfig(interrupted=True, agent_instance_status=True),
    )  # fmt: skip
    assert body["AdvancedConfig"] == {"MaxIdleTime": 3600}
    assert body["CallbackConfig"] == {"Interrupted": 1, "AgentInstanceStatus": 1}
    with pytest.raises(ValidationError, match="between 30 and 86400"):
        create_live_digital_human_body("agent_1", HUMAN, cdn_url="rtmp://x/live/k",
                                       advanced_config=LiveAdvancedConfig(max_idle_time=15))
    with pytest.warns(DocsWarning, match="not a callback of a live digital human"):
        create_live_digital_human_body("agent_1", HUMAN, cdn_url="rtmp://x/live/k",
                                       callback_config=CallbackConfig(asr_result=True))
    with pytest.warns(DocsWarning, match="RTC.UserStreamId"):
        create_live_digital_human_body("agent_1", HUMAN, rtc=RTC_IDS)


# --- SendAgentInstanceLLM.AddQuestionToHistory (send-agent-instance-llm, the guide) ------


def test_add_question_to_history_defaults_to_false_and_is_sent_explicitly():
    body = send_agent_instance_llm_body("i1", "Hi")
    assert body["AddQuestionToHistory"] is False and body["AddAnswerToHistory"] is True
    assert send_agent_instance_llm_body("i1", "Hi", add_question_to_history=True)[
        "AddQuestionToHistory"] is True  # fmt: skip


# --- 100000015 (return-codes: "internal gateway error, contact support") ----------------


@pytest.mark.parametrize("action", ["CreateAgentInstance", "SendAgentInstanceLLM",
                                    "SendAgentInstanceTTS", "AddAgentInstanceMsg"])  # fmt: skip
def test_an_internal_gateway_error_is_not_retried_for_actions_that_must_not_repeat(action):
    with FakeZego() as server:
        server.script = [Reply(body=envelope(code=100000015)), Reply(body=envelope({}))]
        client = AIAgentClient(APP_ID, SECRET, server.url, clock=FakeClock(time.time()))
        with pytest.raises(ZegoAPIError):
            client.call(action, {"AgentInstanceId": "i1"})
        assert len(server.requests) == 1
    assert "safe to repeat" in describe_return_code(100000015).hint


# --- WindowSize (schema 0-500, ai-short-term-memory guide 0-100) -------------------------


def test_window_size_above_the_guides_100_warns_citing_both_pages_and_500_is_the_limit():
    with no_docs_warning():
        MessageHistory(window_size=100).validate()
    with pytest.warns(DocsWarning) as caught:
        MessageHistory(window_size=101).validate()
    message = str(caught[0].message)
    assert "create-agent-instance" in message and "ai-short-term-memory" in message
    with pytest.raises(ValidationError, match="between 0 and 500"):
        MessageHistory(window_size=501).validate()


# --- UpdateAgent.Name (update-agent: maxLength 64; register: 256 bytes) -----------------


def test_update_agent_name_is_at_most_64_and_ensure_agent_does_not_resend_it():
    update_agent_body("a1", name="n" * 64)
    with pytest.raises(ValidationError, match="limit is 64"):
        update_agent_body("a1", name="n" * 65)

    long_name = "A very patient tutor, " * 5  # 110 characters: fine for RegisterAgent
    stored = {"AgentId": "a1", "Name": long_name, "LLM": LLM.trial().to_api(),
              "TTS": TTS.trial().to_api()}  # fmt: skip
    with FakeZego() as server:
        server.script = [Reply(body=envelope({"Agents": [stored]})), Reply(body=envelope({}))]
        client = AIAgentClient(APP_ID, SECRET, server.url)
        new_llm = LLM.trial(system_prompt="A new prompt.")
        assert ensure_agent(client, "a1", name=long_name, llm=new_llm, tts=TTS.trial()) == (
            "updated")  # fmt: skip
        update = server.requests[-1].body
    assert "Name" not in update and update["LLM"]["SystemPrompt"] == "A new prompt."


# --- "only effective when ..." is a warning (create-agent-instance schema) ---------------


def test_vad_thresholds_and_zim_outside_their_mode_are_sent_with_a_warning():
    with pytest.warns(DocsWarning, match="only effective when Level is 3"):
        vad = VAD.coerce(VAD(sensitivity_level=0, min_speech_dur=100))
    assert vad.to_api()["VoiceDetectConfig"]["SensitiveConfig"]["MinSpeechDur"] == 100
    with pytest.warns(DocsWarning, match="only effective when Level is 3"):
        VAD.coerce(VAD(energy_threshold=0.5))
    with pytest.warns(DocsWarning, match="only effective when SyncMode is 0"):
        history = MessageHistory.coerce(MessageHistory(sync_mode=1, zim={"RobotId": "@RBT#1"}))
    assert history.to_api()["ZIM"] == {"RobotId": "@RBT#1"}


# --- TTS details (guides/configuring-tts) -----------------------------------------------


def test_bytedance_rates_are_floats():
    tts = TTS.coerce(TTS.bytedance_v3("a", "t", "zh_female_vv_uranus_bigtts",
                                      speech_rate=12.5, loudness_rate=-7.25))  # fmt: skip
    assert tts.params["req_params"]["audio_params"] == {"speech_rate": 12.5, "loudness_rate": -7.25}


def test_cosyvoice_six_models_and_minimax_eight_are_offered():
    assert COSYVOICE_MODELS == ("cosyvoice-v3.5-plus", "cosyvoice-v3.5-flash",
                                "cosyvoice-v3-plus", "cosyvoice-v3-flash", "cosyvoice-v2",
                                "cosyvoice-v1")  # fmt: skip
    assert len(MINIMAX_MODELS) == 8 and "speech-2.5-hd-preview" in MINIMAX_MODELS
    choices = {spec.name: spec.choices for spec in TTS_VENDOR_FIELDS["CosyVoice"]}
    assert choices["model"] == COSYVOICE_MODELS
    choices = {spec.name: spec.choices for spec in TTS_VENDOR_FIELDS["MiniMax"]}
    assert choices["model"] == MINIMAX_MODELS


@pytest.mark.parametrize("vendor", list(TTS_BUILDERS))
def test_every_tts_builder_and_form_sets_tts_url(vendor):
    url = "wss://api.minimax.io/ws/v1/t2a_v2"
    defaults = {spec.name: spec.default for spec in TTS_VENDOR_FIELDS[vendor]}
    assert tts_from_fields(vendor, {**defaults, "url": url}).to_api()["Url"] == url


def test_add_agent_info_with_the_responses_vendor_warns_that_it_is_ignored():
    llm = LLM(url="https://ark.example.com/api/v3/responses", api_key="k", model="m",
              vendor="OpenAIResponses", add_agent_info=True)  # fmt: skip
    with pytest.warns(DocsWarning, match="only effective when Vendor is OpenAIChat"):
        LLM.coerce(llm)
    with no_docs_warning():
        LLM.coerce(LLM(url="https://llm.example.com/v1/chat/completions", api_key="k",
                       model="m", add_agent_info=True))  # fmt: skip


def test_disable_tts_is_refused_for_both_digital_human_creates():
    off = AdvancedConfig(disable_tts=True)
    with pytest.raises(ValidationError, match="DisableTTS"):
        create_digital_human_agent_instance_body("a1", "user_1", RTC_IDS, HUMAN,
                                                 advanced_config=off)  # fmt: skip
    with pytest.raises(ValidationError, match="DisableTTS"):
        create_live_digital_human_body("a1", HUMAN, cdn_url="rtmp://x/live/k",
                                       advanced_config={"DisableTTS": True})  # fmt: skip


def test_the_410001013_hint_says_which_part_is_the_kits_reading():
    hint = describe_return_code(410001013).hint
    assert "kit's reading" in hint and "StopListening" in hint


# --- digital-human concurrency (return-codes) -------------------------------------------


def test_both_digital_human_shortage_codes_are_explained_apart():
    assert "not your quota" in describe_return_code(410001025).hint
    assert "410001025 only" in describe_return_code(410001031).hint


# --- StartListening.UserId ("the default UserId is used") -------------------------------


def test_an_empty_listening_user_id_is_left_out_for_zego_to_use_the_default():
    assert listening_body("i1", user_id="") == {"AgentInstanceId": "i1"}
    assert listening_body("i1", user_id="user_2")["UserId"] == "user_2"


# --- LLM.Url that ZEGO's cloud cannot reach (guides/configuring-llm) --------------------


def test_a_loopback_llm_url_sent_to_zego_warns_but_not_to_a_sandbox():
    llm = LLM(url="http://127.0.0.1:11434/v1/chat/completions", api_key="k", model="m")
    zego = AIAgentClient(APP_ID, SECRET, "https://aigc-aiagent-api.zegotech.cn")
    zego.transport.call = lambda action, payload: {}  # the body is checked before sending
    with pytest.warns(DocsWarning, match="loopback address"):
        zego.register_agent("a1", llm=llm, tts=TTS.trial())
    local = AIAgentClient(APP_ID, SECRET, "http://127.0.0.1:8123")
    local.transport.call = lambda action, payload: {}
    with no_docs_warning():
        local.register_agent("a1", llm=llm, tts=TTS.trial())


def test_the_docs_revision_and_page_addresses():
    assert docs.doc_page("guides/configuring-asr") == (
        "https://www.zegocloud.com/docs/aiagent-server/guides/configuring-asr")  # fmt: skip
    assert docs.doc_page("guides/configuring-asr", chinese=True).startswith(
        "https://doc-zh.zego.im/aiagent-server/")  # fmt: skip
