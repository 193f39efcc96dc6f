"""The client writes each create ahead, and drops it only when ZEGO certainly made nothing."""

from __future__ import annotations

import pytest

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers.client import AIAgentClient
from zego_helpers.errors import (
    APITimeoutError,
    HTTPStatusError,
    LimitReachedError,
    TransportError,
    ZegoAPIError,
)
from zego_helpers.ledger import Ledger
from zego_helpers.models import RTC, AdvancedConfig

APP_ID = 1234567890
SECRET = "fedcba9876543210fedcba9876543210"
ROOM = RTC(
    room_id="room_1",
    agent_stream_id="agent_stream_1",
    agent_user_id="agent_1",
    user_stream_id="user_stream_1",
)


def client_for(url: str, ledger: Ledger, **options) -> AIAgentClient:
    options.setdefault("timeout", (1.0, 0.5))
    return AIAgentClient(
        APP_ID, SECRET, url, requests_per_second=None, max_retries=0, ledger=ledger, **options
    )


def create(client: AIAgentClient) -> dict:
    return client.create_agent_instance(
        "agent_1", "user_1", ROOM, advanced_config=AdvancedConfig(max_idle_time=300)
    )


def test_the_create_is_in_the_ledger_before_the_request_leaves(tmp_path):
    ledger = Ledger.in_home(tmp_path)
    seen_while_in_flight = []

    def respond(received):
        seen_while_in_flight.extend(ledger.pending_creates())
        return Reply(body=envelope({"AgentInstanceId": "i1"}))

    with FakeZego(respond) as server:
        create(client_for(server.url, ledger))
    (pending,) = seen_while_in_flight
    assert (pending.room_id, pending.agent_user_id, pending.user_id) == (
        "room_1",
        "agent_1",
        "user_1",
    )
    assert (pending.user_stream_id, pending.agent_stream_id) == ("user_stream_1", "agent_stream_1")
    assert (pending.app_id, pending.api_base_url, pending.agent_id) == (
        APP_ID,
        server.url,
        "agent_1",
    )
    assert pending.max_idle_time == 300 and pending.action == "CreateAgentInstance"
    (live,) = ledger.entries()
    assert live.agent_instance_id == "i1" and live.key == pending.key
    assert ledger.pending_creates() == []


@pytest.mark.parametrize(
    ("reply", "error", "kept"),
    [
        # ZEGO refused: nothing was created, the entry goes.
        (Reply(body=envelope(code=410000011, message="limit")), LimitReachedError, False),
        (Reply(body=envelope(code=100000004, message="expired")), ZegoAPIError, False),
        (Reply(status=429, raw=b"slow down"), HTTPStatusError, False),
        # ZEGO's own transient fault: nobody can tell, the entry stays.
        (Reply(body=envelope(code=410000001, message="system error")), ZegoAPIError, True),
        (Reply(body=envelope(code=100000015, message="gateway error")), ZegoAPIError, True),
        # No answer in time, or not ZEGO's answer: the instance may run.
        (Reply(body=envelope({"AgentInstanceId": "late"}), delay=1.5), APITimeoutError, True),
        (Reply(status=502, raw=b"<html>bad gateway</html>"), HTTPStatusError, True),
        # "Success" without an id: the instance may run, its id is unknown.
        (Reply(body=envelope({})), None, True),
    ],
    ids=[
        "refused",
        "signature-expired",
        "too-many-requests",
        "system-error",
        "gateway-error",
        "timeout",
        "bad-gateway",
        "no-id",
    ],
)
def test_a_failed_create_stays_pending_unless_certainly_refused(tmp_path, reply, error, kept):
    ledger = Ledger.in_home(tmp_path)
    with FakeZego(lambda _r: reply) as server:
        client = client_for(server.url, ledger)
        if error is None:
            create(client)
        else:
            with pytest.raises(error):
                create(client)
    assert [e.room_id for e in ledger.pending_creates()] == (["room_1"] if kept else [])
    assert ledger.entries() == []


def test_a_create_that_never_left_is_dropped(tmp_path):
    ledger = Ledger.in_home(tmp_path)
    with pytest.raises(TransportError) as caught:
        create(client_for("http://127.0.0.1:9", ledger))  # nothing listens: refused
    assert caught.value.certainly_not_sent
    assert ledger.pending_creates() == []


def test_without_a_ledger_the_client_still_creates(tmp_path):
    with FakeZego(lambda _r: Reply(body=envelope({"AgentInstanceId": "i1"}))) as server:
        client = AIAgentClient(APP_ID, SECRET, server.url, requests_per_second=None)
        assert create(client) == {"AgentInstanceId": "i1"}


def test_a_base_url_with_credentials_is_kept_masked_and_still_matched(tmp_path):
    from zego_helpers.cli.cleanup import cleanup_ledger

    ledger = Ledger.in_home(tmp_path)
    with FakeZego(lambda r: Reply(body=envelope({"AgentInstanceId": "i1"}))) as server:
        url = server.url.replace("http://", "http://kit:s3cretpass@")
        client = client_for(url, ledger)
        create(client)
        assert "s3cretpass" not in (tmp_path / "ledger.jsonl").read_text()
        (entry,) = ledger.entries(app_id=APP_ID, api_base_url=client.base_url)
        assert entry.api_base_url == server.url.replace("http://", "http://****@")
        assert [r.detail for r in cleanup_ledger(client)] == ["deleted"]
    assert ledger.entries() == []
