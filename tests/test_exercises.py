"""Exercise checks: each passes on the trainer's solution and fails, saying what to fix, otherwise.

The right answers are the files in ``solutions/``, imported as they are.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.fake_zego import FakeZego, Reply, envelope
from tests.workshop_helpers import (
    attendee_client,
    attendee_settings,
    room_sandbox,
    start_instance,
)
from zego_helpers.client import AIAgentClient
from zego_helpers.ids import make_agent_id, make_call_ids
from zego_helpers.ledger import LEDGER_FILE_NAME
from zego_helpers.models import LLM, TTS, AdvancedConfig, MessageHistory
from zego_helpers.tutorial.exercises import (
    CheckResult,
    check_high_priority_line,
    check_instance_options,
    check_nothing_left,
    check_pirate_reply,
    check_tts_vendor,
)
from zego_helpers.tutorial.progress import ProgressTracker, track
from zego_helpers.workflows import ensure_agent, wait_for_status

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
ATTENDEE = "Zoë"


def solution(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"solution_{name}", SOLUTIONS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def room():
    yield from room_sandbox()


@pytest.fixture
def settings(room, tmp_path):
    return attendee_settings(room, tmp_path, ATTENDEE)


@pytest.fixture
def client(room, settings):
    """An attendee's notebook client: tracked, as the notebooks make it."""
    return track(
        attendee_client(room, settings.kit_home),
        ProgressTracker(settings.kit_home, settings.attendee),
    )


@pytest.fixture
def agent_id(client) -> str:
    agent_id = make_agent_id(ATTENDEE)
    ensure_agent(client, agent_id, llm=LLM.trial(), tts=TTS.trial())
    return agent_id


def failed(result: CheckResult, *phrases: str, hint: tuple[str, ...] = ()) -> None:
    """Not passed; the message holds ``phrases``, ``check.hint()`` the ``hint`` phrases."""
    assert isinstance(result, CheckResult) and not result.passed, result
    for phrase in phrases:
        assert phrase in result.message, result.message
    for phrase in hint:
        assert phrase in str(result.hint()), result.hint()
        assert phrase not in result.message, "the answer belongs in the hint, not the message"


# --- 01: pirate prompt and MiniMax voice ----------------------------------------------------


def test_pirate_check_passes_on_the_solution(client, agent_id, settings):
    solution("01_register_agent").solve_pirate(client, agent_id)
    result = check_pirate_reply(client, settings=settings)
    assert result.passed, result
    assert "Ahoy" in result.message
    # the check's own short instance is gone, and it ticked nothing off
    assert client.call("SandboxListInstances", {})["Instances"] == []
    assert not ProgressTracker(settings.kit_home, ATTENDEE).is_done("instance created")


def test_pirate_check_fails_without_a_pirate_or_without_ahoy(client, agent_id, settings):
    first = check_pirate_reply(client, settings=settings)
    failed(first, "does not tell the agent who to be", hint=("You are a pirate", "Ahoy"))
    # the first Run All shows the general problem only: no "Ahoy", no prompt to copy (issue 13)
    assert "Ahoy" not in first._repr_html_() and "check.hint()" in first._repr_html_()
    ensure_agent(client, agent_id, llm=LLM.trial(system_prompt="You are a pirate."))
    failed(
        check_pirate_reply(client, settings=settings),
        "does not start with the required word",
        hint=("Always start with",),
    )


def test_pirate_check_fails_before_registration(client, settings):
    failed(check_pirate_reply(client, settings=settings), "is not registered yet")


def test_tts_vendor_check(client, agent_id, settings):
    result = check_tts_vendor(client, settings=settings)
    failed(result, "'ByteDanceV3'", hint=("TTS.trial('MiniMax')",))
    solution("01_register_agent").solve_minimax(client, agent_id)
    result = check_tts_vendor(client, settings=settings)
    assert result.passed and "MiniMax with voice 'female-shaonv'" in result.message


def test_tts_vendor_check_explains_a_wrongly_cased_vendor(settings):
    stored = {"AgentId": "zoe_tutorial_agent", "TTS": {"Vendor": "Minimax", "Params": {}}}
    with FakeZego(lambda _r: Reply(body=envelope({"Agents": [stored]}))) as server:
        client = AIAgentClient(1, "0" * 32, server.url, max_retries=0)
        failed(check_tts_vendor(client, settings=settings), "case-sensitive", hint=("'MiniMax'",))


# --- 02: instance options ---------------------------------------------------------------------


def test_instance_options_check_passes_on_the_solution(client, agent_id, settings):
    instance_id = solution("02_create_instance").solve(client, agent_id, settings)
    result = check_instance_options(client, instance_id, settings=settings)
    assert result.passed, result
    assert "MaxIdleTime 300 s and WindowSize 4" in result.message


def test_running_the_02_exercise_again_replaces_the_first_try(client, agent_id, settings):
    from tests.workshop_helpers import live_ids

    first = solution("02_create_instance").solve(client, agent_id, settings)
    second = solution("02_create_instance").solve(client, agent_id, settings)
    assert first != second
    assert live_ids(client) == {second}  # the first try was deleted, not left running


