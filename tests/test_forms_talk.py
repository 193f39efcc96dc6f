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
from tests.file_sandbox import file_sandbox
from tests.kit_clients import sandbox_client
from zego_helpers import tutorial
from zego_helpers.client import AIAgentClient
from zego_helpers.diagnostics import Check
from zego_helpers.sandbox import ensure_embedded_sandbox
from zego_helpers.sandbox_control import SandboxControl
from zego_helpers.settings import load_settings
from zego_helpers.widgets.chat import ChatPanel
from zego_helpers.widgets.forms import ERROR_COLOR
from zego_helpers.widgets.setup import banner_text, checks_summary, doctor_checklist, mode_banner
from zego_helpers.widgets.status import GONE, StatusIndicator

FAST = {"think_ms": 5, "speech_ms_per_char": 20.0, "rate_limit_per_action": None}


@pytest.fixture
def sandbox(tmp_path):
    with file_sandbox(tmp_path / "state.json", **FAST) as running:
        yield running


@pytest.fixture
def client(sandbox, tmp_path) -> Iterator[AIAgentClient]:
    client = sandbox_client(sandbox, tmp_path)
    yield client
    client.close()


@pytest.fixture
def settings(isolated_kit):
    return load_settings(env={"ZEGO_KIT_HOME": str(isolated_kit)}, dotenv_path="")


@pytest.fixture
def instance(client, settings) -> str:
    found = tutorial.tutorial_instance(client, settings)
    assert found.how == "new"
    return found.instance.agent_instance_id


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


def test_send_or_say_with_an_empty_box_says_so_at_once(client, instance):
    chat = ChatPanel(client, instance)
    for box, button, what in (
        (chat.input, chat.send_button, "a message"),
        (chat.say_input, chat.say_button, "a text to say"),
    ):
        chat.message.value = ""
        box.value = "   "
        button.click()  # no request, no background wait: the answer is there at once
        assert f"Nothing to send: type {what}" in chat.message.value
        assert ERROR_COLOR in chat.message.value
    assert chat.pending is None and chat.messages() == []
    chat.close()


def test_the_same_priority_label_is_shown_whole():
    chat = ChatPanel(AIAgentClient(1, "s" * 32, "http://127.0.0.1:9"), "123")
    assert chat.same_priority.description == "Same priority"
    assert chat.same_priority.style.description_width == "initial"  # not cut to "Same prio..."
    assert repr(chat).startswith("ChatPanel: text chat with instance 123")
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


def test_refresh_button_shows_the_status_and_its_meaning(client, settings, instance):
    light = StatusIndicator(client, instance)
    light.refresh_button.click()
    assert light.status == "IDLE" and "IDLE" in light.label.value
    entry = tutorial.handed_off(settings, client)
    SandboxControl(client).user_joined(entry.room_id, entry.user_id)
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
