"""SandboxConfig: checked values, hidden secrets."""

from __future__ import annotations

import pytest

from zego_helpers.errors import ValidationError
from zego_helpers.sandbox import SandboxConfig


def test_secrets_never_appear_in_the_repr() -> None:
    config = SandboxConfig.with_random_credentials(callback_secret="cb-secret-value")
    text = repr(config)
    assert config.server_secret not in text and "cb-secret-value" not in text
    assert str(config.app_id) in text


def test_random_credentials_look_like_the_consoles() -> None:
    config = SandboxConfig.with_random_credentials()
    assert 10**9 <= config.app_id < 2**32
    assert len(config.server_secret) == 32 and int(config.server_secret, 16) >= 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"app_id": 0}, "app_id"),
        ({"app_id": 2**32}, "app_id"),
        ({"server_secret": ""}, "server_secret"),
        ({"failure_rate": 1.5}, "failure_rate"),
        ({"instance_limit": -1}, "instance_limit"),
        ({"rate_limit_per_action": 0}, "rate_limit_per_action"),
        ({"callback_url": "localhost:8000"}, "callback_url"),
        ({"idle_rule": "yes"}, "idle_rule"),
        ({"room": "yes"}, "room"),
    ],
)
def test_invalid_settings_name_the_field(options: dict, field: str) -> None:
    values = {"app_id": 1234567, "server_secret": "s" * 32, **options}
    with pytest.raises(ValidationError) as error:
        SandboxConfig(**values)
    assert error.value.field == field
