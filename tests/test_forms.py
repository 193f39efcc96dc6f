"""The notebook forms as a learner uses them: set values, press buttons, read what they show.

Requests go to ``FakeZego``, a scripted server that records every body, so the
tests check exactly what a button sends.
"""

from __future__ import annotations

import os
import stat

import pytest

from tests.fake_zego import FakeZego, Received, Reply, envelope
from zego_helpers.client import AIAgentClient
from zego_helpers.form_specs import TTS_VENDOR_FIELDS
from zego_helpers.ids import make_call_ids
from zego_helpers.settings import load_settings
from zego_helpers.tutorial import form_logic as fl
from zego_helpers.widgets.forms import (
    ERROR_COLOR,
    OK_COLOR,
    ASRForm,
    CredentialsForm,
    InstanceForm,
    LLMForm,
    RegisterPanel,
    TTSForm,
)

APP_ID = 1234567890
SECRET = "fedcba9876543210fedcba9876543210"
LLM_KEY = "sk-test-llm-key-0123456789abcdef"
TTS_KEY = "tts-test-key-0123456789abcdef"


def settings(**env: str):
    return load_settings(env=env, dotenv_path="")


class AgentStore:
    """Answers QueryAgents / RegisterAgent / UpdateAgent like ZEGO, from a dict."""

    def __init__(self) -> None:
        self.agents: dict[str, dict] = {}

    def __call__(self, request: Received) -> Reply:
        action, body = request.query["Action"], request.body
        if action == "QueryAgents":
            found = [self.agents[a] for a in body["AgentIds"] if a in self.agents]
            return Reply(body=envelope({"Agents": found}))
        if action in ("RegisterAgent", "UpdateAgent"):
            self.agents[body["AgentId"]] = {**self.agents.get(body["AgentId"], {}), **body}
        return Reply(body=envelope({}))


@pytest.fixture
def zego():
    with FakeZego(AgentStore()) as server:
        yield server


@pytest.fixture
def client(zego):
    client = AIAgentClient(APP_ID, SECRET, zego.url, requests_per_second=None, timeout=(1, 2))
    yield client
    client.close()


def sent(zego, action):
    return [r.body for r in zego.requests if r.query["Action"] == action]


# --- credentials -----------------------------------------------------------------------


def test_save_credentials_writes_env_0600_and_never_shows_the_secret(tmp_path):
    form = CredentialsForm(settings(), env_path=tmp_path / ".env")
    form.app_id.value = "1234567890"
    form.server_secret.value = SECRET
    form.region.value = "sgp"
    form.save_button.click()

    path = tmp_path / ".env"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    saved = load_settings(env={}, dotenv_path=path)
    assert saved.mode == "real" and saved.app_id == 1234567890
    assert saved.server_secret.reveal() == SECRET
    assert saved.api_base_url == "https://aigc-aiagent-api-sgp.zegotech.cn"
    assert str(path) in form.message.value and OK_COLOR in form.message.value
    assert SECRET not in form.message.value
    assert form.server_secret.value == ""  # not kept in the widget (or the saved notebook)


def test_a_short_secret_is_refused_in_red_and_nothing_is_written(tmp_path):
    form = CredentialsForm(settings(), env_path=tmp_path / ".env")
    form.app_id.value = "1234567890"
    form.server_secret.value = "abc123"
    form.save_button.click()
    assert not (tmp_path / ".env").exists()
    assert ERROR_COLOR in form.message.value and "ZEGO_SERVER_SECRET" in form.message.value
    assert "abc123" not in form.message.value


def test_credentials_form_never_prefills_the_secret(tmp_path):
    form = CredentialsForm(settings(ZEGO_APP_ID="42", ZEGO_SERVER_SECRET=SECRET), tmp_path / "e")
    assert form.app_id.value == "42"
    assert form.server_secret.value == ""
    assert "leave empty to keep" in form.server_secret.placeholder
    form.save_button.click()  # keeps the saved secret, changes nothing else
    assert "ZEGO_SERVER_SECRET" not in (tmp_path / "e").read_text()


# --- LLM / TTS / ASR forms ----------------------------------------------------------------


def test_llm_preset_fills_the_fields():
    form = LLMForm(settings())
    form.preset.value = "OpenAI"
    values = form.fields.values()
    assert values["url"] == "https://api.openai.com/v1/chat/completions"
    assert values["model"] == "gpt-4o-mini" and values["api_key"] == ""
    assert values["system_prompt"]  # kept when switching presets


def test_llm_problem_shows_in_red_under_its_field():
    form = LLMForm(settings())
    form.fields.inputs["temperature"].value = "5"
    with pytest.raises(Exception, match="LLM.Temperature"):
        form.model()
    assert "LLM.Temperature" in form.fields.errors["temperature"].value
    assert ERROR_COLOR in form.fields.errors["temperature"].value
    assert form.fields.errors["url"].value == ""
    form.fields.inputs["temperature"].value = "0.5"
    assert form.model().temperature == 0.5
    assert form.fields.errors["temperature"].value == ""


