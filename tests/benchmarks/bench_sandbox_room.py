"""A whole workshop room against one standalone sandbox: does a request cost more as it fills?

Run: ``python -m tests.benchmarks sandbox_room`` (or ``python -m
tests.benchmarks.bench_sandbox_room [attendees ...]``, e.g. ``25 1000``).

A trainer's room sandbox serves every attendee at once, so its cost per request
is the workshop's ceiling, and it must not grow with the number of people in the
room. For each room size (25, 100, 400 and 1000 attendees) every attendee runs
the quick start at the same time, each request signed, on its own keep-alive
connection (:mod:`tests.benchmarks.room_load`): RegisterAgent ->
CreateAgentInstance -> 5 x SendAgentInstanceLLM -> GetAgentInstanceMsgList ->
DeleteAgentInstance -> UnregisterAgent. Small rooms run the flow several times in
a row, so that every measurement covers at least :data:`MIN_REQUESTS` requests
(as many as the largest room makes: a short row would more easily catch a quiet
moment of the machine, and look faster).
Each row is the best of :data:`TRIALS` trials (room sizes and servers
interleaved), so that a burst of work elsewhere on the machine does not decide it.

Three kinds of process, so that nobody steals another's GIL:

* the **standalone sandbox**, exactly as a trainer starts it
  (``zego-kit sandbox --instance-limit 5000 --rate-limit 0``);
* a **bare** Tornado handler answering ``{}`` to any POST: the floor (HTTP,
  one event loop), measured with the same flow in the same run;
* :data:`GENERATORS` load generator processes sharing the attendees.

Printed for each room size: errors (must be 0), p50 and p99 latency per
request, requests/s, that throughput as a share of the best room size, the ratio
to the bare handler's requests/s at the same size, and the sandbox process's CPU
time per request (read from ``/proc``: immune to how busy the generators are),
also less the bare handler's (the sandbox's *own* cost: its gateway, state and
simulation, without Tornado's HTTP and asyncio's event loop).

What to expect on a 2-core machine: the server is the bottleneck (one core
busy), so throughput follows its CPU per request. The bare handler's CPU per
request grows with the number of open connections too (by 0.05-0.08 ms from 25
to 1000), and the sandbox's own cost stays about flat (0.08-0.13 ms); what is
left of the drop at 1000 attendees is HTTP and the event loop, not the room.
The target: throughput from 25 to 1000 attendees stays within 15% of its best.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from tests.benchmarks.room_load import REQUESTS_PER_FLOW, Connection
from tests.child_process import lines_until_ready, printed_settings, start_kit

REPO_ROOT = Path(__file__).resolve().parents[2]
ROOM_SIZES = (25, 100, 400, 1000)
GENERATORS = 2
MIN_REQUESTS = 10_000
TRIALS = 5  # best of five: this shared 2-core VM has bursts of work elsewhere
INSTANCE_LIMIT = 5000
TIME_LIMIT_S = 300


def serve_bare() -> None:
    """The bare server's process: ``{}`` for every POST, until stdin closes."""
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop
    from tornado.netutil import bind_sockets
    from tornado.web import Application, RequestHandler

    class Bare(RequestHandler):
        def post(self) -> None:
            self.write({})

    async def serve() -> None:
        sockets = bind_sockets(0, "127.0.0.1", backlog=1024)
        HTTPServer(Application([(r"/.*", Bare)])).add_sockets(sockets)
        print(sockets[0].getsockname()[1], flush=True)
        loop = IOLoop.current()
        stopped = asyncio.Event()
        threading.Thread(
            target=lambda: (sys.stdin.read(), loop.add_callback(stopped.set)), daemon=True
        ).start()
        await stopped.wait()

    asyncio.run(serve())


