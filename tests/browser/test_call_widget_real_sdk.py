"""The call widget against the real ZEGO Express Web SDK (npm 3.11.0 and 3.12.0) in Chromium.

The stub SDK (``assets/zego_sdk_stub.js``) keeps the other browser tests fast and
lets them play ZEGO's side of a call; these tests run the widget's own module against
the real SDK, bundled by the kit (``zego-kit web-sdk bundle``) and served by the kernel
or on loopback, to catch what a stub hides: how the SDK really loads, fails and
rejects, and whether the stub still looks like it.

There is no route to ZEGO here (see ``real_sdk.py``): what needs ZEGO's servers is
out of reach (a successful login, token privileges, publishing, playback, autoplay).
Where the widget would only get further after a login, a test says so and replaces
``loginRoom`` alone by a stand-in that reports success; everything else is the SDK.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from browser_support import REPO_ROOT, chromium, file_route, local_server, text_route
from real_sdk import (
    FAKE_DEVICE_ARGS,
    OFFLINE_ARGS,
    PACKAGES,
    PINNED,
    bundle,
    raw_npm_file,
    require_sdk_project,
)
from widget_page import (
    ASSETS,
    JS,
    USER_STREAM,
    WIDGET_JS,
    WidgetPage,
    assert_chinese,
    assert_failed,
    harness_server,
    save_screenshot,
    sdk_words,
    widget_opener,
)

from zego_helpers.web_sdk import inspect_sdk_source, install_sdk

pytestmark = pytest.mark.browser

VERSIONS = list(PACKAGES)
KIT = REPO_ROOT / ".venv" / "bin" / "zego-kit"
#: The real SDK with only loginRoom replaced: a stand-in that reports success, since no
#: ZEGO server can be reached here. Everything after the login is the SDK's own.
LOGIN_STAND_IN = """
import * as real from "./real-{version}.mjs";
export class ZegoExpressEngine extends real.ZegoExpressEngine {{
  async loginRoom() {{ return true; }}
}}
"""
#: Counts the page's requests for the microphone (getUserMedia), before any script runs.
COUNT_MICROPHONE = """
window.__microphoneRequests = 0;
const realGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (...args) => {
  window.__microphoneRequests += 1;
  return realGetUserMedia(...args);
};
"""


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    """Each SDK version as one ES module, made by the kit's bundler (about 1 s each)."""
    require_sdk_project()
    folder = tmp_path_factory.mktemp("sdk-bundles")
    return {version: bundle(version, folder) for version in VERSIONS}


@pytest.fixture(scope="module")
def kit_homes(bundles, tmp_path_factory) -> dict[str, Path]:
    """A kit home per version, with that bundle installed (as `zego-kit web-sdk bundle` does)."""
    homes = {}
    for version, path in bundles.items():
        home = tmp_path_factory.mktemp(f"kit-home-{version}")
        install_sdk(path, home, build=f"npm {version} bundled by zego-kit with esbuild")
        homes[version] = home
    return homes


@pytest.fixture(scope="module")
def server_url(bundles):
    routes = {
        "/sdk/stub.mjs": file_route(ASSETS / "zego_sdk_stub.js", JS),
        "/sdk/npm-raw.js": file_route(raw_npm_file(), JS),
        "/sdk/commonjs.js": text_route("module.exports = { ZegoExpressEngine: null };\n", JS),
        "/sdk/page.html": text_route("<!doctype html><title>Not the SDK</title>", "text/html"),
    }
    for version, path in bundles.items():
        routes[f"/sdk/real-{version}.mjs"] = file_route(path, JS)
        routes[f"/sdk/login-stand-in-{version}.mjs"] = text_route(
            LOGIN_STAND_IN.format(version=version), JS
        )
    with harness_server(routes) as url:
        yield url


@pytest.fixture(scope="module")
def other_origin(bundles):
    """The same bundle on another origin (another port), without CORS headers."""
    with local_server({"/sdk.mjs": file_route(bundles[PINNED], JS)}) as url:
        yield url


