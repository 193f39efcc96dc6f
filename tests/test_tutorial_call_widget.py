"""``call_widget_for``: notebook 03's call widget, wired for each mode.

The browser's messages are fed to the widget as the kernel's comm delivers
them (the browser half is tested in tests/browser/). Sandbox mode runs against
a real sandbox, so Join/Leave and a turn reach the instance; real mode checks
the token the browser would log in with.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from zego_helpers import tutorial
from zego_helpers.client import AIAgentClient
from zego_helpers.ledger import Ledger, LedgerEntry
from zego_helpers.sandbox import SandboxConfig, start_sandbox
from zego_helpers.settings import load_settings
from zego_helpers.token04 import decode_token04
from zego_helpers.tutorial.progress import ProgressTracker
from zego_helpers.web_sdk import install_sdk
from zego_helpers.widgets.call_widget import CallWidget
from zego_helpers.widgets.tutorial_call import call_widget_for
from zego_helpers.workflows import wait_for_status

FAST = {"think_ms": 5, "speech_ms_per_char": 1.0, "rate_limit_per_action": None}
REAL_SECRET = "5ecre7c0ffee5ecre7c0ffee5ecre7cd"
OTHER_SECRET = "0123456789abcdef0123456789abcdef"


def widget_talking_to_a_list(widget: CallWidget) -> list[dict]:
    """Collect what the widget sends to the browser."""
    sent: list[dict] = []
    widget.send = lambda content, buffers=None: sent.append(content)
    return sent


def from_browser(widget: CallWidget, content: dict) -> None:
    """Deliver a browser message as the comm does, then wait for the widget's worker."""
    widget._handle_custom_msg(content, [])
    widget.wait_idle(timeout=30)


# --- sandbox mode: a simulated call against a running sandbox --------------------------------


@pytest.fixture
def sandbox_client(tmp_path) -> Iterator[AIAgentClient]:
    running = start_sandbox(
        SandboxConfig.with_random_credentials(state_path=tmp_path / "state.json", **FAST)
    )
    client = AIAgentClient(
        running.app_id,
        running.server_secret,
        running.base_url,
        requests_per_second=None,
        ledger=Ledger.in_home(tmp_path),
    )
    yield client
    client.close()
    running.stop()


def sandbox_settings():
    return load_settings(env={"ZEGO_KIT_HOME": os.environ["ZEGO_KIT_HOME"]}, dotenv_path="")


def test_sandbox_widget_tells_presence_and_answers_turns(sandbox_client):
    settings = sandbox_settings()
    entry = tutorial.tutorial_instance(sandbox_client, settings).instance
    widget = call_widget_for(sandbox_client, settings, entry)
    sent = widget_talking_to_a_list(widget)

    assert widget.mode == "sandbox" and widget.app_id == entry.app_id
    assert (widget.room_id, widget.user_id) == (entry.room_id, entry.user_id)
    assert widget.user_stream_id == entry.user_stream_id
    assert widget.agent_stream_id == entry.agent_stream_id
    status = tutorial.instance_status
    assert status(sandbox_client, entry.agent_instance_id) == "IDLE"  # nobody in the room yet

    from_browser(widget, {"type": "presence", "in_room": True})
    assert status(sandbox_client, entry.agent_instance_id) == "LISTENING"

    from_browser(widget, {"type": "say", "id": "t-1", "text": "Hello there!"})
    assert [m["type"] for m in sent] == ["agent-reply"]
    assert sent[0]["id"] == "t-1" and sent[0]["text"].endswith("(sandbox reply)")
    history = sandbox_client.get_agent_instance_msg_list(entry.agent_instance_id)["MessageList"]
    assert history[-2]["Content"] == "Hello there!"
    assert history[-1]["Content"] == sent[0]["text"]

    from_browser(widget, {"type": "presence", "in_room": False})
    # IDLE once the reply (0.1 s of speech here) has been spoken: the answer shows in
    # the history as soon as the LLM has it, so the agent may still be SPEAKING now.
    assert status(sandbox_client, entry.agent_instance_id) in ("SPEAKING", "IDLE")
    assert wait_for_status(sandbox_client, entry.agent_instance_id, ("IDLE",), timeout=10) == "IDLE"
    assert widget.errors == []


