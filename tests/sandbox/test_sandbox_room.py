"""The room sandbox follows each attendee, and serves the trainer (and only the trainer).

Attendees are played by hand-signed requests (:class:`.helpers.Api`) with ids made the
way the kit makes them (:func:`zego_helpers.ids.make_call_ids`), so what the room
attributes to whom is what it would attribute to real attendees' kits.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from zego_helpers.ids import make_agent_id, make_call_ids, namespace_prefix
from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from zego_helpers.sandbox import room as room_module
from zego_helpers.sandbox.envelope import SandboxError
from zego_helpers.sandbox.room import STEP_KEYS, RoomTracker, new_trainer_token

from .helpers import FAST, Api, api_for, trial_llm, trial_tts, wait_until

TOKEN = new_trainer_token()


class Room:
    """A room sandbox with its tracker, and the trainer's view of it."""

    def __init__(self, sandbox: RunningSandbox, tracker: RoomTracker) -> None:
        self.sandbox, self.tracker = sandbox, tracker
        self.url = sandbox.base_url

    def trainer(self, method: str, path: str, token: str | None = TOKEN, **kwargs: Any):
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return requests.request(
            method, f"{self.url}/room/{path}", headers=headers, timeout=30, **kwargs
        )

    def status(self) -> dict[str, Any]:
        answer = self.trainer("GET", "api/status?wait=0")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def attendee(self, namespace: str) -> dict[str, Any]:
        rows = {row["Namespace"]: row for row in self.status()["Attendees"]}
        return rows[namespace]

    def cleanup(self, **body: Any) -> dict[str, Any]:
        answer = self.trainer("POST", "api/cleanup", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def start_room() -> Iterator[Callable[..., Room]]:
    started: list[RunningSandbox] = []

    def _start(**options: Any) -> Room:
        config = SandboxConfig.with_random_credentials(**{**FAST, **options})
        tracker = RoomTracker(TOKEN, config.server_secret)
        sandbox = start_sandbox(config, tracker)
        started.append(sandbox)
        return Room(sandbox, tracker)

    yield _start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def room(start_room: Callable[..., Room]) -> Room:
    return start_room()


@pytest.fixture
def api(room: Room) -> Api:
    return api_for(room.sandbox)


def quick_start(api: Api, name: str, *, delete: bool = True) -> str:
    """One attendee's notebooks 01-04, as their kit sends them; returns the instance id."""
    agent_id = make_agent_id(name)
    api.ok(
        "RegisterAgent",
        {"AgentId": agent_id, "Name": name, "LLM": trial_llm(), "TTS": trial_tts()},
    )
    ids = make_call_ids(name)
    rtc = ids.to_rtc().to_api()
    body = {"AgentId": agent_id, "UserId": ids.user_id, "RTC": rtc}
    instance = api.ok("CreateAgentInstance", body)["AgentInstanceId"]
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "Welcome"})
    if delete:
        api.ok("DeleteAgentInstance", {"AgentInstanceId": instance})
    return instance


# --- following each attendee --------------------------------------------------------------


def test_each_attendee_gets_a_row_with_every_step_done_and_the_name_they_typed(room, api):
    for name in ("Zoë Martin", "张伟", "Zoe"):
        quick_start(api, name)
    snapshot = room.status()
    rows = {row["Namespace"]: row for row in snapshot["Attendees"]}
    assert set(rows) == {"zoe_martin", namespace_prefix("张伟"), "zoe"}
    for name in ("Zoë Martin", "张伟", "Zoe"):
        row = rows[namespace_prefix(name)]
        assert row["Name"] == name  # the agent's Name, as the kit registers it
        assert set(row["Steps"]) == set(STEP_KEYS) and row["StepsDone"] == 5
        assert row["Instances"] == [] and row["Agents"] == [make_agent_id(name)]
        assert row["Errors"] == 0 and row["LastError"] is None
        assert row["Requests"] == 5
    assert snapshot["Room"]["Attendees"] == 3 and snapshot["Room"]["Collisions"] == 0
    assert [step["Key"] for step in snapshot["Steps"]] == list(STEP_KEYS)


