"""The call widget in headless Chromium, against a stub of ZEGO's Web SDK.

A test page renders the widget's real ES module with a fake anywidget model.
The model's messages are bridged to a real Python ``CallWidget`` (so both
halves of the message protocol are exercised), and the SDK URL points at a stub
that records every SDK call with its arguments. The tests assert the exact
sequence of SDK calls a user relies on (log in with the kit's token, publish the
microphone on the user stream id, play the agent's stream, leave cleanly),
token renewal, mute, each failure's message, and the sandbox's simulated call.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from browser_support import INSECURE_HOST, file_route, text_route
from widget_page import (
    AGENT_STREAM,
    AGENT_USER,
    APP_ID,
    ASSETS,
    JS,
    ROOM,
    SECRET,
    SERVER,
    USER,
    USER_NAME,
    USER_STREAM,
    WidgetPage,
    assert_chinese,
    assert_failed,
    harness_server,
    save_screenshot,
    widget_opener,
)

from zego_helpers.token04 import decode_token04

pytestmark = pytest.mark.browser

QUIET_LOGS = {"logLevel": "error", "remoteLogLevel": "disable"}
JOIN_SEQUENCE = [
    {"method": "presetLogConfig", "args": [QUIET_LOGS]},
    {"method": "constructor", "args": [APP_ID, SERVER, {"scenario": 7}]},
    {"method": "setLogConfig", "args": [QUIET_LOGS]},
    {"method": "setDebugVerbose", "args": [False]},
    {"method": "on", "args": ["roomStreamUpdate"]},
    {"method": "on", "args": ["tokenWillExpire"]},
    {"method": "on", "args": ["roomStateChanged"]},
    {"method": "on", "args": ["publisherStateUpdate"]},
    {"method": "on", "args": ["recvExperimentalAPI"]},
    {
        "method": "callExperimentalAPI",
        "args": [{"method": "onRecvRoomChannelMessage", "params": {}}],
    },
    # loginRoom: inserted by expected_join(), it carries the token of the test
    {"method": "createZegoStream", "args": [{"camera": {"audio": True, "video": False}}]},
    {"method": "startPublishingStream", "args": [USER_STREAM, "localStream"]},
]


def expected_join(token: str) -> list[dict]:
    login = {
        "method": "loginRoom",
        "args": [ROOM, token, {"userID": USER, "userName": USER_NAME}, {"userUpdate": True}],
    }
    return [*JOIN_SEQUENCE[:10], login, *JOIN_SEQUENCE[10:]]


def classic_script_stub() -> str:
    """The stub as a classic UMD-style script: it sets the global through ``this``.

    As an ES module ``this`` is undefined, so ``import()`` fails and the widget
    must fall back to a <script> tag, as it does for such builds of the SDK.
    """
    module = (ASSETS / "zego_sdk_stub.js").read_text()
    classic = module.replace("export class ZegoExpressEngine", "class ZegoExpressEngine")
    return classic + "\nthis.ZegoExpressEngine = ZegoExpressEngine;\n"


@pytest.fixture(scope="module")
def server_url():
    routes = {
        "/sdk/zego.js": file_route(ASSETS / "zego_sdk_stub.js", JS),
        "/sdk/zego-classic.js": text_route(classic_script_stub(), JS),
    }
    with harness_server(routes) as url:
        yield url


@pytest.fixture
def open_widget(browser, server_url):
    """Open a page with a fresh widget on the stub SDK: ``open_widget(**CallWidget kwargs)``."""
    with widget_opener(browser, server_url, sdk_url=f"{server_url}/sdk/zego.js") as open_:
        yield open_


def joined(open_widget, **kwargs: Any) -> WidgetPage:
    session = open_widget(**kwargs)
    session.click("join")
    session.wait_for_state("in the room")
    return session


def room_message(cmd: int, seq: int, data: dict) -> dict:
    """A recvExperimentalAPI payload as the SDK delivers the agent's room messages."""
    body = {"Timestamp": 1700000000000 + seq, "SeqId": seq, "Round": 1, "Cmd": cmd, "Data": data}
    content = {"roomID": ROOM, "sendIDName": "agent", "msgType": 0, "msgContent": json.dumps(body)}
    return {"method": "onRecvRoomChannelMessage", "content": content}