def test_llm_bad_params_json_shows_under_params():
    form = LLMForm(settings())
    form.params.value = "{oops"
    with pytest.raises(Exception, match="LLM.Params"):
        form.model()
    assert "not valid JSON" in form.params_error.value


def test_llm_key_from_settings_never_reaches_the_widget():
    s = settings(
        LLM_BASE_URL="https://api.openai.com/v1/chat/completions",
        LLM_MODEL="gpt-4o-mini",
        LLM_API_KEY=LLM_KEY,
    )
    form = LLMForm(s)
    secret_box = form.fields.inputs["api_key"]
    assert type(secret_box).__name__ == "Password"
    assert secret_box.value == "" and "LLM_API_KEY" in secret_box.placeholder
    assert form.model().api_key == LLM_KEY


@pytest.mark.parametrize("vendor", list(TTS_VENDOR_FIELDS))
def test_tts_form_shows_exactly_the_vendors_fields(vendor):
    form = TTSForm(settings())
    form.vendor.value = vendor
    names = [spec.name for spec in TTS_VENDOR_FIELDS[vendor]]
    assert list(form.fields.inputs) == names
    shown = [row.children[0] for row in form.fields_box.children[0].children]
    assert shown == [form.fields.inputs[n] for n in names]
    for spec in TTS_VENDOR_FIELDS[vendor]:
        kind = type(form.fields.inputs[spec.name]).__name__
        assert (kind == "Password") == spec.secret
    assert form.model().vendor == vendor  # trial defaults are valid


def test_tts_key_from_settings_stays_in_the_kernel():
    form = TTSForm(settings(TTS_VENDOR="MiniMax", TTS_API_KEY=TTS_KEY))
    assert form.vendor.value == "MiniMax"
    assert form.fields.inputs["api_key"].value == ""
    assert "TTS_API_KEY" in form.fields.inputs["api_key"].placeholder
    assert form.model().params["app"]["api_key"] == TTS_KEY


def test_tts_problem_shows_under_its_field():
    form = TTSForm(settings())
    form.fields.inputs["speaker"].value = ""
    with pytest.raises(Exception, match="speaker"):
        form.model()
    assert "TTS.Params.req_params.speaker" in form.fields.errors["speaker"].value


def test_asr_form_off_by_default_and_validated_when_on():
    form = ASRForm()
    assert form.model() is None
    form.enabled.value = True
    form.language.value = "16k_en"
    form.hot_words.value = "ZEGOCLOUD|99"
    with pytest.raises(Exception, match="hotword_list"):
        form.model()
    assert ERROR_COLOR in form.message.value
    form.hot_words.value = "ZEGOCLOUD|10"
    assert form.model().params == {"engine_model_type": "16k_en", "hotword_list": "ZEGOCLOUD|10"}


# --- register -----------------------------------------------------------------------------


def forms(s=None):
    s = s or settings()
    return LLMForm(s), TTSForm(s), ASRForm()


def test_register_button_sends_the_previewed_body_with_llm_and_tts(zego, client):
    llm, tts, asr = forms()
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    assert "RegisterAgent body" in panel.preview_box.value

    panel.register_button.click()

    (body,) = sent(zego, "RegisterAgent")
    assert body == fl.build_register_body("tutorial_agent", llm=llm.model(), tts=tts.model())
    assert body["TTS"]["Vendor"] == "ByteDanceV3" and body["LLM"]["ApiKey"] == "zego_test"
    assert "registered" in panel.message.value and OK_COLOR in panel.message.value

    panel.register_button.click()  # same config again: nothing to change
    assert len(sent(zego, "RegisterAgent")) == 1 and not sent(zego, "UpdateAgent")
    assert "unchanged" in panel.message.value


def test_changing_a_field_updates_the_preview_and_register_updates_the_agent(zego, client):
    llm, tts, asr = forms()
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    assert panel.register() == "registered"
    tts.vendor.value = "MiniMax"
    assert '"Vendor": "MiniMax"' in panel.preview_box.value
    asr.enabled.value = True
    asr.language.value = "16k_en"
    assert '"engine_model_type": "16k_en"' in panel.preview_box.value
    panel.register_button.click()
    (update,) = sent(zego, "UpdateAgent")
    assert update["TTS"]["Vendor"] == "MiniMax" and update["ASR"]["Vendor"] == "Tencent"
    assert "updated" in panel.message.value


def test_secrets_are_masked_in_the_preview_but_sent(zego, client):
    s = settings(
        LLM_BASE_URL="https://api.openai.com/v1/chat/completions",
        LLM_MODEL="gpt-4o-mini",
        LLM_API_KEY=LLM_KEY,
        TTS_VENDOR="MiniMax",
        TTS_API_KEY=TTS_KEY,
    )
    llm, tts, asr = forms(s)
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    for text in (panel.preview_box.value, panel.preview()):
        assert LLM_KEY not in text and TTS_KEY not in text
    panel.register_button.click()
    (body,) = sent(zego, "RegisterAgent")
    assert body["LLM"]["ApiKey"] == LLM_KEY
    assert body["TTS"]["Params"]["app"]["api_key"] == TTS_KEY


