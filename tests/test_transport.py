"""The transport's seams (MockTransport, FakeClock), its backoff, its error types and local checks.

Nothing here patches a module global: the client is given a transport and a
clock, as a learner's test would do.
"""

from __future__ import annotations

import email.utils
import logging
import math

import pytest
import requests

from zego_helpers import (
    AIAgentClient,
    APITimeoutError,
    ConfigError,
    FakeClock,
    HTTPStatusError,
    MockTransport,
    TransportError,
    ValidationError,
    ZegoError,
    connect,
    load_settings,
)
from zego_helpers.signing import request_signature
from zego_helpers.transport import (
    HTTPRequest,
    HTTPResponse,
    RequestsTransport,
    RetryPolicy,
    SignedTransport,
    json_response,
)

APP_ID = 1234567890
SECRET = "fedcba9876543210fedcba9876543210"
RTC = {
    "RoomId": "room_1",
    "AgentStreamId": "agent_stream_1",
    "AgentUserId": "agent_1",
    "UserStreamId": "user_stream_1",
}


def ok(data: dict | None = None) -> HTTPResponse:
    return json_response({"Code": 0, "Message": "Succeed", "RequestId": "r1", "Data": data or {}})


class Script:
    """A handler that answers from a list and records every request."""

    def __init__(self, *answers: HTTPResponse | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[HTTPRequest] = []

    def __call__(self, request: HTTPRequest) -> HTTPResponse:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(script: Script, clock: FakeClock | None = None, **options) -> AIAgentClient:
    options.setdefault("requests_per_second", None)
    return AIAgentClient(
        APP_ID, SECRET, transport=MockTransport(script), clock=clock or FakeClock(), **options
    )


def test_a_mock_transport_sees_the_signed_request_and_nothing_goes_on_the_wire():
    script = Script(ok({"Total": 0, "Agents": []}))
    clock = FakeClock(1_700_000_123.9)
    with client_for(script, clock) as client:
        assert client.list_agents(limit=3) == {"Total": 0, "Agents": []}
    (request,) = script.requests
    assert request.action == "ListAgents" and request.url.endswith("/")
    assert request.json() == {"Limit": 3, "Cursor": ""}
    query = request.params
    assert query["Timestamp"] == "1700000123"  # the injected clock signs the request
    assert query["Signature"] == request_signature(
        APP_ID, query["SignatureNonce"], SECRET, 1700000123
    )


def test_backoff_is_exponential_with_full_jitter_and_capped():
    policy = RetryPolicy(max_retries=5, backoff_seconds=0.5, max_backoff_seconds=4.0)
    assert [policy.ceiling(n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.delay(2, 0.25) == 0.5 and policy.delay(2, 0.0) == 0.0
    assert policy.delay(2, 7.0) == 2.0  # a fraction outside 0..1 is clamped

    busy = HTTPResponse(503, b"busy")
    clock = FakeClock()
    transport = SignedTransport(
        APP_ID,
        SECRET,
        "https://example.invalid",
        retry=RetryPolicy(max_retries=3),
        requests_per_second=None,
        http=MockTransport(Script(busy)),
        clock=clock,
        rng=lambda: 0.5,
    )
    with pytest.raises(HTTPStatusError):
        transport.call("ListAgents", {})
    assert clock.slept == [0.25, 0.5, 1.0]  # half of each ceiling: the injected jitter


def test_the_default_jitter_stays_within_the_ceiling():
    clock = FakeClock()
    script = Script(HTTPResponse(502, b"bad gateway"))
    with client_for(script, clock, max_retries=2) as client, pytest.raises(HTTPStatusError):
        client.list_agents()
    assert len(script.requests) == 3
    first, second = clock.slept
    assert 0 <= first <= 0.5 and 0 <= second <= 1.0


def test_retry_after_is_honoured_in_seconds_and_as_a_date():
    clock = FakeClock(1_700_000_000.0)
    script = Script(HTTPResponse(429, b"slow down", {"Retry-After": "3"}), ok({"Total": 1}))
    with client_for(script, clock) as client:
        assert client.list_agents() == {"Total": 1}
    assert clock.slept == [3.0]

    clock = FakeClock(1_700_000_000.0)
    when = email.utils.formatdate(1_700_000_000 + 7, usegmt=True)
    script = Script(HTTPResponse(503, b"", {"retry-after": when}), ok())
    with client_for(script, clock) as client:
        client.list_agents()
    assert clock.slept == [7.0]


def test_a_retry_after_too_long_to_wait_for_is_raised_at_once():
    clock = FakeClock()
    script = Script(HTTPResponse(503, b"maintenance", {"Retry-After": "3600"}))
    with client_for(script, clock) as client, pytest.raises(HTTPStatusError) as caught:
        client.list_agents()
    assert caught.value.retry_after == 3600 and clock.slept == []
    assert len(script.requests) == 1


def test_a_status_error_is_not_a_transport_error_and_carries_the_request_id():
    script = Script(HTTPResponse(500, b"oops", {"X-Request-Id": "req-42"}))
    with client_for(script, max_retries=0) as client, pytest.raises(HTTPStatusError) as caught:
        client.list_agents()
    error = caught.value
    assert isinstance(error, ZegoError) and not isinstance(error, TransportError)
    assert (error.status, error.request_id, error.action) == (500, "req-42", "ListAgents")


def test_a_timeout_is_an_api_timeout_error_and_a_builtin_timeout_error():
    read_timeout = APITimeoutError("x", "timed out waiting for the answer", "retry later")
    script = Script(read_timeout, ok({"Status": "IDLE"}))
    with client_for(script) as client:  # read-only: retried
        assert client.query_agent_instance_status("i1") == {"Status": "IDLE"}
    script = Script(read_timeout)
    with client_for(script) as client, pytest.raises(TimeoutError):
        client.create_agent_instance("agent_1", "user_1", RTC)  # never repeated blindly
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("failure", "kind", "not_sent"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), APITimeoutError, True),
        (requests.exceptions.ReadTimeout("read timed out"), APITimeoutError, False),
        (requests.exceptions.ConnectionError("Connection refused"), TransportError, True),
    ],
)
def test_requests_failures_become_the_kits_errors_by_type(failure, kind, not_sent):
    class FailingSession:
        def post(self, *args, **kwargs):
            raise failure

        def close(self):
            pass

    client = AIAgentClient(
        APP_ID,
        SECRET,
        "https://example.invalid",
        max_retries=0,
        transport=RequestsTransport(FailingSession()),  # type: ignore[arg-type]
    )
    with pytest.raises(kind) as caught:
        client.list_agents()
    assert type(caught.value) is kind and caught.value.certainly_not_sent is not_sent


