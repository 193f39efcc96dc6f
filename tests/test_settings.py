"""Settings: modes, names shared with ZEGO's sample server, validation that names the fix."""

import os
import stat

import pytest

from zego_helpers.errors import ConfigError
from zego_helpers.settings import DEFAULT_API_BASE_URL, Secret, load_settings, save_env_file

SECRET = "9193cc662a4c0ec135ec71fb57194b38"


def load(**env):
    return load_settings(env=env, dotenv_path="")


def test_no_credentials_means_sandbox():
    settings = load()
    assert settings.mode == "sandbox"
    assert "no ZEGO_APP_ID" in settings.mode_reason
    assert settings.api_base_url == DEFAULT_API_BASE_URL


def test_credentials_mean_real_mode_and_sandbox_flag_overrides():
    settings = load(ZEGO_APP_ID="123456789", ZEGO_SERVER_SECRET=SECRET)
    assert (settings.mode, settings.app_id) == ("real", 123456789)
    assert settings.server_secret.reveal() == SECRET
    forced = load(ZEGO_APP_ID="123456789", ZEGO_SERVER_SECRET=SECRET, ZEGO_SANDBOX="1")
    assert forced.mode == "sandbox" and "ZEGO_SANDBOX" in forced.mode_reason


def test_sample_server_app_id_name_is_accepted():
    settings = load(NEXT_PUBLIC_ZEGO_APP_ID="42", ZEGO_SERVER_SECRET=SECRET)
    assert settings.app_id == 42 and settings.mode == "real"


@pytest.mark.parametrize(
    ("value", "words"),
    [("abc", "not a number"), ("0", "outside"), (str(2**32), "outside"), ("-5", "not a number")],
)
def test_bad_app_id_names_variable_and_fix(value, words):
    with pytest.raises(ConfigError) as caught:
        load(ZEGO_APP_ID=value, ZEGO_SERVER_SECRET=SECRET)
    assert caught.value.variable == "ZEGO_APP_ID"
    assert words in str(caught.value) and "console" in str(caught.value)


def test_bad_secret_length_is_reported_without_the_value():
    wrong = SECRET[:-3]
    with pytest.raises(ConfigError) as caught:
        load(ZEGO_APP_ID="1", ZEGO_SERVER_SECRET=wrong)
    message = str(caught.value)
    assert "ZEGO_SERVER_SECRET" in message and "32 characters" in message and "29" in message
    assert wrong not in message


def test_half_configured_credentials_are_an_error():
    with pytest.raises(ConfigError) as caught:
        load(ZEGO_APP_ID="1")
    assert caught.value.variable == "ZEGO_SERVER_SECRET"


def test_region_and_url():
    assert load(ZEGO_REGION="sgp").api_base_url == "https://aigc-aiagent-api-sgp.zegotech.cn"
    assert load(ZEGO_API_BASE_URL="http://127.0.0.1:9/").api_base_url == "http://127.0.0.1:9"
    with pytest.raises(ConfigError, match="ZEGO_REGION"):
        load(ZEGO_REGION="mars")
    with pytest.raises(ConfigError, match="ZEGO_API_BASE_URL.*well-formed"):
        load(ZEGO_API_BASE_URL="aigc-aiagent-api.zegotech.cn")


def test_secrets_never_show_in_repr_or_str():
    settings = load(
        ZEGO_APP_ID="1", ZEGO_SERVER_SECRET=SECRET, LLM_API_KEY="sk-live-123", TTS_API_KEY="tts-9"
    )
    for text in (repr(settings), str(settings), settings.summary(), repr(settings.llm)):
        assert SECRET not in text and "sk-live-123" not in text and "tts-9" not in text
    assert str(Secret("x")) == "****"


def test_llm_and_tts_defaults_use_the_sample_server_names():
    settings = load(
        LLM_BASE_URL="http://localhost:11434/v1/chat/completions",
        LLM_MODEL="llama3.2",
        LLM_SYSTEM_PROMPT="Be brief.",
        TTS_VENDOR="MiniMax",
        TTS_VOICE_ID="female-shaonv",
        TTS_GROUP_ID="g1",
        TTS_BYTEDANCE_APP_ID="app",
        TTS_BYTEDANCE_TOKEN="tok",
    )
    assert settings.llm.model == "llama3.2" and settings.llm.system_prompt == "Be brief."
    assert settings.tts.vendor == "MiniMax" and settings.tts.group_id == "g1"
    assert settings.tts.bytedance_token.reveal() == "tok"


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"ZEGO_APP_ID=7\nZEGO_SERVER_SECRET={SECRET}\nLLM_MODEL=from-file\n")
    env_file.chmod(0o600)  # as the kit would write it (a 0644 .env gives a warning)
    settings = load_settings(env={"LLM_MODEL": "from-env"}, dotenv_path=env_file)
    assert settings.mode == "real" and settings.app_id == 7
    assert settings.llm.model == "from-env"
    assert settings.dotenv_path == env_file


def test_save_env_file_is_private_and_keeps_other_lines(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LLM_MODEL=keep-me\n")
    os.chmod(env_file, 0o644)
    save_env_file(env_file, {"ZEGO_APP_ID": 5, "ZEGO_SERVER_SECRET": Secret(SECRET)})
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    settings = load_settings(env={}, dotenv_path=env_file)
    assert settings.app_id == 5 and settings.server_secret.reveal() == SECRET
    assert settings.llm.model == "keep-me"
    save_env_file(env_file, {"ZEGO_SERVER_SECRET": None, "ZEGO_APP_ID": ""})
    assert "ZEGO_SERVER_SECRET" not in env_file.read_text()


def test_values_with_spaces_round_trip(tmp_path):
    env_file = tmp_path / ".env"
    prompt = 'You are "Ada", a helpful # assistant.'
    save_env_file(env_file, {"LLM_SYSTEM_PROMPT": prompt})
    assert load_settings(env={}, dotenv_path=env_file).llm.system_prompt == prompt


def test_env_file_variable_picks_or_disables_the_dotenv(tmp_path, monkeypatch):
    env_file = tmp_path / "workshop.env"
    env_file.write_text(f"ZEGO_APP_ID=9\nZEGO_SERVER_SECRET={SECRET}\n")
    env_file.chmod(0o600)
    assert load_settings(env={"ZEGO_ENV_FILE": str(env_file)}).app_id == 9
    (tmp_path / ".env").write_text(f"ZEGO_APP_ID=9\nZEGO_SERVER_SECRET={SECRET}\n")
    (tmp_path / ".env").chmod(0o600)
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).mode == "real"
    assert load_settings(env={"ZEGO_ENV_FILE": "none"}).mode == "sandbox"


def test_web_server_address_is_optional_and_must_be_a_websocket_url():
    assert load().web_server == ""
    url = "wss://webliveroom123-api.coolzcloud.com/ws"
    assert load(ZEGO_WEB_SERVER=url).web_server == url
    with pytest.raises(ConfigError, match="ZEGO_WEB_SERVER"):
        load(ZEGO_WEB_SERVER="https://example.com")
