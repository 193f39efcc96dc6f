"""Shared pieces of the workshop tests: a room sandbox, attendee clients, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.kit_clients import sandbox_client
from zego_helpers.client import AIAgentClient
from zego_helpers.ids import make_agent_id, make_call_ids
from zego_helpers.models import LLM, TTS
from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from zego_helpers.sandbox_control import SandboxControl
from zego_helpers.settings import Settings, load_settings
from zego_helpers.workflows import ensure_agent

REPO = Path(__file__).resolve().parents[1]

#: A quick sandbox: short thinking, speech of 5 ms per character, no rate limit.
FAST_ROOM = {
    "think_ms": 5,
    "speech_ms_per_char": 5.0,
    "rate_limit_per_action": None,
    "sweep_interval": 0.02,
    "instance_limit": 50,
    "room": True,  # what `zego-kit sandbox` serves: SandboxInfo says Room: true
}


def room_sandbox() -> Iterator[RunningSandbox]:
    """A standalone sandbox, as a trainer runs it for the room (``yield from`` it in a fixture)."""
    sandbox = start_sandbox(SandboxConfig.with_random_credentials(**FAST_ROOM))
    yield sandbox
    sandbox.stop()


def attendee_settings(room: RunningSandbox, home: Path, attendee: str | None) -> Settings:
    """An attendee's settings pointing at the room sandbox (mode "real": a URL and credentials)."""
    env = {
        "ZEGO_ENV_FILE": "none",
        "ZEGO_KIT_HOME": str(home),
        "ZEGO_APP_ID": str(room.app_id),
        "ZEGO_SERVER_SECRET": room.server_secret,
        "ZEGO_API_BASE_URL": room.base_url,
    }
    if attendee:
        env["ZEGO_ATTENDEE"] = attendee
    return load_settings(env=env)


def attendee_client(room: RunningSandbox, home: Path) -> AIAgentClient:
    """A client of the room sandbox, keeping its ledger in ``home``; no retries."""
    return sandbox_client(room, home, max_retries=0)


def start_instance(client: AIAgentClient, attendee: str | None) -> str:
    """Register the attendee's agent (if needed) and create one instance; returns its id."""
    agent_id = make_agent_id(attendee)
    ensure_agent(client, agent_id, llm=LLM.trial(), tts=TTS.trial())
    ids = make_call_ids(attendee)
    return client.create_agent_instance(agent_id, ids.user_id, ids.to_rtc())["AgentInstanceId"]


def live_ids(client: AIAgentClient) -> set[str]:
    """Every instance the sandbox knows."""
    return {row["AgentInstanceId"] for row in SandboxControl(client).list_instances()}


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python -m zego_helpers ...`` as a user runs it, with exactly ``env`` (plus PATH)."""
    return subprocess.run(
        [sys.executable, "-m", "zego_helpers", *args],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], "ZEGO_ENV_FILE": "none", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def cli_env(room: RunningSandbox, home: Path, attendee: str | None = None) -> dict[str, str]:
    """The variables an attendee (or, without a name, the trainer) sets to use the room sandbox."""
    env = {
        "HOME": str(home),
        "ZEGO_KIT_HOME": str(home),
        "ZEGO_APP_ID": str(room.app_id),
        "ZEGO_SERVER_SECRET": room.server_secret,
        "ZEGO_API_BASE_URL": room.base_url,
    }
    if attendee:
        env["ZEGO_ATTENDEE"] = attendee
    return env