def test_sandbox_widget_logs_in_nowhere_so_it_asks_for_no_token(sandbox_client):
    settings = sandbox_settings()
    entry = tutorial.tutorial_instance(sandbox_client, settings).instance
    widget = call_widget_for(sandbox_client, settings, entry)
    sent = widget_talking_to_a_list(widget)

    from_browser(widget, {"type": "get-token", "id": 1})

    assert sent[0]["type"] == "kernel-error" and "no token_provider" in sent[0]["message"]


def test_a_room_sandbox_gets_the_simulated_call_though_the_settings_say_real(sandbox_client):
    """The room sandbox is reached with "real" settings, but it has no RTC room to log into."""
    from zego_helpers.service import Service

    settings = load_settings(
        env={
            "ZEGO_KIT_HOME": os.environ["ZEGO_KIT_HOME"],
            "ZEGO_APP_ID": str(sandbox_client.app_id),
            "ZEGO_SERVER_SECRET": OTHER_SECRET,
            "ZEGO_API_BASE_URL": sandbox_client.base_url,
        },
        dotenv_path="",
    )
    entry = tutorial.tutorial_instance(sandbox_client, settings).instance
    room = Service("room", sandbox_client.base_url)
    widget = call_widget_for(sandbox_client, settings, entry, service=room)
    assert widget.mode == "sandbox"
    from_browser(widget, {"type": "presence", "in_room": True})
    assert tutorial.instance_status(sandbox_client, entry.agent_instance_id) == "LISTENING"
    zego = Service("zego", sandbox_client.base_url)
    assert call_widget_for(sandbox_client, settings, entry, service=zego).mode == "real"


# --- real mode: the token the browser logs in with ---------------------------------------


class NoRequests:
    """A client that must not be used: in real mode the widget sends nothing to the API."""

    def call(self, action, body):
        raise AssertionError(f"unexpected {action}")


ENTRY = LedgerEntry(
    agent_instance_id="1234",
    app_id=1357924680,
    api_base_url="https://aigc-aiagent-api.zegotech.cn",
    room_id="room_ada_1",
    user_id="user_ada_1",
    user_stream_id="room_ada_1_user",
    agent_user_id="agent_ada_1",
    agent_stream_id="room_ada_1_agent",
)


def real_settings(**extra: str):
    env = {
        "ZEGO_APP_ID": str(ENTRY.app_id),
        "ZEGO_SERVER_SECRET": REAL_SECRET,
        "ZEGO_KIT_HOME": os.environ["ZEGO_KIT_HOME"],  # the test's own (conftest.isolated_kit)
        **extra,
    }
    return load_settings(env=env, dotenv_path="")


def test_real_widget_uses_the_console_server_address_when_set():
    url = "wss://webliveroom1-api.coolzcloud.com/ws"
    widget = call_widget_for(NoRequests(), real_settings(ZEGO_WEB_SERVER=url), ENTRY)
    assert widget.server == url


def test_real_widget_logs_in_with_a_token_for_that_user_room_and_stream():
    widget = call_widget_for(NoRequests(), real_settings(), ENTRY, user_name="Ada")
    sent = widget_talking_to_a_list(widget)

    from_browser(widget, {"type": "get-token", "id": "v-1"})
    from_browser(widget, {"type": "renew-token", "id": "v-2"})

    assert widget.mode == "real" and widget.server == "" and widget.user_name == "Ada"
    assert [(m["type"], m["id"]) for m in sent] == [("token", "v-1"), ("token", "v-2")]
    first = decode_token04(sent[0]["token"], REAL_SECRET)
    assert (first["app_id"], first["user_id"]) == (ENTRY.app_id, ENTRY.user_id)
    assert first["payload"] == (
        '{"room_id":"room_ada_1","privilege":{"1":1,"2":1},"stream_id_list":["room_ada_1_user"]}'
    )
    assert sent[1]["token"] != sent[0]["token"]  # renewal mints a fresh one
    with pytest.raises(ValueError):
        decode_token04(sent[0]["token"], OTHER_SECRET)  # only the real ServerSecret opens it


