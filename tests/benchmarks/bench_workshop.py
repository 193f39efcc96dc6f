"""A workshop room: 50 attendees through the whole tutorial flow on ONE shared sandbox.

Run: ``python -m tests.benchmarks.bench_workshop`` (about 10 s; bounded well under 90 s)

Each attendee is a thread with its own ``AIAgentClient`` (default pacing of
10 requests/s per action, default retries) and its own attendee name, so its
own namespace; names include long and non-ASCII ones. All start together and
run what notebooks 01-04 do: ``ensure_agent`` -> CreateAgentInstance ->
``ask`` (one LLM turn, waiting for the answer) -> SendAgentInstanceTTS ->
DeleteAgentInstance.

Three runs against the same kind of sandbox (default simulated timings):

1. **baseline**: one attendee alone (median of 3 flows);
2. **room**: 50 attendees on a sandbox configured as the trainer's guide
   recommends (``--instance-limit 100 --rate-limit 0``);
3. **room, ZEGO-like rate**: the same 50 with the sandbox's default rate limit
   of 10 requests/s per action for the whole AppID, as ZEGO's default quota
   would apply to a room sharing one AppID. This one shows why the guide says
   to raise the quota (or stagger the room): it is expected to fail attendees.

Reported: errors, collisions (exceptions 1203/1206: an id used twice; and
namespaces or rooms shared by two attendees), instances left running,
p50/p99 latency per action as the attendee feels it (pacing and retries
included), total time, and ratios to the baseline of the same run.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from zego_helpers.cli.cleanup import cleanup_sandbox
from zego_helpers.client import AIAgentClient
from zego_helpers.ids import make_agent_id, make_call_ids, namespace_prefix
from zego_helpers.models import LLM, TTS
from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from zego_helpers.workflows import ask, ensure_agent

ATTENDEES = 50
ROOM_INSTANCE_LIMIT = 100  # what the trainer guide's command sets
ASK_TIMEOUT_S = 20.0
RUN_LIMIT_S = 40.0  # per room run; the whole benchmark stays under 90 s
FLOW = (
    "QueryAgents",
    "RegisterAgent",
    "CreateAgentInstance",
    "SendAgentInstanceLLM",
    "GetAgentInstanceMsgList",
    "SendAgentInstanceTTS",
    "DeleteAgentInstance",
)


def attendee_names(count: int) -> list[str]:
    """Realistic names: short, accented, non-Latin, and long ones sharing a beginning."""
    kinds = ("Zoë {i}", "张伟{i}", "Participant number {i} of the workshop", "O'Brien-{i}", "{i}")
    return [kinds[i % len(kinds)].format(i=i) for i in range(count)]


@dataclass
class Room:
    """What one run observed."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    flow_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RetryCounter(logging.Handler):
    """Counts the transport's "retrying" log lines: requests the server refused at first."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying" in record.getMessage():
            self.count += 1


def timed_client(sandbox: RunningSandbox, room: Room) -> AIAgentClient:
    """An attendee's client whose every call is timed (pacing and retries included)."""
    client = AIAgentClient(sandbox.app_id, sandbox.server_secret, sandbox.base_url)
    plain_call = client.call

    def call(action, body=None):
        started = time.perf_counter()
        try:
            return plain_call(action, body)
        finally:
            with room.lock:
                room.latencies[action].append(time.perf_counter() - started)

    client.call = call  # type: ignore[method-assign]
    return client


def attendee_flow(sandbox: RunningSandbox, room: Room, name: str) -> None:
    """What one attendee does in notebooks 01-04; never leaves its instance running."""
    client = timed_client(sandbox, room)
    started = time.perf_counter()
    instance_id = None
    try:
        agent_id = make_agent_id(name)
        ensure_agent(
            client, agent_id, llm=LLM.trial(system_prompt="You are Nova."), tts=TTS.trial()
        )
        ids = make_call_ids(name)
        with room.lock:
            room.rooms.append(ids.room_id)
        instance_id = client.create_agent_instance(agent_id, ids.user_id, ids.to_rtc())[
            "AgentInstanceId"
        ]
        ask(client, instance_id, "Hello! Who are you?", timeout=ASK_TIMEOUT_S)
        client.send_agent_instance_tts(instance_id, "Thanks, that is all for today.")
        client.delete_agent_instance(instance_id)
        instance_id = None
        with room.lock:
            room.flow_seconds.append(time.perf_counter() - started)
    except Exception as error:  # counted, never hidden
        with room.lock:
            room.errors.append(f"{name}: {type(error).__name__}: {str(error)[:120]}")
        if instance_id is not None:
            try:
                client.delete_agent_instance(instance_id, missing_ok=True)
            except Exception as cleanup_error:
                with room.lock:
                    room.errors.append(f"{name}: delete after failure: {cleanup_error}")
    finally:
        client.close()