@pytest.fixture(scope="module")
def offline_browser(playwright_driver):
    """Chromium with a fake microphone (allowed per context) and no route out."""
    with chromium(playwright_driver, extra_args=(*FAKE_DEVICE_ARGS, *OFFLINE_ARGS)) as launched:
        yield launched


@pytest.fixture(scope="module")
def no_microphone_browser(playwright_driver):
    """Chromium with no microphone at all (no fake device) and no route out."""
    with chromium(playwright_driver, extra_args=OFFLINE_ARGS) as launched:
        yield launched


ALLOW_MICROPHONE = {"permissions": ["microphone"]}


@pytest.fixture
def open_widget(offline_browser, server_url):
    with widget_opener(offline_browser, server_url, sdk_url="kernel:") as open_:
        yield open_


def with_kit_home(monkeypatch, home: Path) -> None:
    """The kernel (this process) serves the SDK installed in ``home``."""
    monkeypatch.setenv("ZEGO_KIT_HOME", str(home))


def sdk_websockets(session: WidgetPage) -> list[str]:
    """WebSockets the page tried to open (the SDK's way to ZEGO), recorded from now on."""
    opened: list[str] = []
    session.page.on("websocket", lambda socket: opened.append(socket.url))
    return opened


def page_errors(session: WidgetPage) -> list[str]:
    """Uncaught errors and console errors, less the browser's own lines about connections
    that cannot be made here (the SDK's sockets to ZEGO, refused by design)."""
    return [error for error in session.js_errors if "net::ERR_" not in error]


def console_lines(session: WidgetPage) -> list[str]:
    lines: list[str] = []
    session.page.on("console", lambda message: lines.append(message.text))
    return lines


# ----- the kit's bundle, and the command that makes it ------------------------


