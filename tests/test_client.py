"""The client against a real local HTTP server: signing, bodies, errors, retries, secrets."""

from __future__ import annotations

import hashlib
import logging
import time

import pytest
import requests

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers import transport as transport_module
from zego_helpers.client import AIAgentClient
from zego_helpers.errors import (
    AlreadyExistsError,
    APITimeoutError,
    HTTPStatusError,
    LimitReachedError,
    NotFoundError,
    SignatureError,
    TransportError,
    ValidationError,
    ZegoAPIError,
)
from zego_helpers.ledger import Ledger
from zego_helpers.transport import FakeClock

APP_ID = 1234567890
SECRET = "fedcba9876543210fedcba9876543210"
RTC = {
    "RoomId": "room_1",
    "AgentStreamId": "agent_stream_1",
    "AgentUserId": "agent_1",
    "UserStreamId": "user_stream_1",
}
LLM = {
    "Url": "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
    "ApiKey": "zego_test",
    "Model": "doubao-1-5-lite-32k-250115",
}
TTS = {
    "Vendor": "ByteDanceV3",
    "Params": {
        "app": {"appid": "zego_test", "token": "zego_test", "resource_id": "seed-tts-2.0"},
        # A dict meets the model's checks now, so it needs the voice too.
        "req_params": {"speaker": "zh_female_vv_uranus_bigtts"},
    },
}


@pytest.fixture
def server():
    with FakeZego(lambda _r: Reply(body=envelope({}))) as fake:
        yield fake


def make_client(server, **options) -> AIAgentClient:
    options.setdefault("requests_per_second", None)
    options.setdefault("timeout", (1.0, 2.0))
    return AIAgentClient(APP_ID, SECRET, server.url, **options)


def assert_signed(received, action):
    q = received.query
    assert q["Action"] == action
    assert q["AppId"] == str(APP_ID)
    assert q["SignatureVersion"] == "2.0"
    material = f"{APP_ID}{q['SignatureNonce']}{SECRET}{q['Timestamp']}".encode()
    assert q["Signature"] == hashlib.md5(material).hexdigest()
    assert abs(int(q["Timestamp"]) - time.time()) < 5
    assert received.method == "POST" and received.path == "/"
    assert received.headers.get("Content-Type", "").startswith("application/json")


