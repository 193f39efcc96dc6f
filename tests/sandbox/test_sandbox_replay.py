"""Replayed requests: a SignatureNonce that came with a valid signature is spent.

ZEGO documents no replay check; the sandbox is stricter (see
``zego_helpers.sandbox.gateway.ReplayGuard``), because its signature covers
neither the Action nor the body: one captured query string would otherwise
sign any request, RegisterAgent and SandboxConfigure included, for 10 minutes.
"""

from __future__ import annotations

import time

import pytest

from zego_helpers.sandbox.envelope import SandboxError
from zego_helpers.sandbox.gateway import ReplayGuard

from .helpers import Api, trial_llm, trial_tts


def test_one_signed_query_replayed_20_times_across_5_actions_is_accepted_once(api: Api) -> None:
    captured = api.query("SandboxInfo")
    actions = [
        (
            "RegisterAgent",
            lambda i: {"AgentId": f"evil_{i}", "LLM": trial_llm(), "TTS": trial_tts()},
        ),
        ("SandboxConfigure", lambda i: {"FailureRate": 1.0}),
        ("ListAgents", lambda i: {}),
        ("UnregisterAgent", lambda i: {"AgentId": "agent_1"}),
        ("SandboxInfo", lambda i: {}),
    ]
    api.register()  # something for the replayed UnregisterAgent to destroy
    answers = []
    for i in range(20):
        action, body = actions[i % len(actions)]
        response = api.session.post(
            api.base_url + "/", params={**captured, "Action": action}, json=body(i), timeout=10
        )
        answers.append(response.json())
    accepted = [a for a in answers if a["Code"] != 100000004]
    assert len(accepted) == 1 and accepted[0]["Code"] == 0  # the first one, RegisterAgent
    for answer in answers[1:]:
        assert "already used" in answer["Message"] and "fresh nonce" in answer["Message"]
    # None of the replays did anything.
    agents = api.ok("ListAgents", {"Limit": 10})["Agents"]
    assert sorted(a["AgentId"] for a in agents) == ["agent_1", "evil_0"]
    assert api.ok("SandboxInfo")["Config"]["FailureRate"] == 0.0


def test_a_refused_request_spends_its_nonce_too(api: Api) -> None:
    nonce = "0123456789abcdef"
    api.fails("RegisterAgent", {"AgentId": ""}, 410000003, nonce=nonce)
    api.fails("SandboxInfo", {}, 100000004, nonce=nonce)


def test_a_wrong_signature_does_not_spend_the_nonce(api: Api) -> None:
    nonce = "fedcba9876543210"
    api.fails("SandboxInfo", {}, 100000005, nonce=nonce, Signature="0" * 32)
    assert api.call("SandboxInfo", nonce=nonce)["Code"] == 0


def test_the_same_nonce_re_signed_with_another_timestamp_is_still_a_replay(api: Api) -> None:
    now = int(time.time())
    assert api.call("SandboxInfo", nonce="aaaabbbbccccdddd", timestamp=now)["Code"] == 0
    message = api.fails("SandboxInfo", {}, 100000004, nonce="aaaabbbbccccdddd", timestamp=now - 5)
    assert "stricter than ZEGO" in message


def test_after_a_replay_fresh_requests_work(api: Api) -> None:
    captured = api.query("SandboxInfo")
    for _ in range(3):
        api.session.post(api.base_url + "/", params=captured, json={}, timeout=10)
    api.register()
    assert api.ok("QueryAgents", {"AgentIds": ["agent_1"]})["Agents"]


# --- the guard on its own: bounded memory ---------------------------------------------------


def test_a_nonce_is_forgotten_once_its_timestamp_is_out_of_the_window() -> None:
    guard = ReplayGuard(window_seconds=600)
    guard.check(1234567, "n1", timestamp=1000, now=1000.0)
    with pytest.raises(SandboxError) as refused:
        guard.check(1234567, "n1", timestamp=1000, now=1599.0)
    assert refused.value.code == 100000004
    guard.check(1234567, "other", timestamp=1700, now=1700.0)  # n1 expired at 1600
    assert len(guard) == 1
    # n1 may come again with a new Timestamp (an old copy is refused by the Timestamp check).
    guard.check(1234567, "n1", timestamp=1700, now=1700.0)


def test_nonces_are_per_app_id() -> None:
    guard = ReplayGuard()
    guard.check(1111111, "same", timestamp=1000, now=1000.0)
    guard.check(2222222, "same", timestamp=1000, now=1000.0)
    with pytest.raises(SandboxError):
        guard.check(2222222, "same", timestamp=1000, now=1001.0)


def test_the_guard_never_holds_more_than_its_maximum(caplog) -> None:
    guard = ReplayGuard(max_entries=100)
    for i in range(1000):
        guard.check(1234567, f"nonce-{i}", timestamp=1000, now=1000.0)
    assert len(guard) == 100
    assert "replay guard full" in caplog.text
    with pytest.raises(SandboxError):  # the newest are still remembered
        guard.check(1234567, "nonce-999", timestamp=1000, now=1000.0)
