"""Find and drive headless Chromium for the browser tests (call widget, JupyterLab end to end).

The browser is Debian's ``chromium`` package (``make browser`` installs it);
Playwright's Python package only drives it, through the driver binary inside its
wheel, so nothing is downloaded. Without Chromium (or Playwright) the browser
tests skip with a loud reason, unless ``ZEGO_REQUIRE_BROWSER=1`` (set by
``.ci/run``) turns the skip into a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
REQUIRE_ENV = "ZEGO_REQUIRE_BROWSER"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Quiet, deterministic headless flags: no GPU, no sandbox (we run as root in CI),
#: no background traffic to Google.
HEADLESS_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: A fake microphone that needs no permission prompt (for getUserMedia).
FAKE_MEDIA_ARGS = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
#: A host name that resolves to 127.0.0.1 but is not "localhost", so a page served
#: from it is *not* a secure context (how a remote http:// JupyterLab looks).
INSECURE_HOST = "zego-insecure.test"
INSECURE_HOST_ARGS = (f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1",)


def browser_required() -> bool:
    """True when a missing browser must fail the run (CI sets ZEGO_REQUIRE_BROWSER=1)."""
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip loudly, or fail when the environment says browser tests must run."""
    if browser_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so the browser tests must run)", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")


def find_chromium() -> str | None:
    """The path of a Chromium executable on PATH, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@contextmanager
def playwright_session() -> Iterator[object]:
    """Playwright's driver (one per test session: its sync API allows one per thread).

    Skips (or fails, see :func:`skip_or_fail`) when Chromium or Playwright is missing.
    """
    if find_chromium() is None:
        skip_or_fail(
            "Chromium is not installed. Install it with `sudo apt-get install chromium` "
            "(or run `make browser`)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is missing: run `make venv` (see requirements.txt)")
    with sync_playwright() as playwright:
        yield playwright


@contextmanager
def chromium(playwright: object, extra_args: tuple[str, ...] = ()) -> Iterator[object]:
    """Launch headless Chromium through ``playwright``; yields a Playwright ``Browser``."""
    browser = playwright.chromium.launch(
        executable_path=find_chromium(), headless=True, args=[*HEADLESS_ARGS, *extra_args]
    )
    try:
        yield browser
    finally:
        browser.close()


def watch_page_errors(page: object) -> list[str]:
    """Collect the page's uncaught exceptions and console errors into a list."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console.error: {msg.text}") if msg.type == "error" else None,
    )
    return errors


def artifact_path(name: str) -> Path:
    """Where to save a screenshot or log for humans (``test-artifacts/``, git-ignored)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR / name


Route = Callable[[], tuple[int, str, bytes]]


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: Mapping[str, Route] = {}

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        route = self.routes.get(self.path.split("?", 1)[0])
        status, content_type, body = route() if route else (404, "text/plain", b"not found")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass


def file_route(path: Path, content_type: str) -> Route:
    """A route that serves a file's current content."""
    return lambda: (200, content_type, path.read_bytes())


def text_route(text: str, content_type: str) -> Route:
    body = text.encode("utf-8")
    return lambda: (200, content_type, body)


@contextmanager
def local_server(routes: Mapping[str, Route]) -> Iterator[str]:
    """Serve ``routes`` (path -> route) on 127.0.0.1 at a free port; yields the base URL.

    Unknown paths get 404. The server stops when the ``with`` block ends.
    """
    handler = type("Handler", (_Handler,), {"routes": dict(routes)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=functools.partial(server.serve_forever, poll_interval=0.1), daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