def test_real_widget_keeps_the_token_out_of_its_state_and_repr():
    widget = call_widget_for(NoRequests(), real_settings(), ENTRY)
    sent = widget_talking_to_a_list(widget)
    from_browser(widget, {"type": "get-token", "id": 1})
    token = sent[0]["token"]

    assert token not in str(widget.get_state()) and token not in repr(widget)
    assert REAL_SECRET not in str(widget.get_state()) and REAL_SECRET not in repr(widget)


def test_real_widget_sends_no_presence_to_the_api():
    widget = call_widget_for(NoRequests(), real_settings(), ENTRY)
    widget_talking_to_a_list(widget)

    from_browser(widget, {"type": "presence", "in_room": True})  # NoRequests would raise

    assert widget.in_room is True and widget.errors == []


def test_real_widget_ticks_user_joined_off_in_the_progress_checklist():
    settings = real_settings()
    widget = call_widget_for(NoRequests(), settings, ENTRY)
    widget_talking_to_a_list(widget)

    def joined() -> list:
        # a fresh tracker reads the attendee's file: what every notebook kernel sees
        tracker = ProgressTracker(settings.kit_home, settings.attendee)
        return [s for s in tracker.steps() if s.step == "user joined" and s.done]

    from_browser(widget, {"type": "presence", "in_room": False})  # leaving proves nothing
    assert joined() == []

    from_browser(widget, {"type": "presence", "in_room": True})  # NoRequests would raise

    [step] = joined()
    assert ENTRY.user_id in step.detail and ENTRY.room_id in step.detail
    assert widget.errors == []


def test_sandbox_widget_control_buttons_make_the_server_api_calls(sandbox_client):
    settings = sandbox_settings()
    entry = tutorial.tutorial_instance(sandbox_client, settings).instance
    widget = call_widget_for(sandbox_client, settings, entry)
    sent = widget_talking_to_a_list(widget)
    assert widget.agent_user_id == entry.agent_user_id
    from_browser(widget, {"type": "presence", "in_room": True})
    history = sandbox_client.get_agent_instance_msg_list

    from_browser(widget, {"type": "control", "id": "c-1", "action": "SendAgentInstanceTTS",
                          "text": "Welcome to the workshop!"})  # fmt: skip
    from_browser(widget, {"type": "control", "id": "c-2", "action": "InterruptAgentInstance"})
    from_browser(widget, {"type": "control", "id": "c-3", "action": "SendAgentInstanceLLM",
                          "text": "What is ZEGO?"})  # fmt: skip

    assert [(m["type"], m["id"]) for m in sent] == [
        ("control-answer", "c-1"),
        ("control-answer", "c-2"),
        ("control-answer", "c-3"),
    ]
    assert sent[0]["say"] == "Welcome to the workshop!"
    assert sent[1]["say"] == ""
    assert sent[2]["say"].endswith("(sandbox reply)")
    contents = [m["Content"] for m in history(entry.agent_instance_id)["MessageList"]]
    assert "Welcome to the workshop!" in contents  # TTS with AddHistory
    assert contents[-2:] == ["What is ZEGO?", sent[2]["say"]]
    assert widget.errors == []


def test_real_widget_sends_control_commands_to_the_agents_user_id():
    widget = call_widget_for(NoRequests(), real_settings(), ENTRY)
    # The browser sends the room commands itself (agent custom control): no handler here.
    assert widget.agent_user_id == ENTRY.agent_user_id
    assert widget._control_handler is None


def test_real_widget_takes_the_sdk_settings_from_the_settings(tmp_path):
    url = "https://intranet.example/zego.mjs"
    widget = call_widget_for(
        NoRequests(), real_settings(ZEGO_WEB_SDK_URL=url, ZEGO_WEB_SDK_DEBUG="1"), ENTRY
    )
    assert (widget.sdk_url, widget.sdk_debug) == (url, True)

    # Without a URL: the copy installed in the settings' kit home, served by the kernel.
    home = tmp_path / "kit"
    source = tmp_path / "sdk.mjs"
    source.write_bytes(b'var E=function(){};E.version="3.11.0";export{E as ZegoExpressEngine};')
    install_sdk(source, home)
    widget = call_widget_for(NoRequests(), real_settings(ZEGO_KIT_HOME=str(home)), ENTRY)
    assert (widget.sdk_url, widget.sdk_debug) == ("kernel:", False)