@pytest.mark.parametrize(
    ("base_url", "said"),
    [
        ("ftp://x", "scheme 'ftp'"),
        ("nohost", "no http:// or https://"),
        ("http://", "no host name"),
        ("http://x:99999", "port outside 1-65535"),
        ("http://x:0", "port outside 1-65535"),
        ("https://x:abc", "port outside 1-65535"),
    ],
)
def test_a_base_url_that_cannot_work_is_refused_before_any_attempt(base_url, said):
    script = Script(ok())
    with pytest.raises(ConfigError) as caught:
        AIAgentClient(APP_ID, SECRET, base_url, transport=MockTransport(script))
    error = caught.value
    assert error.variable == "ZEGO_API_BASE_URL" and said in error.problem
    assert "https://aigc-aiagent-api.zegotech.cn" in error.fix
    assert script.requests == []


def test_a_bad_port_in_settings_fails_at_connect_not_after_three_tries(tmp_path):
    env = {
        "ZEGO_APP_ID": str(APP_ID),
        "ZEGO_SERVER_SECRET": SECRET,
        "ZEGO_API_BASE_URL": "http://127.0.0.1:99999",
        "ZEGO_KIT_HOME": str(tmp_path),
    }
    settings = load_settings(env=env, dotenv_path="")
    with pytest.raises(ConfigError) as caught:
        connect(settings)
    assert caught.value.variable == "ZEGO_API_BASE_URL"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"LLM": {"Temperature": math.nan}}, "LLM.Temperature"),
        ({"Messages": [{"Content": "x"}, {"Score": math.inf}]}, "Messages[1].Score"),
        ({"Limit": -math.inf}, "Limit"),
    ],
)
def test_a_number_json_cannot_carry_is_refused_naming_the_field(body, field):
    script = Script(ok())
    with client_for(script) as client, pytest.raises(ValidationError) as caught:
        client.call("UpdateAgent", body)
    assert caught.value.field == field and "NaN or infinite" in str(caught.value)
    assert script.requests == []


def test_loggers_are_named_after_their_modules(caplog):
    caplog.set_level(logging.INFO)
    script = Script(HTTPResponse(503, b"busy"), ok())

    def broken_observer(*_args):
        raise RuntimeError("observer bug")

    with client_for(script) as client:
        client.add_observer(broken_observer)
        client.list_agents()
    names = {record.name for record in caplog.records}
    assert {"zego_helpers.transport", "zego_helpers.client"} <= names
    retry = next(r for r in caplog.records if "retrying" in r.getMessage())
    assert retry.name == "zego_helpers.transport"


def test_the_fake_clock_paces_without_waiting():
    clock = FakeClock(50.0)
    script = Script(ok())
    with client_for(script, clock, requests_per_second=2) as client:
        for _ in range(5):
            client.list_agents()
    assert len(script.requests) == 5
    assert len(clock.slept) == 2 and clock.now >= 52.0  # 2 per second: two full-second waits
