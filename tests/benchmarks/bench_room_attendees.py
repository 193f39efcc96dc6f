"""A workshop of 200 attendees against one room sandbox, with the trainer's dashboard open.

Run: ``python -m tests.benchmarks room_attendees`` (or ``python -m
tests.benchmarks.bench_room_attendees [attendees]``).

Every attendee runs the quick start at the same moment, as their kit would (their own
ids, each request signed, one keep-alive connection each:
:mod:`tests.benchmarks.room_attendees_load`), against:

* the **room sandbox**, exactly as a trainer starts it (``zego-kit sandbox
  --instance-limit 1000 --rate-limit 0``): it follows every attendee for the dashboard,
  and a dashboard is open the whole time (a long-polling client, as the page is);
* the same sandbox **without the room** (no tracker, no dashboard): what following the
  attendees costs;
* a **bare** Tornado handler answering ``{}`` to any POST: the floor (HTTP and one event
  loop), measured with the same flow in the same run.

Each server runs in its own process, and so do the :data:`GENERATORS` load generators.
Trials are interleaved (server order rotates), and each row is the best of
:data:`TRIALS`, so that a burst of work elsewhere on the machine decides nothing.

Printed: errors (must be 0), p50 and p99 latency per request, requests/s, and the ratio
of each p50 to the bare handler's p50 in the same run. Then what the dashboard showed:
every attendee with all five steps done, 0 instances and 0 agents left, 0 collisions.
"""

from __future__ import annotations

import contextlib
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

import requests

from tests.benchmarks.room_attendees_load import REQUESTS_PER_FLOW

REPO_ROOT = Path(__file__).resolve().parents[2]
ATTENDEES = 200
GENERATORS = 2
TRIALS = 5
INSTANCE_LIMIT = 1000
TIME_LIMIT_S = 300


