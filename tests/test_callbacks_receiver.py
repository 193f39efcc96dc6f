"""The callback receiver over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests

from zego_helpers.callbacks import CallbackReceiver, CallbackSecrets
from zego_helpers.signing import callback_signature

CALLBACK_SECRET = "cb-secret-0123456789"
SERVER_SECRET = "srv-secret-9876543210"


def callback(seq: int, *, secret: str = CALLBACK_SECRET, age_s: float = 0, **overrides) -> dict:
    timestamp = int((time.time() - age_s) * 1000)
    nonce = f"nonce-{seq}-{time.monotonic_ns()}"
    body = {
        "AppId": 1234567,
        "Event": "Exception",
        "AgentInstanceId": "inst_1",
        "AgentUserId": "agent_1",
        "AgentId": "tutorial_agent",
        "RoomId": "room_1",
        "Sequence": seq,
        "Timestamp": timestamp,
        "Nonce": nonce,
        "Signature": callback_signature(secret, timestamp, nonce),
        "Data": {"Code": 2203, "Message": "invalid api key", "Round": 1},
    }
    return body | overrides


@pytest.fixture
def receiver():
    rx = CallbackReceiver(CallbackSecrets(CALLBACK_SECRET, SERVER_SECRET)).start()
    try:
        yield rx
    finally:
        rx.stop()
        rx.log.close()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def post(http, rx, body, **kwargs):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return http.post(rx.url, data=data, timeout=10, **kwargs)


def health(http, rx) -> dict:
    reply = http.get(rx.url.replace(rx.path, "/healthz"), timeout=10)
    assert reply.status_code == 200
    return reply.json()


def test_valid_callback_is_accepted_and_logged(receiver, http):
    reply = post(http, receiver, callback(1))
    assert reply.status_code == 200 and reply.json() == {"ok": True}
    [event] = receiver.log.events()
    assert (event.event, event.code, event.verified_by) == ("Exception", 2203, "callback_secret")


def test_server_secret_is_accepted_and_reported_as_such(receiver, http):
    reply = post(http, receiver, callback(1, secret=SERVER_SECRET))
    assert reply.status_code == 200
    assert receiver.log.events()[0].verified_by == "server_secret"
    assert receiver.stats()["verified_by"] == {"server_secret": 1}


def test_forged_signature_is_refused_with_401_and_not_logged(receiver, http):
    reply = post(http, receiver, callback(1, secret="guessed"))
    assert reply.status_code == 401
    assert "bad signature" in reply.json()["error"]
    assert len(receiver.log) == 0
    assert receiver.stats()["rejected"] == {401: 1}


def test_unsigned_callback_is_refused_with_401(receiver, http):
    body = callback(1)
    del body["Signature"]
    reply = post(http, receiver, body)
    assert reply.status_code == 401 and "unsigned" in reply.json()["error"]
    assert len(receiver.log) == 0


def test_retry_of_the_same_event_gets_200_and_is_logged_once(receiver, http):
    first = callback(7)
    assert post(http, receiver, first).json() == {"ok": True}
    assert post(http, receiver, first).json() == {"ok": True, "duplicate": True}
    # ZEGO's retry may be re-signed with a new nonce: the (instance, event, sequence) decides.
    resent = callback(7)
    assert resent["Nonce"] != first["Nonce"]
    assert post(http, receiver, resent).status_code == 200
    assert len(receiver.log) == 1
    assert receiver.stats()["duplicates"] == 2


def test_stale_timestamp_is_refused_but_a_recent_retry_is_not(receiver, http):
    reply = post(http, receiver, callback(1, age_s=600))
    assert reply.status_code == 401 and "stale" in reply.json()["error"]
    assert post(http, receiver, callback(2, age_s=62)).status_code == 200
    assert [e.sequence for e in receiver.log] == [2]


def test_oversized_body_is_refused_with_413_and_the_receiver_keeps_serving(receiver, http):
    big = callback(1, Data={"Padding": "x" * (receiver.max_body_bytes + 1)})
    assert post(http, receiver, big).status_code == 413

    def chunks():  # no Content-Length: the size is found while reading
        yield b'{"Data": "'
        yield b"y" * receiver.max_body_bytes
        yield b'"}'

    assert http.post(receiver.url, data=chunks(), timeout=10).status_code == 413
    assert post(http, receiver, callback(2)).status_code == 200
    assert receiver.stats()["rejected"] == {413: 2}
    assert health(http, receiver)["accepted"] == 1


def test_body_limit_is_configurable():
    with CallbackReceiver(CallbackSecrets(CALLBACK_SECRET), max_body_bytes=1000) as rx:
        body = callback(1, Data={"Text": "z" * 1000})
        assert requests.post(rx.url, json=body, timeout=10).status_code == 413
        assert requests.post(rx.url, json=callback(2), timeout=10).status_code == 200
        rx.log.close()


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1]", b"\xff\xfe\xfd"])
def test_malformed_body_is_refused_with_400_and_a_clear_message(receiver, http, body):
    reply = post(http, receiver, body)
    assert reply.status_code == 400
    assert reply.json()["error"].startswith("malformed callback: ")


def test_url_encoded_json_body_is_accepted(receiver, http):
    encoded = quote(json.dumps(callback(1)))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(http, receiver, encoded, headers=headers).status_code == 200
    assert receiver.log.events()[0].code == 2203


def test_unknown_event_with_extra_fields_is_accepted(receiver, http):
    body = callback(1, Event="AgentLearnedToSing", Data={"Song": "la"}, Brand_New_Field=[1])
    assert post(http, receiver, body).status_code == 200
    [event] = receiver.log.events()
    assert event.event == "AgentLearnedToSing" and event.raw["Brand_New_Field"] == [1]


def test_other_paths_and_methods_explain_themselves(receiver, http):
    base = receiver.url.replace(receiver.path, "")
    reply = http.post(base + "/elsewhere", json=callback(1), timeout=10)
    assert reply.status_code == 404 and receiver.path in reply.json()["error"]
    assert http.get(receiver.url, timeout=10).status_code == 405
    assert health(http, receiver)["ok"] is True


def test_listeners_hear_accepted_events_only(receiver, http):
    heard = []
    got_one = threading.Event()
    receiver.log.subscribe(lambda e: (heard.append(e.sequence), got_one.set()))
    post(http, receiver, callback(1, secret="forged"))
    post(http, receiver, callback(2))
    assert got_one.wait(timeout=10)
    assert heard == [2]


def test_no_secret_or_signature_reaches_the_logs(receiver, http, caplog):
    caplog.set_level(logging.DEBUG, logger="zego_helpers")
    good, forged = callback(1), callback(2, secret="forged")
    for body in (good, forged, b"{bad"):
        post(http, receiver, body)
    text = caplog.text + repr(receiver) + repr(receiver.log.events()) + str(receiver.stats())
    assert "Rejected a callback" in caplog.text  # the rejections were logged...
    for secret in (CALLBACK_SECRET, SERVER_SECRET, good["Signature"], forged["Signature"]):
        assert secret not in text  # ...without anything secret


def test_burst_of_200_callbacks_from_several_threads_loses_none(receiver):
    count, workers = 200, 4
    bodies = [json.dumps(callback(seq)) for seq in range(count)]

    def send(indices):
        with requests.Session() as session:
            return [
                session.post(receiver.url, data=bodies[i], timeout=30).status_code for i in indices
            ]

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        statuses = [
            s
            for part in pool.map(send, [range(w, count, workers) for w in range(workers)])
            for s in part
        ]
    elapsed = time.perf_counter() - started
    print(f"\nburst: {count} callbacks from {workers} threads in {elapsed:.3f} s")
    assert statuses == [200] * count
    assert len(receiver.log) == count
    assert sorted(e.sequence for e in receiver.log) == list(range(count))
    with requests.Session() as session:
        stats = health(session, receiver)
    assert stats["accepted"] == count and stats["rejected"] == {}


def test_stop_closes_the_port_and_start_reports_a_busy_port():
    rx = CallbackReceiver(CallbackSecrets(CALLBACK_SECRET)).start()
    url, port = rx.url, rx.port
    with pytest.raises(OSError, match="Cannot listen on 127.0.0.1:.*port=0 picks a free one"):
        CallbackReceiver(CallbackSecrets(CALLBACK_SECRET), port=port).start()
    rx.stop()
    assert not rx.running
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json=callback(1), timeout=5)
    rx.stop()  # harmless twice


def test_repr_never_shows_a_secret():
    rx = CallbackReceiver(CallbackSecrets(CALLBACK_SECRET, SERVER_SECRET))
    text = repr(rx)
    assert "not started" in text and "callback_secret, server_secret" in text
    assert CALLBACK_SECRET not in text and SERVER_SECRET not in text
