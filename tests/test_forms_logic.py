"""The plain functions behind the notebook forms: defaults, values -> models -> bodies, checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zego_helpers.errors import ValidationError
from zego_helpers.form_specs import LLM_PRESETS, TTS_VENDOR_FIELDS
from zego_helpers.ids import make_call_ids
from zego_helpers.settings import Secret, load_settings
from zego_helpers.tutorial import form_logic as fl
from zego_helpers.validation import TRIAL_LLM_PAIRS

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
LLM_KEY = "sk-test-llm-key-0123456789abcdef"
TTS_KEY = "tts-test-key-0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"


def settings(**env: str):
    return load_settings(env=env, dotenv_path="")


# --- LLM --------------------------------------------------------------------------------


def test_llm_defaults_without_settings_are_the_default_trial_pair():
    defaults = fl.llm_form_defaults(settings())
    assert defaults.choice == fl.DEFAULT_LLM_PRESET == "ZEGO trial (Doubao lite)"
    llm = fl.llm_form_values_to_model(defaults.values, secrets=defaults.secrets)
    assert llm.api_key == "zego_test"
    assert llm.model in TRIAL_LLM_PAIRS[llm.url]
    assert llm.system_prompt  # a short-answer prompt, good for voice


def test_llm_presets_cover_the_four_trial_providers_openai_ollama_and_custom():
    trial = [name for name, v in LLM_PRESETS.items() if v["api_key"] == "zego_test"]
    assert {LLM_PRESETS[name]["url"] for name in trial} == set(TRIAL_LLM_PAIRS)
    assert {"OpenAI", "Local (Ollama)", "Custom"} <= set(LLM_PRESETS)
    for name in trial:  # every trial preset is accepted as it is
        fl.llm_form_values_to_model(fl.llm_preset_values(name))


def test_llm_key_from_settings_stays_out_of_the_form_values_but_is_sent():
    s = settings(LLM_BASE_URL=OPENAI_URL, LLM_MODEL="gpt-4o-mini", LLM_API_KEY=LLM_KEY)
    defaults = fl.llm_form_defaults(s)
    assert defaults.choice == "OpenAI"
    assert defaults.values["api_key"] == ""
    assert LLM_KEY not in json.dumps(defaults.values)
    assert defaults.secrets["api_key"][0] == "LLM_API_KEY"
    llm = fl.llm_form_values_to_model(defaults.values, secrets=defaults.secrets)
    assert llm.api_key == LLM_KEY


def test_a_typed_llm_key_wins_over_the_one_from_settings():
    s = settings(LLM_BASE_URL=OPENAI_URL, LLM_MODEL="gpt-4o-mini", LLM_API_KEY=LLM_KEY)
    defaults = fl.llm_form_defaults(s)
    values = {**defaults.values, "api_key": "  sk-typed-key-xyz  "}
    llm = fl.llm_form_values_to_model(values, secrets=defaults.secrets)
    assert llm.api_key == "sk-typed-key-xyz"


def test_trial_key_in_settings_is_shown_and_its_preset_recognised():
    url, models = next(iter(TRIAL_LLM_PAIRS.items()))
    s = settings(LLM_BASE_URL=url, LLM_MODEL=models[0], LLM_API_KEY="zego_test")
    defaults = fl.llm_form_defaults(s)
    assert LLM_PRESETS[defaults.choice]["model"] == models[0]
    assert defaults.values["api_key"] == "zego_test"
    assert defaults.secrets == {}


def test_unknown_llm_settings_give_the_custom_preset():
    s = settings(LLM_BASE_URL="https://llm.example.com/v1/chat/completions", LLM_MODEL="m1")
    assert fl.llm_form_defaults(s).choice == "Custom"


def test_extra_params_json_becomes_llm_params():
    values = fl.llm_preset_values("OpenAI") | {"api_key": LLM_KEY, "temperature": "0.3"}
    llm = fl.llm_form_values_to_model(values, params_json='{"max_tokens": 256}')
    body = llm.to_api()
    assert body["Params"] == {"max_tokens": 256}
    assert body["Temperature"] == 0.3
    assert "TopP" not in body  # left empty: ZEGO's default applies


@pytest.mark.parametrize(
    ("text", "problem"),
    [('{"max_tokens": 256', "not valid JSON"), ("[1, 2]", "must be a JSON object")],
)
def test_bad_extra_params_name_llm_params(text, problem):
    values = fl.llm_preset_values("OpenAI") | {"api_key": LLM_KEY}
    with pytest.raises(ValidationError) as caught:
        fl.llm_form_values_to_model(values, params_json=text)
    assert caught.value.field == "LLM.Params"
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"temperature": "3"}, "LLM.Temperature"),
        ({"top_p": "abc"}, "LLM.TopP"),
        ({"url": "not a url"}, "LLM.Url"),
        ({"model": ""}, "LLM.Model"),
    ],
)
def test_llm_problems_name_the_api_field(change, field):
    values = fl.llm_preset_values("OpenAI") | {"api_key": LLM_KEY} | change
    with pytest.raises(ValidationError) as caught:
        fl.llm_form_values_to_model(values)
    assert caught.value.field == field


def test_trial_key_on_another_url_is_refused_before_sending():
    values = fl.llm_preset_values("OpenAI") | {"api_key": "zego_test"}
    with pytest.raises(ValidationError) as caught:
        fl.llm_form_values_to_model(values)
    assert "410001047" in caught.value.problem


# --- TTS --------------------------------------------------------------------------------


def test_tts_defaults_without_settings_are_the_bytedance_v3_trial():
    defaults = fl.tts_form_defaults(settings())
    assert defaults.choice == "ByteDanceV3"
    tts = fl.tts_form_values_to_model(defaults.choice, defaults.values)
    assert tts.to_api()["Params"]["app"]["token"] == "zego_test"


@pytest.mark.parametrize("vendor", list(TTS_VENDOR_FIELDS))
def test_every_vendor_works_with_its_trial_defaults(vendor):
    defaults = fl.tts_form_defaults(settings(), vendor)
    assert set(defaults.values) == {spec.name for spec in TTS_VENDOR_FIELDS[vendor]}
    assert fl.tts_form_values_to_model(vendor, defaults.values).vendor == vendor


def test_tts_settings_fill_their_vendor_and_keep_the_key_out_of_the_form():
    s = settings(
        TTS_VENDOR="MiniMax", TTS_API_KEY=TTS_KEY, TTS_VOICE_ID="male-qn-qingse",
        TTS_MODEL="speech-02-hd",
    )  # fmt: skip
    defaults = fl.tts_form_defaults(s)
    assert defaults.choice == "MiniMax"
    assert defaults.values["api_key"] == "" and defaults.values["voice_id"] == "male-qn-qingse"
    body = fl.tts_form_values_to_model("MiniMax", defaults.values, secrets=defaults.secrets)
    params = body.to_api()["Params"]
    assert params["app"]["api_key"] == TTS_KEY
    assert params["model"] == "speech-02-hd"
    # another vendor picked in the form starts from its own trial values
    other = fl.tts_form_defaults(s, "CosyVoice")
    assert other.secrets == {} and other.values["api_key"] == "zego_test"


def test_unknown_tts_vendor_setting_names_the_variable():
    with pytest.raises(ValidationError) as caught:
        fl.tts_form_defaults(settings(TTS_VENDOR="Minimax"))
    assert caught.value.field == "TTS_VENDOR"


def test_empty_required_tts_field_names_its_api_path():
    values = fl.tts_form_defaults(settings(), "MiniMax").values | {"voice_id": " "}
    with pytest.raises(ValidationError) as caught:
        fl.tts_form_values_to_model("MiniMax", values)
    assert caught.value.field == "TTS.Params.voice_setting.voice_id"


def test_resolve_secret():
    pair = ("X", Secret("from-settings"))
    assert fl.resolve_secret("", pair) == "from-settings"
    assert fl.resolve_secret(" typed ", pair) == "typed"
    assert fl.resolve_secret("", None) == ""


# --- ASR --------------------------------------------------------------------------------


def test_asr_off_sends_nothing():
    assert fl.asr_form_values_to_model(False, "Tencent", "16k_en", "x|3") is None


def test_tencent_language_and_hot_words():
    asr = fl.asr_form_values_to_model(True, "Tencent", "16k_en", "ZEGOCLOUD|10, agent:5\nvoice")
    assert asr.to_api() == {
        "Vendor": "Tencent",
        "Params": {"engine_model_type": "16k_en", "hotword_list": "ZEGOCLOUD|10,agent|5,voice|10"},
    }


def test_other_vendors_get_their_own_params_shape():
    paraformer = fl.asr_form_values_to_model(True, "AliyunParaformer", "en")
    assert paraformer.params == {  # the model of the guide's example, and the hint
        "payload": {"model": "paraformer-realtime-v2", "parameters": {"language_hints": ["en"]}}
    }
    microsoft = fl.asr_form_values_to_model(True, "Microsoft", "en-US", "ZEGO, Jupyter")
    assert microsoft.params == {"language": "en-US", "phrase_list": ["ZEGO", "Jupyter"]}


@pytest.mark.parametrize(
    ("vendor", "language", "hot_words", "field"),
    [
        ("Tencent", "", "ZEGO|12", "ASR.Params.hotword_list"),
        ("Tencent", "", "ZEGO|x", "ASR.Params.hotword_list"),
        ("AliyunQwenASR", "", "ZEGO|5", "ASR.Params"),
        ("VolcSeedASR", "en", "", "ASR.Params"),
    ],
)
def test_asr_problems_name_the_field(vendor, language, hot_words, field):
    with pytest.raises(ValidationError) as caught:
        fl.asr_form_values_to_model(True, vendor, language, hot_words)
    assert caught.value.field == field


# --- instance settings --------------------------------------------------------------------


def test_instance_defaults_give_time_to_read_and_no_zim():
    advanced, history = fl.instance_form_values_to_models()
    assert advanced.to_api() == {"InterruptMode": 0, "MaxIdleTime": 600}
    assert history.to_api() == {"SyncMode": 1, "Messages": [], "WindowSize": 10}


def test_instance_greeting_starts_the_history():
    _, history = fl.instance_form_values_to_models(1, "300", "20", " Hi, I am Ada. ")
    assert history.to_api()["Messages"] == [{"Role": "assistant", "Content": "Hi, I am Ada."}]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, 5, 10), "AdvancedConfig.MaxIdleTime"),
        ((0, 1801, 10), "AdvancedConfig.MaxIdleTime"),
        ((2, 600, 10), "AdvancedConfig.InterruptMode"),
        ((0, 600, 501), "MessageHistory.WindowSize"),
        ((0, "ten", 10), "AdvancedConfig.MaxIdleTime"),
    ],
)
def test_instance_problems_name_the_field(args, field):
    with pytest.raises(ValidationError) as caught:
        fl.instance_form_values_to_models(*args)
    assert caught.value.field == field


def test_create_body_preview():
    ids = make_call_ids("ada")
    advanced, history = fl.instance_form_values_to_models()
    body = fl.build_create_body(
        "tutorial_agent", ids, advanced_config=advanced, message_history=history
    )
    assert body["UserId"] == ids.user_id
    assert body["RTC"] == {
        "RoomId": ids.room_id,
        "AgentStreamId": ids.agent_stream_id,
        "AgentUserId": ids.agent_user_id,
        "UserStreamId": ids.user_stream_id,
    }
    assert body["AdvancedConfig"]["MaxIdleTime"] == 600


# --- register body and preview ------------------------------------------------------------


def _models():
    s = settings()
    llm = fl.llm_form_values_to_model(fl.llm_preset_values("OpenAI") | {"api_key": LLM_KEY})
    tts = fl.tts_form_values_to_model(
        "MiniMax", fl.tts_form_defaults(s, "MiniMax").values | {"api_key": TTS_KEY}
    )
    return llm, tts


def test_register_body_holds_llm_tts_and_optional_asr():
    llm, tts = _models()
    asr = fl.asr_form_values_to_model(True, "Tencent", "16k_en")
    body = fl.build_register_body("tutorial_agent", llm=llm, tts=tts, asr=asr, name="Ada")
    assert body == {
        "AgentId": "tutorial_agent",
        "Name": "Ada",
        "LLM": llm.to_api(),
        "TTS": tts.to_api(),
        "ASR": {"Vendor": "Tencent", "Params": {"engine_model_type": "16k_en"}},
    }
    assert "ASR" not in fl.build_register_body("tutorial_agent", llm=llm, tts=tts)


@pytest.mark.parametrize("missing", ["LLM", "TTS"])
def test_register_body_requires_llm_and_tts(missing):
    llm, tts = _models()
    kwargs = {"llm": None if missing == "LLM" else llm, "tts": None if missing == "TTS" else tts}
    with pytest.raises(ValidationError) as caught:
        fl.build_register_body("tutorial_agent", **kwargs)
    assert caught.value.field == missing


def test_register_body_checks_the_agent_id():
    llm, tts = _models()
    with pytest.raises(ValidationError) as caught:
        fl.build_register_body("bad id with spaces", llm=llm, tts=tts)
    assert caught.value.field == "AgentId"


def test_preview_masks_every_secret():
    llm, tts = _models()
    text = fl.preview_json(fl.build_register_body("tutorial_agent", llm=llm, tts=tts))
    assert LLM_KEY not in text and TTS_KEY not in text
    assert '"ApiKey": "****' in text and '"api_key": "****' in text
    assert json.loads(text)["LLM"]["Model"] == "gpt-4o-mini"


# --- credentials ------------------------------------------------------------------------


def test_credentials_values_for_env():
    values = fl.credentials_env_values(" 1234567890 ", SECRET + "\n", "sgp")
    assert values["ZEGO_APP_ID"] == "1234567890"
    assert isinstance(values["ZEGO_SERVER_SECRET"], Secret)
    assert values["ZEGO_SERVER_SECRET"].reveal() == SECRET
    assert values["ZEGO_REGION"] == "sgp"
    assert fl.credentials_env_values("1", SECRET, "")["ZEGO_REGION"] is None


@pytest.mark.parametrize(
    ("app_id", "secret", "region", "field"),
    [
        ("", SECRET, "", "ZEGO_APP_ID"),
        ("12ab", SECRET, "", "ZEGO_APP_ID"),
        (str(2**32), SECRET, "", "ZEGO_APP_ID"),
        ("123", "", "", "ZEGO_SERVER_SECRET"),
        ("123", SECRET[:31], "", "ZEGO_SERVER_SECRET"),
        ("123", SECRET, "mars", "ZEGO_REGION"),
    ],
)
def test_credential_problems_name_the_variable_never_the_secret(app_id, secret, region, field):
    with pytest.raises(ValidationError) as caught:
        fl.credentials_env_values(app_id, secret, region)
    assert caught.value.field == field
    if secret:
        assert secret not in str(caught.value)


def test_an_empty_secret_box_keeps_the_saved_secret():
    values = fl.credentials_env_values("123", "", "", keep_saved_secret=True)
    assert "ZEGO_SERVER_SECRET" not in values


def test_saved_message_names_variables_and_file_only(tmp_path):
    values = fl.credentials_env_values("123", SECRET, "")
    text = fl.saved_message(tmp_path / ".env", values)
    assert "ZEGO_APP_ID, ZEGO_SERVER_SECRET" in text and str(tmp_path / ".env") in text
    assert "0600" in text and SECRET not in text and "Removed ZEGO_REGION" in text


def test_credentials_go_to_the_env_file_in_use_else_the_projects(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("ZEGO_REGION=sgp\n")
    env_file.chmod(0o600)  # as the README says: the .env holds secrets
    assert fl.default_env_path(load_settings(env={}, dotenv_path=env_file)) == env_file
    project = Path(fl.__file__).resolve().parents[2]
    assert fl.default_env_path(settings()) == project / ".env"


def test_short_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path / "..")
    assert fl.short_path(tmp_path / ".env") == f"{tmp_path.name}/.env"
    monkeypatch.chdir(tmp_path)
    assert fl.short_path(tmp_path.parent / ".env") == "../.env"
    assert fl.short_path(Path("/nowhere/deep/.env")) == "/nowhere/deep/.env"


def test_region_of_settings():
    assert fl.region_of(settings(ZEGO_REGION="fra")) == "fra"
    assert fl.region_of(settings()) == ""
    custom = settings(ZEGO_API_BASE_URL="http://127.0.0.1:9")
    assert fl.region_of(custom) == "" and "wins over the region" in fl.endpoint_note(custom)


# --- talking ----------------------------------------------------------------------------


def test_say_options_and_text_checks():
    assert fl.say_options("High", "Enqueue") == {
        "priority": "High",
        "same_priority_option": "Enqueue",
        "add_history": True,
    }
    with pytest.raises(ValidationError) as caught:
        fl.say_options("Urgent", "Enqueue")
    assert caught.value.field == "Priority"
    with pytest.raises(ValidationError):
        fl.check_say_text("x" * 301)
    with pytest.raises(ValidationError):
        fl.check_say_text("   ")


def test_transcript_lines_and_status_meanings():
    messages = [{"Role": "user", "Content": "Hi"}, {"Role": "assistant", "Content": "Hello!"}]
    assert fl.transcript_lines(messages) == ["you: Hi", "agent: Hello!"]
    for status in ("IDLE", "LISTENING", "THINKING", "SPEAKING"):
        assert fl.describe_status(status).startswith(status.lower())


def test_importing_the_logic_does_not_load_widgets():
    code = (
        "import sys, zego_helpers, zego_helpers.tutorial.form_logic, zego_helpers.tutorial;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'anywidget')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
