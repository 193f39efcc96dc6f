"""The trainer's commands: one room across restarts (the room file), and ``zego-kit room ...``.

``zego-kit sandbox`` runs as a real child process, stopped with Ctrl-C (SIGINT) as a
trainer stops it; ``zego-kit room`` runs in-process against it, reading the same room file.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import stat
import subprocess
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.child_process import (
    kit_command,
    lines_until_ready,
    printed_settings,
    start_kit,
    watchdog,
)
from zego_helpers.cli import main
from zego_helpers.cli.sandbox import SERVER_GC_THRESHOLDS, tune_garbage_collector
from zego_helpers.ids import make_agent_id, make_call_ids, namespace_prefix

from .helpers import Api, trial_llm, trial_tts

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "room-secret-0123456789abcdefghij"  # 32 characters


class Served:
    """What a running ``zego-kit sandbox`` printed."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.settings = printed_settings(lines)
        self.url = self.settings["ZEGO_API_BASE_URL"]
        link = next(line for line in lines if line.startswith("Trainer dashboard"))
        self.dashboard = link.rpartition(" ")[2]
        self.token = self.dashboard.partition("#token=")[2]

    def api(self) -> Api:
        return Api(self.url, int(self.settings["ZEGO_APP_ID"]), self.settings["ZEGO_SERVER_SECRET"])


@contextmanager
def sandbox(*args: str) -> Iterator[Served]:
    """``zego-kit sandbox *args`` until the block ends, then Ctrl-C (it must exit 0)."""
    process = start_kit("sandbox", *args, cwd=REPO_ROOT)
    with watchdog(process, 60):
        yield Served(lines_until_ready(process))
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def run_kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        kit_command(*args), cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes (East Asian wide characters: two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def room_file(kit_home: Path) -> Path:
    return kit_home / "room.json"


# --- one room across restarts ---------------------------------------------------------------


def test_a_restart_with_no_options_serves_the_same_room(isolated_kit):
    with sandbox("--instance-limit", "100", "--rate-limit", "0") as first:
        assert any(line.startswith("New room, remembered in") for line in first.lines)
        first.api().ok("RegisterAgent", {"AgentId": "a1", "LLM": trial_llm(), "TTS": trial_tts()})
    path = room_file(isolated_kit)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sandbox() as second:
        assert any(line.startswith("Same room as before") for line in second.lines)
        assert second.settings == first.settings  # URL (port included), AppID, secret
        assert second.token == first.token
        info = second.api().ok("SandboxInfo")
        assert info["Config"]["InstanceLimit"] == 100
        assert info["Config"]["RateLimitPerAction"] is None


def test_options_given_win_are_remembered_and_a_change_is_said_out_loud(isolated_kit):
    with sandbox() as first:
        pass
    with sandbox("--app-id", "1234567", "--secret", SECRET, "--rate-limit", "5") as second:
        assert second.settings["ZEGO_APP_ID"] == "1234567"
        assert second.settings["ZEGO_API_BASE_URL"] == first.settings["ZEGO_API_BASE_URL"]
        assert any("CHANGED: AppID and secret" in line for line in second.lines)
        assert second.token == first.token
    with sandbox() as third:
        assert third.settings == second.settings
        assert third.api().ok("SandboxInfo")["Config"]["RateLimitPerAction"] == 5
    with sandbox("--new-room") as fourth:
        assert fourth.settings["ZEGO_APP_ID"] != "1234567"
        assert fourth.token != first.token
        assert any("CHANGED" in line and "trainer token" in line for line in fourth.lines)


def test_write_env_leaves_the_attendees_settings_in_a_private_file(tmp_path):
    target = tmp_path / "zego-room.env"
    with sandbox("--write-env", str(target)) as served:
        lines = target.read_text().splitlines()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    settings = dict(line.split("=", 1) for line in lines if not line.startswith("#"))
    assert settings == served.settings


def test_write_env_into_a_missing_folder_is_a_clear_error(tmp_path):
    result = run_kit("sandbox", "--write-env", str(tmp_path / "nope" / "room.env"))
    assert result.returncode == 2
    assert "--write-env" in result.stderr and "folder that exists" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not JSON"),
        ('{"Format": 9}', "format 1"),
        ("[]", "format 1"),
        ('{"Format": 1, "AppId": "12", "ServerSecret": "' + SECRET + '"}', "AppId"),
        ('{"Format": 1, "AppId": 12, "ServerSecret": "short"}', "ServerSecret"),
    ],
)
def test_a_damaged_room_file_is_an_error_naming_it_and_is_left_as_it_was(
    isolated_kit, content, says
):
    path = room_file(isolated_kit)
    path.write_text(content)
    result = run_kit("sandbox")
    assert result.returncode == 2
    assert str(path) in result.stderr and says in result.stderr
    assert "delete the file to start a new room" in result.stderr
    assert "short" not in result.stderr.replace("ServerSecret", "")  # no value echoed
    assert path.read_text() == content


