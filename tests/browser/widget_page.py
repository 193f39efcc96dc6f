"""Drive the call widget in a test page: its real ES module, bridged to a Python ``CallWidget``.

Shared by the browser tests against the stub SDK (``test_call_widget_browser.py``) and
against the real Express Web SDK (``test_call_widget_real_sdk.py``).
"""

from __future__ import annotations

import base64
import os
import queue
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from browser_support import (
    REPO_ROOT,
    Route,
    artifact_path,
    file_route,
    local_server,
    watch_page_errors,
)

from zego_helpers.token04 import generate_token04
from zego_helpers.widgets.call_widget import CallWidget

ASSETS = Path(__file__).with_name("assets")
WIDGET_JS = REPO_ROOT / "zego_helpers" / "widgets" / "call_widget.js"
DOCS_IMAGES = REPO_ROOT / "docs" / "images"
#: The Content-Type the pages' scripts are served with.
JS = "text/javascript; charset=utf-8"

APP_ID = 1234567890
SECRET = "0123456789abcdef0123456789abcdef"  # a made-up 32-character ServerSecret
SERVER = f"wss://webliveroom{APP_ID}-api.coolzcloud.com/ws"
ROOM = "room_test_1"
USER = "user_test_1"
USER_NAME = "Ada"
USER_STREAM = "room_test_1_user"
AGENT_STREAM = "room_test_1_agent"
AGENT_USER = "room_test_1_agent_user"


def harness_routes() -> dict[str, Route]:
    """The test page, its script and the widget's module."""
    return {
        "/": file_route(ASSETS / "call_widget_harness.html", "text/html; charset=utf-8"),
        "/harness.js": file_route(ASSETS / "call_widget_harness.js", JS),
        "/widget/call_widget.js": file_route(WIDGET_JS, JS),
    }


@contextmanager
def harness_server(sdk_routes: Mapping[str, Route]) -> Iterator[str]:
    """The test page (:func:`harness_routes`) and ``sdk_routes`` (the SDKs a test loads) on
    loopback, for the block; yields its URL."""
    with local_server({**harness_routes(), **sdk_routes}) as url:
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


@contextmanager
def widget_opener(
    browser: Any, server_url: str, **defaults: Any
) -> Iterator[Callable[..., WidgetPage]]:
    """``open_(host=..., init_script=..., context_options=..., **CallWidget kwargs)``: a page
    with a fresh widget, its tokens made by the kit (``widget.tokens``). Closes them all."""
    contexts = []
    widgets = []

    def open_(
        host: str = "127.0.0.1",
        init_script: str | None = None,
        context_options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> WidgetPage:
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
            "agent_user_id": AGENT_USER,
            "token_provider": token_provider,
            **defaults,
        }
        options.update(kwargs)
        widget = CallWidget(**options)
        widget.tokens = tokens  # the tokens handed out, for the assertions
        widgets.append(widget)
        context = browser.new_context(
            viewport={"width": 760, "height": 640}, **(context_options or {})
        )
        contexts.append(context)
        page = context.new_page()
        if init_script:
            page.add_init_script(init_script)
        session = WidgetPage(page, widget)
        session.start(server_url.replace("127.0.0.1", host) + "/")
        return session

    try:
        yield open_
    finally:
        for context in contexts:
            context.close()
        for widget in widgets:
            widget.close()


def assert_failed(
    session: WidgetPage, kind: str, *phrases: str, shown_state: str = "failed"
) -> None:
    """The join failed with an error of ``kind`` that shows every phrase, in words.
    ``shown_state`` is the state line's text (``"失败"`` for a widget made in Chinese)."""
    session.wait_for_state(shown_state)
    assert session.widget.state == "failed"  # the English value, whatever the language
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
    assert "[object Object]" not in shown
    assert "undefined" not in shown


CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese(text: str, *kept: str) -> None:
    """``text`` is a sentence of the kit in Chinese that keeps each of ``kept`` (codes, ids,
    the SDK's own words) as it is: most of its letters are Chinese characters once those
    are taken out, and it is never an object or ``undefined`` put into words."""
    rest = text
    for value in kept:
        assert value in text, f"{value!r} is not in {text!r}"
        rest = rest.replace(value, " ")
    assert "[object Object]" not in text and "undefined" not in text
    chinese, latin = len(CJK.findall(rest)), len(re.findall(r"[A-Za-z]", rest))
    assert chinese >= 2 * latin, f"{text!r}: {chinese} Chinese characters, {latin} Latin letters"
    assert not re.search(r"\b(join again|the|and|could not|failed)\b", rest), text


def sdk_words(text: str) -> str:
    """The SDK's own words at the end of a message: ``（SDK：错误码 N：<these>）``."""
    found = re.search(r"（SDK：错误码 \d+：(.+)）$", text)
    assert found, f"no SDK words in {text!r}"
    return found.group(1)


def save_screenshot(session: WidgetPage, name: str, docs_name: str | None = None) -> None:
    """Save the widget's picture in test-artifacts/; with ``docs_name`` also in docs/images/
    (written once, or again with ZEGO_UPDATE_SCREENSHOTS=1)."""
    widget_box = session.page.locator("#widget")
    widget_box.screenshot(path=str(artifact_path(name)))
    if docs_name:
        target = DOCS_IMAGES / docs_name
        if not target.exists() or os.environ.get("ZEGO_UPDATE_SCREENSHOTS"):
            target.parent.mkdir(parents=True, exist_ok=True)
            widget_box.screenshot(path=str(target))
