"""Notebook 03's widgets and the notebooks' hand-off, against a running sandbox.

The chat panel, the status light and ``zego_helpers.tutorial`` are driven as a
learner would (buttons, checkboxes); the sandbox answers like ZEGO. What a
button *sends* is checked against ``FakeZego``, which records every body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers import tutorial
from zego_helpers.client import AIAgentClient
from zego_helpers.diagnostics import Check
from zego_helpers.ledger import Ledger
from zego_helpers.sandbox import SandboxConfig, ensure_embedded_sandbox, start_sandbox
from zego_helpers.settings import load_settings
from zego_helpers.widgets.chat import ChatPanel
from zego_helpers.widgets.setup import banner_text, checks_summary, doctor_checklist, mode_banner
from zego_helpers.widgets.status import GONE, StatusIndicator

FAST = {"think_ms": 5, "speech_ms_per_char": 20.0, "rate_limit_per_action": None}


@pytest.fixture
def sandbox(tmp_path):
    running = start_sandbox(
        SandboxConfig.with_random_credentials(state_path=tmp_path / "state.json", **FAST)
    )
    yield running
    running.stop()


def client_for(sandbox, home) -> AIAgentClient:
    return AIAgentClient(
        sandbox.app_id,
        sandbox.server_secret,
        sandbox.base_url,
        requests_per_second=None,
        ledger=Ledger.in_home(home),
    )


@pytest.fixture
def client(sandbox, tmp_path) -> Iterator[AIAgentClient]:
    client = client_for(sandbox, tmp_path)
    yield client
    client.close()


@pytest.fixture
def settings():
    return load_settings(env={}, dotenv_path="")


@pytest.fixture
def instance(client, settings) -> str:
    entry, created = tutorial.find_or_create_instance(client, settings)
    assert created
    return entry.agent_instance_id


# --- the hand-off between notebooks -------------------------------------------------------


def test_find_or_create_registers_creates_then_reuses(client, settings):
    assert tutorial.latest_instance(client) is None
    entry, created = tutorial.find_or_create_instance(client, settings)
    assert created and entry.agent_id == "tutorial_agent"
    agent = client.get_agent("tutorial_agent")
    assert agent["TTS"]["Vendor"] == "ByteDanceV3"  # registered with the default voice
    again, created_again = tutorial.find_or_create_instance(client, settings)
    assert not created_again and again.agent_instance_id == entry.agent_instance_id


def test_an_instance_gone_from_zego_is_forgotten_and_replaced(client, settings, instance):
    client.call("DeleteAgentInstance", {"AgentInstanceId": instance})  # bypasses the ledger
    assert tutorial.latest_instance(client).agent_instance_id == instance
    entry, created = tutorial.find_or_create_instance(client, settings)
    assert created and entry.agent_instance_id != instance
    assert [e.agent_instance_id for e in client.ledger.entries()] == [entry.agent_instance_id]


def test_latest_instance_is_found_from_another_kernel_on_another_port(sandbox, tmp_path, instance):
    # Each notebook kernel runs its own sandbox (own port) on the shared state file.
    second = start_sandbox(
        SandboxConfig(
            app_id=sandbox.app_id,
            server_secret=sandbox.server_secret,
            state_path=tmp_path / "state.json",
            **FAST,
        )
    )
    try:
        other = client_for(second, tmp_path)
        assert other.base_url != sandbox.base_url
        entry = tutorial.latest_instance(other)
        assert entry is not None and entry.agent_instance_id == instance
        assert tutorial.instance_status(other, instance) == "IDLE"
    finally:
        second.stop()


def test_attendees_sharing_a_kit_home_each_find_only_their_own_instance(client):
    bob = load_settings(env={"ZEGO_ATTENDEE": "Bob"}, dotenv_path="")
    zoe = load_settings(env={"ZEGO_ATTENDEE": "Zoë Martin"}, dotenv_path="")
    bobs, _ = tutorial.find_or_create_instance(client, bob)
    zoes, created = tutorial.find_or_create_instance(client, zoe)
    assert created and zoes.agent_instance_id != bobs.agent_instance_id
    assert tutorial.latest_instance(client, "Bob").agent_instance_id == bobs.agent_instance_id
    assert tutorial.find_or_create_instance(client, bob) == (bobs, False)


def test_instance_status_is_none_once_deleted(client, instance):
    assert tutorial.instance_status(client, instance) == "IDLE"
    client.delete_agent_instance(instance)
    assert tutorial.instance_status(client, instance) is None


def test_an_agent_changed_in_notebook_01_is_not_overwritten(client, settings):
    llm, tts = tutorial.default_agent_config(settings)
    custom = {**llm.to_api(), "SystemPrompt": "You are Nova."}
    client.register_agent("tutorial_agent", llm=custom, tts=tts)
    assert tutorial.register_if_missing(client, settings) is False
    tutorial.find_or_create_instance(client, settings)
    assert client.get_agent("tutorial_agent")["LLM"]["SystemPrompt"] == "You are Nova."


def test_server_secret_for_each_mode(tmp_path):
    secret = "0123456789abcdef0123456789abcdef"
    real = load_settings(env={"ZEGO_APP_ID": "42", "ZEGO_SERVER_SECRET": secret}, dotenv_path="")
    assert tutorial.server_secret_for(real).reveal() == secret
    sandbox = load_settings(env={"ZEGO_KIT_HOME": str(tmp_path)}, dotenv_path="")
    try:
        shown = tutorial.server_secret_for(sandbox)
        assert repr(shown) == "Secret('****')" and len(shown.reveal()) == 32
        assert connect_secret(sandbox) == shown.reveal()
    finally:
        ensure_embedded_sandbox(tmp_path).stop()  # the embedded one would outlive the test


def connect_secret(settings) -> str:
    """The secret the kit's own client signs with (read from the sandbox credentials file)."""
    from zego_helpers.sandbox.embedded import CREDENTIALS_FILE, load_or_create_credentials

    return load_or_create_credentials(settings.kit_home / CREDENTIALS_FILE)[1]


