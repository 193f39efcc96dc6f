"""Secrets never reach a preview or a log line: mask() and mask_secrets()."""

from __future__ import annotations

import copy

import pytest

from zego_helpers.models import LLM, TTS
from zego_helpers.secrets_mask import is_secret_key, mask, mask_secrets

SERVER_SECRET = "9193cc662a4c0ec135ec71fb57194b38"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zego_test", "zego_test"),  # the public trial key stays readable
        ("", ""),  # an empty key shows as missing
        ("short", "****"),
        ("elevenchars", "****"),  # 11 characters: too short to show a tail
        ("twelve_chars", "****rs"),  # 12 characters: the last 2 show
        (SERVER_SECRET, "****38"),
    ],
)
def test_mask(value, expected):
    assert mask(value) == expected


def test_mask_non_string_hides_it():
    assert mask(123456789012345) == "****"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "key",
    [
        "ApiKey", "api_key", "API-KEY", "token", "Token", "ak_id", "ak_key", "app_key",
        "ServerSecret", "server_secret", "Signature", "secret", "password", "callback_secret",
        "x_api_key", "ZEGO_SERVER_SECRET", "access_token", "Authorization",
    ],
)  # fmt: skip
def test_secret_keys_are_recognised_case_insensitively(key):
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["appid", "AppId", "group_id", "resource_id", "AgentId", "max_tokens", "Model", "Url", 7],
)
def test_identifiers_are_not_secret(key):
    assert not is_secret_key(key)


def test_mask_secrets_masks_nested_values_and_keeps_the_rest():
    body = {
        "AgentId": "agent_1",
        "LLM": {"Url": "https://x.example/v1", "ApiKey": "sk-0123456789abcdef", "Model": "m"},
        "TTS": {
            "Vendor": "ByteDanceV3",
            "Params": {"app": {"appid": "12345", "token": "tok_0123456789xy", "resource_id": "r"}},
        },
        "Messages": [{"Role": "user", "Content": "hi", "password": "hunter2"}],
        "Signature": "43e5cfcca828314675f91b001390566a",
    }
    original = copy.deepcopy(body)

    masked = mask_secrets(body)

    assert masked == {
        "AgentId": "agent_1",
        "LLM": {"Url": "https://x.example/v1", "ApiKey": "****ef", "Model": "m"},
        "TTS": {
            "Vendor": "ByteDanceV3",
            "Params": {"app": {"appid": "12345", "token": "****xy", "resource_id": "r"}},
        },
        "Messages": [{"Role": "user", "Content": "hi", "password": "****"}],
        "Signature": "****6a",
    }
    assert body == original  # the input is untouched


def test_mask_secrets_non_string_and_structured_secret_values():
    masked = mask_secrets({"token": 12345, "secret": {"v": "abc"}, "ApiKey": None, "t": ("a",)})
    assert masked == {"token": "****", "secret": "****", "ApiKey": None, "t": ("a",)}


def test_mask_secrets_accepts_models():
    llm = LLM(url="https://x.example/v1", api_key="sk-0123456789abcdef", model="m")
    assert mask_secrets(llm) == {"Url": "https://x.example/v1", "ApiKey": "****ef", "Model": "m"}
    masked_tts = mask_secrets(TTS.minimax("mm-0123456789abcdef", "female-shaonv"))
    assert masked_tts["Params"]["app"] == {"api_key": "****ef"}


def test_mask_secrets_keeps_trial_credentials_visible():
    assert mask_secrets(TTS.trial("Aliyun"))["Params"]["app"] == {
        "app_key": "zego_test",
        "ak_id": "zego_test",
        "ak_key": "zego_test",
    }
