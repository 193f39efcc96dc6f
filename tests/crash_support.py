"""What the crash tests and the crash benchmark share: kill a create/delete loop, count the damage.

* :func:`kill_loop` starts ``tests.crash_loop`` (a kernel creating and
  deleting instances), waits until it is in its loop, and sends SIGKILL or
  SIGINT at a random moment, as often as asked.
* :func:`lost_instances` compares what runs on the sandbox with what the
  ledger knows: an instance the ledger knows neither by id nor (for a create
  whose answer never came) by its room and agent user is *lost*: nothing on
  this machine could ever clean it up.
* :func:`leftover_temp_files` lists temporary files in the kit home.
* :func:`writers_on_one_home` runs several ``tests.ledger_writer`` processes on
  one kit home and counts the entries they lost.
* :func:`start_crash_sandbox` is the sandbox they all run against (with :data:`AGENT`
  registered), :func:`~tests.kit_clients.sandbox_client` a client of it that no proxy
  stands in front of, and :func:`loop_env` / :func:`real_env` the environments of a
  create/delete loop and of ``zego-kit cleanup`` in real mode.

They use only what every version of the kit has (``Ledger.entries``, the
client, ``ensure_agent``, the embedded sandbox, ``python -m zego_helpers cleanup``), so
the benchmark can measure an older checkout too (copied into it, see
``tests/benchmarks/bench_crash_ledger.py``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from tests.child_process import module_command
from tests.kit_clients import sandbox_client
from zego_helpers.client import AIAgentClient
from zego_helpers.ledger import Ledger
from zego_helpers.models import LLM, TTS
from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from zego_helpers.workflows import ensure_agent

REPO = Path(__file__).resolve().parents[1]
#: How long a child may take to start its loop, or to end after a signal.
CHILD_TIMEOUT = 60.0
#: The agent the create/delete loops create instances of.
AGENT = "crash_agent"
#: The sandbox's settings: room for every instance the kills leave, no rate limit, a
#: quick simulation and sweep.
SANDBOX_SETTINGS = {
    "instance_limit": 1000,
    "rate_limit_per_action": None,
    "think_ms": 5,
    "sweep_interval": 0.05,
}


def start_crash_sandbox() -> RunningSandbox:
    """A sandbox in this process (stop it when done) with :data:`AGENT` registered."""
    sandbox = start_sandbox(SandboxConfig.with_random_credentials(**SANDBOX_SETTINGS))
    try:
        ensure_agent(sandbox_client(sandbox), AGENT, llm=LLM.trial(), tts=TTS.trial())
    except BaseException:
        sandbox.stop()
        raise
    return sandbox


def base_env(home: Path) -> dict[str, str]:
    """A child's environment: a private home and kit home, no .env."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "ZEGO_KIT_HOME": str(home),
        "ZEGO_ENV_FILE": "none",
    }


def loop_env(sandbox: RunningSandbox, home: Path, url: str, agent: str = AGENT) -> dict[str, str]:
    """The environment of a ``tests.crash_loop`` kernel creating instances of ``agent`` on
    ``sandbox``'s account, its requests going to ``url`` (the sandbox, or a proxy of it)."""
    return {
        **base_env(home),
        "CRASH_LOOP_URL": url,
        "CRASH_LOOP_APP_ID": str(sandbox.app_id),
        "CRASH_LOOP_SECRET": sandbox.server_secret,
        "CRASH_LOOP_AGENT": agent,
    }


def real_env(sandbox: RunningSandbox, home: Path, url: str) -> dict[str, str]:
    """Settings of real mode (AppID, secret, base URL) pointing at ``url``."""
    return {
        **base_env(home),
        "ZEGO_APP_ID": str(sandbox.app_id),
        "ZEGO_SERVER_SECRET": sandbox.server_secret,
        "ZEGO_API_BASE_URL": url,
    }


