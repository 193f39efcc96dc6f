"""Callback signature checks: the official known answer, secret fallback, unsigned, stale."""

from __future__ import annotations

import pytest

from zego_helpers.callbacks.verify import CallbackRejected, CallbackSecrets, CallbackVerifier
from zego_helpers.errors import ConfigError
from zego_helpers.signing import callback_signature

NOW_MS = 1_745_502_313_000


def signed(secret: str, timestamp: int = NOW_MS, nonce: str = "7450231", **extra) -> dict:
    body = {"Event": "AgentInstanceCreated", "Timestamp": timestamp, "Nonce": nonce}
    body["Signature"] = callback_signature(secret, timestamp, nonce)
    return body | extra


def verifier(callback_secret=None, server_secret=None, **kwargs) -> CallbackVerifier:
    kwargs.setdefault("clock", lambda: NOW_MS / 1000)
    return CallbackVerifier(CallbackSecrets(callback_secret, server_secret), **kwargs)


def test_known_answer_from_the_official_docs(known_answers):
    ka = known_answers["zego-callback-signature-sha1"]
    inputs = ka["inputs"]
    sig = callback_signature(inputs["callbacksecret"], inputs["timestamp"], inputs["nonce"])
    assert sig == ka["expected"]
    body = {"Timestamp": inputs["timestamp"], "Nonce": inputs["nonce"], "Signature": sig}
    # The example is from 2016, so the freshness window must be off to accept it.
    check = verifier(callback_secret=inputs["callbacksecret"], max_age_seconds=None)
    assert check.verify(body) == "callback_secret"


def test_known_answer_accepted_as_server_secret_when_that_is_the_secret_used(known_answers):
    ka = known_answers["zego-callback-signature-sha1"]
    inputs = ka["inputs"]
    body = {"Timestamp": inputs["timestamp"], "Nonce": inputs["nonce"], "Signature": ka["expected"]}
    check = verifier("not-the-one", inputs["callbacksecret"], max_age_seconds=None)
    assert check.verify(body) == "server_secret"


def test_callback_secret_is_tried_first_then_server_secret():
    assert verifier("cb", "srv").verify(signed("cb")) == "callback_secret"
    assert verifier("cb", "srv").verify(signed("srv")) == "server_secret"
    assert verifier(None, "srv").verify(signed("srv")) == "server_secret"


def test_secret_objects_with_reveal_are_accepted():
    class Secret:
        def __init__(self, value):
            self._value = value

        def reveal(self):
            return self._value

    class FakeSettings:
        callback_secret = None
        server_secret = Secret("srv")

    secrets = CallbackSecrets.from_settings(FakeSettings())
    assert CallbackVerifier(secrets, max_age_seconds=None).verify(signed("srv")) == "server_secret"
    assert "srv" not in repr(secrets)


def test_forged_signature_is_rejected_with_401_and_no_secret_in_the_reason():
    body = signed("attacker-guess")
    with pytest.raises(CallbackRejected) as info:
        verifier("cb-secret-value", "srv-secret-value").verify(body)
    assert info.value.status == 401
    text = str(info.value)
    assert "cb-secret-value" not in text and "srv-secret-value" not in text
    assert body["Signature"] not in text


@pytest.mark.parametrize("field", ["Signature", "Timestamp", "Nonce"])
def test_unsigned_callback_is_rejected(field):
    body = signed("cb")
    del body[field]
    with pytest.raises(CallbackRejected, match=f"unsigned.*{field}") as info:
        verifier("cb").verify(body)
    assert info.value.status == 401


def test_timestamp_is_used_exactly_as_received_even_as_a_string_or_float():
    body = signed("cb", timestamp=NOW_MS)
    assert verifier("cb").verify(body | {"Timestamp": str(NOW_MS)}) == "callback_secret"
    assert verifier("cb").verify(body | {"Timestamp": float(NOW_MS)}) == "callback_secret"


def test_stale_timestamp_is_rejected_outside_the_window_and_accepted_inside():
    ten_minutes_ago = NOW_MS - 600_000
    with pytest.raises(CallbackRejected, match="stale") as info:
        verifier("cb", max_age_seconds=300).verify(signed("cb", timestamp=ten_minutes_ago))
    assert info.value.status == 401
    # ZEGO's last retry comes about 62 s after the first attempt: still inside the window.
    a_minute_ago = NOW_MS - 62_000
    assert verifier("cb", max_age_seconds=300).verify(signed("cb", timestamp=a_minute_ago))
    assert verifier("cb", max_age_seconds=None).verify(signed("cb", timestamp=ten_minutes_ago))


def test_timestamp_from_the_future_beyond_the_window_is_rejected():
    with pytest.raises(CallbackRejected, match="in the future"):
        verifier("cb").verify(signed("cb", timestamp=NOW_MS + 3_600_000))


def test_seconds_timestamps_are_understood_for_freshness():
    now_s = NOW_MS // 1000
    assert verifier("cb").verify(signed("cb", timestamp=now_s)) == "callback_secret"
    with pytest.raises(CallbackRejected, match="stale"):
        verifier("cb").verify(signed("cb", timestamp=now_s - 3600))


def test_no_secret_at_all_is_a_config_error_naming_the_settings():
    with pytest.raises(ConfigError, match="ZEGO_CALLBACK_SECRET.*ZEGO_SERVER_SECRET"):
        CallbackVerifier(CallbackSecrets(None, ""))
