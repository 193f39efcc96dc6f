"""Capacity planning and the trainer's pre-flight check (against a room sandbox)."""

from __future__ import annotations

import argparse

import pytest

from tests.workshop_helpers import attendee_client, attendee_settings, room_sandbox
from zego_helpers.capacity import capacity_plan
from zego_helpers.cli.preflight import add_cli, run_preflight
from zego_helpers.errors import ValidationError
from zego_helpers.settings import EnvFileWarning, load_settings
from zego_helpers.tutorial.workshop import set_attendee


@pytest.fixture
def room():
    yield from room_sandbox()


# --- capacity --------------------------------------------------------------------------------


def test_a_small_room_fits_the_default_account():
    plan = capacity_plan(8)
    assert plan.fits and plan.peak_instances == 8 and plan.waves == 1
    assert "That fits" in str(plan)


def test_a_big_room_needs_a_higher_limit_or_waves():
    plan = capacity_plan(30)
    assert not plan.fits and plan.waves == 3 and plan.attendees_at_once == 10
    text = str(plan)
    assert "raise the concurrent-instance limit to at least 30" in text
    assert "3 wave(s) of 10 attendee(s)" in text
    assert "after about 3.0 s" in text  # 30 requests at 10/s on one action
    assert "only about 2 attendee(s) can wait at once" in text
    assert plan._repr_markdown_().startswith("* 30 attendee(s) x 1 instance(s)")


def test_instances_each_and_a_raised_limit():
    assert capacity_plan(12, instances_each=2, limit=30).fits
    plan = capacity_plan(12, instances_each=2)
    assert plan.attendees_at_once == 5 and plan.waves == 3
    assert capacity_plan(3, instances_each=11).waves == 0
    assert "Not even one attendee fits" in str(capacity_plan(3, instances_each=11))


@pytest.mark.parametrize(
    "args", [{"attendees": 0}, {"attendees": 5, "instances_each": 0}, {"attendees": True}]
)
def test_capacity_plan_refuses_nonsense(args):
    with pytest.raises(ValidationError):
        capacity_plan(**args)


# --- pre-flight ------------------------------------------------------------------------------


def test_preflight_runs_the_whole_round_trip_and_leaves_nothing(room, tmp_path):
    lines: list[str] = []
    checks = run_preflight(attendee_settings(room, tmp_path, None), report=lines.append)
    names = [c.name for c in checks]
    assert names[-6:] == [
        "Service",
        "Register agent",
        "Create instance",
        "Talk",
        "Speak",
        "Delete instance",
    ]
    assert names.index("Signed call") < names.index("Service")  # doctor first
    assert all(c.ok for c in checks), lines
    service = checks[names.index("Service")].detail
    assert service.startswith(f"the room sandbox at {room.base_url} (50 instances at once, no ")
    assert "the agent answered" in checks[names.index("Talk")].detail
    assert len(lines) == len(checks)  # reported as they happened
    client = attendee_client(room, tmp_path)
    assert client.call("SandboxListInstances", {})["Instances"] == []
    assert client.list_agents()["Agents"] == []  # the preflight agent is unregistered too


def test_preflight_reports_full_slots_and_still_cleans_up(room, tmp_path):
    client = attendee_client(room, tmp_path)
    client.call("SandboxConfigure", {"InstanceLimit": 0})
    checks = run_preflight(attendee_settings(room, tmp_path, None), report=lambda _line: None)
    failed = [c for c in checks if not c.ok]
    assert [c.name for c in failed] == ["Create instance"]
    assert "slot" in failed[0].detail and "cleanup" in failed[0].fix
    assert client.list_agents()["Agents"] == []