# ----- real mode: the happy path ---------------------------------------------


def test_join_logs_in_with_the_kits_token_and_publishes_the_microphone(open_widget):
    session = joined(open_widget)

    token = session.widget.tokens[0]
    assert session.calls() == expected_join(token)
    assert decode_token04(token, SECRET)["user_id"] == USER
    session.wait_for(py=lambda: session.widget.in_room is True)
    assert session.widget.state == "in the room"
    assert session.widget.errors == []
    assert session.js_errors == []
    assert session.page.is_hidden(".zego-call-typed")  # typed turns are for the simulation
    assert session.page.is_hidden(".zego-call-note")


def test_agent_stream_is_played_and_subtitles_are_merged(open_widget):
    session = joined(open_widget)
    before = len(session.calls())

    # The agent publishes; another stream in the room (not the agent's) is ignored.
    streams = [{"streamID": "someone_else"}, {"streamID": AGENT_STREAM}]
    session.fire("roomStreamUpdate", ROOM, "ADD", streams, "")
    session.wait_for_state("agent joined")
    assert session.calls()[before:] == [
        {"method": "startPlayingStream", "args": [AGENT_STREAM]},
        {"method": "createRemoteStreamView", "args": [f"remote:{AGENT_STREAM}"]},
        {
            "method": "view.play",
            "args": ['<div class="zego-call-audio">', {"enableAutoplayDialog": True}],
        },
    ]

    # The user's text arrives whole each time; the agent's in chunks, out of order.
    session.fire("recvExperimentalAPI", room_message(3, 1, {"MessageId": "u1", "Text": "Hello"}))
    session.fire(
        "recvExperimentalAPI",
        room_message(3, 2, {"MessageId": "u1", "Text": "Hello, agent", "EndFlag": True}),
    )
    session.fire(
        "recvExperimentalAPI",
        room_message(4, 4, {"MessageId": "a1", "Text": " there!", "EndFlag": True}),
    )
    session.fire("recvExperimentalAPI", room_message(4, 3, {"MessageId": "a1", "Text": "Hi"}))
    session.fire("recvExperimentalAPI", room_message(6, 5, {"Status": 3, "OldStatus": 2}))
    session.wait_for_state("agent speaking")

    expected = [
        {"id": "user:u1", "speaker": "user", "text": "Hello, agent", "final": True},
        {"id": "agent:a1", "speaker": "agent", "text": "Hi there!", "final": True},
    ]
    session.wait_for(py=lambda: session.widget.subtitles == expected)
    assert session.page.inner_text(".zego-call-transcript").split("\n") == [
        "You: Hello, agent",
        "Agent: Hi there!",
    ]
    assert session.js_errors == []
    save_screenshot(session, "call-widget-real.png", docs_name="call-widget.png")

    # The agent leaves: its stream stops playing.
    before = len(session.calls())
    session.fire("roomStreamUpdate", ROOM, "DELETE", [{"streamID": AGENT_STREAM}], "")
    session.wait_for_state("in the room")
    assert session.calls()[before:] == [
        {"method": "view.stop", "args": [f"view:remote:{AGENT_STREAM}"]},
        {"method": "stopPlayingStream", "args": [AGENT_STREAM]},
    ]


def test_token_renewal_asks_the_kernel_for_a_fresh_token(open_widget):
    session = joined(open_widget)

    session.fire("tokenWillExpire", ROOM)
    session.wait_for_call("renewToken")

    first, fresh = session.widget.tokens
    assert fresh != first
    assert session.calls()[-1] == {"method": "renewToken", "args": [fresh]}
    assert decode_token04(fresh, SECRET)["user_id"] == USER
    assert session.widget.errors == []