def test_web_sdk_bundle_command_makes_and_installs_one_es_module(tmp_path):
    require_sdk_project()
    env = {
        "ZEGO_KIT_HOME": str(tmp_path / "kit"),
        "ZEGO_ENV_FILE": "none",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    package = PACKAGES["3.12.0"]

    made = subprocess.run(
        [str(KIT), "web-sdk", "bundle", "--npm-project", "tests/browser/sdk", "--package", package],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert made.returncode == 0, made.stderr
    assert "Installed zego-express-engine-webrtc 3.12.0 (npm 3.12.0 bundled by zego-kit" in (
        made.stdout
    )
    shown = subprocess.run(
        [str(KIT), "web-sdk", "show"], env=env, capture_output=True, text=True, check=True
    )
    assert "The call widget loads zego-express-engine-webrtc 3.12.0" in shown.stdout
    (installed,) = (tmp_path / "kit" / "web-sdk").glob("zego-express-engine-webrtc-*.mjs")
    facts = inspect_sdk_source(installed.read_bytes(), installed.name)
    assert facts.version == "3.12.0" and facts.size > 1_000_000

    # The package's own file is refused, and the reason named.
    refused = subprocess.run(
        [str(KIT), "web-sdk", "install", str(raw_npm_file())],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert "is not an ES module: it is a UMD/CommonJS build; it require()s" in refused.stderr
    assert "dependency imports missing" in refused.stderr and "Traceback" not in refused.stderr


# ----- load, engine, login attempted, Leave cancels it ------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_sdk_from_the_kernel_loads_logs_in_and_leave_cancels(
    open_widget, kit_homes, monkeypatch, version
):
    with_kit_home(monkeypatch, kit_homes[version])
    session = open_widget(init_script=COUNT_MICROPHONE, context_options=ALLOW_MICROPHONE)
    sockets = sdk_websockets(session)

    session.click("join")

    session.wait_for_state("joining")
    session.wait_for(py=lambda: any("accesshub" in url for url in sockets))  # login attempted
    assert session.widget.sdk_info.startswith(
        f"ZEGO Express Web SDK {version} (npm {version} bundled by zego-kit with esbuild, sha256 "
    )
    assert session.widget.sdk_info.endswith(", from the kernel)")
    assert session.page.text_content(".zego-call-sdk") == f"SDK: {session.widget.sdk_info}"

    session.click("leave")

    session.wait_for_state("left")
    assert session.error() == ""
    assert session.widget.errors == []
    assert session.widget.in_room is None  # never announced
    assert session.page.evaluate("window.__microphoneRequests") == 0
    assert session.page.is_enabled(".zego-call-join")
    assert page_errors(session) == []


def test_offline_join_gives_up_in_words_and_cleans_up(open_widget, kit_homes, monkeypatch):
    with_kit_home(monkeypatch, kit_homes[PINNED])
    session = open_widget(
        join_timeout=2, init_script=COUNT_MICROPHONE, context_options=ALLOW_MICROPHONE
    )
    lines = console_lines(session)
    started = time.monotonic()

    session.click("join")

    assert_failed(
        session,
        "login",
        "ZEGO's servers did not answer within 2 s: is this computer online?",
        "firewall or proxy",
        "join again",
    )
    assert time.monotonic() - started < 8
    assert session.page.evaluate("window.__microphoneRequests") == 0
    save_screenshot(session, "call-widget-offline.png", docs_name="call-widget-offline.png")
    # Quiet SDK logging: the SDK's own console lines are errors only (about 8 here, against
    # about 190 with sdk_debug, see test_sdk_debug_switch_turns_the_sdk_logs_on).
    assert len(lines) < 30, lines


def test_sdk_debug_switch_turns_the_sdk_logs_on(open_widget, kit_homes, monkeypatch):
    with_kit_home(monkeypatch, kit_homes[PINNED])
    session = open_widget(join_timeout=2, sdk_debug=True, context_options=ALLOW_MICROPHONE)
    lines = console_lines(session)

    session.click("join")

    session.wait_for_state("failed")
    assert len(lines) > 100  # the SDK's info and debug lines, as ZEGO's support reads them
    assert any('"level":' in line for line in lines)


# ----- past the login (a stand-in), the real SDK's refusals in words ----------


def test_publish_before_login_is_refused_in_words(open_widget, server_url):
    session = open_widget(
        sdk_url=f"{server_url}/sdk/login-stand-in-{PINNED}.mjs", context_options=ALLOW_MICROPHONE
    )

    session.click("join")

    # The stand-in said "logged in", but the SDK knows better: startPublishingStream throws.
    assert_failed(
        session,
        "publish",
        f'the SDK refused to publish your microphone on stream "{USER_STREAM}"',
        "not logged in to the room",
        "join again",
        "code 1000002",
    )
    assert session.widget.errors[-1].code == 1000002


def test_no_microphone(no_microphone_browser, server_url):
    with widget_opener(no_microphone_browser, server_url) as open_:
        session = open_(sdk_url=f"{server_url}/sdk/login-stand-in-{PINNED}.mjs")

        session.click("join")

        assert_failed(
            session,
            "no-microphone",
            "no microphone found: connect one",
            "join again",
            "code 1103061: get media fail NotFoundError",
        )
        assert session.widget.errors[-1].code == 1103061
        save_screenshot(
            session, "call-widget-no-microphone.png", docs_name="call-widget-no-microphone.png"
        )


def test_microphone_denied(open_widget, server_url):
    session = open_widget(sdk_url=f"{server_url}/sdk/login-stand-in-{PINNED}.mjs")  # not allowed

    session.click("join")

    assert_failed(
        session,
        "microphone-denied",
        "microphone permission denied: allow the microphone for this page",
        "join again",
        "NotAllowedError",
    )
    save_screenshot(session, "call-widget-denied.png", docs_name="call-widget-denied.png")


# ----- the same failures for a learner who reads Chinese -----------------------
# A widget made while the kit speaks Chinese (ZEGO_LANG=zh) gets every text from the
# kernel in Chinese: the sentence around the real SDK's failure is Chinese, and the code,
# the stream id and the SDK's own words stay as they are (they are what one searches for).
FAILED_ZH = "失败"


def test_offline_join_gives_up_in_chinese(open_widget, kit_homes, monkeypatch):
    with_kit_home(monkeypatch, kit_homes[PINNED])
    monkeypatch.setenv("ZEGO_LANG", "zh")
    session = open_widget(join_timeout=2, context_options=ALLOW_MICROPHONE)

    session.click("join")

    assert_failed(
        session,
        "login",
        "ZEGO 服务器在 2 秒内没有响应：这台电脑是否已联网？",
        "防火墙或代理",
        "然后重新加入",
        shown_state=FAILED_ZH,
    )
    assert_chinese(session.error(), "ZEGO", "SDK", "WebSocket", "wss://")
    assert session.page.text_content(".zego-call-sdk").startswith("SDK：ZEGO Express Web SDK ")
    assert session.widget.sdk_info.endswith("，由内核提供）")
    save_screenshot(session, "call-widget-offline-zh.png", docs_name="zh/call-widget-offline.png")


def test_publish_before_login_is_refused_in_chinese(open_widget, server_url, monkeypatch):
    monkeypatch.setenv("ZEGO_LANG", "zh")
    session = open_widget(
        sdk_url=f"{server_url}/sdk/login-stand-in-{PINNED}.mjs", context_options=ALLOW_MICROPHONE
    )

    session.click("join")

    assert_failed(
        session, "publish", f'SDK 拒绝以流 ID "{USER_STREAM}" 推送', shown_state=FAILED_ZH
    )
    # The SDK's error carries a code and no text: "错误码 1000002，无错误信息".
    assert_chinese(session.error(), USER_STREAM, "SDK", "（SDK：错误码 1000002，无错误信息）")
    assert session.widget.errors[-1].code == 1000002


def test_no_microphone_in_chinese(no_microphone_browser, server_url, monkeypatch):
    monkeypatch.setenv("ZEGO_LANG", "zh")
    with widget_opener(no_microphone_browser, server_url) as open_:
        session = open_(sdk_url=f"{server_url}/sdk/login-stand-in-{PINNED}.mjs")

        session.click("join")

        assert_failed(session, "no-microphone", "未找到麦克风", shown_state=FAILED_ZH)
        shown = session.error()
        assert sdk_words(shown).startswith("get media fail NotFoundError")  # as the SDK says it
        assert_chinese(shown, "SDK", "错误码 1103061", sdk_words(shown))
        assert session.widget.errors[-1].code == 1103061
        save_screenshot(
            session,
            "call-widget-no-microphone-zh.png",
            docs_name="zh/call-widget-no-microphone.png",
        )


def test_microphone_denied_in_chinese(open_widget, server_url, monkeypatch):
    monkeypatch.setenv("ZEGO_LANG", "zh")
    session = open_widget(sdk_url=f"{server_url}/sdk/login-stand-in-{PINNED}.mjs")

    session.click("join")

    assert_failed(session, "microphone-denied", "麦克风权限被拒绝", shown_state=FAILED_ZH)
    shown = session.error()
    assert "NotAllowedError" in sdk_words(shown)
    assert_chinese(shown, "SDK", sdk_words(shown))
    save_screenshot(session, "call-widget-denied-zh.png", docs_name="zh/call-widget-denied.png")


def test_a_404_sdk_url_is_named_in_chinese(open_widget, server_url, monkeypatch):
    monkeypatch.setenv("ZEGO_LANG", "zh")
    url = f"{server_url}/sdk/missing.mjs"
    session = open_widget(sdk_url=url)

    session.click("join")

    assert_failed(session, "sdk-load", f"无法从 {url} 加载", shown_state=FAILED_ZH)
    assert_chinese(
        session.error(),
        url,
        "ZEGO Web SDK",
        "HTTP 404 Not Found",
        "SDK",
        "`zego-kit web-sdk bundle`",
        "ZEGO_WEB_SDK_URL",
        "ES",
    )


# ----- the real SDK's rejections, read by the widget's own functions ----------

REAL_REJECTIONS = """
async ([sdkUrl]) => {
  const sdk = await import(sdkUrl);
  const widget = await import("/widget/call_widget.js");
  const zg = new sdk.ZegoExpressEngine(1234567890, "");
  zg.setLogConfig({ logLevel: "disable", remoteLogLevel: "disable" });
  const user = { userID: "user_1", userName: "Ada" };
  const settle = (promise) => Promise.race([
    promise.then((value) => ({ resolved: value }), (error) => ({ rejected: error })),
    new Promise((resolve) => setTimeout(() => resolve({ pending: true }), 1500)),
  ]);
  const out = { login: {}, stream: null, publish: null };
  const logins = {
    emptyToken: ["room_1", "", user],
    roomWithSpace: ["room 1", "04token", user],
    roomTooLong: ["r".repeat(200), "04token", user],
    userWithSpace: ["room_1", "04token", { userID: "user 1", userName: "Ada" }],
  };
  for (const [name, args] of Object.entries(logins)) {
    const result = await settle(zg.loginRoom(...args));
    out.login[name] = { ...result, text: widget.loginError(result.rejected).message };
  }
  const stream = await settle(zg.createZegoStream({ camera: { audio: true, video: false } }));
  out.stream = { ...stream, text: widget.microphoneError(stream.rejected).message };
  try {
    out.publish = { returned: zg.startPublishingStream("s1", null) };
  } catch (error) {
    out.publish = { thrown: error, text: widget.publishError("s1", error).message };
  }
  out.onUnknownEvent = zg.on("noSuchEvent", () => {});
  out.renewBeforeLogin = zg.renewToken("04token");
  zg.destroyEngine();
  try {
    zg.destroyEngine();
    out.destroyTwice = "no error";
  } catch (error) {
    out.destroyTwice = widget.errorText(error);
  }
  return out;
}
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_real_sdk_rejections_are_read_in_words(offline_browser, server_url, version):
    page = offline_browser.new_page()  # no microphone permission: createZegoStream is refused
    try:
        page.goto(f"{server_url}/")
        out = page.evaluate(REAL_REJECTIONS, [f"/sdk/real-{version}.mjs"])
    finally:
        page.close()

    # The shapes, as the stub copies them: {code, msg} from loginRoom ...
    login = out["login"]
    assert login["emptyToken"]["rejected"]["code"] == 1100001
    assert login["emptyToken"]["rejected"]["msg"].startswith("input parm error.")
    assert login["roomWithSpace"]["rejected"]["code"] == 1002012
    assert login["roomTooLong"]["rejected"]["code"] == 1002013
    assert login["userWithSpace"]["rejected"]["code"] == 1002006
    # ... {errorCode, extendedData} from createZegoStream and a throwing startPublishingStream.
    assert set(out["stream"]["rejected"]) == {"errorCode", "extendedData"}
    assert out["stream"]["rejected"]["errorCode"] == 1103064
    assert out["publish"]["thrown"]["errorCode"] == 1000002
    assert out["onUnknownEvent"] is False
    assert out["renewBeforeLogin"] is False
    assert out["destroyTwice"] == "ZegoExpressEngine has been destroyed."

    # Each in words: the code, what happened, what to do; never "[object Object]".
    expected = {
        "emptyToken": "an empty token",
        "roomWithSpace": "the room id contains characters ZEGO does not allow",
        "roomTooLong": "the room id is too long",
        "userWithSpace": "the user id contains characters ZEGO does not allow",
    }
    for name, phrase in expected.items():
        text = login[name]["text"]
        assert phrase in text and "join again" in text
        assert f"code {login[name]['rejected']['code']}" in text
    assert out["stream"]["text"].startswith("microphone permission denied")
    assert "not logged in to the room" in out["publish"]["text"]
    texts = [entry["text"] for entry in login.values()]
    for text in [*texts, out["stream"]["text"], out["publish"]["text"]]:
        assert "[object Object]" not in text and "undefined" not in text


# ----- the stub still looks like the real SDK ---------------------------------

SURFACE = """
async ([realUrl, stubUrl]) => {
  const surface = async (url) => {
    const module = await import(url);
    const Engine = module.ZegoExpressEngine;
    const methods = new Set();
    for (let proto = Engine.prototype; proto && proto !== Object.prototype;
         proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name !== "constructor" && typeof proto[name] === "function") methods.add(name);
      }
    }
    const statics = new Set();
    for (let cls = Engine; cls && cls !== Function.prototype; cls = Object.getPrototypeOf(cls)) {
      for (const name of Object.getOwnPropertyNames(cls)) {
        if (!["length", "name", "prototype"].includes(name)) statics.add(name);
      }
    }
    return { exports: Object.keys(module), methods: [...methods], statics: [...statics],
             version: Engine.version };
  };
  return { real: await surface(realUrl), stub: await surface(stubUrl) };
}
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_the_stub_has_the_real_sdks_surface(offline_browser, server_url, version):
    page = offline_browser.new_page()
    try:
        page.goto(f"{server_url}/")
        found = page.evaluate(SURFACE, [f"/sdk/real-{version}.mjs", "/sdk/stub.mjs"])
    finally:
        page.close()
    real, stub = found["real"], found["stub"]

    assert real["version"] == version
    assert set(stub["exports"]) <= set(real["exports"])
    assert set(stub["methods"]) - set(real["methods"]) == set()
    assert set(stub["statics"]) - set(real["statics"]) == set()
    # Every SDK method the widget calls is in the stub (so the stub tests exercise it).
    widget_js = WIDGET_JS.read_text(encoding="utf-8")
    called = set(re.findall(r"\bzg\??\.(\w+)\(", widget_js))
    called |= set(re.findall(r"\bEngine\.(\w+)\?\.\(", widget_js))
    assert called, "the scan found no SDK call"
    assert called - set(stub["methods"]) - set(stub["statics"]) == set()
    assert called - set(real["methods"]) - set(real["statics"]) == set()