def test_a_room_file_others_may_read_is_made_private(isolated_kit):
    with sandbox():
        pass
    path = room_file(isolated_kit)
    path.chmod(0o644)
    with sandbox():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- zego-kit room ... ----------------------------------------------------------------------


def attendee(api: Api, name: str, *, keep: bool = True) -> None:
    agent_id = make_agent_id(name)
    api.ok(
        "RegisterAgent", {"AgentId": agent_id, "Name": name, "LLM": trial_llm(), "TTS": trial_tts()}
    )
    ids = make_call_ids(name)
    body = {"AgentId": agent_id, "UserId": ids.user_id, "RTC": ids.to_rtc().to_api()}
    instance = api.ok("CreateAgentInstance", body)["AgentInstanceId"]
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hi"})
    if not keep:
        api.ok("DeleteAgentInstance", {"AgentInstanceId": instance})


def test_room_status_cleanup_and_unregister_work_on_attendees_of_any_laptop(capsys):
    with sandbox("--instance-limit", "50") as served:
        api = served.api()
        attendee(api, "Zoë Martin")
        attendee(api, "张伟")
        attendee(api, "Bob", keep=False)

        assert main(["room", "status"]) == 0
        table = capsys.readouterr().out
        assert "3 attendee(s), 2 live instance(s), 3 agent(s), 0 id collision(s)" in table
        header, *rows = table.splitlines()[1:]
        assert header.split()[:6] == [
            "attendee",
            "registered",
            "created",
            "talked",
            "spoke",
            "deleted",
        ]
        by_who = {row.split("  ")[0].strip(): row for row in rows}
        assert set(by_who) == {
            "Zoë Martin (zoe_martin)",
            f"张伟 ({namespace_prefix('张伟')})",
            "Bob (bob)",
        }
        # columns line up in a terminal, where 张伟 takes 4 columns, not 2
        starts = {columns(row[: row.index(row.split()[-6])]) for row in rows}
        assert len(starts) == 1, table

        assert main(["room", "cleanup", "--attendee", "Zoë Martin", "--dry-run"]) == 0
        assert "Would delete 1 live instance(s) of 'Zoë Martin'" in capsys.readouterr().out
        assert main(["room", "cleanup", "--attendee", "Zoë Martin"]) == 0
        assert "Deleted 1 live instance(s)" in capsys.readouterr().out
        assert main(["room", "unregister", "--all", "--dry-run"]) == 0
        assert "Would unregister 3 agent(s) of everybody" in capsys.readouterr().out
        assert main(["room", "status", "--json"]) == 0
        snapshot = json.loads(capsys.readouterr().out)
        assert snapshot["Room"]["Instances"] == 1 and snapshot["Room"]["Agents"] == 3

        assert main(["room", "cleanup", "--all"]) == 0
        assert main(["room", "unregister", "--all"]) == 0
        capsys.readouterr()
        info = api.ok("SandboxInfo")
        assert info["Instances"] == 0 and info["Agents"] == 0