def test_mute_from_the_button_and_from_python(open_widget):
    session = joined(open_widget)

    session.click("mute")
    session.wait_for_call("mutePublishStreamAudio")
    assert session.calls()[-1] == {
        "method": "mutePublishStreamAudio",
        "args": ["localStream", True],
    }
    session.wait_for(py=lambda: session.widget.muted is True)
    assert session.page.text_content(".zego-call-mute") == "Unmute"

    session.widget.muted = False
    session.wait_for("window.__zegoCalls.at(-1).args[1] === false")
    assert session.calls()[-1] == {
        "method": "mutePublishStreamAudio",
        "args": ["localStream", False],
    }


def test_leave_stops_everything_and_releases_the_microphone(open_widget):
    session = joined(open_widget)
    session.fire("roomStreamUpdate", ROOM, "ADD", [{"streamID": AGENT_STREAM}], "")
    session.wait_for_state("agent joined")
    before = len(session.calls())

    session.click("leave")
    session.wait_for_state("left")

    assert session.calls()[before:] == [
        {"method": "view.stop", "args": [f"view:remote:{AGENT_STREAM}"]},
        {"method": "stopPlayingStream", "args": [AGENT_STREAM]},
        {"method": "stopPublishingStream", "args": [USER_STREAM]},
        {"method": "destroyStream", "args": ["localStream"]},
        {"method": "logoutRoom", "args": [ROOM]},
        {"method": "destroyEngine", "args": []},
    ]
    tracks = "window.__zegoStub.localStream.media.getTracks().map(t => t.readyState)"
    assert session.page.evaluate(tracks) == ["ended"]  # the fake microphone is released
    session.wait_for(py=lambda: session.widget.in_room is False)
    assert session.page.is_enabled(".zego-call-join")
    assert session.js_errors == []


def test_sdk_loaded_as_a_classic_script_when_it_is_not_a_module(open_widget, server_url):
    session = joined(open_widget, sdk_url=f"{server_url}/sdk/zego-classic.js")

    assert session.calls() == expected_join(session.widget.tokens[0])


def test_leave_while_joining_cancels_the_join(open_widget):
    session = open_widget()
    session.page.evaluate("window.__zegoStubConfig = {loginHangs: true}")
    session.click("join")
    session.wait_for_call("loginRoom")
    assert session.state() == "joining"

    session.click("leave")

    session.wait_for_state("left")
    assert session.methods()[-3:] == ["loginRoom", "logoutRoom", "destroyEngine"]
    assert "createZegoStream" not in session.methods()  # the microphone was never opened
    assert session.widget.in_room is None  # never announced, so nothing to take back
    assert session.widget.errors == []
    assert session.page.is_enabled(".zego-call-join")


# ----- real mode: each failure, in words ------------------------------------


def test_sdk_that_cannot_be_loaded(open_widget, server_url):
    missing = f"{server_url}/sdk/missing.js"  # 404
    session = open_widget(sdk_url=missing)

    session.click("join")

    assert_failed(
        session, "sdk-load", f"could not load the ZEGO Web SDK from {missing}", "ZEGO_WEB_SDK_URL"
    )
    assert session.calls() == []


def test_insecure_context_is_refused_before_anything_loads(open_widget):
    session = open_widget(host=INSECURE_HOST)
    assert session.page.evaluate("window.isSecureContext") is False

    session.click("join")

    assert_failed(
        session, "insecure-context", "not a secure context", "https://", "http://localhost"
    )
    assert session.calls() == []
    assert session.widget.tokens == []  # no token was even asked for


def test_login_rejected_with_an_expired_token(open_widget):
    session = open_widget()
    session.page.evaluate(
        "window.__zegoStubConfig = {loginError: {code: 1002078, msg: 'token expire error'}}"
    )

    session.click("join")

    assert_failed(session, "login", "code 1002078", "expired", "token expire error")
    assert session.widget.errors[-1].code == 1002078
    assert session.methods()[-2:] == ["loginRoom", "destroyEngine"]