# ----- loading errors, each named ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "phrases"),
    [
        ("/sdk/missing.mjs", ["HTTP 404 Not Found", "no SDK file at that address"]),
        ("/sdk/npm-raw.js", ["not an ES module", "require()s long", "dependency imports missing"]),
        ("/sdk/commonjs.js", ["not an ES module: it is a CommonJS file (module.exports)"]),
        ("/sdk/page.html", ['not JavaScript: the server sent it as "text/html"']),
    ],
    ids=["404", "raw-npm-file", "commonjs", "html"],
)
def test_sdk_loading_errors_are_named(open_widget, server_url, path, phrases):
    url = f"{server_url}{path}"
    session = open_widget(sdk_url=url)

    session.click("join")

    assert_failed(
        session,
        "sdk-load",
        f"could not load the ZEGO Web SDK from {url}: ",
        *phrases,
        "zego-kit web-sdk bundle",
    )


def test_sdk_on_another_origin_without_cors_is_named(open_widget, other_origin, server_url):
    url = f"{other_origin}/sdk.mjs"
    session = open_widget(sdk_url=url)

    session.click("join")

    page_origin = server_url
    assert_failed(
        session,
        "sdk-load",
        f"CORS blocked: {other_origin} answered, but does not allow pages of {page_origin}",
        "Access-Control-Allow-Origin",
    )


def test_a_damaged_kernel_copy_is_refused_before_the_browser_runs_it(
    open_widget, kit_homes, monkeypatch, tmp_path
):
    home = tmp_path / "kit"
    installed = install_sdk(
        Path(json.loads((kit_homes[PINNED] / "web-sdk" / "web-sdk.json").read_text())["path"]),
        home,
    )
    Path(installed.path).write_bytes(b"export const ZegoExpressEngine = 1; // tampered\n")
    with_kit_home(monkeypatch, home)
    session = open_widget()

    session.click("join")

    assert_failed(session, "sdk-load", "changed since it was installed (SHA-256 differs)")