def test_preflight_stops_at_a_doctor_failure(room, tmp_path):
    bad = load_settings(
        env={
            "ZEGO_ENV_FILE": "none",
            "ZEGO_KIT_HOME": str(tmp_path),
            "ZEGO_APP_ID": str(room.app_id),
            "ZEGO_SERVER_SECRET": "f" * 32,  # not the room's secret
            "ZEGO_API_BASE_URL": room.base_url,
        }
    )
    checks = run_preflight(bad, report=lambda _line: None)
    assert checks[-1].name == "Signed call" and not checks[-1].ok
    assert "Register agent" not in [c.name for c in checks]


def test_preflight_command_prints_the_checks_and_the_plan(room, tmp_path, monkeypatch, capsys):
    for name, value in {
        "ZEGO_KIT_HOME": str(tmp_path),
        "ZEGO_APP_ID": str(room.app_id),
        "ZEGO_SERVER_SECRET": room.server_secret,
        "ZEGO_API_BASE_URL": room.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(["preflight", "--attendees", "30", "--timeout", "10"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "[ok]   Talk: the agent answered" in out
    assert "Pre-flight passed." in out
    # the plan uses the room sandbox's own limits (50, no rate limit), not ZEGO's 10 (issue 13)
    assert "30 instance(s) at peak; the room sandbox allows 50." in out
    assert "That fits" in out and "has no rate limit" in out
    assert "the account allows 10" not in out and "does not fit" not in out
    assert room.server_secret not in out


def test_the_room_plan_follows_the_service(room, tmp_path):
    from zego_helpers.cli.preflight import room_plan

    settings = attendee_settings(room, tmp_path, None)
    assert room_plan(settings, 30).service == "the room sandbox"
    assert room_plan(settings, 60).advice()[1] == (
        "That does not fit. Restart the room sandbox with --instance-limit 60 or more "
        "(its limit is yours to set)."
    )
    explicit = room_plan(settings, 30, limit=10)  # --limit: the trainer's number, ZEGO's rules
    assert explicit.service == "the account" and explicit.waves == 3
    none_allowed = room_plan(settings, 30, limit=0)  # --limit 0 is 0, not ZEGO's default
    assert none_allowed.limit == 0 and not none_allowed.fits


def test_against_zego_the_plan_uses_the_accounts_limits(tmp_path):
    from tests.fake_zego import FakeZego, Reply, envelope
    from zego_helpers.cli.preflight import room_plan
    from zego_helpers.sandbox_control import forget_cached_info

    forget_cached_info()
    with FakeZego(lambda _r: Reply(body=envelope(code=100000007, message="unsupported"))) as zego:
        settings = load_settings(
            env={
                "ZEGO_KIT_HOME": str(tmp_path),
                "ZEGO_APP_ID": "1234567",
                "ZEGO_SERVER_SECRET": "0123456789abcdef0123456789abcdef",
                "ZEGO_API_BASE_URL": zego.url,
            }
        )
        plan = room_plan(settings, 30)
    assert plan.service == "the account" and plan.limit == 10 and not plan.fits


# --- the attendee's name -------------------------------------------------------------------


def test_set_attendee_saves_the_name_where_the_kit_reads_it(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("ZEGO_REGION=sgp\n", encoding="utf-8")  # 0644, as `cp` leaves it
    monkeypatch.setenv("ZEGO_ENV_FILE", str(env_file))
    with pytest.warns(EnvFileWarning, match="chmod 600"):  # said once, then fixed by the save
        text = set_attendee("  Zoë Martin ")
    assert "your ids start with 'zoe_martin_'" in text and "'zoe_martin_tutorial_agent'" in text
    assert env_file.stat().st_mode & 0o777 == 0o600
    settings = load_settings()
    assert settings.attendee == "Zoë Martin" and settings.api_base_url.endswith("-sgp.zegotech.cn")


def test_set_attendee_warns_when_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("ZEGO_ATTENDEE", "Bob")
    text = set_attendee("Zoë", env_path=tmp_path / ".env")
    assert "environment sets ZEGO_ATTENDEE='Bob'" in text
    with pytest.raises(ValidationError, match="ZEGO_ATTENDEE"):
        set_attendee("   ", env_path=tmp_path / ".env")