def test_room_commands_from_another_machine_take_the_url_and_the_token_variable(
    capsys, monkeypatch, tmp_path
):
    with sandbox() as served:
        monkeypatch.setenv("ZEGO_KIT_HOME", str(tmp_path))  # no room file here
        monkeypatch.setenv("ZEGO_ROOM_TOKEN", served.token)
        assert main(["room", "status", "--url", served.url]) == 0
        assert "0 attendee(s)" in capsys.readouterr().out
        monkeypatch.setenv("ZEGO_ROOM_TOKEN", "another-rooms-token-0123456789")
        assert main(["room", "status", "--url", served.url]) == 2
        error = capsys.readouterr().err
        assert "refused the trainer token" in error and served.token not in error
        monkeypatch.delenv("ZEGO_ROOM_TOKEN")
        assert main(["room", "status", "--url", served.url]) == 2
        assert "ZEGO_ROOM_TOKEN: is not set" in capsys.readouterr().err


def test_room_commands_say_what_to_do_when_there_is_no_room(capsys, monkeypatch, tmp_path):
    assert main(["room", "status"]) == 2
    assert "no room file here" in capsys.readouterr().err
    with sandbox() as served:
        pass  # stopped: the room file stays, nobody answers
    assert main(["room", "status"]) == 2
    assert (
        "does not answer" in capsys.readouterr().err
        and served.url in capsys.readouterr().err + served.url
    )
    # a sandbox that is not a room sandbox
    from zego_helpers.sandbox import SandboxConfig, start_sandbox

    plain = start_sandbox(SandboxConfig.with_random_credentials())
    try:
        monkeypatch.setenv("ZEGO_ROOM_TOKEN", "any-token-0123456789abcdef")
        assert main(["room", "status", "--url", plain.base_url]) == 2
        assert "not a room sandbox" in capsys.readouterr().err
    finally:
        plain.stop()


def test_cleanup_needs_an_attendee_or_all(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["room", "cleanup"])
    assert exit_info.value.code == 2
    assert "--attendee" in capsys.readouterr().err
    assert os.environ.get("ZEGO_ROOM_TOKEN") is None


def test_a_trainer_token_from_the_environment_is_the_dashboards(monkeypatch):
    chosen = "token-from-a-kubernetes-secret-0123"
    monkeypatch.setenv("ZEGO_ROOM_TOKEN", chosen)
    with sandbox() as served:
        assert served.token == chosen
    monkeypatch.setenv("ZEGO_ROOM_TOKEN", "short")
    result = run_kit("sandbox")
    assert result.returncode == 2
    assert "ZEGO_ROOM_TOKEN: is 5 characters" in result.stderr and "Traceback" not in result.stderr


def test_a_killed_sandbox_comes_back_as_the_same_room(isolated_kit):
    """SIGKILL (a laptop that died): the room file was whole, the room restarts as it was."""
    process = start_kit("sandbox", "--rate-limit", "0", cwd=REPO_ROOT, stderr=None)
    try:
        before = Served(lines_until_ready(process))
    finally:
        process.kill()
        process.wait()
    with sandbox() as after:
        assert after.settings == before.settings and after.token == before.token
    assert not [p.name for p in isolated_kit.iterdir() if p.name.startswith(".room.json")]


def test_a_second_sandbox_on_the_same_room_says_the_address_is_taken(isolated_kit):
    with sandbox() as first:
        saved = room_file(isolated_kit).read_text()
        result = run_kit("sandbox")
        assert result.returncode == 2
        port = first.url.rpartition(":")[2]
        assert f"127.0.0.1:{port}" in result.stderr and "choose another port" in result.stderr
        assert "Traceback" not in result.stderr
        assert room_file(isolated_kit).read_text() == saved


def test_the_room_sandbox_process_sets_its_garbage_collector_up_for_a_server():
    """What keeps a full room's requests as cheap as an empty one's (see the benchmark
    ``python -m tests.benchmarks sandbox_room``): start-up objects frozen out of the
    collector's sight, and the youngest generation collected rarely."""
    thresholds = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_threshold() == SERVER_GC_THRESHOLDS
        assert gc.get_freeze_count() > 1000  # the modules and the kit loaded so far
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