class Server:
    """A server process under test, and how to sign for it."""

    def __init__(self, name: str, process: subprocess.Popen, port: int, app_id: int, secret: str):
        self.name, self.process, self.port = name, process, port
        self.app_id, self.secret = app_id, secret
        self.token = ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _child(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``python -c`` with SIGINT's default handler (a background ``make bench &`` ignores it)."""
    code = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv = sys.argv[1:]; "
        "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def start_room_sandbox(home: str) -> Server:
    """``zego-kit sandbox`` as a trainer starts it; URL, credentials and token from its output."""
    env = {**os.environ, "HOME": home, "ZEGO_KIT_HOME": home}
    process = _child(
        "zego_helpers",
        "sandbox",
        *("--instance-limit", str(INSTANCE_LIMIT), "--rate-limit", "0"),
        *("--room-file", str(Path(home) / "room.json")),
        env=env,
    )
    assert process.stdout is not None
    printed: dict[str, str] = {}
    token = ""
    for line in process.stdout:
        name, _sep, value = line.strip().partition("=")
        printed[name] = value
        if "#token=" in line:
            token = line.strip().partition("#token=")[2]
        if line.startswith("Press Ctrl-C"):
            break
    port = int(printed["ZEGO_API_BASE_URL"].rpartition(":")[2])
    server = Server(
        "room sandbox", process, port, int(printed["ZEGO_APP_ID"]), printed["ZEGO_SERVER_SECRET"]
    )
    server.token = token
    return server


def start_helper(kind: str, name: str) -> Server:
    """The bare handler or the sandbox without a room, in a process of its own."""
    process = _child("tests.benchmarks.bench_room_attendees", f"--{kind}")
    assert process.stdout is not None
    port, app_id, secret = process.stdout.readline().split()
    return Server(name, process, int(port), int(app_id), secret)


def serve(kind: str) -> None:
    """A helper server's process: prints ``port app_id secret``, serves until Ctrl-C."""
    if kind == "plain":
        from zego_helpers.sandbox import SandboxConfig, start_sandbox

        config = SandboxConfig.with_random_credentials(
            instance_limit=INSTANCE_LIMIT, rate_limit_per_action=None
        )
        sandbox = start_sandbox(config)
        print(sandbox.port, config.app_id, config.server_secret, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            sandbox.stop()
        return
    import asyncio

    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets
    from tornado.web import Application, RequestHandler

    class Bare(RequestHandler):
        def post(self) -> None:
            self.write({})

    async def run() -> None:
        sockets = bind_sockets(0, "127.0.0.1", backlog=1024)
        HTTPServer(Application([(r"/.*", Bare)])).add_sockets(sockets)
        print(sockets[0].getsockname()[1], 1, "x", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


class Dashboard:
    """The trainer's page, as a client: long-polls the room's status while the room runs."""

    def __init__(self, server: Server) -> None:
        self.url = f"http://127.0.0.1:{server.port}/room/api/status"
        self.headers = {"Authorization": f"Bearer {server.token}"}
        self.snapshots = 0
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
                self.snapshots += 1
            except Exception as error:  # reported, and the run fails
                self.failures.append(f"{type(error).__name__}: {error}")
                return


def measure(server: Server, attendees: int, tag: str) -> dict[str, Any]:
    """Every attendee at once against ``server``: latencies, errors, wall time."""
    generators = []
    for share in range(GENERATORS):
        job = {
            "host": "127.0.0.1",
            "port": server.port,
            "app_id": server.app_id,
            "secret": server.secret,
            "attendees": list(range(share, attendees, GENERATORS)),
            "check": server.name != "bare",
            "tag": tag,
        }
        generator = _child("tests.benchmarks.room_attendees_load")
        assert generator.stdin is not None
        generator.stdin.write(json.dumps(job) + "\n")
        generator.stdin.flush()
        generators.append(generator)
    for generator in generators:
        assert generator.stdout is not None
        if generator.stdout.readline().strip() != "ready":
            raise SystemExit("a load generator did not start")
    for generator in generators:
        assert generator.stdin is not None
        generator.stdin.write("go\n")
        generator.stdin.flush()
    results = []
    for generator in generators:
        assert generator.stdout is not None
        results.append(json.loads(generator.stdout.readline()))
        generator.wait(TIME_LIMIT_S)
    latencies = sorted(x for r in results for x in r["latencies"])
    wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    if len(latencies) != attendees * REQUESTS_PER_FLOW and not errors:
        errors.append(f"{attendees * REQUESTS_PER_FLOW - len(latencies)} requests missing")
    return {
        "errors": errors,
        "p50": latencies[len(latencies) // 2] if latencies else math.nan,
        "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        if latencies
        else math.nan,
        "rate": len(latencies) / wall,
    }


def main(attendees: int = ATTENDEES) -> dict[str, float]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * attendees + 256  # a socket per attendee, and the server's end of it
    if soft < needed:  # the children inherit it
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    best: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    watched = {"snapshots": 0, "failures": []}
    with tempfile.TemporaryDirectory() as home:
        servers = [
            start_helper("bare", "bare"),
            start_room_sandbox(home),
            start_helper("plain", "no room"),
        ]
        room = servers[1]
        try:
            for trial in range(TRIALS):
                order = servers[trial % 3 :] + servers[: trial % 3]  # nobody always first
                for server in order:
                    tag = f"t{trial}"
                    if server is room:
                        with Dashboard(room) as dashboard:
                            row = measure(server, attendees, tag)
                        watched["snapshots"] += dashboard.snapshots
                        watched["failures"] += dashboard.failures
                    else:
                        row = measure(server, attendees, tag)
                    errors.setdefault(server.name, []).extend(row["errors"])
                    if server.name not in best or row["rate"] > best[server.name]["rate"]:
                        best[server.name] = row
            final = requests.get(
                f"http://127.0.0.1:{room.port}/room/api/status?wait=0",
                headers={"Authorization": f"Bearer {room.token}"},
                timeout=60,
            ).json()
        finally:
            for server in servers:
                server.stop()

    print(
        f"Room of {attendees} attendees at once, each {REQUESTS_PER_FLOW} signed requests with "
        "the kit's ids on a keep-alive connection (register, create, 3 LLM turns, TTS, status, "
        f"message list, delete, unregister); best of {TRIALS} interleaved trials; each server "
        f"and {GENERATORS} load generators in their own process"
    )
    bare_p50 = best["bare"]["p50"]
    columns = ("server", "errors", "p50 ms", "p99 ms", "req/s", "p50/bare")
    print("  {:13s} {:>6s} {:>8s} {:>8s} {:>7s} {:>9s}".format(*columns))
    numbers: dict[str, float] = {}
    for name in ("bare", "room sandbox", "no room"):
        row = best[name]
        ratio = row["p50"] / bare_p50
        print(
            f"  {name:13s} {len(errors[name]):6d} {row['p50'] * 1000:8.1f} {row['p99'] * 1000:8.1f}"
            f" {row['rate']:7.0f} {ratio:9.2f}"
        )
        for failure in errors[name][:3]:
            print(f"      {failure}")
        key = name.replace(" ", "_")
        numbers[f"{key}_errors"] = len(errors[name])
        numbers[f"{key}_p50_ms"] = row["p50"] * 1000
        numbers[f"{key}_p99_ms"] = row["p99"] * 1000
        numbers[f"{key}_requests_per_s"] = row["rate"]
        numbers[f"{key}_p50_vs_bare"] = ratio
    following = best["room sandbox"]["p50"] / best["no room"]["p50"]
    print(f"  following the attendees costs: p50 x{following:.2f} of the same sandbox without it")
    numbers["room_p50_vs_no_room"] = following

    rows = {row["Namespace"]: row for row in final["Attendees"]}
    last_trial = [r for r in rows.values() if r["Name"].startswith(f"t{TRIALS - 1} ")]
    complete = sum(r["StepsDone"] == 5 for r in last_trial)
    room_totals = final["Room"]
    print(
        f"  the dashboard ({watched['snapshots']} live updates while the room ran, "
        f"{len(watched['failures'])} failed): {len(rows)} attendees over all trials; of the last "
        f"trial's {len(last_trial)}, {complete} with all 5 steps; left: "
        f"{room_totals['Instances']} instances, {room_totals['Agents']} agents; "
        f"{room_totals['Collisions']} collisions, {room_totals['UnattributedErrors']} errors "
        "nobody could be named for"
    )
    numbers.update(
        dashboard_updates=watched["snapshots"],
        dashboard_failures=len(watched["failures"]),
        attendees_complete=complete,
        instances_left=room_totals["Instances"],
        agents_left=room_totals["Agents"],
        collisions=room_totals["Collisions"],
    )
    return numbers


if __name__ == "__main__":
    if "--bare" in sys.argv:
        serve("bare")
    elif "--plain" in sys.argv:
        serve("plain")
    else:
        main(*(int(a) for a in sys.argv[1:]))