def test_an_invalid_form_sends_nothing_and_says_why(zego, client):
    llm, tts, asr = forms()
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    llm.fields.inputs["model"].value = "gpt-4o"  # not allowed with the trial key
    assert "Not ready" in panel.status_line.value
    panel.register_button.click()
    assert zego.requests == []
    assert "LLM.Model" in panel.message.value and ERROR_COLOR in panel.message.value


def test_an_api_error_is_shown_in_words(client, zego):
    zego.script.append(Reply(body=envelope({"Agents": []})))
    zego.script.append(Reply(body=envelope(code=100000005, message="signature error")))
    llm, tts, asr = forms()
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    panel.register_button.click()
    assert "100000005" in panel.message.value and ERROR_COLOR in panel.message.value


# --- messages that clear when their condition clears (issue 13) -----------------------------


def test_not_ready_keeps_the_last_body_in_view_and_clears_a_stale_result(zego, client):
    llm, tts, asr = forms()
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    panel.register_button.click()
    assert "registered" in panel.message.value and panel.status_line.value == ""
    asr.enabled.value = True
    asr.hot_words.value = "ZEGOCLOUD|99"  # out of range: the forms are not ready any more
    assert "Not ready" in panel.status_line.value and "hotword_list" in panel.status_line.value
    assert panel.message.value == ""  # no green "registered" under a red "Not ready"
    assert "The last complete RegisterAgent body" in panel.preview_box.value
    assert '"AgentId": "tutorial_agent"' in panel.preview_box.value  # still readable
    asr.hot_words.value = "ZEGOCLOUD|10"
    assert panel.status_line.value == ""  # fixed: the red line is gone
    assert panel.preview_box.value.startswith("<b>RegisterAgent body</b>")
    assert "hotword_list" in panel.preview_box.value


def test_a_fixed_field_loses_its_error_while_another_form_is_still_wrong(zego, client):
    llm, tts, asr = forms()
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    tts.fields.inputs["speaker"].value = ""
    assert "speaker" in tts.fields.errors["speaker"].value
    llm.fields.inputs["url"].value = "not a url"
    assert "LLM.Url" in llm.fields.errors["url"].value
    tts.fields.inputs["speaker"].value = "zh_female_wanwanxiaohe_moon_bigtts"  # fixed
    assert tts.fields.errors["speaker"].value == ""  # though the LLM is still wrong
    assert "LLM.Url" in panel.status_line.value
    llm.fields.inputs["url"].value = "https://ark.cn-beijing.volces.com/api/v3/chat/completions"
    assert llm.fields.errors["url"].value == "" and panel.status_line.value == ""


def test_an_edit_clears_the_last_register_result(zego, client):
    llm, tts, asr = forms()
    panel = RegisterPanel(client, "tutorial_agent", llm, tts, asr)
    panel.register()
    assert "registered" in panel.message.value
    llm.fields.inputs["system_prompt"].value = "You are a pirate."
    assert panel.message.value == ""  # "registered" described the old settings
    panel.register()
    assert "updated" in panel.message.value


def test_the_credentials_note_follows_the_region_and_errors_clear_on_edit(tmp_path):
    form = CredentialsForm(settings(), env_path=tmp_path / ".env")
    assert "Requests go to https://aigc-aiagent-api.zegotech.cn." in form.note.value
    form.region.value = "sgp"
    assert "https://aigc-aiagent-api-sgp.zegotech.cn" in form.note.value
    assert "aigc-aiagent-api.zegotech.cn" not in form.note.value
    form.app_id.value = "12x"
    form.save_button.click()
    assert ERROR_COLOR in form.message.value
    form.app_id.value = "1234567890"  # the AppID is fixed: its error is not true any more
    assert form.message.value == ""
    form.server_secret.value = SECRET
    form.save_button.click()
    assert OK_COLOR in form.message.value  # Save emptied the secret box and kept its message
    assert form.server_secret.value == ""


def test_form_messages_and_reprs_need_no_emoji_font(zego, client):
    from tests.readable import emoji_in
    from zego_helpers.widgets.forms import error_html, ok_html

    assert emoji_in(error_html("x") + ok_html("y")) == []
    assert repr(LLMForm(settings())) == (
        "LLMForm: the LLM (preset, URL, key, model, system prompt, ...) "
        "(run the notebook to use it)"
    )


# --- instance settings --------------------------------------------------------------------


def test_instance_form_defaults_and_preview():
    form = InstanceForm()
    advanced, history = form.models()
    assert advanced.max_idle_time == 600 and history.window_size == 10
    ids = make_call_ids()
    text = form.preview("tutorial_agent", ids)
    assert '"MaxIdleTime": 600' in text and ids.user_stream_id in text


def test_instance_form_refuses_an_idle_time_out_of_range():
    form = InstanceForm()
    form.max_idle_time.value = 5
    with pytest.raises(Exception, match="MaxIdleTime"):
        form.models()
    assert "AdvancedConfig.MaxIdleTime" in form.message.value
