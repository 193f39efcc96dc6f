"""A workshop of 200 attendees against one room sandbox, with the trainer's dashboard open.

Run: ``python -m tests.benchmarks room_attendees`` (or ``python -m
tests.benchmarks.bench_room_attendees [attendees]``).

Built on the room benchmark's pieces (:mod:`tests.benchmarks.bench_sandbox_room`: servers
in processes of their own, :data:`~tests.benchmarks.bench_sandbox_room.GENERATORS` load
generator processes, CPU read from ``/proc``), with attendees as their kits are
(:func:`tests.benchmarks.room_load.kit_attendee_flow`: a name, the kit's ids for it, every
quick-start step TTS included, each request signed, one keep-alive connection each).
All 200 at once, several flows each (as many requests per row as the room benchmark),
against:

* the **room sandbox**, exactly as a trainer starts it (``zego-kit sandbox``): it follows
  every attendee for the dashboard, and a dashboard is open the whole time (a client
  long-polling its status, as the page does);
* the same sandbox **without the room** (no tracker, no dashboard): what following the
  attendees costs;
* a **bare** Tornado handler answering ``{}`` to any POST: the floor (HTTP, one event
  loop), with the same flow in the same run.

Servers are interleaved (their order rotates per trial) and each row is the best of
:data:`TRIALS` trials, so that a burst of work elsewhere on the machine decides nothing.

Printed: errors (must be 0), p50 and p99 latency per request, requests/s, server CPU per
request, and the ratio of each p50 to the bare handler's p50 in the same run. Then what the
dashboard showed at the end: every attendee of the last trial with all five steps done,
0 instances and 0 agents left, 0 id collisions.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Any

import requests

from tests.benchmarks.bench_sandbox_room import (
    GENERATORS,
    INSTANCE_LIMIT,
    MIN_REQUESTS,
    Server,
    measure,
    serving_process,
    start_bare,
    start_sandbox,
)
from tests.benchmarks.room_load import REQUESTS_PER_FLOW

ATTENDEES = 200
TRIALS = 3


def start_without_room() -> Server:
    """The same sandbox with no room tracker and no dashboard, in a process of its own."""
    process, line = serving_process("tests.benchmarks.bench_room_attendees", "--without-room")
    port, app_id, secret = line.split()
    return Server("no room", process, int(port), int(app_id), secret)


def serve_without_room() -> None:
    """That server's process: prints ``port app_id secret``, serves until stdin closes."""
    from zego_helpers.cli.sandbox import tune_garbage_collector
    from zego_helpers.sandbox import SandboxConfig
    from zego_helpers.sandbox import start_sandbox as start

    config = SandboxConfig.with_random_credentials(
        instance_limit=INSTANCE_LIMIT, rate_limit_per_action=None
    )
    sandbox = start(config)
    tune_garbage_collector()  # as zego-kit sandbox does: only the room tracker differs
    print(sandbox.port, config.app_id, config.server_secret, flush=True)
    sys.stdin.read()
    sandbox.stop()


def stop(server: Server) -> None:
    """Ctrl-C for ``zego-kit sandbox`` (as a trainer stops it); closed stdin for the others."""
    if server.process.stdin is not None:
        server.process.stdin.close()
    else:
        server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


class Dashboard:
    """The trainer's page, as a client: long-polls the room's status while the room runs."""

    def __init__(self, server: Server) -> None:
        self.url = f"http://127.0.0.1:{server.port}/room/api/status"
        self.headers = {"Authorization": f"Bearer {server.token}"}
        self.updates = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> Dashboard:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _follow(self) -> None:
        version = -1
        while not self._stop.is_set():
            try:
                answer = requests.get(
                    self.url, params={"after": version, "wait": 2}, headers=self.headers, timeout=30
                )
                answer.raise_for_status()
                version = answer.json()["Version"]
                self.updates += 1
            except Exception as error:  # reported: the run fails
                self.failures.append(f"{type(error).__name__}: {error}")
                return


def status(server: Server) -> dict[str, Any]:
    answer = requests.get(
        f"http://127.0.0.1:{server.port}/room/api/status?wait=0",
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=60,
    )
    answer.raise_for_status()
    return answer.json()


