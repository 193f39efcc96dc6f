"""Call ids are unique, valid and carry the attendee's prefix; agent ids are stable."""

from __future__ import annotations

import dataclasses
import re

import pytest

from zego_helpers.errors import ValidationError
from zego_helpers.ids import CallIds, make_agent_id, make_call_ids, namespace_prefix
from zego_helpers.models import RTC

ID_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")
AGENT_ID_CHARS = re.compile(r"^[0-9A-Za-z!#$%&()+\-:;<=.>?@\[\]^_{}|~,]+$")
NAMES = ["Zoë", "张伟", "Ögünç-Ätäç", "a" * 200, "Dr. Jane O'Neil", "李", "张伟 Li", "Straße"]


def all_ids(ids: CallIds) -> list[str]:
    return [getattr(ids, f.name) for f in dataclasses.fields(ids)]


def assert_valid(ids: CallIds) -> None:
    for value in all_ids(ids):
        assert ID_CHARS.match(value), value
    assert len(ids.user_id.encode()) <= 32
    assert len(ids.agent_user_id.encode()) <= 32
    for value in (ids.room_id, ids.user_stream_id, ids.agent_stream_id):
        assert len(value.encode()) <= 128
    assert ids.agent_user_id != ids.user_id
    assert ids.agent_stream_id != ids.user_stream_id


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zoë", "zoe"),
        ("Ögünç-Ätäç", "ogunc-atac"),
        ("  Anna  Maria  ", "anna_maria"),
        ("x--__y", "x_y"),
        (None, ""),
        ("", ""),
        ("   ", ""),
    ],
)
def test_namespace_prefix_examples(name, expected):
    assert namespace_prefix(name) == expected


def test_long_names_keep_seven_characters_and_a_hash():
    assert re.fullmatch(r"dr_ja_[0-9a-f]{6}", namespace_prefix("Dr. Jane O'Neil"))
    assert re.fullmatch(r"aaaaa_[0-9a-f]{6}", namespace_prefix("a" * 200))


def test_non_latin_names_get_a_stable_short_hash():
    first = namespace_prefix("张伟")
    assert re.fullmatch(r"u[0-9a-f]{6}", first)
    assert namespace_prefix("张伟") == first  # stable across calls (and runs: it is a hash)
    assert namespace_prefix("李") != first


def test_dropped_letters_add_a_hash_so_names_stay_distinct():
    assert re.fullmatch(r"li_[0-9a-f]{6}", namespace_prefix("张伟 Li"))
    assert namespace_prefix("张伟 Li") != namespace_prefix("Li")
    assert namespace_prefix("王芳 Li") != namespace_prefix("张伟 Li")


@pytest.mark.parametrize("name", NAMES)
def test_prefix_is_short_valid_and_idempotent(name):
    prefix = namespace_prefix(name)
    assert 1 <= len(prefix) <= 12
    assert ID_CHARS.match(prefix)
    assert namespace_prefix(prefix) == prefix


def test_distinct_attendees_get_distinct_prefixes():
    names = NAMES + ["Zoe Smith", "Zoe Smythe", "Alexander Smith", "Alexander Smithers", "Li"]
    prefixes = [namespace_prefix(name) for name in names]
    assert len(set(prefixes)) == len(names)


def test_same_person_typed_differently_gets_the_same_prefix():
    assert namespace_prefix("Zoë") == namespace_prefix("zoe") == namespace_prefix(" ZOË ")


def test_call_ids_are_unique_over_1000_calls():
    calls = [make_call_ids("Zoë") for _ in range(1000)]
    for field in ("room_id", "user_id", "agent_user_id", "user_stream_id", "agent_stream_id"):
        values = {getattr(ids, field) for ids in calls}
        assert len(values) == 1000, field
    every_id = [value for ids in calls for value in all_ids(ids)]
    assert len(set(every_id)) == 5000  # no id of one call equals an id of another


@pytest.mark.parametrize("name", [None, *NAMES])
def test_call_ids_are_valid_and_carry_the_prefix(name):
    ids = make_call_ids(name)
    assert_valid(ids)
    assert ids.validate() is ids
    prefix = namespace_prefix(name)
    if prefix:
        for value in all_ids(ids):
            assert value.startswith(prefix + "_")


def test_call_ids_without_prefix_have_no_leading_separator():
    ids = make_call_ids()
    assert ids.room_id.startswith("room_")
    assert ids.agent_user_id.startswith("agent_")


def test_call_ids_are_frozen():
    ids = make_call_ids()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ids.room_id = "other"  # type: ignore[misc]


def test_to_rtc():
    ids = make_call_ids("zoe")
    rtc = ids.to_rtc()
    assert isinstance(rtc, RTC)
    assert rtc.to_api() == {
        "RoomId": ids.room_id,
        "AgentStreamId": ids.agent_stream_id,
        "AgentUserId": ids.agent_user_id,
        "UserStreamId": ids.user_stream_id,
    }
    rtc.validate()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"room_id": "room 1"}, "RoomId"),
        ({"user_id": "u" * 33}, "UserId"),
        ({"agent_user_id": "a" * 33}, "RTC.AgentUserId"),
        ({"user_stream_id": "s" * 129}, "RTC.UserStreamId"),
        ({"agent_stream_id": "stream/1"}, "RTC.AgentStreamId"),
        ({"agent_user_id": "same"}, "RTC.AgentUserId"),
        ({"agent_stream_id": "same_stream"}, "RTC.AgentStreamId"),
    ],
)
def test_call_ids_validate_names_the_field(changes, field):
    good = CallIds("room", "same", "agent", "same_stream", "agent_stream")
    good.validate()
    with pytest.raises(ValidationError) as info:
        dataclasses.replace(good, **changes).validate()
    assert info.value.field == field


def test_agent_id_is_stable_and_prefixed():
    assert make_agent_id() == "tutorial_agent"
    assert make_agent_id("Zoë") == "zoe_tutorial_agent"
    assert make_agent_id("Zoë") == make_agent_id("Zoë")
    assert make_agent_id("Zoë", base="support_bot") == "zoe_support_bot"
    assert make_agent_id("张伟") != make_agent_id("李")


@pytest.mark.parametrize("name", NAMES)
def test_agent_id_is_valid_for_any_name(name):
    agent_id = make_agent_id(name)
    assert len(agent_id) <= 128 and AGENT_ID_CHARS.match(agent_id)


def test_agent_id_with_invalid_base_is_refused():
    with pytest.raises(ValidationError) as info:
        make_agent_id("zoe", base="bad base")
    assert info.value.field == "AgentId"


def test_fifty_long_similar_names_get_fifty_prefixes():
    names = [f"Participant number {i} of the workshop" for i in range(50)]
    assert len({namespace_prefix(name) for name in names}) == 50
