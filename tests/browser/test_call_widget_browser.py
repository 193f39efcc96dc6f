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

import base64
import json
import os
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    INSECURE_HOST,
    REPO_ROOT,
    artifact_path,
    file_route,
    local_server,
    text_route,
    watch_page_errors,
)

from zego_helpers.token04 import decode_token04, generate_token04
from zego_helpers.widgets.call_widget import CallWidget

pytestmark = pytest.mark.browser

ASSETS = Path(__file__).with_name("assets")
WIDGET_JS = REPO_ROOT / "zego_helpers" / "widgets" / "call_widget.js"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "images" / "call-widget.png"

APP_ID = 1234567890
SECRET = "0123456789abcdef0123456789abcdef"  # a made-up 32-character ServerSecret
SERVER = f"wss://webliveroom{APP_ID}-api.coolzcloud.com/ws"
ROOM = "room_test_1"
USER = "user_test_1"
USER_NAME = "Ada"
USER_STREAM = "room_test_1_user"
AGENT_STREAM = "room_test_1_agent"

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
    js = "text/javascript; charset=utf-8"
    routes = {
        "/": file_route(ASSETS / "call_widget_harness.html", "text/html; charset=utf-8"),
        "/harness.js": file_route(ASSETS / "call_widget_harness.js", js),
        "/widget/call_widget.js": file_route(WIDGET_JS, js),
        "/sdk/zego.js": file_route(ASSETS / "zego_sdk_stub.js", js),
        "/sdk/zego-classic.js": text_route(classic_script_stub(), js),
    }
    with local_server(routes) as url:
        yield url


class WidgetPage:
    """One test page with the widget, bridged to a real Python ``CallWidget``.

    Messages from the page reach the widget's handler as they would from the
    kernel's comm; what the widget sends is queued (it may send from its worker
    thread) and delivered to the page by :meth:`pump`, which the waits call.
    """

    def __init__(self, page: Any, widget: CallWidget) -> None:
        self.page = page
        self.widget = widget
        self.js_errors = watch_page_errors(page)
        self._outbox: queue.Queue[tuple[dict, list]] = queue.Queue()
        self._applying_browser_state = False
        widget.send = lambda content, buffers=None: self._outbox.put((content, buffers or []))
        widget.observe(self._python_changed, names=list(CallWidget.class_own_traits(sync=True)))
        page.expose_function("__toKernel", lambda content: widget._handle_custom_msg(content, []))
        page.expose_function("__syncToKernel", self._browser_changed)

    def _browser_changed(self, changes: dict) -> None:
        self._applying_browser_state = True
        try:
            self.widget.set_state(changes)
        finally:
            self._applying_browser_state = False

    def _python_changed(self, change: dict) -> None:
        if not self._applying_browser_state:
            self._outbox.put(({"__state__": {change["name"]: change["new"]}}, []))

    def start(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_function("window.__harnessReady === true")
        self.page.evaluate("state => window.__startWidget(state)", self.widget.get_state())

    def pump(self) -> None:
        while True:
            try:
                content, buffers = self._outbox.get_nowait()
            except queue.Empty:
                return
            if "__state__" in content:
                self.page.evaluate("c => window.__stateFromKernel(c)", content["__state__"])
            else:
                encoded = [base64.b64encode(bytes(buffer)).decode("ascii") for buffer in buffers]
                self.page.evaluate("([c, b]) => window.__fromKernel(c, b)", [content, encoded])

    def wait_for(self, js: str | None = None, py: Callable[[], bool] | None = None) -> None:
        """Pump messages until the page's ``js`` expression and/or ``py()`` are true."""
        deadline = time.monotonic() + 10
        while True:
            self.pump()
            if (js is None or self.page.evaluate(js)) and (py is None or py()):
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {js or py}; state={self.state()!r}, "
                    f"error={self.error()!r}, SDK calls={self.methods()}"
                )
            self.page.wait_for_timeout(20)

    def wait_for_state(self, state: str) -> None:
        self.wait_for(f"document.querySelector('.zego-call-state').textContent === {state!r}")

    def wait_for_call(self, method: str) -> None:
        self.wait_for(f"(window.__zegoCalls || []).some(c => c.method === {method!r})")

    def click(self, name: str) -> None:
        self.page.click(f".zego-call-{name}")

    def fire(self, event: str, *args: Any) -> None:
        self.page.evaluate("([e, a]) => window.__zegoStub.fire(e, ...a)", [event, list(args)])

    def calls(self) -> list[dict]:
        return self.page.evaluate("window.__zegoCalls || []")

    def methods(self) -> list[str]:
        return [call["method"] for call in self.calls()]

    def state(self) -> str:
        return self.page.text_content(".zego-call-state") or ""

    def error(self) -> str:
        return self.page.text_content(".zego-call-error") or ""


@pytest.fixture
def open_widget(browser, server_url):
    """Open a page with a fresh widget: ``open_widget(**CallWidget kwargs)``."""
    contexts = []
    widgets = []

    def open_(host: str = "127.0.0.1", init_script: str | None = None, **kwargs: Any):
        tokens: list[str] = []

        def token_provider() -> str:
            tokens.append(generate_token04(APP_ID, USER, SECRET))
            return tokens[-1]

        options = {
            "app_id": APP_ID,
            "server": SERVER,
            "room_id": ROOM,
            "user_id": USER,
            "user_name": USER_NAME,
            "user_stream_id": USER_STREAM,
            "agent_stream_id": AGENT_STREAM,
            "token_provider": token_provider,
            "sdk_url": f"{server_url}/sdk/zego.js",
        }
        options.update(kwargs)
        widget = CallWidget(**options)
        widget.tokens = tokens  # the tokens handed out, for the assertions
        widgets.append(widget)
        context = browser.new_context(viewport={"width": 760, "height": 560})
        contexts.append(context)
        page = context.new_page()
        if init_script:
            page.add_init_script(init_script)
        session = WidgetPage(page, widget)
        session.start(server_url.replace("127.0.0.1", host) + "/")
        return session

    yield open_
    for context in contexts:
        context.close()
    for widget in widgets:
        widget.close()


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


def save_screenshot(session: WidgetPage, name: str, docs: bool = False) -> None:
    widget_box = session.page.locator("#widget")
    widget_box.screenshot(path=str(artifact_path(name)))
    # The README's picture: written once (or again with ZEGO_UPDATE_SCREENSHOTS=1).
    if docs and (not DOCS_SCREENSHOT.exists() or os.environ.get("ZEGO_UPDATE_SCREENSHOTS")):
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        widget_box.screenshot(path=str(DOCS_SCREENSHOT))


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
    save_screenshot(session, "call-widget-real.png", docs=True)

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


def assert_failed(session: WidgetPage, kind: str, *phrases: str) -> None:
    session.wait_for_state("failed")
    session.wait_for(py=lambda: bool(session.widget.errors))
    shown = session.error()
    for phrase in phrases:
        assert phrase in shown
    error = session.widget.errors[-1]
    assert error.kind == kind
    assert error.message == shown
    for token in session.widget.tokens:
        assert token not in shown
    assert session.page.is_enabled(".zego-call-join")  # the user can try again


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
