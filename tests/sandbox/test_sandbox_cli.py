"""``python -m zego_helpers sandbox``: prints what to paste, serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.child_process import (
    lines_until_ready,
    printed_settings,
    sigint_ignored_as_in_a_background_job,
    start_kit,
    watchdog,
)

from .helpers import Api

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKSHOP_SECRET = "workshop-secret-0123456789abcdef"  # 32 characters, as every kit requires


def run_cli(*args: str) -> subprocess.Popen:
    """``python -m zego_helpers sandbox *args``, in its own session, reading nothing."""
    return start_kit(
        "sandbox", *args, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    )


def test_the_command_prints_the_settings_to_paste_and_serves_until_ctrl_c() -> None:
    # Started as in `make test &`, where the child inherits SIGINT ignored: it must still stop.
    with sigint_ignored_as_in_a_background_job():
        process = run_cli("--app-id", "1234567", "--secret", WORKSHOP_SECRET, "--rate-limit", "0")
    with watchdog(process, 30):
        settings = printed_settings(lines_until_ready(process))
        assert settings["ZEGO_APP_ID"] == "1234567"
        assert settings["ZEGO_SERVER_SECRET"] == WORKSHOP_SECRET
        api = Api(settings["ZEGO_API_BASE_URL"], 1234567, WORKSHOP_SECRET)
        info = api.ok("SandboxInfo")
        assert info["AppId"] == 1234567 and info["Config"]["RateLimitPerAction"] is None
        assert info["Room"] is True  # attendees' kits recognise their room's sandbox by this
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0


def test_app_id_and_secret_go_together() -> None:
    process = run_cli("--app-id", "1234567")
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "--app-id and --secret" in out
