"""One validation path: a bad config is refused identically as a model, as a dict and by a form.

Each row of ``BAD_LLM`` / ``BAD_TTS`` is a config a learner could write. The
same values go in three ways, the ways the kit offers:

* as a model (``LLM(...)``, a ``TTS`` builder) passed to the client,
* as a plain dict in API field names (``client.register_agent(llm={...})``),
* as the values a notebook form holds (``form_logic.*_form_values_to_model``),

and each way must raise the same ``ValidationError`` (same field, same words),
with nothing reaching the fake ZEGO server.
"""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

import pytest

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers.client import AIAgentClient
from zego_helpers.errors import ValidationError
from zego_helpers.ids import make_call_ids
from zego_helpers.models import LLM, TTS, TTS_BUILDERS, TTS_DOC_URL, TTS_TRIAL_ARGS
from zego_helpers.models.base import UnknownFieldWarning
from zego_helpers.tutorial import form_logic
from zego_helpers.workflows import AgentSession, ensure_agent

APP_ID = 1234567890
SECRET = "fedcba9876543210fedcba9876543210"
OPENAI_URL = "https://api.openai.com/v1/chat/completions"
DOUBAO_URL = "https://ark.cn-beijing.volces.com/api/v3/chat/completions"
GOOD_LLM = {"url": OPENAI_URL, "api_key": "my-own-key", "model": "gpt-4o-mini"}


def _llm_case(field: str, **changes: Any) -> tuple[dict[str, Any], str]:
    return {**GOOD_LLM, **changes}, field


#: (LLM field values, the API field the error must name)
BAD_LLM = [
    _llm_case("LLM.Temperature", temperature=3),
    _llm_case("LLM.Temperature", temperature=-0.1),
    _llm_case("LLM.TopP", top_p=1.5),
    _llm_case("LLM.TopP", top_p=-1),
    _llm_case("LLM.Url", url="api.openai.com/v1/chat/completions"),
    _llm_case("LLM.ApiKey", api_key=""),
    _llm_case("LLM.Model", model=""),
    _llm_case("LLM.Vendor", vendor="OpenAIChatCompletions"),
    _llm_case("LLM.Url", api_key="zego_test"),  # the trial key only works with trial URLs
    _llm_case("LLM.Model", url=DOUBAO_URL, api_key="zego_test", model="gpt-4o-mini"),
]


def _tts_case(vendor: str, field: str, **changes: Any) -> tuple[str, dict[str, Any], str]:
    base = TTS_TRIAL_ARGS.get(vendor, TTS_TRIAL_ARGS["MiniMax"])
    return vendor, {**base, **changes}, field


#: (Vendor, builder arguments = TTS form values, the API field the error must name).
#: At least one row per range-checked vendor Params field.
BAD_TTS = [
    # misspelled vendors (both spellings appear in ZEGO's own doc examples)
    _tts_case("Minimax", "TTS.Vendor"),
    _tts_case("Bytedance", "TTS.Vendor"),
    _tts_case("BytedanceFlowing", "TTS.Vendor"),
    # missing required vendor fields
    _tts_case("MiniMax", "TTS.Params.voice_setting.voice_id", voice_id=""),
    _tts_case("MiniMax", "TTS.Params.app.api_key", api_key=""),
    _tts_case("CosyVoice", "TTS.Params.payload.parameters.voice", voice=""),
    _tts_case("ByteDanceV3", "TTS.Params.app.token", token=""),
    _tts_case("ByteDanceV3", "TTS.Params.req_params.speaker", speaker=""),
    _tts_case("Aliyun", "TTS.Params.app.ak_key", ak_key=""),
    _tts_case("ByteDance", "TTS.Params.audio.voice_type", voice_type=""),
    # MiniMax voice_setting: speed [0.5, 2], vol (0, 10], pitch integer [-12, 12]
    _tts_case("MiniMax", "TTS.Params.voice_setting.speed", speed=2.5),
    _tts_case("MiniMax", "TTS.Params.voice_setting.speed", speed=0.4),
    _tts_case("MiniMax", "TTS.Params.voice_setting.vol", vol=0),
    _tts_case("MiniMax", "TTS.Params.voice_setting.vol", vol=10.5),
    _tts_case("MiniMax", "TTS.Params.voice_setting.pitch", pitch=13),
    _tts_case("MiniMax", "TTS.Params.voice_setting.pitch", pitch=1.5),
    # CosyVoice payload.parameters: volume integer [0, 100], rate and pitch [0.5, 2]
    _tts_case("CosyVoice", "TTS.Params.payload.parameters.volume", volume=101),
    _tts_case("CosyVoice", "TTS.Params.payload.parameters.rate", rate=2.5),
    _tts_case("CosyVoice", "TTS.Params.payload.parameters.pitch", pitch=0.4),
    # ByteDance V3 / Flowing req_params.audio_params: floats in [-50, 100]
    _tts_case("ByteDanceV3", "TTS.Params.req_params.audio_params.speech_rate", speech_rate=101),
    _tts_case("ByteDanceV3", "TTS.Params.req_params.audio_params.loudness_rate",
              loudness_rate=-50.5),
    _tts_case("ByteDanceFlowing", "TTS.Params.req_params.audio_params.speech_rate",
              speech_rate=-60),
    # Aliyun: volume [0, 100], speech_rate and pitch_rate [-500, 500]
    _tts_case("Aliyun", "TTS.Params.volume", volume=101),
    _tts_case("Aliyun", "TTS.Params.speech_rate", speech_rate=501),
    _tts_case("Aliyun", "TTS.Params.pitch_rate", pitch_rate=-501),
    # legacy ByteDance audio: speed_ratio [0.8, 2], loudness_ratio [0.5, 2]
    _tts_case("ByteDance", "TTS.Params.audio.speed_ratio", speed_ratio=0.7),
    _tts_case("ByteDance", "TTS.Params.audio.loudness_ratio", loudness_ratio=2.1),
]  # fmt: skip