def test_call_ids_of_a_ledger_entry(client, instance):
    ids = tutorial.call_ids_of(tutorial.latest_instance(client)).validate()
    assert ids.to_rtc().room_id == tutorial.latest_instance(client).room_id


# --- chat panel -----------------------------------------------------------------------------


def test_send_button_gets_the_answer_into_the_transcript(client, instance):
    chat = ChatPanel(client, instance, timeout=10)
    chat.input.value = "Hello! Who are you?"
    chat.send_button.click()
    chat.wait(15)
    assert "you: Hello! Who are you?" in chat.transcript.value
    assert "agent: " in chat.transcript.value and "sandbox reply" in chat.transcript.value
    assert "Round" in chat.message.value and chat.input.value == ""
    chat.close()


def test_send_method_returns_the_reply(client, instance):
    chat = ChatPanel(client, instance, timeout=10)
    reply = chat.send("What is your name?")
    assert reply.text and [m["Role"] for m in chat.messages()] == ["user", "assistant"]
    chat.close()


def test_empty_message_is_refused_in_words(client, instance):
    chat = ChatPanel(client, instance)
    chat.send_button.click()
    chat.wait(5)
    assert "Text: is empty" in chat.message.value
    chat.close()


def test_say_and_interrupt_against_the_sandbox(client, instance):
    chat = ChatPanel(client, instance)
    chat.say_input.value = "This is a rather long sentence that takes a while to speak."
    chat.say_button.click()
    chat.wait(5)
    assert tutorial.instance_status(client, instance) == "SPEAKING"
    assert "agent: This is a rather long sentence" in chat.transcript.value
    chat.interrupt_button.click()
    chat.wait(5)
    assert "Interrupted round" in chat.message.value
    assert tutorial.instance_status(client, instance) != "SPEAKING"
    chat.close()


def test_say_sends_the_chosen_priority_options():
    with FakeZego(lambda _r: Reply(body=envelope({"Round": 7}))) as zego:
        client = AIAgentClient(1, "s" * 32, zego.url, requests_per_second=None)
        chat = ChatPanel(client, "123")
        chat.say_input.value = "  Attention please  "
        chat.priority.value = "High"
        chat.same_priority.value = "Enqueue"
        chat.say_button.click()
        chat.wait(5)
        tts = [r.body for r in zego.requests if r.query["Action"] == "SendAgentInstanceTTS"]
        assert tts == [
            {
                "AgentInstanceId": "123",
                "Text": "Attention please",
                "AddHistory": True,
                "Priority": "High",
                "SamePriorityOption": "Enqueue",
            }
        ]
        assert "Round 7" in chat.message.value
        chat.close()