def test_live_instances_are_read_from_the_sandbox_so_the_idle_rule_shows_at_once(room, api):
    instance = quick_start(api, "Zoë", delete=False)
    row = room.attendee("zoe")
    assert [i["AgentInstanceId"] for i in row["Instances"]] == [instance]
    assert row["Instances"][0]["Status"] in ("IDLE", "SPEAKING", "THINKING", "LISTENING")
    assert "deleted" not in row["Steps"]
    api.ok("SandboxConfigure", {"IdleRule": True, "IdleTimeScale": 0.0001})
    wait_until(lambda: not room.attendee("zoe")["Instances"], what="the idle rule")
    error = room.attendee("zoe")["LastError"]
    assert error["Code"] == 1202 and error["Kind"] == "exception event"
    assert "MaxIdleTime" in error["Meaning"] or error["Meaning"]  # ZEGO's words, not ours
    assert "deleted" not in room.attendee("zoe")["Steps"]  # the room destroyed it, not Zoë


def test_a_refused_request_is_the_attendees_last_error_with_its_meaning(room, api):
    name = "Zoë"
    ids = make_call_ids(name)
    body = {"AgentId": make_agent_id(name), "UserId": ids.user_id, "RTC": ids.to_rtc().to_api()}
    api.fails("CreateAgentInstance", body, 410001009)  # 01 skipped: the agent does not exist
    row = room.attendee("zoe")
    assert row["Errors"] == 1 and row["Steps"] == {}
    error = row["LastError"]
    assert error["Code"] == 410001009 and error["Kind"] == "return code"
    assert error["Meaning"] and error["Action"] == "CreateAgentInstance"
    assert "RegisterAgent" in error["Message"]  # the sandbox's own words say what to do


def test_what_nobody_can_be_named_for_is_counted_for_the_room(room, api):
    api.fails("ListAgents", {}, 100000005, secret="x" * 32)  # a wrong secret: whose?
    api.ok("RegisterAgent", {"AgentId": "my_bot", "LLM": trial_llm(), "TTS": trial_tts()})
    room_status = room.status()["Room"]
    assert room_status["UnattributedErrors"] == 1
    assert room_status["LastUnattributedError"]["Code"] == 100000005
    assert room_status["UnattributedAgents"] == ["my_bot"]  # hand-picked: nobody's
    assert room.status()["Attendees"] == []


def test_two_attendees_on_one_agent_user_id_is_a_collision_the_kicked_one_sees(room, api):
    zoe, bob = make_call_ids("Zoe"), make_call_ids("Bob")
    for name in ("Zoe", "Bob"):
        api.ok(
            "RegisterAgent",
            {"AgentId": make_agent_id(name), "LLM": trial_llm(), "TTS": trial_tts()},
        )
    first = api.ok(
        "CreateAgentInstance",
        {"AgentId": make_agent_id("Zoe"), "UserId": zoe.user_id, "RTC": zoe.to_rtc().to_api()},
    )["AgentInstanceId"]
    hand_picked = {**bob.to_rtc().to_api(), "AgentUserId": zoe.agent_user_id}
    api.ok(
        "CreateAgentInstance",
        {"AgentId": make_agent_id("Bob"), "UserId": bob.user_id, "RTC": hand_picked},
    )
    snapshot = room.status()
    assert snapshot["Room"]["Collisions"] == 1
    rows = {row["Namespace"]: row for row in snapshot["Attendees"]}
    assert rows["zoe"]["LastError"]["Code"] == 1203
    assert first in rows["zoe"]["LastError"]["Action"]
    assert rows["zoe"]["Instances"] == [] and len(rows["bob"]["Instances"]) == 1


def test_zoe_and_zoe_1_stay_apart(room, api):
    quick_start(api, "zoe", delete=False)
    quick_start(api, "zoe_1", delete=False)
    zoe, zoe_1 = room.attendee("zoe"), room.attendee("zoe_1")
    assert zoe["Agents"] == ["zoe_tutorial_agent"] and zoe_1["Agents"] == ["zoe_1_tutorial_agent"]
    assert len(zoe["Instances"]) == len(zoe_1["Instances"]) == 1
    assert zoe["Instances"] != zoe_1["Instances"]


# --- secrets ----------------------------------------------------------------------------------


def test_the_dashboard_never_shows_a_secret_and_the_api_never_shows_the_token(room, api):
    api_key = "sk-live-0123456789abcdefSECRET"
    custom_llm = {"Url": "https://llm.example/v1/chat/completions", "ApiKey": api_key, "Model": "m"}
    register = {
        "AgentId": make_agent_id("Zoe"),
        "Name": "Zoe",
        "LLM": custom_llm,
        "TTS": trial_tts(),
    }
    answers = [api.call("RegisterAgent", register)]
    ids = make_call_ids("Zoe")
    create = {"AgentId": make_agent_id("Zoe"), "UserId": ids.user_id, "RTC": ids.to_rtc().to_api()}
    answers.append(api.call("CreateAgentInstance", create))
    answers.append(api.call("SandboxInfo", {}))
    answers.append(api.call("ListAgents", {}))
    # a refused request whose message would echo the key
    answers.append(
        api.call("UpdateAgent", {"AgentId": make_agent_id("Zoe"), "LLM": {"ApiKey": api_key}})
    )
    everything = json.dumps(room.status(), ensure_ascii=False)
    for secret in (api_key, room.sandbox.server_secret, TOKEN):
        assert secret not in everything
    for answer in answers:
        assert TOKEN not in json.dumps(answer)


