"""A simulated workshop: 50 attendees at once against one standalone sandbox.

Run: ``python -m tests.benchmarks.bench_sandbox_workshop``

Each attendee (a thread) runs the quick-start sequence through the kit's
client: RegisterAgent -> CreateAgentInstance -> 5 x SendAgentInstanceLLM ->
DeleteAgentInstance (8 requests), all attendees starting together. The same
run measures, with the same threads and request count:

* **bare**: a Tornado handler that answers ``{}`` to any POST (the floor: HTTP,
  threads and JSON only), called with a signed query on a ``requests.Session``;
* **sandbox (hand-signed)**: the same session calls against the sandbox, so
  the difference to *bare* is the sandbox's own cost;
* **sandbox (client)**: the kit's ``AIAgentClient`` (validation, signing,
  envelope parsing), the path the issue asks to measure;
* **sandbox (state file)**: the client again, against a sandbox that keeps
  its state in a JSON file under a file lock, as the embedded sandbox does.

Setups are interleaved round by round, so machine noise hits them alike.
Reported per setup: errors (must be 0), p50 and p99 latency per request,
requests/s over the whole round, and p50 / p50(bare).

Settings: the sandbox allows 60 live instances (50 are needed) and its rate
limit is off. ZEGO's 10 requests/s per action is per AppID, so a real room
sharing one AppID would be throttled long before the sandbox is; here we
measure the sandbox. Each client keeps its own 10/s pacing (it never
triggers: an attendee sends 5 LLM turns) and has retries off, so every
failure is counted.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests
from tornado.web import RequestHandler

from tests.benchmarks.room_load import TRIAL_LLM, TRIAL_TTS
from tests.sandbox.helpers import LocalServer, sign
from zego_helpers.client import AIAgentClient
from zego_helpers.sandbox import SandboxConfig, start_sandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
ATTENDEES = 50
ROUNDS = 3
LLM_TURNS = 5
SERIAL_RUNS = 25
TIME_LIMIT_S = 50.0

#: One attendee's run: (attendee index, round index, record(latency_s)) -> None, raising on error.
Attendee = Callable[[int, int, Callable[[float], None]], None]


class Bare(RequestHandler):
    def post(self) -> None:
        self.write({})


def signed_params(action: str, app_id: int, secret: str) -> dict[str, str]:
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    return {
        "Action": action,
        "AppId": str(app_id),
        "SignatureNonce": nonce,
        "Timestamp": str(timestamp),
        "Signature": sign(app_id, nonce, secret, timestamp),
        "SignatureVersion": "2.0",
    }


def ids(attendee: int, round_: int) -> tuple[str, str, dict[str, str]]:
    tag = f"r{round_}_a{attendee:02d}_{secrets.token_hex(2)}"
    rtc = {
        "RoomId": f"room_{tag}",
        "AgentStreamId": f"agent_stream_{tag}",
        "AgentUserId": f"agent_{tag}",
        "UserStreamId": f"user_stream_{tag}",
    }
    return f"agent_{tag}", f"user_{tag}", rtc


def session_attendee(base_url: str, app_id: int, secret: str, *, bare: bool) -> Attendee:
    """The 8 requests with a hand-signed query on a keep-alive session."""
    local = threading.local()

    def run(attendee: int, round_: int, record: Callable[[float], None]) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        agent_id, user_id, rtc = ids(attendee, round_)
        instance_id = ""

        def send(action: str, body: dict) -> dict:
            started = time.perf_counter()
            answer = session.post(
                base_url + "/", params=signed_params(action, app_id, secret), json=body, timeout=30
            ).json()
            record(time.perf_counter() - started)
            if not bare and answer["Code"] != 0:
                raise RuntimeError(f"{action}: {answer['Code']} {answer['Message']}")
            return answer.get("Data") or {}

        send("RegisterAgent", {"AgentId": agent_id, "LLM": TRIAL_LLM, "TTS": TRIAL_TTS})
        history = {"SyncMode": 1, "Messages": [], "WindowSize": 10}
        body = {"AgentId": agent_id, "UserId": user_id, "RTC": rtc, "MessageHistory": history}
        instance_id = send("CreateAgentInstance", body).get("AgentInstanceId", "")
        for turn in range(LLM_TURNS):
            send("SendAgentInstanceLLM", {"AgentInstanceId": instance_id, "Text": f"Q{turn}"})
        send("DeleteAgentInstance", {"AgentInstanceId": instance_id})

    return run


def client_attendee(base_url: str, app_id: int, secret: str) -> Attendee:
    """The 8 requests through ``AIAgentClient``."""

    def run(attendee: int, round_: int, record: Callable[[float], None]) -> None:
        agent_id, user_id, rtc = ids(attendee, round_)
        with AIAgentClient(app_id, secret, base_url, max_retries=0) as client:

            def timed(call: Callable[[], dict]) -> dict:
                started = time.perf_counter()
                data = call()
                record(time.perf_counter() - started)
                return data

            timed(lambda: client.register_agent(agent_id, llm=TRIAL_LLM, tts=TRIAL_TTS))
            history = {"SyncMode": 1, "Messages": [], "WindowSize": 10}
            created = timed(
                lambda: client.create_agent_instance(
                    agent_id, user_id, rtc, message_history=history
                )
            )
            instance_id = created["AgentInstanceId"]
            for turn in range(LLM_TURNS):
                timed(lambda t=turn: client.send_agent_instance_llm(instance_id, f"Q{t}"))
            timed(lambda: client.delete_agent_instance(instance_id))

    return run


def workshop(attendee: Attendee, round_: int) -> tuple[list[float], list[str], float]:
    """All attendees at once: (latencies, errors, wall time)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(ATTENDEES + 1)

    def record(seconds: float) -> None:
        with lock:
            latencies.append(seconds)

    def one(index: int) -> None:
        barrier.wait()
        try:
            attendee(index, round_, record)
        except Exception as error:  # every failure is reported
            with lock:
                errors.append(f"attendee {index}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(ATTENDEES)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(TIME_LIMIT_S)
    wall = time.perf_counter() - started
    if any(t.is_alive() for t in threads):
        errors.append("some attendees did not finish in time")
    return latencies, errors, wall


def one_at_a_time(setups: dict[str, Attendee]) -> dict[str, list[float]]:
    """Latencies of a lone attendee running the sequence ``SERIAL_RUNS`` times per setup
    (setups interleaved run by run; the first run of each is a warm-up)."""
    latencies: dict[str, list[float]] = {name: [] for name in setups}
    for run in range(SERIAL_RUNS + 1):
        for name, attendee in setups.items():
            record = latencies[name].append if run else (lambda _seconds: None)
            attendee(ATTENDEES + run, ROUNDS, record)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def serve() -> None:
    """The server side, in its own process: a bare handler and two sandboxes, until stdin ends."""
    bare = LocalServer([(r"/.*", Bare)])
    config = {"instance_limit": ATTENDEES + 10, "rate_limit_per_action": None}
    memory = start_sandbox(SandboxConfig.with_random_credentials(**config))
    with tempfile.TemporaryDirectory() as state_dir:
        state_file = Path(state_dir) / "sandbox-state.json"
        persisted = start_sandbox(
            SandboxConfig.with_random_credentials(**config, state_path=state_file)
        )
        servers = {
            name: {"url": s.base_url, "app_id": s.app_id, "secret": s.server_secret}
            for name, s in (("memory", memory), ("persisted", persisted))
        }
        print(json.dumps({"bare": bare.base_url, **servers}), flush=True)
        sys.stdin.read()
        memory.stop()
        persisted.stop()
        bare.stop()


def live_instances(server: dict) -> int:
    params = signed_params("SandboxListInstances", server["app_id"], server["secret"])
    answer = requests.post(server["url"] + "/", params=params, json={}, timeout=10).json()
    return len(answer["Data"]["Instances"])


def main() -> dict[str, float]:
    deadline = time.monotonic() + TIME_LIMIT_S
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.bench_sandbox_workshop", "--serve"],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        servers = json.loads(child.stdout.readline())
        memory, persisted = servers["memory"], servers["persisted"]
        setups: dict[str, Attendee] = {
            "bare": session_attendee(servers["bare"], memory["app_id"], "x", bare=True),
            "sandbox (hand-signed)": session_attendee(
                memory["url"], memory["app_id"], memory["secret"], bare=False
            ),
            "sandbox (client)": client_attendee(memory["url"], memory["app_id"], memory["secret"]),
            "sandbox (state file)": client_attendee(
                persisted["url"], persisted["app_id"], persisted["secret"]
            ),
        }
        results = {name: ([], [], 0.0) for name in setups}
        for round_ in range(ROUNDS):
            for name, attendee in setups.items():
                if time.monotonic() > deadline:
                    raise SystemExit("benchmark took too long; results would be incomplete")
                latencies, errors, wall = workshop(attendee, round_)
                done = results[name]
                results[name] = (done[0] + latencies, done[1] + errors, done[2] + wall)
        serial = one_at_a_time(
            {
                name: setups[name]
                for name in ("bare", "sandbox (hand-signed)", "sandbox (state file)")
            }
        )
        leftovers = live_instances(memory) + live_instances(persisted)
        child.stdin.close()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    print(
        f"Workshop: {ATTENDEES} attendees at once x {ROUNDS} rounds, "
        f"{2 + LLM_TURNS + 1} requests each (register, create, {LLM_TURNS} LLM turns, delete); "
        "servers in their own process"
    )
    header = ("setup", "errors", "p50 ms", "p99 ms", "req/s", "p50/bare")
    print("  {:22s} {:>6s} {:>8s} {:>8s} {:>8s} {:>9s}".format(*header))
    bare_p50 = percentile(results["bare"][0], 0.5)
    numbers: dict[str, float] = {}
    for name, (latencies, errors, wall) in results.items():
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        rate = len(latencies) / wall
        print(
            f"  {name:22s} {len(errors):6d} {p50 * 1000:8.2f} {p99 * 1000:8.2f} "
            f"{rate:8.0f} {p50 / bare_p50:9.2f}"
        )
        for error in errors[:3]:
            print(f"      {error}")
        key = name.split("(")[-1].rstrip(")") if "(" in name else name
        numbers[f"{key}_errors"] = len(errors)
        numbers[f"{key}_p50_ms"] = p50 * 1000
        numbers[f"{key}_p99_ms"] = p99 * 1000
        numbers[f"{key}_requests_per_s"] = rate
        numbers[f"{key}_p50_vs_bare"] = p50 / bare_p50
    print(f"One attendee alone, {SERIAL_RUNS} runs in a row (the per-request cost without load):")
    for name, latencies in serial.items():
        p50 = percentile(latencies, 0.5)
        ratio = p50 / percentile(serial["bare"], 0.5)
        print(f"  {name:22s} p50 {p50 * 1000:6.2f} ms   p50/bare {ratio:5.2f}")
        key = name.split("(")[-1].rstrip(")") if "(" in name else name
        numbers[f"serial_{key}_p50_vs_bare"] = ratio
    print(f"  instances left behind: {leftovers} (must be 0)")
    numbers["instances_left"] = leftovers
    return numbers


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        main()