def test_login_with_a_wrong_appid_says_what_to_check(open_widget):
    session = open_widget()
    # What the SDK's access hub answers for an AppID it has no service for (its bundle names
    # 1102017 "dispatch error"); ZEGO's servers are out of reach here, so the stub says it.
    session.page.evaluate(
        "window.__zegoStubConfig = {loginError: {code: 1102017, msg: 'dispatch error'}}"
    )

    session.click("join")

    assert_failed(session, "login", "code 1102017", "check ZEGO_APP_ID", "join again")
    save_screenshot(session, "call-widget-wrong-appid.png", docs_name="call-widget-wrong-appid.png")


def test_login_that_never_finishes_gives_up_in_words(open_widget):
    session = open_widget()
    session.page.clock.install()  # fake timers: jump over the 30 s login timeout
    session.page.evaluate("window.__zegoStubConfig = {loginHangs: true}")
    session.click("join")
    session.wait_for_call("loginRoom")

    session.page.clock.fast_forward(31_000)

    assert_failed(session, "login", "did not answer within 30 s", "firewall or proxy")
    assert session.methods()[-3:] == ["loginRoom", "logoutRoom", "destroyEngine"]


REJECT_MICROPHONE = (
    "() => {{ navigator.mediaDevices.getUserMedia = () => "
    "Promise.reject(new DOMException('{message}', '{name}')); }}"
)


@pytest.mark.parametrize(
    ("name", "kind", "phrase"),
    [
        ("NotAllowedError", "microphone-denied", "microphone permission denied"),
        ("NotFoundError", "no-microphone", "no microphone found"),
    ],
)
def test_microphone_failures(open_widget, name, kind, phrase):
    session = open_widget()
    session.page.evaluate(REJECT_MICROPHONE.format(message="test", name=name))

    session.click("join")

    assert_failed(session, kind, phrase)
    # Logged in already, so it logs out again; nothing was published.
    assert session.methods()[-4:] == [
        "loginRoom",
        "createZegoStream",
        "logoutRoom",
        "destroyEngine",
    ]


# ----- sandbox mode: the simulated call -------------------------------------

