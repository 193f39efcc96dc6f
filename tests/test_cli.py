"""The command line as a user runs it: a real subprocess, settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers.ledger import Ledger, LedgerEntry
from zego_helpers.token04 import decode_token04

REPO = Path(__file__).resolve().parents[1]
SECRET = "0123456789abcdef0123456789abcdef"


def run_cli(
    *args: str, base_url: str = "http://127.0.0.1:9", home: Path
) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "ZEGO_ENV_FILE": "none",
        "ZEGO_KIT_HOME": str(home),
        "ZEGO_APP_ID": "1234567",
        "ZEGO_SERVER_SECRET": SECRET,
        "ZEGO_API_BASE_URL": base_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "zego_helpers", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_token_prints_only_a_valid_token(tmp_path):
    result = run_cli(
        "token", "--user-id", "user_1", "--room-id", "room_1", "--ttl", "600", home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout.count("\n") == 1 and token.startswith("04")
    fields = decode_token04(token, SECRET)
    assert fields["app_id"] == 1234567 and fields["user_id"] == "user_1"
    assert fields["expire"] - fields["ctime"] == 600
    assert '"room_id":"room_1"' in fields["payload"].replace(" ", "")


def test_doctor_passes_against_a_healthy_server(tmp_path):
    with FakeZego(
        lambda _r: Reply(body=envelope({"Total": 2, "Agents": [], "Cursor": ""}))
    ) as server:
        result = run_cli("doctor", base_url=server.url, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[ok]   Signed call: ListAgents answered; 2 agent(s) registered" in result.stdout
    assert "[ok]   Mode: real (" in result.stdout
    assert "Mode: Mode:" not in result.stdout  # the label once (issue 13)


def test_doctor_explains_a_wrong_secret_without_showing_it(tmp_path):
    with FakeZego(lambda _r: Reply(body=envelope(code=100000005, message="sign error"))) as server:
        result = run_cli("doctor", base_url=server.url, home=tmp_path)
    assert result.returncode == 1
    assert "[FAIL] Signed call: code 100000005" in result.stdout
    assert "ZEGO_SERVER_SECRET" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_doctor_explains_an_unreachable_server(tmp_path):
    result = run_cli("doctor", base_url="http://127.0.0.1:9", home=tmp_path)
    assert result.returncode == 1
    assert "[FAIL]" in result.stdout and "refused" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_settings_give_one_clear_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zego_helpers", "token", "--user-id", "u"],
        cwd=REPO,
        env={
            "PATH": os.environ["PATH"],
            "ZEGO_ENV_FILE": "none",
            "ZEGO_APP_ID": "abc",
            "ZEGO_SERVER_SECRET": SECRET,
            "ZEGO_KIT_HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ZEGO_APP_ID: 'abc' is not a number")
    assert "Traceback" not in result.stderr


def test_cleanup_deletes_what_the_ledger_holds_and_reports_each(tmp_path):
    def respond(received):
        if received.body == {"AgentInstanceId": "gone"}:
            return Reply(body=envelope(code=410001002, message="not found"))
        return Reply(body=envelope())

    with FakeZego(respond) as server:
        ledger = Ledger.in_home(tmp_path)
        for instance_id in ("live", "gone"):
            ledger.record(LedgerEntry(instance_id, 1234567, server.url, room_id=f"r_{instance_id}"))
        ledger.record(LedgerEntry("other-service", 1234567, "http://elsewhere"))
        result = run_cli("cleanup", base_url=server.url, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "deleted live (room r_live): deleted" in result.stdout
    assert "deleted gone (room r_gone): was already gone" in result.stdout
    assert [r.body for r in server.requests] == [
        {"AgentInstanceId": "live"},
        {"AgentInstanceId": "gone"},
    ]
    assert [e.agent_instance_id for e in Ledger.in_home(tmp_path).entries()] == ["other-service"]


def test_agents_lists_without_keys(tmp_path):
    agent = {
        "AgentId": "a1",
        "Name": "Ada",
        "LLM": {
            "Url": "https://api.openai.com/v1/chat/completions",
            "ApiKey": "sk-very-secret-key",
            "Model": "gpt-4o-mini",
        },
        "TTS": {"Vendor": "MiniMax", "Params": {"app": {"api_key": "tts-very-secret"}}},
    }
    page = envelope({"Total": 1, "Agents": [agent], "Cursor": ""})
    with FakeZego(lambda _r: Reply(body=page)) as server:
        plain = run_cli("agents", base_url=server.url, home=tmp_path)
        as_json = run_cli("agents", "--json", base_url=server.url, home=tmp_path)
    assert "a1" in plain.stdout and "gpt-4o-mini" in plain.stdout and "MiniMax" in plain.stdout
    for out in (plain.stdout, as_json.stdout):
        assert "sk-very-secret-key" not in out and "tts-very-secret" not in out