# Each action: the call the learner writes, and the exact body ZEGO must receive.
ACTION_CASES = [
    (
        "RegisterAgent",
        lambda c: c.register_agent("agent_1", name="Ada", llm=LLM, tts=TTS),
        {"AgentId": "agent_1", "Name": "Ada", "LLM": LLM, "TTS": TTS},
    ),
    ("UnregisterAgent", lambda c: c.unregister_agent("agent_1"), {"AgentId": "agent_1"}),
    (
        "UpdateAgent",
        lambda c: c.update_agent("agent_1", llm=LLM),
        {"AgentId": "agent_1", "LLM": LLM},
    ),
    ("ListAgents", lambda c: c.list_agents(limit=3, cursor="abc"), {"Limit": 3, "Cursor": "abc"}),
    ("QueryAgents", lambda c: c.query_agents(["a", "b"]), {"AgentIds": ["a", "b"]}),
    (
        "CreateAgentInstance",
        lambda c: c.create_agent_instance(
            "agent_1",
            "user_1",
            RTC,
            message_history={"SyncMode": 1, "Messages": [], "WindowSize": 10},
            advanced_config={"MaxIdleTime": 300},
        ),
        {
            "AgentId": "agent_1",
            "UserId": "user_1",
            "RTC": RTC,
            "MessageHistory": {"SyncMode": 1, "Messages": [], "WindowSize": 10},
            "AdvancedConfig": {"MaxIdleTime": 300},
        },
    ),
    (
        "UpdateAgentInstance",
        lambda c: c.update_agent_instance("i1", llm=LLM, user_stream_id="s2"),
        {"AgentInstanceId": "i1", "LLM": LLM, "RTC": {"UserStreamId": "s2"}},
    ),
    (
        "DeleteAgentInstance",
        lambda c: c.delete_agent_instance("i1", graceful=True, graceful_timeout=10),
        {"AgentInstanceId": "i1", "GracefulShutdown": True, "GracefulShutdownTimeout": 10},
    ),
    (
        "CreateDigitalHumanAgentInstance",
        lambda c: c.create_digital_human_agent_instance(
            "agent_1", "user_1", RTC, {"DigitalHumanId": "dh", "ConfigId": "web"}
        ),
        {
            "AgentId": "agent_1",
            "UserId": "user_1",
            "RTC": RTC,
            "DigitalHuman": {"DigitalHumanId": "dh", "ConfigId": "web"},
        },
    ),
    (
        "CreateLiveDigitalHumanAgentInstance",
        lambda c: c.create_live_digital_human_agent_instance(
            "agent_1", {"DigitalHumanId": "dh"}, cdn_url="rtmp://example/live"
        ),
        {
            "AgentId": "agent_1",
            "DigitalHuman": {"DigitalHumanId": "dh"},
            "CDN": {"Url": "rtmp://example/live"},
        },
    ),
    (
        "SendAgentInstanceLLM",
        lambda c: c.send_agent_instance_llm("i1", "Hi", priority="High"),
        {
            "AgentInstanceId": "i1",
            "Text": "Hi",
            "AddQuestionToHistory": False,  # ZEGO's documented default, sent explicitly
            "AddAnswerToHistory": True,
            "Priority": "High",
        },
    ),
    (
        "SendAgentInstanceTTS",
        lambda c: c.send_agent_instance_tts("i1", "Hello", same_priority_option="Enqueue"),
        {"AgentInstanceId": "i1", "Text": "Hello", "SamePriorityOption": "Enqueue"},
    ),
    (
        "QueryAgentInstanceStatus",
        lambda c: c.query_agent_instance_status("i1"),
        {"AgentInstanceId": "i1"},
    ),
    (
        "InterruptAgentInstance",
        lambda c: c.interrupt_agent_instance("i1"),
        {"AgentInstanceId": "i1"},
    ),
    (
        "GetAgentInstanceMsgList",
        lambda c: c.get_agent_instance_msg_list("i1"),
        {"AgentInstanceId": "i1"},
    ),
    (
        "ResetAgentInstanceMsgList",
        lambda c: c.reset_agent_instance_msg_list("i1"),
        {"AgentInstanceId": "i1"},
    ),
    (
        "AddAgentInstanceMsg",
        lambda c: c.add_agent_instance_msg("i1", [{"Role": "user", "Content": "x"}]),
        {"AgentInstanceId": "i1", "Messages": [{"Role": "user", "Content": "x"}]},
    ),
    (
        "StartListening",
        lambda c: c.start_listening("i1", sequence=1),
        {"AgentInstanceId": "i1", "Sequence": 1},
    ),
    (
        "StopListening",
        lambda c: c.stop_listening("i1", user_id="user_1", sequence=2),
        {"AgentInstanceId": "i1", "UserId": "user_1", "Sequence": 2},
    ),
]


def test_all_19_actions_are_covered():
    assert len({case[0] for case in ACTION_CASES}) == 19


@pytest.mark.parametrize(
    ("action", "invoke", "expected_body"), ACTION_CASES, ids=[c[0] for c in ACTION_CASES]
)
def test_each_action_is_signed_and_carries_the_right_body(server, action, invoke, expected_body):
    with make_client(server) as client:
        invoke(client)
    (received,) = server.requests
    assert_signed(received, action)
    assert received.body == expected_body