FAKE_SPEECH = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  speak(utterance) {
    window.__spoken.push(utterance.text);
    setTimeout(() => utterance.onend?.(), 20);
  },
  cancel() {},
}});
class FakeRecognition {
  start() {
    window.__recognitionLang = this.lang;
    setTimeout(() => {
      this.onresult({results: [[{transcript: "hello by voice"}]]});
      this.onend();
    }, 20);
  }
  abort() {}
}
window.SpeechRecognition = window.webkitSpeechRecognition = FakeRecognition;
"""

NO_RECOGNITION = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"


def sandbox_widget(open_widget, init_script: str = FAKE_SPEECH, turn_handler=None):
    presence: list[bool] = []
    turns: list[str] = []

    def answer(text: str) -> str:
        turns.append(text)
        return f"You said: {text}"

    session = open_widget(
        mode="sandbox",
        presence_callback=presence.append,
        turn_handler=turn_handler or answer,
        init_script=init_script,
    )
    return session, presence, turns


def test_simulated_call_says_so_and_reports_presence_and_turns(open_widget):
    session, presence, turns = sandbox_widget(open_widget)
    assert "Simulated call: the sandbox has no RTC room" in session.page.inner_text(".zego-call")
    assert session.page.is_hidden(".zego-call-mute")

    session.click("join")
    session.wait_for_state("in the simulated call")
    session.wait_for(py=lambda: presence == [True])

    session.page.fill(".zego-call-input", "What is ZEGO?")
    session.page.press(".zego-call-input", "Enter")
    session.wait_for("window.__spoken.length === 1")
    assert turns == ["What is ZEGO?"]
    assert session.page.evaluate("window.__spoken") == ["You said: What is ZEGO?"]
    session.wait_for_state("in the simulated call")  # after the reply was spoken
    assert session.page.inner_text(".zego-call-transcript").split("\n") == [
        "You: What is ZEGO?",
        "Agent: You said: What is ZEGO?",
    ]
    save_screenshot(session, "call-widget-sandbox.png")

    session.click("leave")
    session.wait_for_state("left")
    session.wait_for(py=lambda: presence == [True, False])
    assert session.calls() == []  # the SDK was never loaded
    assert session.widget.errors == []
    assert session.js_errors == []


def test_simulated_call_takes_a_spoken_turn(open_widget):
    session, _, turns = sandbox_widget(open_widget)
    session.click("join")
    session.wait_for_state("in the simulated call")

    session.click("mic")

    session.wait_for(py=lambda: turns == ["hello by voice"])
    session.wait_for("window.__spoken.length === 1")
    assert session.page.evaluate("window.__recognitionLang")  # the browser's language


def test_simulated_call_without_speech_recognition_hides_the_mic(open_widget):
    session, _, _ = sandbox_widget(open_widget, init_script=FAKE_SPEECH + NO_RECOGNITION)

    assert session.page.is_hidden(".zego-call-mic")
    assert "no speech recognition in this browser" in session.page.inner_text(".zego-call")


def test_a_failing_turn_handler_is_shown_once(open_widget):
    def broken(text: str) -> str:
        raise RuntimeError("the LLM is down")

    session, _, _ = sandbox_widget(open_widget, turn_handler=broken)
    session.click("join")
    session.wait_for_state("in the simulated call")

    session.page.fill(".zego-call-input", "hello?")
    session.click("send")

    session.wait_for("document.querySelector('.zego-call-error').textContent !== ''")
    assert session.error() == "turn_handler failed: RuntimeError: the LLM is down"
    session.wait_for_state("in the simulated call")
    assert [error.kind for error in session.widget.errors] == ["turn"]  # not echoed back


# ----- real mode: what the SDK says, and the agent controlled from the call ---


def test_the_widget_says_which_sdk_it_loaded(open_widget, server_url):
    session = joined(open_widget)

    expected = f"ZEGO Express Web SDK stub (from {server_url}/sdk/zego.js)"
    assert session.page.text_content(".zego-call-sdk") == f"SDK: {expected}"
    session.wait_for(py=lambda: session.widget.sdk_info == expected)


def test_an_sdk_that_does_not_know_an_event_fails_in_words(open_widget):
    session = open_widget()
    session.page.evaluate("window.__zegoStubConfig = {forgetEvents: ['recvExperimentalAPI']}")

    session.click("join")

    assert_failed(session, "sdk", 'does not know the event "recvExperimentalAPI"', "web-sdk bundle")
    assert "loginRoom" not in session.methods()


def test_user_speaking_status_cmd_1_moves_the_state_line(open_widget):
    session = joined(open_widget)
    session.fire("roomStreamUpdate", ROOM, "ADD", [{"streamID": AGENT_STREAM}], "")
    session.wait_for_state("agent joined")

    # Cmd 1, SpeakStatus 1: the user started speaking, the agent listens; 2: it thinks.
    session.fire("recvExperimentalAPI", room_message(1, 7, {"SpeakStatus": 1, "UserId": USER}))
    session.wait_for_state("agent listening")
    session.fire("recvExperimentalAPI", room_message(1, 8, {"SpeakStatus": 2, "UserId": USER}))
    session.wait_for_state("agent thinking")
    # Another user's speech does not move our state line.
    session.fire("recvExperimentalAPI", room_message(1, 9, {"SpeakStatus": 1, "UserId": "other"}))
    session.page.wait_for_timeout(100)
    assert session.state() == "agent thinking"


def control_answer(action: str, seq: str, code: int = 0, message: str = "success") -> dict:
    """The agent's answer to a control command: a room channel message of msgType 22."""
    body = {
        "Action": action,
        "Seq": seq,
        "Code": code,
        "Message": message,
        "RequestId": "8916619579948490296",
        "Data": {"Round": 1481651956},
    }
    content = {"roomID": ROOM, "msgType": 22, "msgContent": json.dumps(body)}
    return {"method": "onRecvRoomChannelMessage", "content": content}


