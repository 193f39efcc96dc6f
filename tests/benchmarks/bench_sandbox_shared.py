"""The embedded sandbox's shared state: what one request costs as the state grows.

Run: ``python -m tests.benchmarks sandbox_shared``

In sandbox mode every notebook kernel runs its own embedded sandbox, and all of
them share one state file (:mod:`zego_helpers.sandbox.store`). This benchmark
builds such a file with S agents, S live instances and E events in the log,
starts two "kernels" (two processes, each an embedded sandbox on that file) and
runs a learner's calls against them, one at a time: RegisterAgent,
CreateAgentInstance, SendAgentInstanceLLM, QueryAgentInstanceStatus,
DeleteAgentInstance, UnregisterAgent.

Two ways per state size:

* **one kernel**: every request to the same kernel (nothing to reload);
* **two kernels**: requests alternate between the kernels, so each request
  first catches up with what the other kernel saved (the worst case: notebook
  02 and notebook 03 used turn about).

Printed per row: p50 and p99 latency per request and their ratio to the
smallest state (S=1, E=10) of the same way. A request's cost must not grow with
the event log (E); what it does with S is reported (each save writes the
changed lines, each reload reads the file).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tests.sandbox.helpers import create_voice_instance, sign
from zego_helpers.sandbox.config import SandboxConfig, random_app_id, random_secret
from zego_helpers.sandbox.state import Agent, SandboxState
from zego_helpers.sandbox.store import StateStore

REPO_ROOT = Path(__file__).resolve().parents[2]
#: (agents and live instances, events in the log)
SIZES = ((1, 10), (1, 1000), (100, 10), (100, 1000), (1000, 10), (1000, 1000))
FLOWS = 25
TTS = {"Vendor": "ByteDanceV3", "Params": {"app": {"appid": "zego_test", "token": "x"}}}
LLM = {
    "Url": "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
    "ApiKey": "zego_test",
    "Model": "doubao-1-5-lite-32k-250115",
}


def build_state(path: Path, app_id: int, secret: str, size: int, events: int) -> None:
    """A state file with ``size`` agents and instances, and ``events`` events in its log."""
    config = SandboxConfig(
        app_id=app_id,
        server_secret=secret,
        instance_limit=10 * size + 10,
        rate_limit_per_action=None,
    )
    store = StateStore(
        path, lambda: SandboxState(app_id, config.runtime_settings()), server_secret=secret
    )
    now = time.time()
    with store.transaction() as state:
        for n in range(size):
            state.register_agent(Agent(f"agent_{n}", f"Agent {n}", dict(LLM), dict(TTS)))
            tag = f"bg_{n}"
            create_voice_instance(
                state,
                agent_id=f"agent_{n}",
                user_id=f"user_{tag}",
                rtc={"RoomId": f"room_{tag}", "AgentStreamId": f"s_{tag}", "AgentUserId": tag},
                limit=config.instance_limit,
                now=now,
            )
        in_room = False
        while len(state.events) < events:  # every presence change is a status event
            in_room = not in_room
            state.set_presence("room_bg_0", "user_bg_0", in_room, now)
        del state.events[:-events]  # creating the instances logged one event each
    store.close()


def serve(path: str, app_id: int, secret: str) -> None:
    """One "kernel": an embedded sandbox on the shared state file, until stdin closes."""
    from zego_helpers.sandbox import start_sandbox

    config = SandboxConfig(
        app_id=app_id, server_secret=secret, state_path=Path(path), rate_limit_per_action=None
    )
    sandbox = start_sandbox(config)
    print(sandbox.base_url, flush=True)
    sys.stdin.read()
    sandbox.stop()


class Kernel:
    def __init__(self, path: Path, app_id: int, secret: str) -> None:
        self.app_id, self.secret = app_id, secret
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.bench_sandbox_shared", "--serve"]
            + [str(path), str(app_id), secret],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip() + "/"
        self.session = requests.Session()

    def post(self, action: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        nonce, timestamp = secrets.token_hex(8), int(time.time())
        params = {
            "Action": action,
            "AppId": str(self.app_id),
            "SignatureNonce": nonce,
            "Timestamp": str(timestamp),
            "Signature": sign(self.app_id, nonce, self.secret, timestamp),
            "SignatureVersion": "2.0",
        }
        started = time.perf_counter()
        answer = self.session.post(self.url, params=params, json=body, timeout=60).json()
        elapsed = time.perf_counter() - started
        if answer["Code"] != 0:
            raise RuntimeError(f"{action}: {answer['Code']} {answer['Message']}")
        return elapsed, answer.get("Data") or {}

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.session.close()
        self.process.stdin.close()
        self.process.wait(30)


def learner_flows(kernels: list[Kernel], tag: str) -> list[float]:
    """``FLOWS`` times the learner's six calls, request n going to ``kernels[n % len]``."""
    latencies: list[float] = []
    count = 0

    def call(action: str, body: dict[str, Any]) -> dict[str, Any]:
        nonlocal count
        elapsed, data = kernels[count % len(kernels)].post(action, body)
        count += 1
        latencies.append(elapsed)
        return data

    for flow in range(FLOWS + 1):
        name = f"{tag}_{flow}"
        rtc = {
            "RoomId": f"r_{name}",
            "AgentStreamId": f"s_{name}",
            "AgentUserId": f"a_{name}",
            "UserStreamId": f"us_{name}",
        }
        call("RegisterAgent", {"AgentId": name, "LLM": LLM, "TTS": TTS})
        created = call("CreateAgentInstance", {"AgentId": name, "UserId": f"u_{name}", "RTC": rtc})
        instance = {"AgentInstanceId": created["AgentInstanceId"]}
        call("SendAgentInstanceLLM", {**instance, "Text": "Hello"})
        call("QueryAgentInstanceStatus", instance)
        call("DeleteAgentInstance", instance)
        call("UnregisterAgent", {"AgentId": name})
        if flow == 0:  # a warm-up flow
            latencies.clear()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> dict[str, float]:
    rows: dict[tuple[int, int], dict[str, list[float]]] = {}
    for size, events in SIZES:
        app_id, secret = random_app_id(), random_secret()
        with tempfile.TemporaryDirectory() as home:
            path = Path(home) / "sandbox-state.json"
            build_state(path, app_id, secret, size, events)
            kernels = [Kernel(path, app_id, secret) for _ in range(2)]
            try:
                rows[size, events] = {
                    "one kernel": learner_flows(kernels[:1], "one"),
                    "two kernels": learner_flows(kernels, "two"),
                }
            finally:
                for kernel in kernels:
                    kernel.stop()

    print(
        f"Shared state file, two kernels (processes): {FLOWS} x 6 learner calls per row, "
        "one at a time; S agents and S live instances, E events in the log"
    )
    ways = ("one kernel", "two kernels")
    print("  {:>5s} {:>5s}   {:>24s}   {:>24s}".format("S", "E", *ways))
    print("  {:>5s} {:>5s}   {:>24s}   {:>24s}".format("", "", *["p50 ms  p99 ms   p50/base"] * 2))
    numbers: dict[str, float] = {}
    base = {way: percentile(rows[SIZES[0]][way], 0.5) for way in ways}
    for (size, events), row in rows.items():
        cells = []
        for way in ways:
            p50, p99 = percentile(row[way], 0.5), percentile(row[way], 0.99)
            cells.append(f"{p50 * 1000:6.2f}  {p99 * 1000:6.2f}   {p50 / base[way]:8.2f}")
            key = way.replace(" ", "_")
            numbers[f"{key}_S{size}_E{events}_p50_ms"] = p50 * 1000
            numbers[f"{key}_S{size}_E{events}_vs_base"] = p50 / base[way]
        print(f"  {size:5d} {events:5d}   {cells[0]:>24s}   {cells[1]:>24s}")
    return numbers


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