def test_data_is_returned_and_missing_data_is_an_empty_dict(server):
    server.script = [Reply(body=envelope({"Status": "SPEAKING"})), Reply(body=envelope(None))]
    with make_client(server) as client:
        assert client.query_agent_instance_status("i1") == {"Status": "SPEAKING"}
        assert client.reset_agent_instance_msg_list("i1") == {}


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (100000005, SignatureError),
        (410001002, NotFoundError),
        (410001009, NotFoundError),
        (410001008, AlreadyExistsError),
        (410000011, LimitReachedError),
        (410000003, ZegoAPIError),
    ],
)
def test_nonzero_code_on_http_200_raises_with_meaning_hint_and_request_id(server, code, cls):
    server.script = [Reply(body=envelope(code=code, message="server words", request_id="1843"))]
    with make_client(server, max_retries=0) as client, pytest.raises(cls) as caught:
        client.query_agent_instance_status("i1")
    error = caught.value
    assert (error.action, error.code, error.request_id) == (
        "QueryAgentInstanceStatus",
        code,
        "1843",
    )
    text = str(error)
    assert str(code) in text and "server words" in text and "RequestId 1843" in text
    assert error.meaning and error.meaning in text
    assert SECRET not in text


def test_instance_limit_error_points_at_cleanup(server):
    server.script = [Reply(body=envelope(code=410000011, message="limit"))]
    with make_client(server) as client, pytest.raises(LimitReachedError) as caught:
        client.create_agent_instance("agent_1", "user_1", RTC)
    assert "cleanup" in str(caught.value)
    assert len(server.requests) == 1


def test_non_json_body_and_non_2xx_status_raise_http_status_error(server):
    server.script = [Reply(status=200, raw=b"<html>captive portal</html>")]
    with make_client(server, max_retries=0) as client, pytest.raises(HTTPStatusError) as caught:
        client.list_agents()
    assert caught.value.status == 200 and "ZEGO_API_BASE_URL" in str(caught.value)
    server.script = [Reply(status=500, raw=b"oops")]
    with make_client(server, max_retries=0) as client, pytest.raises(HTTPStatusError) as caught:
        client.list_agents()
    assert caught.value.status == 500 and "oops" in str(caught.value)


def test_connection_refused_gives_a_clear_transport_error():
    with socket_free_port() as port:
        pass
    client = AIAgentClient(APP_ID, SECRET, f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(TransportError) as caught:
        client.list_agents()
    text = str(caught.value)
    assert "refused" in text and "ZEGO_API_BASE_URL" in text
    assert caught.value.certainly_not_sent
    assert "Traceback" not in text and SECRET not in text


def test_dns_failures_are_explained():
    exc = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='x.invalid'): Max retries exceeded (Caused by "
        "NameResolutionError(\"Failed to resolve 'x.invalid'\"))"
    )
    problem, hint, not_sent = transport_module.describe_request_failure(exc, "https://x.invalid")
    assert "DNS" in problem and "HTTPS_PROXY" in hint and not_sent


def test_transient_gateway_error_is_retried_with_a_fresh_signature(server):
    clock = FakeClock(time.time())
    server.script = [
        Reply(body=envelope(code=100000015, message="busy")),
        Reply(body=envelope({"Total": 0, "Agents": [], "Cursor": ""})),
    ]
    with make_client(server, clock=clock) as client:
        data = client.list_agents()
    assert data["Total"] == 0
    assert len(clock.slept) == 1 and 0 <= clock.slept[0] <= 0.5  # full jitter, first retry
    first, second = server.requests
    assert first.query["SignatureNonce"] != second.query["SignatureNonce"]
    assert_signed(second, "ListAgents")


def test_a_create_is_not_repeated_after_an_internal_gateway_error(server):
    """100000015 is "internal gateway error, contact support": nothing says the create did
    not run, so repeating it could start a second instance (return-codes page)."""
    clock = FakeClock(time.time())
    server.script = [
        Reply(body=envelope(code=100000015, message="internal error")),
        Reply(body=envelope({"AgentInstanceId": "second"})),
    ]
    with make_client(server, clock=clock) as client, pytest.raises(ZegoAPIError) as caught:
        client.create_agent_instance("agent_1", "user_1", RTC)
    assert caught.value.code == 100000015 and "safe to repeat" in str(caught.value)
    assert len(server.requests) == 1 and clock.slept == []