def _tts_model(vendor: str, args: dict[str, Any]) -> TTS:
    """The model a script would write: the vendor's builder, or a hand-made TTS for a typo."""
    builder = TTS_BUILDERS.get(vendor)
    if builder is None:
        return TTS(vendor=vendor, params={"app": {"api_key": args["api_key"]}})
    return builder(**args)


def _form_text(values: dict[str, Any]) -> dict[str, Any]:
    """What a form's text boxes hold: every number typed as text."""
    return {key: str(value) if isinstance(value, (int, float)) else value
            for key, value in values.items()}  # fmt: skip


def _refusal(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return str(caught.value)


@pytest.fixture
def server():
    with FakeZego(lambda _r: Reply(body=envelope({"AgentInstanceId": "i1"}))) as fake:
        yield fake


@pytest.fixture
def client(server):
    return AIAgentClient(APP_ID, SECRET, server.url, requests_per_second=None, max_retries=0)


def _every_entry_point(client: AIAgentClient, **objects: Any) -> list:
    """Each client method and workflow that takes LLM/TTS objects, as a zero-argument call."""
    ids = make_call_ids("ada")
    live = [
        lambda: client.create_live_digital_human_agent_instance(
            "agent_1", {"DigitalHumanId": "dh"}, cdn_url="rtmp://example.com/live", **objects
        )
    ]
    return [
        *(live if "llm" not in objects else []),
        lambda: ensure_agent(client, "agent_1", **objects),
        lambda: AgentSession(client, "agent_1", ids, **objects).start(),
        lambda: client.register_agent("agent_1", **objects),
        lambda: client.update_agent("agent_1", **objects),
        lambda: client.create_agent_instance("agent_1", ids.user_id, ids.to_rtc(), **objects),
        lambda: client.create_digital_human_agent_instance(
            "agent_1", ids.user_id, ids.to_rtc(), {"DigitalHumanId": "dh"}, **objects
        ),
        lambda: client.update_agent_instance("i1", **objects),
    ]


@pytest.mark.parametrize(("values", "field"), BAD_LLM)
def test_a_bad_llm_is_refused_alike_as_model_dict_and_form(client, server, values, field):
    model = LLM(**values)
    as_model = _refusal(model.validate)
    assert as_model.startswith(f"{field}: ")
    for entry in _every_entry_point(client, llm=model):
        assert _refusal(entry) == as_model
    for entry in _every_entry_point(client, llm=model.to_api()):
        assert _refusal(entry) == as_model
    assert _refusal(lambda: form_logic.llm_form_values_to_model(_form_text(values))) == as_model
    assert server.requests == []


@pytest.mark.parametrize(("vendor", "args", "field"), BAD_TTS)
def test_a_bad_tts_is_refused_alike_as_model_dict_and_form(client, server, vendor, args, field):
    model = _tts_model(vendor, args)
    as_model = _refusal(model.validate)
    assert as_model.startswith(f"{field}: ")
    for entry in _every_entry_point(client, tts=model):
        assert _refusal(entry) == as_model
    for entry in _every_entry_point(client, tts=model.to_api()):
        assert _refusal(entry) == as_model
    as_form = _refusal(lambda: form_logic.tts_form_values_to_model(vendor, _form_text(args)))
    assert as_form == as_model
    assert server.requests == []


@pytest.mark.parametrize(("vendor", "args", "field"), [c for c in BAD_TTS if "Params." in c[2]
                                                       and "app" not in c[2]
                                                       and not c[2].endswith(("voice", "_id",
                                                                              "speaker", "type"))])
def test_a_range_error_names_path_range_and_doc(vendor, args, field):
    message = _refusal(_tts_model(vendor, args).validate)
    assert message.startswith(f"{field}: ")
    assert "between" in message or "above" in message
    assert TTS_DOC_URL in message


@pytest.mark.parametrize(
    ("llm", "field"),
    [
        ({**LLM(**GOOD_LLM).to_api(), "Temperature": "hot"}, "LLM.Temperature"),
        ({**LLM(**GOOD_LLM).to_api(), "Temperature": True}, "LLM.Temperature"),
        ({**LLM(**GOOD_LLM).to_api(), "TopP": float("nan")}, "LLM.TopP"),
        ({**LLM(**GOOD_LLM).to_api(), "Params": ["max_tokens"]}, "LLM.Params"),
        ({"Url": OPENAI_URL, "ApiKey": "k"}, "LLM.Model"),
        ("a string", "LLM"),
        (["Url", OPENAI_URL], "LLM"),
        (TTS.trial(), "LLM"),  # a model of the wrong kind
    ],
)
def test_dict_only_mistakes_are_refused_before_the_wire(client, server, llm, field):
    for entry in _every_entry_point(client, llm=llm):
        with pytest.raises(ValidationError) as caught:
            entry()
        assert caught.value.field == field
    assert server.requests == []


def test_unknown_keys_pass_through_and_a_likely_typo_warns(client, server):
    llm = {**LLM.trial().to_api(), "Temprature": 0.5, "NewZegoField": {"x": 1}}
    tts = TTS.trial("MiniMax").to_api()
    tts["Params"]["voice_setting"]["sped"] = 1.2
    with pytest.warns(UnknownFieldWarning) as caught:
        client.register_agent("agent_1", llm=llm, tts=tts)
    messages = [str(w.message) for w in caught]
    assert any("LLM.Temprature" in m and "LLM.Temperature" in m for m in messages)
    assert any("TTS.Params.voice_setting.sped" in m and "voice_setting.speed" in m
               for m in messages)  # fmt: skip
    assert not any("NewZegoField" in m for m in messages)  # a new field is not a typo
    sent = server.requests[0].body
    assert sent["LLM"]["Temprature"] == 0.5 and sent["LLM"]["NewZegoField"] == {"x": 1}
    assert sent["TTS"]["Params"]["voice_setting"]["sped"] == 1.2


def test_a_valid_dict_is_sent_unchanged(client, server):
    llm = {"Url": OPENAI_URL, "ApiKey": "k", "Model": "m", "Temperature": 0.5}
    tts = TTS.trial("CosyVoice").to_api()
    copies = copy.deepcopy((llm, tts))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid dict raises no typo warning
        client.register_agent("agent_1", llm=llm, tts=tts)
    assert server.requests[0].body == {"AgentId": "agent_1", "LLM": llm, "TTS": tts}
    assert (llm, tts) == copies  # the caller's dicts are not touched


def test_the_register_preview_is_the_body_the_client_sends(client, server):
    """A form's preview and the client's request come from one function, byte for byte."""
    llm = form_logic.llm_form_values_to_model({**GOOD_LLM, "temperature": "0.5"})
    tts = form_logic.tts_form_values_to_model("MiniMax", _form_text(
        {**TTS_TRIAL_ARGS["MiniMax"], "speed": 1.25, "pitch": -2}))  # fmt: skip
    asr = form_logic.asr_form_values_to_model(True, "Tencent", "16k_en", "ZEGOCLOUD|10")
    preview = form_logic.build_register_body("agent_1", llm=llm, tts=tts, asr=asr, name="Ada")
    client.register_agent("agent_1", llm=llm, tts=tts, asr=asr, name="Ada")

    ids = make_call_ids("ada")
    advanced, history = form_logic.instance_form_values_to_models(1, "300", "20", "Hi!")
    create_preview = form_logic.build_create_body(
        "agent_1", ids, advanced_config=advanced, message_history=history
    )
    client.create_agent_instance(
        "agent_1", ids.user_id, ids.to_rtc(), advanced_config=advanced, message_history=history
    )
    sent = [json.dumps(r.body, ensure_ascii=False) for r in server.requests]
    assert sent == [json.dumps(preview, ensure_ascii=False),
                    json.dumps(create_preview, ensure_ascii=False)]  # fmt: skip
