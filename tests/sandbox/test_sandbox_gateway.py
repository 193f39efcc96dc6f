"""The gateway: query parameters, signature, HTTP method/path, body, rate limit, faults."""

from __future__ import annotations

import time

import pytest
import requests

from zego_helpers.sandbox.envelope import SandboxError
from zego_helpers.sandbox.gateway import RateLimiter, authenticate

from .helpers import Api, api_for, trial_llm, trial_tts


def test_a_signed_request_gets_the_envelope_with_a_numeric_request_id(api: Api) -> None:
    response = api.post("SandboxInfo")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    envelope = response.json()
    assert envelope["Code"] == 0 and envelope["Message"] == "Succeed"
    assert envelope["RequestId"].isdigit() and len(envelope["RequestId"]) == 19
    assert envelope["Data"]["Mode"] == "sandbox"
    assert envelope["Data"]["AppId"] == api.app_id


def test_every_request_gets_its_own_request_id(api: Api) -> None:
    ids = {api.call("SandboxInfo")["RequestId"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    ("missing", "code"),
    [
        ("Action", 100000006),
        ("AppId", 100000001),
        ("Timestamp", 100000002),
        ("SignatureNonce", 100000008),
        ("Signature", 100000009),
        ("SignatureVersion", 100000013),
    ],
)
def test_a_missing_query_parameter_is_named(api: Api, missing: str, code: int) -> None:
    message = api.fails("ListAgents", {}, code, **{missing: None})
    assert missing in message


def test_the_official_example_signature_is_accepted(known_answers: dict) -> None:
    example = known_answers["zego-server-api-signature-v2-md5"]["inputs"]
    query = {
        "Action": "ListAgents",
        "AppId": str(example["AppId"]),
        "SignatureNonce": example["SignatureNonce"],
        "Timestamp": str(example["Timestamp"]),
        "Signature": known_answers["zego-server-api-signature-v2-md5"]["expected"],
        "SignatureVersion": "2.0",
    }
    action = authenticate(
        query,
        app_id=example["AppId"],
        server_secret=example["ServerSecret"],
        now=example["Timestamp"] + 30,
        known_actions={"ListAgents"},
    )
    assert action == "ListAgents"
    with pytest.raises(SandboxError) as error:
        authenticate(
            {**query, "Signature": query["Signature"].upper()},
            app_id=example["AppId"],
            server_secret=example["ServerSecret"],
            now=example["Timestamp"],
            known_actions={"ListAgents"},
        )
    assert error.value.code == 100000005


def test_wrong_secret_gives_100000005(api: Api) -> None:
    message = api.fails("ListAgents", {}, 100000005, secret="0" * 32)
    assert "Signature" in message
    assert api.secret not in message


def test_uppercase_signature_gives_100000005(api: Api) -> None:
    query = api.query("ListAgents")
    query["Signature"] = query["Signature"].upper()
    envelope = requests.post(api.base_url + "/", params=query, json={}, timeout=5).json()
    assert envelope["Code"] == 100000005


def test_signature_over_another_nonce_gives_100000005(api: Api) -> None:
    query = api.query("ListAgents")
    query["SignatureNonce"] = "0123456789abcdef"
    envelope = requests.post(api.base_url + "/", params=query, json={}, timeout=5).json()
    assert envelope["Code"] == 100000005


@pytest.mark.parametrize("offset", [-11 * 60, 11 * 60])
def test_timestamp_more_than_ten_minutes_off_gives_100000004(api: Api, offset: int) -> None:
    message = api.fails("ListAgents", {}, 100000004, timestamp=int(time.time()) + offset)
    assert "600" in message


def test_timestamp_nine_minutes_off_is_accepted(api: Api) -> None:
    assert api.call("ListAgents", {}, timestamp=int(time.time()) - 9 * 60)["Code"] == 0


@pytest.mark.parametrize(
    "value",
    [str(int(time.time() * 1000)), "12.5", "-5", "soon"],
    ids=["milliseconds", "fraction", "negative", "word"],  # stable ids: the first value is now
)
def test_malformed_timestamp_gives_100000003(api: Api, value: str) -> None:
    query = api.query("ListAgents")
    query["Timestamp"] = value
    envelope = requests.post(api.base_url + "/", params=query, json={}, timeout=5).json()
    assert envelope["Code"] == 100000003


def test_milliseconds_are_called_out(api: Api) -> None:
    query = api.query("ListAgents")
    query["Timestamp"] = str(int(time.time() * 1000))
    envelope = requests.post(api.base_url + "/", params=query, json={}, timeout=5).json()
    assert "milliseconds" in envelope["Message"]


@pytest.mark.parametrize("value", ["abc", "0", str(2**32)])
def test_malformed_app_id_gives_100000001(api: Api, value: str) -> None:
    assert api.call("ListAgents", {}, AppId=value)["Code"] == 100000001


def test_another_app_id_gives_100000010(api: Api) -> None:
    other = api.app_id + 1 if api.app_id < 2**32 - 1 else api.app_id - 1
    message = api.fails("ListAgents", {}, 100000010, app_id=other)
    assert str(api.app_id) in message


def test_unsupported_signature_version_gives_100000014(api: Api) -> None:
    assert "2.0" in api.fails("ListAgents", {}, 100000014, SignatureVersion="1.0")


def test_unknown_action_gives_100000007(api: Api) -> None:
    assert "ListAgent" in api.fails("ListAgent", {}, 100000007)


def test_get_is_refused_with_405_and_an_envelope(api: Api) -> None:
    response = requests.get(api.base_url + "/", params=api.query("ListAgents"), timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert "POST" in response.json()["Message"]


def test_another_path_is_refused_with_404_and_an_envelope(api: Api) -> None:
    response = requests.post(api.base_url + "/v1/", params=api.query("ListAgents"), timeout=5)
    assert response.status_code == 404
    assert "base URL" in response.json()["Message"]


def test_a_body_that_is_not_json_gives_410000004(api: Api) -> None:
    response = api.post("ListAgents", data=b"{not json")
    assert response.status_code == 200
    assert response.json()["Code"] == 410000004


def test_a_json_body_that_is_not_an_object_gives_410000004(api: Api) -> None:
    assert api.post("ListAgents", data=b"[1, 2]").json()["Code"] == 410000004


def test_an_empty_body_counts_as_an_empty_object(api: Api) -> None:
    assert api.post("ListAgents", data=b"").json()["Code"] == 0


# --- rate limit -------------------------------------------------------------------------------


def test_rate_limiter_counts_a_sliding_second() -> None:
    limiter = RateLimiter()
    assert all(limiter.allow("A", 100.0 + i * 0.01, 3) for i in range(3))
    assert not limiter.allow("A", 100.5, 3)
    assert limiter.allow("B", 100.5, 3)  # per action
    assert limiter.allow("A", 101.001, 3)  # the first request left the window


def test_going_over_the_rate_limit_gives_429_with_a_retryable_code(start) -> None:
    api = api_for(start(rate_limit_per_action=3))
    answers = [api.post("ListAgents") for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    refused = answers[3]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["Code"] == 100000015
    assert "rate limit" in refused.json()["Message"]
    # other actions and the sandbox's own actions have their own budget
    assert api.call("QueryAgents", {"AgentIds": []})["Code"] == 0
    assert all(api.call("SandboxInfo")["Code"] == 0 for _ in range(5))


def test_a_rate_limited_request_is_not_executed(start) -> None:
    api = api_for(start(rate_limit_per_action=1))
    api.register("first")
    body = {"AgentId": "second", "LLM": trial_llm(), "TTS": trial_tts()}
    assert api.post("RegisterAgent", body).status_code == 429
    agents = api.ok("QueryAgents", {"AgentIds": ["first", "second"]})["Agents"]
    assert [a["AgentId"] for a in agents] == ["first"]


def test_the_rate_limit_can_be_switched_off_at_run_time(start) -> None:
    api = api_for(start(rate_limit_per_action=2))
    api.ok("SandboxConfigure", {"RateLimitPerAction": None})
    assert all(api.post("ListAgents").status_code == 200 for _ in range(10))


# --- fault injection --------------------------------------------------------------------------


def test_injected_failures_answer_100000015_and_execute_nothing(start) -> None:
    api = api_for(start(failure_rate=1.0))
    body = {"AgentId": "never", "LLM": {}, "TTS": {}}
    assert "nothing was executed" in api.fails("RegisterAgent", body, 100000015)
    # The sandbox's own actions are exempt, so a drill can switch the faults off again.
    api.ok("SandboxConfigure", {"FailureRate": 0.0})
    assert api.ok("QueryAgents", {"AgentIds": ["never"]}) == {"Agents": []}


def test_a_partial_failure_rate_fails_some_requests_and_runs_the_others(start) -> None:
    api = api_for(start(failure_rate=0.5, random_seed=7))
    codes = [
        api.call("RegisterAgent", {"AgentId": f"a{i}", "TTS": {}, "LLM": {}})["Code"]
        for i in range(20)
    ]
    # The request body is invalid on purpose: executed requests answer 410000003.
    assert set(codes) == {100000015, 410000003}


def test_added_latency_delays_the_answer(start) -> None:
    api = api_for(start(latency_ms=150))
    started = time.perf_counter()
    api.ok("ListAgents", {})
    assert time.perf_counter() - started >= 0.14  # a lower bound: cannot fail by slowness


def test_a_sandbox_bug_answers_410000001_instead_of_crashing(api: Api, monkeypatch) -> None:
    from zego_helpers.sandbox import actions

    def broken(ctx, body):
        raise RuntimeError("oops")

    monkeypatch.setitem(actions.ACTIONS, "ListAgents", broken)
    response = api.post("ListAgents")
    assert response.status_code == 200
    assert response.json()["Code"] == 410000001
    assert "bug in the sandbox" in response.json()["Message"]
    assert api.call("QueryAgents", {"AgentIds": []})["Code"] == 0  # still serving