def sent_commands(session: WidgetPage) -> list[dict]:
    """The room commands the widget sent: callExperimentalAPI("sendRoomChannelMessage")."""
    sent = []
    for call in session.calls():
        if call["method"] == "callExperimentalAPI" and call["args"][0]["method"] == (
            "sendRoomChannelMessage"
        ):
            params = call["args"][0]["params"]
            sent.append({**params, "msgContent": json.loads(params["msgContent"])})
    return sent


def test_control_buttons_send_the_documented_room_commands(open_widget):
    session = joined(open_widget)
    assert session.page.is_visible(".zego-call-controls")
    api = session.page.locator(".zego-call-api").all_inner_texts()
    assert api == [
        "server API: InterruptAgentInstance",
        "server API: SendAgentInstanceTTS",
        "server API: SendAgentInstanceLLM",
    ]

    session.click("interrupt")
    session.wait_for(py=lambda: len(sent_commands(session)) == 1)
    command = sent_commands(session)[0]
    seq = command["msgContent"]["Seq"]
    assert command == {
        "roomID": ROOM,
        "msgType": 20,
        "msgContent": {"Action": "InterruptAgentInstance", "Seq": seq, "Params": {}},
        "toUserIDList": [AGENT_USER],
        "seq": 1,
    }
    assert seq.startswith(f"{USER}:web_") and seq.endswith(":1")
    session.fire("recvExperimentalAPI", control_answer("InterruptAgentInstance", seq))
    done = "InterruptAgentInstance: done (RequestId 8916619579948490296)"
    session.wait_for(
        f"document.querySelector('.zego-call-control-status').textContent === {done!r}"
    )

    session.page.fill(".zego-call-control-text", "  Welcome to the workshop!  ")
    session.click("say")
    session.click("ask")
    session.wait_for(py=lambda: len(sent_commands(session)) == 3)
    say, ask = (c["msgContent"] for c in sent_commands(session)[1:])
    assert (say["Action"], say["Params"]) == (
        "SendAgentInstanceTTS",
        {"Text": "Welcome to the workshop!", "AddHistory": True},
    )
    assert (ask["Action"], ask["Params"]) == (
        "SendAgentInstanceLLM",
        {"Text": "Welcome to the workshop!"},
    )
    # A refusal is shown with ZEGO's code; an answer to an unknown Seq changes nothing.
    session.fire("recvExperimentalAPI", control_answer("SendAgentInstanceTTS", "nobody:1", 0))
    session.fire(
        "recvExperimentalAPI",
        control_answer("SendAgentInstanceTTS", say["Seq"], 410001010, "instance not found"),
    )
    session.fire("recvExperimentalAPI", control_answer("SendAgentInstanceLLM", ask["Seq"]))
    session.wait_for(py=lambda: len(session.widget.control_results) == 3)
    results = [(r["action"], r["code"]) for r in session.widget.control_results]
    assert results == [
        ("InterruptAgentInstance", 0),
        ("SendAgentInstanceTTS", 410001010),
        ("SendAgentInstanceLLM", 0),
    ]
    assert (
        "failed with code 410001010: instance not found"
        in (session.widget.control_results[1]["text"])
    )
    assert session.widget.errors == []  # a control's outcome is not a call error
    save_screenshot(session, "call-widget-controls.png", docs_name="call-widget-controls.png")