def test_instance_options_check_names_each_wrong_value(client, agent_id, settings):
    ids = make_call_ids(ATTENDEE)
    created = client.create_agent_instance(
        agent_id, ids.user_id, ids.to_rtc(), advanced_config=AdvancedConfig(max_idle_time=600)
    )
    failed(
        check_instance_options(client, created["AgentInstanceId"], settings=settings),
        "(MaxIdleTime) is 600 s",
        "(WindowSize) is not set",
        hint=("AdvancedConfig(max_idle_time=300)", "MessageHistory(window_size=4)"),
    )
    client.delete_agent_instance(created["AgentInstanceId"])
    failed(
        check_instance_options(client, created["AgentInstanceId"], settings=settings),
        "no longer exists",
    )


def test_instance_options_check_without_tracking(room, agent_id, settings):
    plain = attendee_client(room, settings.kit_home)  # a client nobody tracked
    ids = make_call_ids(ATTENDEE)
    advanced, history = AdvancedConfig(max_idle_time=300), MessageHistory(window_size=4)
    instance_id = plain.create_agent_instance(
        agent_id, ids.user_id, ids.to_rtc(), advanced_config=advanced, message_history=history
    )["AgentInstanceId"]
    failed(check_instance_options(plain, instance_id, settings=settings), "track(connect())")
    result = check_instance_options(
        plain, instance_id, advanced_config=advanced, message_history=history, settings=settings
    )
    assert result.passed and "objects you passed" in result.message


# --- 03: a High-priority line while the agent speaks -----------------------------------------


@pytest.fixture
def instance(client, agent_id) -> str:
    return start_instance(client, ATTENDEE)


def test_high_priority_check_passes_on_the_solution(client, instance, settings):
    line = solution("03_talk").solve(client, instance)
    result = check_high_priority_line(client, instance, line, settings=settings)
    assert result.passed, result
    assert "cut into the agent's answer" in result.message


def test_high_priority_check_fails_on_a_medium_line(client, instance, settings):
    client.send_agent_instance_llm(instance, "Tell me a long story about the sea, please.")
    wait_for_status(client, instance, ("SPEAKING",), timeout=10, interval=0.02)
    client.send_agent_instance_tts(instance, "Attention please!")
    failed(
        check_high_priority_line(client, instance, settings=settings),
        "Priority 'Medium'",
        hint=("priority='High'",),
    )


def test_high_priority_check_fails_when_the_agent_was_silent(client, instance, settings):
    failed(
        check_high_priority_line(client, instance, settings=settings),
        "saw no",
        hint=("send_agent_instance_tts",),
    )
    client.send_agent_instance_tts(instance, "Attention please!", priority="High")
    failed(
        check_high_priority_line(client, instance, "Attention please!", settings=settings),
        "it was silent",
    )


# --- 04: nothing left ---------------------------------------------------------------------------


def test_nothing_left_check(room, client, instance, settings):
    # Another attendee's instance on the same sandbox is not Zoë's problem...
    start_instance(attendee_client(room, settings.kit_home / "bob"), "Bob")
    # ...but her own one is, even when only the sandbox still knows it (no ledger entry).
    orphan = start_instance(attendee_client(room, settings.kit_home / "old_laptop"), ATTENDEE)
    failed(check_nothing_left(client, settings=settings), "2 instances", instance, orphan)

    solution("04_delete_instance").solve(client, settings)
    result = check_nothing_left(client, settings=settings)
    assert result.passed and "the sandbox lists none" in result.message
    assert len(client.call("SandboxListInstances", {})["Instances"]) == 1  # Bob's


def test_nothing_left_check_counts_a_create_whose_answer_never_came(client, settings):
    ids = make_call_ids(ATTENDEE)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    line = {  # what a kernel killed mid-create leaves: the create, written ahead
        "key": "c:1",
        "agent_instance_id": "",
        "app_id": client.app_id,
        "api_base_url": client.base_url,
        "agent_id": make_agent_id(ATTENDEE),
        "room_id": ids.room_id,
        "user_id": ids.user_id,
        "agent_user_id": ids.agent_user_id,
        "user_stream_id": ids.user_stream_id,
        "created_at": time.time() - 60,  # sent a minute ago: already arrived, if ever
        "pid": dead.pid,
    }
    (settings.kit_home / LEDGER_FILE_NAME).write_text(json.dumps(line) + "\n")
    failed(
        check_nothing_left(client, settings=settings),
        f"unanswered create of agent user {ids.agent_user_id} (room {ids.room_id})",
    )
    solution("04_delete_instance").solve(client, settings)  # settles it: the sandbox has none
    assert check_nothing_left(client, settings=settings).passed


def test_checks_never_raise_on_a_wrong_argument(client, settings):
    result = check_instance_options(client, "1", advanced_config="300", settings=settings)
    # A wrong type is a kit error (ValidationError) now, not a TypeError.
    failed(result, "could not finish", "expected a zego_helpers model", "not str")
    result = check_high_priority_line(client, "", settings=settings)
    failed(result, "run the exercise cell first")
    failed(check_instance_options(client, None, settings=settings), "No instance id")
    assert str(result).startswith("Not yet: ")
    assert "Not yet" in result._repr_html_() and not result
    assert "no hint for this one" in str(result.hint())


def test_results_need_no_emoji_font():
    from tests.readable import emoji_in

    for result in (CheckResult(True, "ok"), CheckResult(False, "no", "do this")):
        assert emoji_in(result._repr_html_()) == []
        assert emoji_in(result.hint()._repr_html_()) == []