def main(attendees: int = ATTENDEES) -> dict[str, float]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * attendees + 256  # a socket per attendee, and the server's end of it
    if soft < needed:  # the children inherit it
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    best: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    updates, dashboard_failures = 0, []
    with tempfile.TemporaryDirectory() as home:
        bare, room, plain = start_bare(), start_sandbox(home), start_without_room()
        room.name = "room sandbox"
        servers = [bare, room, plain]
        try:
            for trial in range(TRIALS):
                for server in servers[trial % 3 :] + servers[: trial % 3]:  # nobody always first
                    if server is room:
                        with Dashboard(room) as dashboard:
                            row = measure(server, attendees, f"t{trial}", flow="kit")
                        updates += dashboard.updates
                        dashboard_failures += dashboard.failures
                    else:
                        row = measure(server, attendees, f"t{trial}", flow="kit")
                    failures = errors.setdefault(server.name, [])
                    failures += row["errors"]
                    if row["requests"] != row["expected"] and not row["errors"]:
                        failures.append(f"{row['expected'] - row['requests']} requests missing")
                    if server.name not in best or row["rate"] > best[server.name]["rate"]:
                        best[server.name] = row
            final = status(room)
        finally:
            for server in servers:
                stop(server)

    print(
        f"A room of {attendees} attendees at once, as their kits are: each flow "
        f"{REQUESTS_PER_FLOW} signed requests with the kit's ids on a keep-alive connection "
        "(register, create, 3 LLM "
        f"turns, TTS, status, message list, delete, unregister), at least {MIN_REQUESTS} requests "
        f"per row, best of {TRIALS} interleaved trials; each server and {GENERATORS} load "
        "generators in their own process"
    )
    bare_p50 = best["bare"]["p50"]
    columns = ("server", "errors", "p50 ms", "p99 ms", "req/s", "p50/bare")
    print("  {:13s} {:>6s} {:>8s} {:>8s} {:>7s} {:>9s}  server CPU/req".format(*columns))
    numbers: dict[str, float] = {}
    for name in ("bare", "room sandbox", "no room"):
        row = best[name]
        ratio = row["p50"] / bare_p50
        cpu = row["cpu_per_request"] * 1000
        print(
            f"  {name:13s} {len(errors[name]):6d} {row['p50'] * 1000:8.1f} "
            f"{row['p99'] * 1000:8.1f} {row['rate']:7.0f} {ratio:9.2f}  {cpu:.3f} ms"
        )
        for failure in errors[name][:3]:
            print(f"      {failure}")
        key = name.replace(" ", "_")
        numbers[f"{key}_errors"] = len(errors[name])
        numbers[f"{key}_p50_ms"] = row["p50"] * 1000
        numbers[f"{key}_p99_ms"] = row["p99"] * 1000
        numbers[f"{key}_requests_per_s"] = row["rate"]
        numbers[f"{key}_cpu_ms_per_request"] = cpu
        numbers[f"{key}_p50_vs_bare"] = ratio
    cost = best["room sandbox"]["cpu_per_request"] / best["no room"]["cpu_per_request"]
    print(f"  following the attendees: server CPU per request x{cost:.2f} of the sandbox without")
    numbers["room_cpu_vs_no_room"] = cost

    rows = final["Attendees"]
    last = [row for row in rows if row["Namespace"].startswith(f"t{TRIALS - 1}g")]
    complete = sum(row["StepsDone"] == 5 and row["Name"] == row["Namespace"] for row in last)
    totals = final["Room"]
    print(
        f"  the dashboard: {updates} live updates while the room ran ({len(dashboard_failures)} "
        f"failed); {len(rows)} attendees over all trials; of the last "
        f"trial's {len(last)}, {complete} by name with all 5 steps done; "
        f"left: {totals['Instances']} instances, "
        f"{totals['Agents']} agents; {totals['Collisions']} id collisions, "
        f"{totals['UnattributedErrors']} errors nobody could be named for"
    )
    numbers.update(
        dashboard_updates=updates,
        dashboard_failures=len(dashboard_failures),
        attendees_complete=complete,
        instances_left=totals["Instances"],
        agents_left=totals["Agents"],
        collisions=totals["Collisions"],
    )
    return numbers


if __name__ == "__main__":
    if "--without-room" in sys.argv:
        serve_without_room()
    else:
        main(*(int(a) for a in sys.argv[1:]))