def test_too_long_text_is_refused_before_sending():
    with FakeZego() as zego:
        client = AIAgentClient(1, "s" * 32, zego.url, requests_per_second=None)
        chat = ChatPanel(client, "123")
        chat.say_input.value = "x" * 301
        chat.say_button.click()
        chat.wait(5)
        assert zego.requests == [] and "300" in chat.message.value
        chat.close()


def test_a_second_click_while_busy_is_refused():
    release = threading.Event()

    def slow(_request):
        release.wait(5)
        return Reply(body=envelope({"Round": 1}))

    with FakeZego(slow) as zego:
        client = AIAgentClient(1, "s" * 32, zego.url, requests_per_second=None)
        chat = ChatPanel(client, "123")
        chat.interrupt_button.click()
        chat.interrupt_button.click()
        assert "Still waiting" in chat.message.value
        release.set()
        chat.wait(5)
        assert len(zego.requests) == 1
        chat.close()


# --- status indicator -----------------------------------------------------------------------


def test_refresh_button_shows_the_status_and_its_meaning(client, instance):
    light = StatusIndicator(client, instance)
    light.refresh_button.click()
    assert light.status == "IDLE" and "IDLE" in light.label.value
    entry = tutorial.latest_instance(client)
    client.call(
        "SandboxSetUserPresence", {"RoomId": entry.room_id, "UserId": entry.user_id, "InRoom": True}
    )
    assert light.refresh() == "LISTENING"
    assert "waits for them to speak" in light.label.value


def test_auto_refresh_polls_in_the_background_and_stops_when_gone(client, instance):
    light = StatusIndicator(client, instance, interval=0.05)
    light.auto.value = True  # returns at once: polling happens in a thread
    client.send_agent_instance_tts(instance, "Speaking for a little while now.")
    deadline = time.monotonic() + 5
    while light.status != "SPEAKING" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert light.status == "SPEAKING"
    client.delete_agent_instance(instance)
    while light.auto.value and time.monotonic() < deadline:
        time.sleep(0.02)
    assert light.status == GONE and light.auto.value is False
    assert "no longer exists" in light.label.value
    assert not [t for t in threading.enumerate() if t.name == "zego-status"]


def test_unticking_auto_refresh_stops_the_thread(client, instance):
    light = StatusIndicator(client, instance, interval=0.05)
    light.auto.value = True
    time.sleep(0.1)
    light.auto.value = False
    assert not [t for t in threading.enumerate() if t.name == "zego-status"]


def test_auto_refresh_ends_after_max_seconds(client, instance):
    light = StatusIndicator(client, instance, interval=0.01, max_seconds=0.1)
    light.auto.value = True
    deadline = time.monotonic() + 5
    while light.auto.value and time.monotonic() < deadline:
        time.sleep(0.02)
    assert light.auto.value is False and light.status == "IDLE"
    time.sleep(0.05)
    assert not [t for t in threading.enumerate() if t.name == "zego-status"]


# --- banner and doctor checklist --------------------------------------------------------------


def test_banner_says_the_mode_and_why_never_the_secret():
    sandbox = load_settings(env={}, dotenv_path="")
    assert banner_text(sandbox).startswith("Mode: sandbox (no ZEGO_APP_ID / ZEGO_SERVER_SECRET")
    secret = "0123456789abcdef0123456789abcdef"
    real = load_settings(env={"ZEGO_APP_ID": "42", "ZEGO_SERVER_SECRET": secret}, dotenv_path="")
    assert "Mode: real" in banner_text(real) and "AppID 42" in banner_text(real)
    html_text = mode_banner(real).data
    assert "REAL MODE" in html_text and secret not in html_text


def test_checks_summary_and_table():
    good = [Check("Settings", True, "loaded"), Check("Signed call", True, "ok")]
    assert checks_summary(good) == "All 2 checks passed."
    bad = [*good[:1], Check("Signed call", False, "code 100000005: bad <secret>", "copy it")]
    assert checks_summary(bad) == "Signed call failed: code 100000005: bad <secret>. Fix: copy it"
    table = doctor_checklist(bad).data
    assert "&lt;secret&gt;" in table and "copy it" in table