def run_room(rate_limit: int | None, names: list[str]) -> tuple[Room, float, dict[str, int]]:
    """All ``names`` at once on a fresh sandbox; returns (observations, seconds, server facts)."""
    sandbox = start_sandbox(
        SandboxConfig.with_random_credentials(
            instance_limit=ROOM_INSTANCE_LIMIT, rate_limit_per_action=rate_limit
        )
    )
    room = Room()
    retries = RetryCounter()
    logging.getLogger("zego_helpers.transport").addHandler(retries)
    logging.getLogger("zego_helpers.transport").setLevel(logging.INFO)
    barrier = threading.Barrier(len(names))

    def start(name: str) -> None:
        barrier.wait()
        attendee_flow(sandbox, room, name)

    threads = [threading.Thread(target=start, args=(n,), daemon=True) for n in names]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    deadline = started + RUN_LIMIT_S
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    elapsed = time.perf_counter() - started
    unfinished = sum(t.is_alive() for t in threads)
    logging.getLogger("zego_helpers.transport").removeHandler(retries)

    trainer = AIAgentClient(sandbox.app_id, sandbox.server_secret, sandbox.base_url)
    events = trainer.call("SandboxGetEvents", {}).get("Events") or []
    kicked = sum(
        1 for e in events if e["Event"] == "Exception" and e["Data"].get("Code") in (1203, 1206)
    )
    left = len(trainer.call("SandboxListInstances", {}).get("Instances") or [])
    swept = len(cleanup_sandbox(trainer)) if left else 0  # end-of-day sweep, as the guide says
    trainer.close()
    sandbox.stop()
    facts = {
        "unfinished": unfinished,
        "collisions": kicked + (len(room.rooms) - len(set(room.rooms))),
        "left": left,
        "swept": swept,
        "retried": retries.count,
    }
    return room, elapsed, facts


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (with ~50 samples, p99 is the slowest one)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(title: str, room: Room, elapsed: float, facts: dict[str, int], base: float) -> None:
    print(f"\n{title}")
    print(
        f"  errors {len(room.errors)}, unfinished {facts['unfinished']}, collisions "
        f"{facts['collisions']}, instances left {facts['left']} (swept by cleanup: "
        f"{facts['swept']}), requests refused then retried {facts['retried']}"
    )
    for line in room.errors[:3]:
        print(f"    {line}")
    print(f"  {'action':26s} {'calls':>5s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for action in FLOW:
        values = room.latencies.get(action) or []
        if values:
            p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
            print(f"  {action:26s} {len(values):5d} {p50:8.1f} {p99:8.1f}")
    flows = room.flow_seconds
    print(f"  total time for the room: {elapsed:.2f} s  (ratio to one attendee alone: "
          f"{elapsed / base:.2f})")  # fmt: skip
    if flows:
        print(
            f"  attendee flow p50 {statistics.median(flows):.2f} s, p99 "
            f"{percentile(flows, 0.99):.2f} s  (p50 ratio to alone: "
            f"{statistics.median(flows) / base:.2f})"
        )


def main() -> dict[str, float]:
    names = attendee_names(ATTENDEES)
    assert len({namespace_prefix(n) for n in names}) == ATTENDEES, "namespaces must differ"
    overall = time.perf_counter()

    alone = [run_room(None, [f"Solo {i}"]) for i in range(3)]
    base = statistics.median(elapsed for _room, elapsed, _facts in alone)
    print(f"Workshop benchmark: {ATTENDEES} attendees, one standalone sandbox")
    print(f"Baseline, one attendee alone (median of 3 flows): {base:.2f} s")

    room, elapsed, facts = run_room(None, names)
    report(
        f"Room as the trainer guide recommends (--instance-limit {ROOM_INSTANCE_LIMIT} "
        "--rate-limit 0):",
        room,
        elapsed,
        facts,
        base,
    )
    zego, zego_elapsed, zego_facts = run_room(10, names)
    report(
        "Same room with a ZEGO-like shared quota (10 requests/s per action for the AppID):",
        zego,
        zego_elapsed,
        zego_facts,
        base,
    )
    print(f"\nBenchmark wall time: {time.perf_counter() - overall:.1f} s")
    return {
        "room_errors": len(room.errors),
        "room_collisions": facts["collisions"],
        "room_left": facts["left"],
        "room_seconds": elapsed,
        "room_ratio": elapsed / base,
        "zego_like_errors": len(zego.errors),
    }


if __name__ == "__main__":
    main()