def test_a_control_without_an_answer_or_text_says_so(open_widget):
    session = joined(open_widget)
    session.page.clock.install()

    session.click("say")  # no text typed
    session.wait_for("document.querySelector('.zego-call-control-status').textContent !== ''")
    assert session.page.text_content(".zego-call-control-status") == (
        "SendAgentInstanceTTS: type the text for the agent first"
    )
    assert sent_commands(session) == []

    session.page.fill(".zego-call-control-text", "x" * 301)
    session.click("say")
    session.wait_for(py=lambda: len(session.widget.control_results) == 2)
    assert "has 301 characters; ZEGO takes at most 300" in session.widget.control_results[1]["text"]

    session.click("interrupt")
    session.wait_for(py=lambda: len(sent_commands(session)) == 1)
    session.page.clock.fast_forward(5_100)
    session.wait_for(py=lambda: len(session.widget.control_results) == 3)
    assert session.widget.control_results[2]["text"] == (
        "InterruptAgentInstance: sent, but the agent did not answer within 5 s "
        "(is the agent instance still in this room?)"
    )


def test_simulated_call_control_buttons_act_on_the_sandbox(open_widget):
    done: list[tuple[str, str]] = []

    def control(action: str, text: str) -> str | None:
        done.append((action, text))
        return {"SendAgentInstanceTTS": text, "SendAgentInstanceLLM": f"About {text}: yes."}.get(
            action
        )

    session, _, _ = sandbox_widget(open_widget)
    session.widget._control_handler = control
    assert session.page.is_hidden(".zego-call-controls")  # not before joining
    session.click("join")
    session.wait_for_state("in the simulated call")

    session.page.fill(".zego-call-control-text", "Hello from the trainer")
    session.click("say")
    session.wait_for("window.__spoken.length === 1")
    session.click("ask")
    session.wait_for("window.__spoken.length === 2")
    session.click("interrupt")
    session.wait_for(py=lambda: len(session.widget.control_results) == 3)

    assert done == [
        ("SendAgentInstanceTTS", "Hello from the trainer"),
        ("SendAgentInstanceLLM", "Hello from the trainer"),
        ("InterruptAgentInstance", ""),
    ]
    assert session.page.evaluate("window.__spoken") == [
        "Hello from the trainer",
        "About Hello from the trainer: yes.",
    ]
    assert [r["text"] for r in session.widget.control_results] == [
        "SendAgentInstanceTTS: done by the sandbox",
        "SendAgentInstanceLLM: done by the sandbox",
        "InterruptAgentInstance: done by the sandbox",
    ]
    assert session.page.inner_text(".zego-call-transcript").split("\n") == [
        "Agent: Hello from the trainer",
        "You: Hello from the trainer",
        "Agent: About Hello from the trainer: yes.",
    ]
    assert session.js_errors == []


def test_a_stream_that_cannot_be_played_is_reported_in_words(open_widget):
    session = joined(open_widget)
    # startPlayingStream's rejection shape in the real SDK: {code, message, errorCode,
    # extendedData} (the code here is an example).
    session.page.evaluate(
        "window.__zegoStubConfig = {playError: {code: 1104001, message: 'play fail', "
        "errorCode: 1104001, extendedData: 'stream not found'}}"
    )

    session.fire("roomStreamUpdate", ROOM, "ADD", [{"streamID": AGENT_STREAM}], "")

    session.wait_for(py=lambda: bool(session.widget.errors))
    error = session.widget.errors[-1]
    assert (error.kind, error.code) == ("play", 1104001)
    assert session.error() == (
        f'could not play the agent\'s stream "{AGENT_STREAM}" (SDK: code 1104001: play fail: '
        "stream not found): check that the token allows playing streams (a privilege token), "
        "then leave and join again"
    )