def kill_loop(
    env: Mapping[str, str],
    *,
    kills: int,
    signum: int,
    rng: random.Random,
    max_run: float = 0.8,
    log_dir: Path,
) -> None:
    """Start the create/delete loop ``kills`` times and kill it with ``signum`` each time."""
    for n in range(kills):
        out = log_dir / f"loop-{signum}-{n}.out"
        with out.open("w") as handle:
            child = subprocess.Popen(
                module_command("tests.crash_loop"),
                cwd=REPO,
                env=dict(env),
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_for_line(child, out, "ready")
            time.sleep(rng.uniform(0.0, max_run))
            child.send_signal(signum)
            child.wait(timeout=CHILD_TIMEOUT)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if signum == signal.SIGINT and child.returncode not in (1, -signal.SIGINT, 130):
            raise AssertionError(f"the loop ended with {child.returncode}: {out.read_text()}")


def _wait_for_line(child: subprocess.Popen, out: Path, line: str) -> None:
    deadline = time.monotonic() + CHILD_TIMEOUT
    while line not in out.read_text(errors="replace").splitlines():
        if child.poll() is not None:
            raise AssertionError(f"the loop died before {line!r}: {out.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the loop never printed {line!r}")
        time.sleep(0.01)


def running_rows(client: AIAgentClient) -> list[dict]:
    """Every instance the sandbox runs (asked directly, not through the proxy)."""
    return list(client.call("SandboxListInstances", {}).get("Instances") or [])


def ledger_knowledge(home: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """(instance ids the ledger holds, (room, agent user) of creates whose answer never came)."""
    ledger = Ledger.in_home(home)
    live = {e.agent_instance_id for e in ledger.entries()}
    pending_creates = getattr(ledger, "pending_creates", None)  # older kits had none
    pending = {(e.room_id, e.agent_user_id) for e in (pending_creates() if pending_creates else [])}
    return live, pending


def lost_instances(client: AIAgentClient, home: Path) -> list[dict]:
    """Instances that run although the ledger knows nothing that could lead cleanup to them."""
    live, pending = ledger_knowledge(home)
    return [
        row
        for row in running_rows(client)
        if row["AgentInstanceId"] not in live and (row["RoomId"], row["AgentUserId"]) not in pending
    ]


def leftover_temp_files(home: Path) -> list[str]:
    """Temporary files anywhere in the kit home (a writer killed mid-write leaves these)."""
    return sorted(p.name for p in home.rglob("*") if p.name.endswith((".tmp", ".temp")))


def run_cleanup(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess:
    """``python -m zego_helpers cleanup ...`` as a user runs it."""
    return subprocess.run(
        module_command("zego_helpers", "cleanup", *args),
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def writers_on_one_home(home: Path, *, processes: int, creates: int) -> dict[str, int]:
    """Run ``processes`` ledger writers on one kit home; count what the ledger lost or revived.

    Returns ``{"expected": ..., "lost": ..., "revived": ..., "pending": ...}``: entries
    created and not deleted that the ledger does not hold, deleted ones it holds again,
    and creates left unresolved although every answer came.
    """
    go = home / "go"
    env = {**base_env(home), "LEDGER_WRITER_GO": str(go)}
    children = [
        subprocess.Popen(
            module_command("tests.ledger_writer", str(creates)),
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    time.sleep(0.5)  # let every writer import and wait at the start line
    go.touch()
    created: set[str] = set()
    deleted: set[str] = set()
    for child in children:
        out, err = child.communicate(timeout=300)
        if child.returncode != 0:
            raise AssertionError(f"a writer failed ({child.returncode}): {err[-2000:]}")
        report = json.loads(out.strip().splitlines()[-1])
        created |= set(report["created"])
        deleted |= set(report["deleted"])
    live, pending = ledger_knowledge(home)
    expected = created - deleted
    return {
        "expected": len(expected),
        "lost": len(expected - live),
        "revived": len(deleted & live),
        "pending": len(pending),
    }