def test_an_error_message_is_masked_with_the_room_secret_and_the_requests_keys():
    tracker = RoomTracker(TOKEN, server_secret="s" * 32)
    body = {"AgentId": "zoe_tutorial_agent", "LLM": {"ApiKey": "sk-abcdef0123456789"}}
    message = f"boom sk-abcdef0123456789 and {'s' * 32} at https://user:pw@host/x?api_key=k1234567"
    tracker.observe_request("UpdateAgent", body, None, SandboxError(410000003, message), 1.0)
    shown = tracker.attendees["zoe"].last_error.message
    assert "sk-abcdef" not in shown and "s" * 32 not in shown and "pw@" not in shown
    assert "k1234567" not in shown and "****" in shown


# --- the trainer's endpoints, and only the trainer's ------------------------------------------


@pytest.mark.parametrize("token", [None, "", "wrong-token-0123456789", "SECRET"])
def test_without_the_trainer_token_the_dashboard_data_is_refused(room, token):
    if token == "SECRET":
        token = room.sandbox.server_secret  # every attendee holds this one
    for method, path in (("GET", "api/status?wait=0"), ("POST", "api/cleanup")):
        answer = room.trainer(method, path, token=token, json={"All": True})
        assert answer.status_code == 401
        assert "Bearer" in answer.json()["Error"] and "room file" in answer.json()["Error"]
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_api_request_does_not_reach_the_dashboard(room, api):
    quick_start(api, "Zoe", delete=False)
    params = api.query("SandboxListInstances")
    answer = requests.get(f"{room.url}/room/api/status", params=params, timeout=10)
    assert answer.status_code == 401
    answer = requests.post(
        f"{room.url}/room/api/cleanup", params=params, json={"All": True}, timeout=10
    )
    assert answer.status_code == 401
    assert len(room.attendee("zoe")["Instances"]) == 1  # nothing was deleted


def test_the_page_is_static_and_locked_down(room):
    page = room.trainer("GET", "", token=None)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "dashboard.js" in page.text and "AppID" not in page.text
    script = room.trainer("GET", "dashboard.js", token=None)
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert "innerHTML" not in script.text  # attendees' text only ever goes in as text
    assert requests.get(f"{room.url}/room", timeout=10, allow_redirects=False).status_code in (
        301,
        302,
    )


def test_a_sandbox_without_a_room_has_no_dashboard(start):
    sandbox = start()
    answer = requests.get(f"{sandbox.base_url}/room/", timeout=10)
    assert answer.status_code == 404 and answer.json()["Code"] == 410000003


def test_a_waiting_status_request_answers_as_soon_as_the_room_changes(room, api):
    version = room.status()["Version"]
    answers: list[dict] = []
    waiter = threading.Thread(
        target=lambda: answers.append(room.trainer("GET", f"api/status?after={version}").json())
    )
    waiter.start()
    time.sleep(0.3)
    assert not answers  # nothing changed yet: it waits
    quick_start(api, "Zoe")
    waiter.join(20)
    assert answers and answers[0]["Version"] > version
    assert answers[0]["Attendees"][0]["Namespace"] == "zoe"


@pytest.mark.parametrize("query", ["after=abc", "after=%D9%A1", "wait=nan", "wait=1e999x"])
def test_a_status_request_with_a_bad_number_is_refused_with_the_reason(room, query):
    answer = room.trainer("GET", f"api/status?{query}")
    assert answer.status_code == 400
    assert "is not a number" in answer.json()["Error"]


# --- the trainer's clean-up -------------------------------------------------------------------


