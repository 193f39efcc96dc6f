"""End to end in a real JupyterLab: the call widget (real mode) loads the kit's own SDK copy.

The other real-SDK tests stand in for anywidget with a test page; this one runs the
real thing once: JupyterLab from the venv, a notebook cell that shows a real-mode
``CallWidget``, a kit home holding the SDK that ``zego-kit web-sdk bundle`` installs,
and offline Chromium. Join must get the SDK's bytes from the kernel over anywidget's
channel (a binary buffer), import it, say which build and version it loaded, try to log
in, and give up in words when ZEGO's servers do not answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_support import chromium, watch_page_errors
from real_sdk import FAKE_DEVICE_ARGS, OFFLINE_ARGS, PINNED, bundle, require_sdk_project
from test_jupyterlab_e2e import Deadline, jupyterlab

from zego_helpers.web_sdk import install_sdk

pytestmark = pytest.mark.browser

NOTEBOOK = "call.ipynb"
CELL = """\
from zego_helpers.widgets.call_widget import CallWidget

widget = CallWidget(
    app_id=1234567890, server="", room_id="room_e2e", user_id="user_e2e", user_name="E2E",
    user_stream_id="room_e2e_user", agent_user_id="room_e2e_agent",
    token_provider=lambda: "04" + "A" * 120,  # any token: no login can succeed offline
    join_timeout=2,
)
assert widget.sdk_url == "kernel:", widget.sdk_url
widget
"""
RUN_ALL = f"""() => {{
  const app = window.jupyterapp;
  if (!app) return false;
  const panel = [...app.shell.widgets("main")].find((w) => w.context?.path === "{NOTEBOOK}");
  if (!panel || !panel.context.isReady || !panel.sessionContext.isReady) return false;
  if (panel.sessionContext.session?.kernel?.status !== "idle") return false;
  if (!window.__ran) {{
    window.__ran = true;
    app.commands.execute("notebook:run-all-cells");
  }}
  return true;
}}"""


def notebook(source: str) -> dict:
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}
    cell["execution_count"] = None
    return {
        "cells": [cell],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_real_mode_widget_loads_the_kits_sdk_from_the_kernel(playwright_driver, tmp_path: Path):
    require_sdk_project()
    deadline = Deadline(90)
    home, notebooks = tmp_path / "home", tmp_path / "notebooks"
    home.mkdir()
    notebooks.mkdir()
    (notebooks / NOTEBOOK).write_text(json.dumps(notebook(CELL)), encoding="utf-8")
    sdk = bundle(PINNED, tmp_path)
    install_sdk(sdk, home / "kit", build=f"npm {PINNED} bundled by zego-kit with esbuild")

    with (
        jupyterlab(notebooks, home, deadline) as lab,
        chromium(playwright_driver, extra_args=(*FAKE_DEVICE_ARGS, *OFFLINE_ARGS)) as browser,
    ):
        context = browser.new_context(permissions=["microphone"])
        page = context.new_page()
        errors = watch_page_errors(page)
        page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}", timeout=deadline.ms())
        page.wait_for_function(RUN_ALL, timeout=deadline.ms(), polling=200)
        page.click(".zego-call-join", timeout=deadline.ms())
        page.wait_for_function(
            "() => document.querySelector('.zego-call-state')?.textContent === 'failed'",
            timeout=deadline.ms(),
        )

        sdk_line = page.text_content(".zego-call-sdk")
        error = page.text_content(".zego-call-error")
        context.close()

    assert sdk_line.startswith(
        f"SDK: ZEGO Express Web SDK {PINNED} (npm {PINNED} bundled by zego-kit with esbuild"
    )
    assert sdk_line.endswith("from the kernel)")
    assert error.startswith("ZEGO's servers did not answer within 2 s: is this computer online?")
    assert [e for e in errors if "net::ERR_" not in e and "zglog" not in e] == []
