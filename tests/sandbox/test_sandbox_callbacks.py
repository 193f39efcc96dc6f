"""Callbacks: signed POSTs to a local receiver, opt-in flags, retries, secrets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from tornado.web import RequestHandler

from .helpers import Api, LocalServer, api_for, rtc, wait_until

CALLBACK_SECRET = "callback-secret-for-tests"


class Receiver(LocalServer):
    """Records callbacks; answers 500 to the first ``fail_first`` deliveries of each event."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_first = 0
        self._attempts: dict[int, int] = {}
        receiver = self

        class Callback(RequestHandler):
            def post(self) -> None:
                body = json.loads(self.request.body)
                receiver.received.append(body)
                seen = receiver._attempts.get(body["Sequence"], 0)
                receiver._attempts[body["Sequence"]] = seen + 1
                if seen < receiver.fail_first:
                    self.set_status(500)
                self.write({})

        super().__init__([(r"/zego/callback", Callback)])
        self.url = self.base_url + "/zego/callback"

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.received if name is None or e["Event"] == name]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def expected_signature(secret: str, timestamp: int, nonce: str) -> str:
    """The documented rule, written out: sha1 of the three strings sorted and joined."""
    return hashlib.sha1("".join(sorted([secret, str(timestamp), nonce])).encode()).hexdigest()


def test_created_and_deleted_callbacks_are_signed_with_the_server_secret(
    start, receiver: Receiver
) -> None:
    sandbox = start(callback_url=receiver.url)
    api = api_for(sandbox)
    api.register()
    instance = api.create()
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance})
    wait_until(lambda: receiver.events("AgentInstanceDeleted"), what="the Deleted callback")
    wait_until(lambda: receiver.events("AgentInstanceCreated"), what="the Created callback")
    # Deliveries run concurrently and may arrive in any order; Sequence tells the order.
    created = receiver.events("AgentInstanceCreated")[0]
    deleted = receiver.events("AgentInstanceDeleted")[0]
    for body in (created, deleted):
        assert body["Signature"] == expected_signature(
            sandbox.server_secret, body["Timestamp"], body["Nonce"]
        )
        assert len(str(body["Timestamp"])) == 13  # milliseconds
        assert body["AppId"] == sandbox.app_id
        assert body["AgentInstanceId"] == instance
        assert body["RoomId"] == "room_1" and body["AgentUserId"] == "agent_1"
        assert body["AgentId"] == "agent_1" and body["Name"] == "Tester"
    assert created["Sequence"] < deleted["Sequence"]
    assert deleted["Data"]["Code"] == 0 and "LatencyData" in deleted["Data"]


def test_a_callback_secret_signs_instead_of_the_server_secret(start, receiver) -> None:
    api = api_for(start(callback_url=receiver.url, callback_secret=CALLBACK_SECRET))
    api.register()
    api.create()
    body = wait_until(lambda: receiver.events("AgentInstanceCreated"), what="a callback")[0]
    assert body["Signature"] == expected_signature(
        CALLBACK_SECRET, body["Timestamp"], body["Nonce"]
    )


def test_opt_in_events_need_their_callback_config_flag(start, receiver: Receiver) -> None:
    api = api_for(start(callback_url=receiver.url))
    api.register()
    quiet = api.create("quiet")
    flags = {"AgentInstanceStatus": 1, "LLMResult": 1, "Interrupted": 1, "ASRResult": 1}
    chatty = api.create("chatty", CallbackConfig=flags)
    for instance in (quiet, chatty):
        api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
        api.ok("SandboxUserSpeak", {"AgentInstanceId": instance, "Text": "Stop!"})
    opted_in = {"AgentInstanceStatus", "LLMResult", "Interrupted", "ASRResult"}

    def events_of(instance: str) -> set[str]:
        return {e["Event"] for e in receiver.received if e["AgentInstanceId"] == instance}

    # Callbacks arrive one by one, in no fixed order: wait for every one asked for.
    wait_until(lambda: opted_in <= events_of(chatty), what="the opted-in callbacks")
    assert events_of(quiet) == {"AgentInstanceCreated"}
    assert "UserSpeakAction" not in events_of(chatty)  # its flag was not set
    # ... while the sandbox's own event log has everything for both.
    assert {e["Event"] for e in api.events(quiet)} >= {"LLMResult", "ASRResult"}


def test_exceptions_are_always_sent(start, receiver: Receiver) -> None:
    api = api_for(start(callback_url=receiver.url))
    api.register()
    old = api.create("1")
    api.ok(
        "CreateAgentInstance",
        {"AgentId": "agent_1", "UserId": "u2", "RTC": {**rtc("2"), "AgentUserId": "agent_1"}},
    )
    exception = wait_until(lambda: receiver.events("Exception"), what="an Exception callback")[0]
    assert exception["AgentInstanceId"] == old and exception["Data"]["Code"] == 1203


def test_a_failed_delivery_is_retried_with_the_same_body(start, receiver: Receiver) -> None:
    receiver.fail_first = 2  # two HTTP 500 answers, then 200
    api = api_for(start(callback_url=receiver.url))
    api.register()
    api.create()
    attempts = wait_until(
        lambda: (
            len(receiver.events("AgentInstanceCreated")) == 3
            and receiver.events("AgentInstanceCreated")
        ),
        what="three delivery attempts",
    )
    assert attempts[0] == attempts[1] == attempts[2]  # same Nonce, Timestamp and Signature


def test_sequence_increases_per_instance(start, receiver: Receiver) -> None:
    api = api_for(start(callback_url=receiver.url))
    api.register()
    instance = api.create(CallbackConfig={"AgentInstanceStatus": 1, "LLMResult": 1})
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "And more."})
    api.ok("DeleteAgentInstance", {"AgentInstanceId": instance, "GracefulShutdown": True})
    wait_until(lambda: receiver.events("AgentInstanceDeleted"), what="the Deleted callback")
    sequences = sorted(e["Sequence"] for e in receiver.received)
    assert len(set(sequences)) == len(sequences)
    assert [e["Sequence"] for e in api.events(instance)] == sorted(
        e["Sequence"] for e in api.events(instance)
    )


def test_the_callback_url_can_be_set_at_run_time(api: Api, receiver: Receiver) -> None:
    api.register()
    api.ok("SandboxConfigure", {"CallbackUrl": receiver.url, "CallbackSecret": CALLBACK_SECRET})
    info = api.ok("SandboxInfo")
    assert info["Config"]["CallbackUrl"] == receiver.url
    assert CALLBACK_SECRET not in json.dumps(info)  # masked
    api.create()
    wait_until(lambda: receiver.events("AgentInstanceCreated"), what="a callback")
    api.ok("SandboxConfigure", {"CallbackUrl": None})
    unseen = api.create("2")
    api.ok("SandboxConfigure", {"CallbackUrl": receiver.url})
    seen = api.create("3")
    wait_until(lambda: len(receiver.events("AgentInstanceCreated")) == 2, what="a callback")
    assert seen in {e["AgentInstanceId"] for e in receiver.received}
    assert unseen not in {e["AgentInstanceId"] for e in receiver.received}


def test_sandbox_configure_refuses_unknown_or_invalid_settings(api: Api) -> None:
    assert api.fails("SandboxConfigure", {"Colour": "red"}, 410000003).startswith("Colour")
    assert api.fails("SandboxConfigure", {"FailureRate": 2}, 410000003).startswith("FailureRate")
    body = {"CallbackUrl": "ftp://x"}
    assert api.fails("SandboxConfigure", body, 410000003).startswith("CallbackUrl")