def test_a_widget_made_in_chinese_shows_its_words_in_chinese(open_widget, monkeypatch):
    """The browser half takes its words from the kernel (the ``texts`` trait): made while the
    kit speaks Chinese, the panel, its states and its transcript are Chinese, while
    ``widget.state`` keeps the English value code compares with."""
    monkeypatch.setenv("ZEGO_LANG", "zh")
    session, presence, _ = sandbox_widget(open_widget)
    text = session.page.inner_text(".zego-call")
    assert "模拟通话：沙箱没有 RTC 房间" in text and "Simulated call" not in text
    assert session.page.inner_text(".zego-call-join") == "加入"
    assert session.page.inner_text(".zego-call-state") == "就绪"
    session.click("join")
    session.wait_for("document.querySelector('.zego-call-state').textContent === '模拟通话中'")
    session.wait_for(py=lambda: presence == [True])
    assert session.widget.state == "in the simulated call"
    session.page.fill(".zego-call-input", "你好")
    session.page.press(".zego-call-input", "Enter")
    session.wait_for("window.__spoken.length === 1")
    assert session.page.inner_text(".zego-call-transcript").split("\n")[0] == "您：你好"
    assert session.js_errors == []


# ----- errors and outcomes in Chinese (ZEGO_LANG=zh) ------------------------------


def test_a_refused_login_is_put_in_chinese_with_its_code(open_widget, monkeypatch):
    monkeypatch.setenv("ZEGO_LANG", "zh")
    session = open_widget()
    session.page.evaluate(
        "window.__zegoStubConfig = {loginError: {code: 1102017, msg: 'dispatch error'}}"
    )

    session.click("join")

    assert_failed(
        session, "login", "登录房间失败，错误码 1102017：ZEGO 没有找到", shown_state="失败"
    )
    shown = session.error()
    assert shown.endswith("（SDK：dispatch error）")  # the SDK's own words, as it said them
    assert_chinese(
        shown, "1102017", "ZEGO", "AppID", "ZEGO_APP_ID", "ZEGO_WEB_SERVER", "SDK", "dispatch error"
    )
    assert session.widget.errors[-1].code == 1102017
    save_screenshot(
        session, "call-widget-wrong-appid-zh.png", docs_name="zh/call-widget-wrong-appid.png"
    )


def test_an_insecure_page_is_refused_in_chinese(open_widget, monkeypatch):
    monkeypatch.setenv("ZEGO_LANG", "zh")
    session = open_widget(host=INSECURE_HOST)

    session.click("join")

    assert_failed(session, "insecure-context", "不是安全上下文", shown_state="失败")
    origin = session.page.evaluate("location.origin")
    assert_chinese(
        session.error(),
        origin,
        "https://",
        "http://localhost",
        "127.0.0.1",
        "JupyterLab",
        "https",
        "SSH",
    )


def test_control_outcomes_in_chinese(open_widget, monkeypatch):
    """The control buttons' outcomes are Chinese; the Action, the agent's code, its
    Message and the RequestId stay as they are."""
    monkeypatch.setenv("ZEGO_LANG", "zh")
    session = open_widget()
    session.click("join")
    session.wait_for_state("已在房间中")
    session.page.clock.install()

    session.click("say")  # no text typed
    session.wait_for(py=lambda: len(session.widget.control_results) == 1)
    assert session.page.text_content(".zego-call-control-status") == (
        "SendAgentInstanceTTS：请先输入要发给智能体的文本"
    )
    session.page.fill(".zego-call-control-text", "x" * 301)
    session.click("say")
    session.wait_for(py=lambda: len(session.widget.control_results) == 2)
    assert session.widget.control_results[1]["text"] == (
        "SendAgentInstanceTTS：文本有 301 个字符，ZEGO 最多接受 300 个：请缩短"
    )
    session.click("interrupt")
    session.wait_for(py=lambda: len(sent_commands(session)) == 1)
    session.page.clock.fast_forward(5_100)
    session.wait_for(py=lambda: len(session.widget.control_results) == 3)
    no_answer = session.widget.control_results[2]["text"]
    assert no_answer == (
        "InterruptAgentInstance：已发送，但智能体在 5 秒内没有响应"
        "（智能体实例是否仍在这个房间中？）"
    )
    for result in session.widget.control_results:
        assert_chinese(result["text"], result["action"])
