"""The Python half of the call widget, without a browser.

Messages are fed to the widget's handler exactly as the kernel's comm delivers
them; what the widget sends back is captured. (The browser half is tested in
tests/browser/test_call_widget_browser.py.)
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from zego_helpers.errors import ValidationError
from zego_helpers.token04 import decode_token04
from zego_helpers.web_sdk import install_sdk
from zego_helpers.widgets.call_widget import (
    DEFAULT_SDK_URL,
    KERNEL_SDK,
    SDK_DEBUG_ENV,
    SDK_URL_ENV,
    SDK_VERSION,
    CallWidget,
    CallWidgetError,
    call_widget_texts,
    default_sdk_url,
    scrub_tokens,
    token_provider_for,
)

APP_ID = 1234567890
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "04AAAAAGbVf1wAEHN0c2VjcmV0dG9rZW4xMjM0AAAA"  # token-shaped, made up

IDS = {
    "app_id": APP_ID,
    "server": "",
    "room_id": "room_1",
    "user_id": "user_1",
    "user_name": "Ada",
    "user_stream_id": "room_1_user",
}


def make_widget(**kwargs) -> tuple[CallWidget, list[dict]]:
    """A widget whose outgoing messages are collected in a list."""
    options = {**IDS, "token_provider": lambda: TOKEN, **kwargs}
    widget = CallWidget(**options)
    sent: list[dict] = []
    widget.send = lambda content, buffers=None: sent.append(content)
    return widget, sent


def from_browser(widget: CallWidget, content: dict) -> None:
    """Deliver a message as the comm does, then wait for the worker thread."""
    widget._handle_custom_msg(content, [])
    widget.wait_idle()


def test_login_and_renewal_each_get_a_fresh_token():
    tokens = iter(["04first-token-aaaaaaaaaaaa", "04second-token-bbbbbbbbbbb"])
    widget, sent = make_widget(token_provider=lambda: next(tokens))

    from_browser(widget, {"type": "get-token", "id": "v-1"})
    from_browser(widget, {"type": "renew-token", "id": "v-2"})

    assert sent == [
        {"type": "token", "id": "v-1", "token": "04first-token-aaaaaaaaaaaa"},
        {"type": "token", "id": "v-2", "token": "04second-token-bbbbbbbbbbb"},
    ]
    assert widget.errors == []


def test_token_is_not_widget_state_nor_in_the_repr():
    widget, _ = make_widget()
    from_browser(widget, {"type": "get-token", "id": 1})

    assert TOKEN not in repr(widget)
    assert TOKEN not in str(widget.get_state())
    assert "token" not in widget.keys


def test_a_failing_token_provider_is_reported_without_the_token(caplog):
    def provider() -> str:
        raise RuntimeError(f"could not sign {TOKEN}")

    widget, sent = make_widget(token_provider=provider)
    with caplog.at_level(logging.WARNING):
        from_browser(widget, {"type": "renew-token", "id": 7})

    (error,) = widget.errors
    assert error.kind == "token"
    assert (
        error.message == "token_provider failed (renew-token): RuntimeError: could not sign 04****"
    )
    assert sent == [{"type": "kernel-error", "id": 7, "kind": "token", "message": error.message}]
    assert TOKEN not in caplog.text
    assert "could not sign 04****" in caplog.text


def test_a_token_provider_returning_nothing_is_an_error():
    widget, sent = make_widget(token_provider=lambda: None)

    from_browser(widget, {"type": "get-token", "id": 1})

    assert sent[0]["type"] == "kernel-error"
    assert "returned NoneType, not a token string" in sent[0]["message"]


def test_browser_errors_are_collected_and_passed_to_hooks_without_the_token(caplog):
    seen: list[CallWidgetError] = []
    widget, sent = make_widget(on_error=seen.append)
    message = f"login failed with code 1002078: the token has expired (SDK: {TOKEN})"

    with caplog.at_level(logging.WARNING):
        from_browser(
            widget, {"type": "error", "kind": "login", "message": message, "code": 1002078}
        )

    (error,) = widget.errors
    assert seen == [error]
    assert (error.kind, error.code) == ("login", 1002078)
    assert TOKEN not in str(error) and TOKEN not in caplog.text
    assert (
        str(error) == "login: login failed with code 1002078: the token has expired (SDK: 04****)"
    )
    assert sent == []  # the browser already shows it
    with pytest.raises(CallWidgetError, match="1002078"):
        widget.raise_for_errors()


def test_a_broken_error_hook_does_not_break_the_widget():
    widget, _ = make_widget()
    widget.on_error(lambda error: 1 / 0)

    from_browser(widget, {"type": "error", "kind": "microphone-denied", "message": "denied"})

    assert [error.kind for error in widget.errors] == ["microphone-denied"]


def test_presence_calls_the_callback_in_order():
    presence: list[bool] = []
    widget, _ = make_widget(mode="sandbox", presence_callback=presence.append)
    assert widget.in_room is None

    from_browser(widget, {"type": "presence", "in_room": True})
    assert widget.in_room is True
    from_browser(widget, {"type": "presence", "in_room": False})

    assert presence == [True, False]
    assert widget.in_room is False


def test_a_failing_presence_callback_is_reported():
    def set_presence(in_room: bool) -> None:
        raise ConnectionError("sandbox not running")

    widget, sent = make_widget(mode="sandbox", presence_callback=set_presence)
    from_browser(widget, {"type": "presence", "in_room": True})

    message = "presence_callback(True) failed: ConnectionError: sandbox not running"
    assert sent == [{"type": "kernel-error", "id": None, "kind": "presence", "message": message}]
    assert widget.errors[-1].kind == "presence"


def test_a_turn_is_answered_by_the_turn_handler():
    widget, sent = make_widget(mode="sandbox", turn_handler=lambda text: f"echo: {text}")

    from_browser(widget, {"type": "say", "id": "t1", "text": "hello"})

    assert sent == [{"type": "agent-reply", "id": "t1", "text": "echo: hello"}]


def test_turns_run_off_the_kernel_thread_one_at_a_time():
    release = threading.Event()
    order: list[str] = []

    def slow_handler(text: str) -> str:
        release.wait(5)
        order.append(text)
        return text.upper()

    widget, sent = make_widget(mode="sandbox", turn_handler=slow_handler)
    widget._handle_custom_msg({"type": "say", "id": 1, "text": "one"}, [])
    widget._handle_custom_msg({"type": "say", "id": 2, "text": "two"}, [])
    assert sent == []  # the handler returned at once: the kernel is free

    release.set()
    widget.wait_idle()
    assert order == ["one", "two"]
    assert [message["text"] for message in sent] == ["ONE", "TWO"]


def test_turn_handler_failures_and_a_missing_handler_are_kernel_errors():
    def broken(text: str) -> str:
        raise TimeoutError("no reply within 30 s")

    widget, sent = make_widget(mode="sandbox", turn_handler=broken)
    from_browser(widget, {"type": "say", "id": 3, "text": "hi"})
    assert sent == [
        {
            "type": "kernel-error",
            "id": 3,
            "kind": "turn",
            "message": "turn_handler failed: TimeoutError: no reply within 30 s",
        }
    ]

    widget, sent = make_widget(mode="sandbox")
    from_browser(widget, {"type": "say", "id": 4, "text": "hi"})
    assert sent[0]["message"] == "no turn_handler was given to CallWidget"


def test_sandbox_mode_needs_no_token_provider_real_mode_does():
    widget, sent = make_widget(mode="sandbox", token_provider=None)
    from_browser(widget, {"type": "get-token", "id": 1})
    assert sent[0]["message"] == "no token_provider was given to CallWidget"

    with pytest.raises(ValidationError, match="required in real mode"):
        make_widget(mode="real", token_provider=None)


def test_unknown_messages_are_ignored():
    widget, sent = make_widget()
    from_browser(widget, {"type": "something-new"})
    from_browser(widget, ["not", "a", "dict"])
    assert sent == [] and widget.errors == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("app_id", 0),
        ("app_id", "1234"),
        ("mode", "demo"),
        ("room_id", "room with spaces"),
        ("user_id", "x" * 33),
        ("user_stream_id", ""),
        ("agent_stream_id", "bad/stream"),
        ("user_name", " "),
        ("token_provider", "04not-a-function"),
        ("agent_user_id", "agent with spaces"),
        ("join_timeout", 0),
        ("join_timeout", 601),
        ("join_timeout", True),
        ("join_timeout", "30"),
    ],
)
def test_bad_arguments_name_the_field(field, value):
    with pytest.raises(ValidationError) as caught:
        make_widget(**{field: value})
    assert caught.value.field == field


def test_sdk_url_is_pinned_and_can_be_overridden(monkeypatch, tmp_path):
    assert f"zego-express-engine-webrtc@{SDK_VERSION}/" in DEFAULT_SDK_URL
    assert default_sdk_url({"ZEGO_KIT_HOME": str(tmp_path)}) == DEFAULT_SDK_URL
    assert default_sdk_url({SDK_URL_ENV: " https://intranet.example/zego.js "}) == (
        "https://intranet.example/zego.js"
    )

    monkeypatch.setenv(SDK_URL_ENV, "https://intranet.example/zego.js")
    assert make_widget()[0].sdk_url == "https://intranet.example/zego.js"
    assert make_widget(sdk_url="/files/zego.js")[0].sdk_url == "/files/zego.js"


def test_token_provider_for_mints_a_token_for_the_user():
    class Secret:  # like zego_helpers.settings.Secret
        def reveal(self) -> str:
            return SECRET

    for secret in (SECRET, Secret()):
        provide = token_provider_for(APP_ID, "user_1", secret, effective_seconds=600)
        first, second = provide(), provide()
        assert first != second
        claims = decode_token04(first, SECRET)
        assert (claims["app_id"], claims["user_id"]) == (APP_ID, "user_1")
        assert claims["expire"] - claims["ctime"] == 600


def test_scrub_tokens_masks_token_shaped_text_only():
    assert scrub_tokens(f"bad token {TOKEN}.") == "bad token 04****."
    assert scrub_tokens("room 04 and code 1002078") == "room 04 and code 1002078"


def test_importing_the_widgets_package_loads_no_widget_library():
    code = (
        "import sys, zego_helpers, zego_helpers.widgets; "
        "print(sorted(m for m in ('ipywidgets', 'anywidget') if m in sys.modules))"
    )
    repo_root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo_root
    )
    assert result.stdout.strip() == "[]"


# ----- the Web SDK served by the kernel --------------------------------------------------

SDK_MODULE = b'var E=function(){};E.version="3.11.0";export{E as ZegoExpressEngine};\n'


def install_test_sdk(kit_home: Path) -> None:
    source = kit_home.parent / "sdk.mjs"
    source.write_bytes(SDK_MODULE)
    install_sdk(source, kit_home, build="test bundle")


def test_an_installed_sdk_is_served_by_the_kernel_unless_a_url_is_set(isolated_kit, monkeypatch):
    assert default_sdk_url() == DEFAULT_SDK_URL  # nothing installed: the public CDN
    install_test_sdk(isolated_kit)

    assert default_sdk_url() == KERNEL_SDK
    assert make_widget()[0].sdk_url == KERNEL_SDK
    monkeypatch.setenv(SDK_URL_ENV, "https://intranet.example/zego.mjs")
    assert default_sdk_url() == "https://intranet.example/zego.mjs"


def test_a_damaged_install_falls_back_to_the_cdn_and_says_so(isolated_kit, caplog):
    install_test_sdk(isolated_kit)
    (isolated_kit / "web-sdk" / "web-sdk.json").write_text("{damaged")

    with caplog.at_level(logging.WARNING):
        assert default_sdk_url() == DEFAULT_SDK_URL
    assert "web-sdk.json is damaged" in caplog.text


def test_get_sdk_sends_the_installed_file_as_a_binary_buffer(isolated_kit):
    install_test_sdk(isolated_kit)
    widget = CallWidget(**IDS, token_provider=lambda: TOKEN)
    sent: list[tuple[dict, list]] = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))

    from_browser(widget, {"type": "get-sdk", "id": "s-1"})

    ((answer, buffers),) = sent
    assert answer["type"] == "sdk" and answer["id"] == "s-1"
    assert answer["version"] == "3.11.0" and answer["build"] == "test bundle"
    assert answer["description"].startswith("zego-express-engine-webrtc 3.11.0 (test bundle")
    assert len(answer["sha256"]) == 64
    assert buffers == [SDK_MODULE]


def test_get_sdk_without_an_install_is_a_kernel_error_that_says_what_to_run():
    widget, sent = make_widget()

    from_browser(widget, {"type": "get-sdk", "id": "s-1"})

    assert sent == [
        {
            "type": "kernel-error",
            "id": "s-1",
            "kind": "sdk-load",
            "message": sent[0]["message"],
        }
    ]
    assert "no Web SDK is installed" in sent[0]["message"]
    assert "zego-kit web-sdk bundle" in sent[0]["message"]


def test_control_buttons_reach_the_control_handler_in_order():
    done: list[tuple[str, str]] = []

    def control(action: str, text: str) -> str | None:
        done.append((action, text))
        return text or None

    widget, sent = make_widget(mode="sandbox", control_handler=control)
    from_browser(widget, {"type": "control", "id": "c-1", "action": "SendAgentInstanceTTS",
                          "text": "Hi"})  # fmt: skip
    from_browser(widget, {"type": "control", "id": "c-2", "action": "InterruptAgentInstance"})

    assert done == [("SendAgentInstanceTTS", "Hi"), ("InterruptAgentInstance", "")]
    assert sent == [
        {"type": "control-answer", "id": "c-1", "say": "Hi"},
        {"type": "control-answer", "id": "c-2", "say": ""},
    ]


def test_control_failures_are_kernel_errors_in_words():
    def broken(action: str, text: str) -> str:
        raise RuntimeError("sandbox unreachable")

    widget, sent = make_widget(mode="sandbox", control_handler=broken)
    from_browser(widget, {"type": "control", "id": "c-1", "action": "SendAgentInstanceLLM",
                          "text": "Hi"})  # fmt: skip
    from_browser(widget, {"type": "control", "id": "c-2", "action": "DeleteAgentInstance"})
    bare, _ = make_widget(mode="sandbox")
    bare_sent: list[dict] = []
    bare.send = lambda content, buffers=None: bare_sent.append(content)
    from_browser(bare, {"type": "control", "id": "c-3", "action": "InterruptAgentInstance"})

    assert [m["message"] for m in sent] == [
        "SendAgentInstanceLLM failed: RuntimeError: sandbox unreachable",
        "unknown control action 'DeleteAgentInstance'",
    ]
    assert bare_sent[0]["message"] == "no control_handler was given to CallWidget"
    assert {e.kind for e in widget.errors} == {"control"}


def test_control_results_from_the_browser_are_kept():
    widget, _ = make_widget()
    result = {"action": "InterruptAgentInstance", "seq": "u:web_1:1", "code": 0, "text": "done"}

    from_browser(widget, {"type": "control-result", **result})

    assert widget.control_results == [result]
    assert widget.errors == []


def test_sdk_debug_and_join_timeout_reach_the_browser(monkeypatch):
    assert make_widget()[0].sdk_debug is False
    monkeypatch.setenv(SDK_DEBUG_ENV, "1")
    assert make_widget()[0].sdk_debug is True
    assert make_widget(sdk_debug=False)[0].sdk_debug is False
    widget = make_widget(join_timeout=5)[0]
    assert widget.join_timeout == 5.0
    assert {"sdk_debug", "join_timeout", "agent_user_id"} <= set(widget.get_state())


# ----- the browser's words come from the kernel ------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
_JS_STRING = r'"(?:[^"\\\n]|\\.)*"'
#: ``key: "literal"`` or ``key:\n "lit" +\n "eral"``, one entry of ``export const TEXTS``.
_JS_ENTRY = re.compile(rf"^  (\w+):\s*((?:{_JS_STRING}\s*\+\s*)*{_JS_STRING}),\s*$", re.M)
_FIELD = re.compile(r"\{(\w+)\}")


def js_english_texts() -> dict[str, str]:
    """``call_widget.js``'s ``TEXTS`` table, read from the source: key -> English.

    Fails if the table has an entry this reader cannot take (one that is not a string
    literal, or several literals joined by ``+``), so no entry is ever skipped."""
    from zego_helpers.widgets.call_widget import _JS_PATH

    source = _JS_PATH.read_text(encoding="utf-8")
    block = source.split("export const TEXTS = {\n", 1)[1].split("\n};", 1)[0] + "\n"
    texts = {}
    for key, literals in _JS_ENTRY.findall(block):
        assert key not in texts, f"TEXTS has {key!r} twice"
        texts[key] = "".join(json.loads(lit) for lit in re.findall(_JS_STRING, literals))
    keys_in_block = re.findall(r"^  (\w+):", block, re.M)
    assert keys_in_block == list(texts), "an entry of TEXTS that is not a string literal"
    return texts


def test_the_js_english_table_and_the_python_table_have_the_same_words():
    """Every key of ``call_widget.js``'s English ``TEXTS`` has a ``_()`` entry in
    ``call_widget_texts()`` and the other way round, with the same English: the two can
    never drift (a JS message without a translation, or a translation the JS never shows)."""
    from zego_helpers.i18n import set_language

    set_language("en")
    try:
        english = call_widget_texts()
    finally:
        set_language(None)
    js = js_english_texts()
    assert len(js) > 100  # the panel's words and every error the browser composes
    assert sorted(set(js) - set(english)) == [], "in call_widget.js but not in Python"
    assert sorted(set(english) - set(js)) == [], "in Python but not in call_widget.js"
    different = {key: (js[key], english[key]) for key in js if js[key] != english[key]}
    assert different == {}


def test_every_key_the_js_uses_is_in_its_table():
    """``t("key", ...)``, ``tx(model, "key", ...)`` and the login code table name keys of
    ``TEXTS``: a typo would show the bare key instead of a sentence."""
    from zego_helpers.widgets.call_widget import _JS_PATH

    source = _JS_PATH.read_text(encoding="utf-8")
    used = set(re.findall(r'\b(?:t|tr|this\.host\.t|host\.t)\(\s*"(\w+)"', source))
    used |= set(re.findall(r'\btx\(\s*model,\s*"(\w+)"', source))
    login = source.split("export const LOGIN_ERRORS = {", 1)[1].split("};", 1)[0]
    used |= set(re.findall(r':\s*"(\w+)"', login))
    for chosen in re.findall(r"\bconst key =([^;]+);", source):  # t(key, ...)
        used |= set(re.findall(r'[?:]\s*"(\w+)"', chosen))
    assert len(used) > 80
    assert sorted(used - set(js_english_texts())) == []


def test_the_kernel_sends_every_word_the_browser_shows(monkeypatch):
    """``call_widget_texts()`` has each state of the JS STATE table; in Chinese every
    message is Chinese and keeps every ``{field}`` of its English."""
    from zego_helpers.widgets.call_widget import _JS_PATH

    source = _JS_PATH.read_text(encoding="utf-8")
    state_block = source.split("export const STATE = {", 1)[1].split("};", 1)[0]
    states = re.findall(r':\s*"([^"]+)"', state_block)
    english = call_widget_texts()
    assert {f"state_{s.replace(' ', '_')}" for s in states} <= set(english)
    assert all(english[f"state_{s.replace(' ', '_')}"] == s for s in states)
    monkeypatch.setenv("ZEGO_LANG", "zh")
    chinese = call_widget_texts()
    assert chinese.keys() == english.keys()
    # Punctuation and names, and texts made only of fields and names ("SDK: {info}").
    plain = {"separator", "you", "agent", "sdk_line", "sdk_info", "sdk_code_and_text", "request_id"}
    assert [k for k, v in chinese.items() if k not in plain and not CJK.search(v)] == []
    for key, text in english.items():
        assert sorted(_FIELD.findall(chinese[key])) == sorted(_FIELD.findall(text)), key