class Server:
    """A server process under test: where it listens, and how much CPU it used."""

    def __init__(self, name: str, process: subprocess.Popen, port: int, app_id: int, secret: str):
        self.name, self.process, self.port = name, process, port
        self.app_id, self.secret = app_id, secret
        #: The trainer token of a room sandbox's dashboard (``zego-kit sandbox`` prints it).
        self.token = ""

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (``/proc/<pid>/stat``)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serving_process(module: str, flag: str) -> tuple[subprocess.Popen, str]:
    """``python -m module flag``: a server of these benchmarks in a process of its own, which
    serves until its stdin closes. Returns it and the first line it printed (where it listens).
    """
    process = subprocess.Popen(
        [sys.executable, "-m", module, flag],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


def start_bare() -> Server:
    process, port = serving_process("tests.benchmarks.bench_sandbox_room", "--bare")
    return Server("bare", process, int(port), 1, "x")


def start_sandbox(home: str) -> Server:
    """``zego-kit sandbox`` in its own process; its URL and credentials read from its output."""
    process = start_kit(
        *("sandbox", "--instance-limit", str(INSTANCE_LIMIT), "--rate-limit", "0"),
        cwd=REPO_ROOT,
        env={**os.environ, "HOME": home, "ZEGO_KIT_HOME": home},
        stderr=None,
        new_session=False,  # a Ctrl-C that stops the benchmark stops it too
    )
    lines = lines_until_ready(process)
    printed = printed_settings(lines)
    port = int(printed["ZEGO_API_BASE_URL"].rpartition(":")[2])
    server = Server(
        "sandbox", process, port, int(printed["ZEGO_APP_ID"]), printed["ZEGO_SERVER_SECRET"]
    )
    server.token = next(line for line in lines if "#token=" in line).partition("#token=")[2]
    return server


def measure(server: Server, attendees: int, tag: str, flow: str = "quick_start") -> dict[str, Any]:
    """All ``attendees`` at once against ``server``: latencies, errors, wall time, CPU.

    ``flow``: ``"quick_start"``, or ``"kit"`` (attendees as their kits are: see room_load).
    """
    repeats = max(1, math.ceil(MIN_REQUESTS / (attendees * REQUESTS_PER_FLOW)))
    generators = []
    for share in range(GENERATORS):
        job = {
            "host": "127.0.0.1",
            "port": server.port,
            "app_id": server.app_id,
            "secret": server.secret,
            "attendees": list(range(share, attendees, GENERATORS)),
            "repeats": repeats,
            "check": server.name != "bare",
            "tag": f"{tag}g{share}_",
            "flow": flow,
        }
        generator = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.room_load"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert generator.stdin is not None and generator.stdout is not None
        generator.stdin.write(json.dumps(job) + "\n")
        generator.stdin.flush()
        generators.append(generator)
    for generator in generators:
        assert generator.stdout is not None
        if generator.stdout.readline().strip() != "ready":
            raise SystemExit("a load generator did not start")
    cpu_before = server.cpu_seconds()
    for generator in generators:
        assert generator.stdin is not None
        generator.stdin.write("go\n")
        generator.stdin.flush()
    results = []
    for generator in generators:
        assert generator.stdout is not None
        results.append(json.loads(generator.stdout.readline()))
        generator.wait(TIME_LIMIT_S)
    cpu = server.cpu_seconds() - cpu_before
    latencies = sorted(x for r in results for x in r["latencies"])
    wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
    return {
        "errors": [e for r in results for e in r["errors"]],
        "requests": len(latencies),
        "expected": attendees * repeats * REQUESTS_PER_FLOW,
        "p50": latencies[len(latencies) // 2] if latencies else math.nan,
        "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        if latencies
        else math.nan,
        "rate": len(latencies) / wall,
        "cpu_per_request": cpu / max(1, len(latencies)),
    }


def leftovers(server: Server) -> tuple[int, int]:
    """(agents, instances) still in the sandbox after a round (both must be 0)."""

    async def ask() -> dict[str, Any]:
        connection = Connection("127.0.0.1", server.port, server.app_id, server.secret)
        await connection.open()
        try:
            return await connection.post("SandboxInfo", {})
        finally:
            connection.close()

    data = asyncio.run(ask())["Data"]
    return data["Agents"], data["Instances"]


def main(sizes: tuple[int, ...] = ROOM_SIZES) -> dict[str, float]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * max(sizes) + 256  # one socket per attendee, and the server's end of it
    if soft < needed:  # the children (servers, generators) inherit this
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    results: dict[tuple[str, int], dict[str, Any]] = {}  # the best trial of each
    errors: dict[tuple[str, int], list[str]] = {}  # of every trial
    left: list[tuple[int, int]] = []
    with tempfile.TemporaryDirectory() as home:
        bare, sandbox = start_bare(), start_sandbox(home)
        try:
            for trial in range(TRIALS):
                for size in sizes if trial % 2 == 0 else sizes[::-1]:  # no size always last
                    for server in (bare, sandbox):  # interleaved: noise hits both alike
                        row = measure(server, size, f"t{trial}n{size}")
                        key = server.name, size
                        errors.setdefault(key, []).extend(row["errors"])
                        if row["requests"] != row["expected"] and not row["errors"]:
                            errors[key].append(f"{row['expected'] - row['requests']} missing")
                        if key not in results or row["rate"] > results[key]["rate"]:
                            results[key] = row
                    left.append(leftovers(sandbox))
        finally:
            assert bare.process.stdin is not None
            bare.process.stdin.close()
            sandbox.process.send_signal(signal.SIGINT)
            for server in (bare, sandbox):
                try:
                    server.process.wait(30)
                except subprocess.TimeoutExpired:
                    server.process.kill()
                    server.process.wait()

    best = max(results["sandbox", size]["rate"] for size in sizes)
    cpu_first = results["sandbox", sizes[0]]["cpu_per_request"]
    print(
        f"Room: N attendees at once, each {REQUESTS_PER_FLOW} signed requests on a keep-alive "
        "connection (register, create, 5 LLM turns, message list, delete, unregister), at least "
        f"{MIN_REQUESTS} requests per row, best of {TRIALS} trials; standalone sandbox, bare "
        f"Tornado handler and {GENERATORS} load generators each in their own process"
    )
    header = ("attendees", "server", "errors", "p50 ms", "p99 ms", "req/s", "of best", "vs bare")
    layout = "  {:>9s} {:8s} {:>6s} {:>8s} {:>8s} {:>7s} {:>8s} {:>8s}  server CPU/req"
    layout += " (sandbox: vs the smallest room; own = less bare's)"
    print(layout.format(*header))
    numbers: dict[str, float] = {}
    for size in sizes:
        bare_rate = results["bare", size]["rate"]
        for name in ("bare", "sandbox"):
            row, failures = results[name, size], errors[name, size]
            share = f"{row['rate'] / best:7.0%}" if name == "sandbox" else ""
            versus = f"{row['rate'] / bare_rate:8.2f}" if name == "sandbox" else ""
            cpu = row["cpu_per_request"] * 1000
            growth = ""
            if name == "sandbox":  # its own share: what it costs above the bare HTTP stack
                own = cpu - results["bare", size]["cpu_per_request"] * 1000
                growth = f" ({cpu / (cpu_first * 1000):.1f}x), own {own:.3f} ms"
                numbers[f"sandbox_{size}_own_cpu_ms_per_request"] = own
            print(
                f"  {size:9d} {name:8s} {len(failures):6d} {row['p50'] * 1000:8.1f} "
                f"{row['p99'] * 1000:8.1f} {row['rate']:7.0f} {share:>8s} {versus:>8s}"
                f"  {cpu:.3f} ms{growth}"
            )
            for failure in failures[:3]:
                print(f"      {failure}")
            numbers[f"{name}_{size}_errors"] = len(failures)
            numbers[f"{name}_{size}_requests_per_s"] = row["rate"]
            numbers[f"{name}_{size}_p50_ms"] = row["p50"] * 1000
            numbers[f"{name}_{size}_p99_ms"] = row["p99"] * 1000
            numbers[f"{name}_{size}_cpu_ms_per_request"] = cpu
        numbers[f"sandbox_{size}_share_of_best"] = results["sandbox", size]["rate"] / best
        numbers[f"sandbox_{size}_vs_bare"] = results["sandbox", size]["rate"] / bare_rate
    worst = min(numbers[f"sandbox_{size}_share_of_best"] for size in sizes)
    print(f"  lowest throughput as a share of the best: {worst:.0%} (target: at least 85%)")
    agents, instances = (sum(x) for x in zip(*left, strict=True))
    print(f"  left behind after the rounds: {agents} agents, {instances} instances (must be 0)")
    numbers["lowest_share_of_best"] = worst
    numbers["agents_left"], numbers["instances_left"] = agents, instances
    return numbers


if __name__ == "__main__":
    if "--bare" in sys.argv:
        serve_bare()
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or ROOM_SIZES)
