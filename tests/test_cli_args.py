"""The commands refuse impossible ports, AppIDs and secrets before they start anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zego_helpers.errors import ValidationError
from zego_helpers.sandbox import SandboxConfig

REPO_ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zego_helpers", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "ZEGO_ENV_FILE": "none"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["sandbox", "callbacks"])
@pytest.mark.parametrize("port", ["99999", "65536", "-1", "١٢٣", "80x", ""])
def test_an_impossible_port_is_refused_with_the_range(command: str, port: str) -> None:
    result = run(command, "--port", port)
    assert result.returncode == 2, result
    assert "argument --port" in result.stderr
    assert "from 1 to 65535, or 0 for any free port" in result.stderr
    assert "Traceback" not in result.stderr and "serving" not in result.stdout


def test_a_secret_every_kit_would_refuse_is_refused_without_echoing_it() -> None:
    result = run("sandbox", "--app-id", "1234567", "--secret", "short-Secret-Value")
    assert result.returncode == 2
    assert "must be 32 characters long, got 18" in result.stderr
    assert "leave --secret out for a random one" in result.stderr
    assert "short-Secret-Value" not in result.stderr + result.stdout


@pytest.mark.parametrize("app_id", ["0", "4294967296", "12²", "abc"])
def test_an_impossible_app_id_is_refused(app_id: str) -> None:
    result = run("sandbox", "--app-id", app_id, "--secret", "0123456789abcdef0123456789abcdef")
    assert result.returncode == 2
    assert "argument --app-id" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("port", [99999, -1, True, "8080"])
def test_a_sandbox_config_refuses_an_impossible_port(port) -> None:
    with pytest.raises(ValidationError, match="port"):
        SandboxConfig.with_random_credentials(port=port)