def test_a_create_refused_with_http_429_is_retried_after_retry_after(server):
    """HTTP 429 says "too many requests": refused, so even a create may be sent again."""
    clock = FakeClock(time.time())
    server.script = [
        Reply(status=429, body=envelope(code=100000015, message="rate limit exceeded"),
              headers={"Retry-After": "1"}),
        Reply(body=envelope({"AgentInstanceId": "i9"})),
    ]  # fmt: skip
    with make_client(server, clock=clock) as client:
        assert client.create_agent_instance("agent_1", "user_1", RTC) == {"AgentInstanceId": "i9"}
    assert clock.slept == [1.0] and len(server.requests) == 2


def test_create_is_never_repeated_after_a_read_timeout(server):
    clock = FakeClock(time.time())
    server.script = [Reply(body=envelope({"AgentInstanceId": "late"}), delay=1.5)]
    options = {"timeout": (1.0, 0.3), "clock": clock}
    with make_client(server, **options) as client, pytest.raises(APITimeoutError) as caught:
        client.create_agent_instance("agent_1", "user_1", RTC)
    assert isinstance(caught.value, TimeoutError) and not caught.value.certainly_not_sent
    assert clock.slept == []  # no retry was even considered
    time.sleep(1.3)  # the real clock: let the slow reply finish before counting
    assert len(server.requests) == 1


def test_read_only_calls_are_retried_after_a_timeout(server):
    server.script = [Reply(body=envelope({}), delay=0.6), Reply(body=envelope({"Status": "IDLE"}))]
    with make_client(server, timeout=(1.0, 0.3), clock=FakeClock(time.time())) as client:
        assert client.query_agent_instance_status("i1") == {"Status": "IDLE"}
    assert len(server.requests) == 2


def test_business_errors_are_not_retried(server):
    server.script = [Reply(body=envelope(code=410001009, message="no agent"))]
    with make_client(server) as client, pytest.raises(NotFoundError):
        client.unregister_agent("agent_1")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.list_agents(limit=11), "Limit"),
        (lambda c: c.query_agents([f"a{i}" for i in range(11)]), "AgentIds"),
        (lambda c: c.send_agent_instance_tts("i1", "x" * 301), "Text"),
        (lambda c: c.create_agent_instance("agent_1", "user 1", RTC), "UserId"),
        (lambda c: c.create_agent_instance("agent_1", "u" * 33, RTC), "UserId"),
        (
            lambda c: c.create_agent_instance("agent_1", "user_1", {**RTC, "RoomId": "r" * 129}),
            "RTC.RoomId",
        ),
        (
            lambda c: c.create_agent_instance("agent_1", "user_1", {**RTC, "AgentUserId": "a.b"}),
            "RTC.AgentUserId",
        ),
        (
            lambda c: c.create_agent_instance(
                "agent_1",
                "user_1",
                RTC,
                message_history={
                    "SyncMode": 1,
                    "Messages": [{"Role": "user", "Content": "x"}] * 101,
                },
            ),
            "MessageHistory.Messages",
        ),
        (
            lambda c: c.register_agent(
                "agent_1", llm={**LLM, "Url": "https://api.openai.com/v1/chat/completions"}
            ),
            "LLM.Url",
        ),
        (lambda c: c.send_agent_instance_llm("i1", "hi", priority="Urgent"), "Priority"),
    ],
)
def test_invalid_arguments_are_refused_before_sending(server, call, field):
    with make_client(server) as client, pytest.raises(ValidationError) as caught:
        call(client)
    assert caught.value.field == field
    assert server.requests == []


