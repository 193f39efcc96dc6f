"""Lenient parsing of callback bodies and the one-line meaning of each event."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest

from zego_helpers.callbacks.body import BodyError, decode_body
from zego_helpers.callbacks.events import (
    format_line,
    latency_of,
    parse_callback,
    short_meaning,
)


def event(name: str, data: dict | None = None, **envelope):
    body = {
        "AppId": 1234567,
        "Event": name,
        "AgentInstanceId": "inst_1",
        "AgentUserId": "agent_1",
        "AgentId": "tutorial_agent",
        "Name": "Tutor",
        "RoomId": "room_1",
        "Sequence": 7,
        "Timestamp": 1745502313000,
        "Nonce": "n1",
        "Signature": "5bd59fd62953a8059fb7eaba95720f66d19e4517",
        "Data": data or {},
    }
    return parse_callback(body | envelope, received_at=1745502313.5)


def test_envelope_fields_are_pulled_out_and_the_signature_is_dropped():
    e = event("Exception", {"Code": 2203, "Message": "bad key", "Round": 2})
    assert (e.app_id, e.event, e.agent_instance_id, e.agent_user_id) == (
        1234567,
        "Exception",
        "inst_1",
        "agent_1",
    )
    assert (e.agent_id, e.name, e.room_id, e.sequence, e.timestamp_ms, e.nonce) == (
        "tutorial_agent",
        "Tutor",
        "room_1",
        7,
        1745502313000,
        "n1",
    )
    assert e.round == 2 and e.code == 2203
    assert "Signature" not in e.raw
    assert "5bd59fd6" not in repr(e)


def test_unknown_events_and_extra_fields_are_kept_not_rejected():
    e = event("AgentDreamed", {"Dream": "sheep", "Round": "4"}, NewTopLevel={"x": 1})
    assert e.event == "AgentDreamed"
    assert e.data == {"Dream": "sheep", "Round": "4"}
    assert e.round == 4
    assert e.raw["NewTopLevel"] == {"x": 1}
    assert "not a documented event" in short_meaning(e) and "Dream" in short_meaning(e)


def test_missing_or_mistyped_fields_become_empty_never_an_exception():
    e = parse_callback({"Event": 5, "Sequence": "abc", "AppId": True, "Data": [1, 2]})
    assert e.event == "5"
    assert e.sequence is None and e.app_id is None and e.timestamp_ms is None
    assert e.data == {"value": [1, 2]}
    assert e.agent_instance_id == ""
    assert short_meaning(e)  # still explainable
    empty = parse_callback({})
    assert "no Event field" in short_meaning(empty)
    assert format_line(empty)


def test_data_sent_as_a_json_string_is_decoded():
    e = event("LLMResult", data=None, Data=json.dumps({"Text": "Hello", "Round": 1}))
    assert e.data == {"Text": "Hello", "Round": 1}


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("Exception", {"Code": 2203, "Round": 1}, "Exception 2203: LLM authentication failed"),
        ("Exception", {"Code": 1202}, "Exception 1202: The user was not in the room"),
        ("Exception", {"Code": 9999}, "Exception 9999: Undocumented exception code"),
        ("AgentInstanceStatus", {"Status": "SPEAKING", "Round": 3}, "Status SPEAKING (round 3)"),
        ("AgentSpeakAction", {"Action": "SPEAK_BEGIN", "Round": 3}, "SPEAK_BEGIN (round 3)"),
        ("LLMResult", {"Text": "Hi there", "Round": 1}, 'LLM said: "Hi there"'),
        ("ASRResult", {"Text": "hello", "UserId": "u1"}, 'User said: "hello"'),
        ("Interrupted", {"Reason": 1, "PlayedText": "Well"}, "the user spoke; had said"),
        ("UserSpeakAction", {"UserId": "u1", "Action": "SPEAK_END"}, "u1 stopped speaking"),
        ("AgentInstanceCreated", {"CreatedTimestamp": 1}, "Agent joined the room"),
        ("AgentInstanceDeleted", {"Code": 0}, "Deleted through the API"),
        ("AgentInstanceDeleted", {"Code": 1202}, "Destroyed: 1202"),
        ("AgentInstanceMetaInfo", {"MetaInfo": {"usage": 1}}, "LLM meta info: usage"),
        ("UserAudioData", {"SampleRate": 16000, "Audio": "A" * 64000}, "1.5 s of"),
    ],
)
def test_short_meaning(name, data, expected):
    assert expected in short_meaning(event(name, data))


def test_short_meaning_truncates_long_text():
    meaning = short_meaning(event("LLMResult", {"Text": "word " * 100}), width=40)
    assert len(meaning) < 60 and meaning.endswith('…"')


def test_latency_data_of_a_deleted_event():
    data = {
        "Code": 0,
        "LatencyData": {
            "LLMTTFT": 420,
            "LLMTPS": 35.5,
            "TTSAudioFirstFrameTime": "180",
            "TotalCost": 900,
        },
    }
    lat = latency_of(event("AgentInstanceDeleted", data))
    assert (lat.llm_ttft_ms, lat.llm_tokens_per_s, lat.tts_first_frame_ms, lat.total_ms) == (
        420.0,
        35.5,
        180.0,
        900.0,
    )
    assert latency_of(event("AgentInstanceDeleted", {"Code": 0})) is None
    assert "900 ms" in short_meaning(event("AgentInstanceDeleted", data))


def test_dedup_key_uses_sequence_then_nonce():
    assert event("LLMResult").dedup_key == ("seq", "inst_1", "LLMResult", 7)
    assert event("LLMResult", Sequence=None).dedup_key == ("nonce", "n1")
    assert event("LLMResult", Sequence=None, Nonce="").dedup_key is None


# --- body decoding ------------------------------------------------------------------------

BODY = {"Event": "LLMResult", "Sequence": 1, "Data": {"Text": "a+b = c & d", "Round": 1}}


def test_plain_json_body():
    assert decode_body(json.dumps(BODY).encode()) == BODY


def test_percent_encoded_json_body():
    assert decode_body(quote(json.dumps(BODY)).encode()) == BODY


def test_form_body_with_the_json_in_one_field():
    assert decode_body(urlencode({"body": json.dumps(BODY)}).encode()) == BODY


def test_form_body_with_one_field_per_key():
    form = urlencode({"Event": "LLMResult", "Sequence": "1", "Data": json.dumps(BODY["Data"])})
    decoded = decode_body(form.encode())
    assert decoded["Data"] == BODY["Data"]
    assert parse_callback(decoded).sequence == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "list, not an object"),
        (b'"just a string"', "neither JSON nor a form"),
        (b"\xff\xfe", "not UTF-8"),
        (b"%5B1%5D", "neither JSON nor a form"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(body, message):
    with pytest.raises(BodyError, match=message):
        decode_body(body)