def test_cleanup_of_one_attendee_touches_nobody_else_and_a_dry_run_touches_nothing(room, api):
    for name in ("zoe", "zoe_1", "Bob"):
        quick_start(api, name, delete=False)
    dry = room.cleanup(Namespace="zoe", Instances=True, Agents=True, DryRun=True)
    assert (
        dry["DryRun"] and len(dry["Deleted"]) == 1 and dry["Unregistered"] == ["zoe_tutorial_agent"]
    )
    assert len(room.attendee("zoe")["Instances"]) == 1
    done = room.cleanup(Namespace="zoe", Instances=True, Agents=True)
    assert done["Deleted"] == dry["Deleted"] and done["Unregistered"] == dry["Unregistered"]
    assert room.attendee("zoe")["Instances"] == [] and room.attendee("zoe")["Agents"] == []
    for other in ("zoe_1", "bob"):
        assert len(room.attendee(other)["Instances"]) == 1 and room.attendee(other)["Agents"]
    # the deletion went through the sandbox's rules: ZEGO's event for each
    assert api.events(done["Deleted"][0], "AgentInstanceDeleted")
    assert "deleted" not in room.attendee("zoe")["Steps"]  # the trainer did it, not Zoe
    log = room.status()["TrainerLog"]
    assert [line["Text"] for line in log][-2:] == [
        "trainer: deleted 1 instance of 'zoe'",
        "trainer: unregistered 1 agent of 'zoe'",
    ]


def test_cleanup_of_everybody_leaves_no_instance_and_no_agent(room, api):
    for name in ("Zoë", "张伟", "Bob"):
        quick_start(api, name, delete=False)
    api.ok("RegisterAgent", {"AgentId": "my_bot", "LLM": trial_llm(), "TTS": trial_tts()})
    done = room.cleanup(All=True, Instances=True, Agents=True)
    assert len(done["Deleted"]) == 3 and len(done["Unregistered"]) == 4
    info = api.ok("SandboxInfo")
    assert info["Agents"] == 0 and info["Instances"] == 0
    assert room.status()["Room"]["Instances"] == 0


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"not json", "not accepted"),
        (b"[" * 200 + b"]" * 200, "not accepted"),
        (b"[]", "JSON object"),
        (b'{"All": true, "Namespace": "zoe"}', "either Namespace"),
        (b"{}", "either Namespace"),
        (b'{"Namespace": 7}', "must be a string"),
        (b'{"Namespace": "Zo\\u00eb Martin"}', "'zoe_martin'"),
        (b'{"All": true, "Instances": "yes"}', "true or false"),
        (b'{"All": true, "Instances": false}', "nothing to do"),
        (b'{"All": true, "Everything": true}', "unknown field"),
        (b'{"Namespace": "\\ud800"}', "not accepted"),
    ],
)
def test_a_bad_cleanup_request_is_refused_with_the_reason_and_changes_nothing(
    room, api, body, says
):
    quick_start(api, "Zoe", delete=False)
    answer = room.trainer("POST", "api/cleanup", data=body)
    assert answer.status_code == 400
    assert says in answer.json()["Error"]
    assert len(room.attendee("zoe")["Instances"]) == 1


# --- bounded, and never in the way ------------------------------------------------------------


def test_hostile_bodies_never_break_a_request_and_never_raise(room, api):
    odd_bodies = [
        {"AgentInstanceId": 12},
        {"AgentId": ["x"], "Name": {"a": 1}},
        {"RTC": "room", "UserId": None, "AgentId": "zoe_tutorial_agent"},
        {"AgentId": "x" * 200},
    ]
    for body in odd_bodies:
        for action in ("RegisterAgent", "CreateAgentInstance", "DeleteAgentInstance"):
            envelope = api.call(action, body)
            assert envelope["Code"] != 410000001, envelope  # the sandbox's rules answer, no bug
    tracker = room.tracker
    tracker.observe_request("CreateAgentInstance", None, None, None, 1.0)  # type: ignore[arg-type]
    tracker.observe_events([{"body": {"Event": "Exception", "Data": "x"}}, {}], 1.0)
    assert room.status()["Version"] >= 0


def test_the_tracker_keeps_at_most_max_attendees(monkeypatch):
    monkeypatch.setattr(room_module, "MAX_ATTENDEES", 3)
    tracker = RoomTracker(TOKEN)
    for index in range(10):
        body = {"AgentId": f"a{index}_tutorial_agent"}
        tracker.observe_request("RegisterAgent", body, {}, None, 1.0)
    assert len(tracker.attendees) == 3


def test_a_trainer_token_must_be_long_enough():
    with pytest.raises(ValueError, match="at least 16"):
        RoomTracker("short")


def test_a_tracker_that_fails_never_fails_the_request_it_watches(room, api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the tracker")

    monkeypatch.setattr(room.tracker, "_observe", broken)
    monkeypatch.setattr(room.tracker, "_observe_event", broken)
    instance = quick_start(api, "Zoe", delete=False)
    assert api.status(instance) in ("IDLE", "SPEAKING", "THINKING", "LISTENING")
    assert "room tracker: could not record" in caplog.text