def test_pacing_keeps_each_action_within_ten_per_second():
    clock = FakeClock(100.0)
    pacer = transport_module.ActionPacer(10, clock)
    sent_at = []
    for _ in range(25):
        pacer.wait("SendAgentInstanceLLM")
        sent_at.append(clock.now)
    pacer.wait("QueryAgentInstanceStatus")  # another action has its own budget
    for i in range(len(sent_at)):
        window = [t for t in sent_at if sent_at[i] <= t < sent_at[i] + 1.0]
        assert len(window) <= 10
    assert sent_at[-1] - sent_at[0] >= 2.0
    assert len(clock.slept) == 2


def test_ledger_records_created_and_forgets_deleted(server, tmp_path):
    server.responder = lambda r: Reply(
        body=envelope({"AgentInstanceId": "i7"} if r.query["Action"].startswith("Create") else {})
    )
    ledger = Ledger(tmp_path / "ledger.json")
    with make_client(server, ledger=ledger) as client:
        client.create_agent_instance("agent_1", "user_1", RTC)
        (entry,) = ledger.entries()
        assert (entry.agent_instance_id, entry.room_id, entry.user_id) == ("i7", "room_1", "user_1")
        assert (entry.app_id, entry.api_base_url) == (APP_ID, server.url)
        client.delete_agent_instance("i7")
    assert ledger.entries() == []


def test_deleting_a_gone_instance_forgets_it_and_can_count_as_done(server, tmp_path):
    server.responder = lambda r: Reply(body=envelope(code=410001002, message="not found"))
    ledger = Ledger(tmp_path / "ledger.json")
    from zego_helpers.ledger import LedgerEntry

    ledger.record(LedgerEntry("gone", APP_ID, server.url))
    with make_client(server, ledger=ledger) as client:
        assert client.delete_agent_instance("gone", missing_ok=True) == {}
        with pytest.raises(NotFoundError):
            client.delete_agent_instance("gone")
    assert ledger.entries() == []


def test_no_secret_or_signature_in_logs_reprs_or_errors(server, caplog):
    server.script = [
        Reply(body=envelope({})),
        Reply(body=envelope(code=100000005, message="sign error")),
    ]
    caplog.set_level(logging.DEBUG)
    client = make_client(server, max_retries=0)
    client.list_agents()
    with pytest.raises(SignatureError) as caught:
        client.list_agents()
    signatures = [r.query["Signature"] for r in server.requests]
    outputs = [caplog.text, repr(client), repr(client.transport), str(caught.value)]
    for text in outputs:
        assert SECRET not in text
        for signature in signatures:
            assert signature not in text
    assert "Signature=****" in caplog.text or "Signature" not in caplog.text


class socket_free_port:
    """A port that was free a moment ago (nothing listens on it)."""

    def __enter__(self) -> int:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        return self._sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


def test_observers_see_successful_requests_and_cannot_break_them(server):
    seen = []

    def broken(action, body, data):
        raise RuntimeError("observer bug")

    server.script = [
        Reply(body=envelope({"Status": "IDLE"})),
        Reply(body=envelope(code=410001002, message="gone")),
        Reply(body=envelope({"Status": "IDLE"})),
    ]
    with make_client(server, max_retries=0) as client:
        client.add_observer(broken)
        remove = client.add_observer(lambda *args: seen.append(args))
        assert client.query_agent_instance_status("i1") == {"Status": "IDLE"}
        with pytest.raises(NotFoundError):
            client.query_agent_instance_status("i2")
        remove()
        client.query_agent_instance_status("i3")
    assert seen == [("QueryAgentInstanceStatus", {"AgentInstanceId": "i1"}, {"Status": "IDLE"})]


def test_an_expired_signature_is_re_signed_once_not_more(server):
    server.responder = lambda _r: Reply(body=envelope(code=100000004, message="expired"))
    options = {"max_retries": 3, "clock": FakeClock(time.time())}
    with make_client(server, **options) as client, pytest.raises(SignatureError) as caught:
        client.list_agents()
    assert len(server.requests) == 2
    assert "NTP" in str(caught.value)
