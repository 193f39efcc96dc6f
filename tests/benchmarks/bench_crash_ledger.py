"""Crash safety in numbers: kernels killed mid-create, writers sharing a home, damaged ledgers.

Run: ``python -m tests.benchmarks.bench_crash_ledger [--kills 40] [--runs 3]`` (about 4 min
with the defaults). To measure another checkout of the kit (an older one, as a baseline),
copy this file and ``tests/{child_process,crash_support,kit_clients,crash_loop,ledger_writer,
ledger_damage,hold_back_proxy}.py`` into its ``tests/`` and run the same command in its
folder: they use only what every version of the kit has.

Three measurements, each against a sandbox in this process:

1. **Kills.** A create/delete loop (``tests.crash_loop``) in real mode, behind a
   proxy that holds each create back for a random time (before and after the
   sandbox sees it), killed ``--kills`` times with SIGKILL, then as often with
   SIGINT, each on a fresh kit home. Then ``zego-kit cleanup`` runs. Reported:
   instances the ledger lost (it knows neither their id nor their room), temporary
   files left, cleanup's exit code, and *orphans*: instances still running after
   cleanup that cleanup did not name.
2. **Writers.** 4 processes x 30 creates (every third deleted) on one kit home,
   ``--runs`` times: entries lost, deleted entries put back, creates left unresolved.
3. **Damage.** Each kind of :data:`tests.ledger_damage.CORPUS` applied to a ledger
   holding 3 live instances, then ``zego-kit cleanup``: instances cleaned, tracebacks.
"""

from __future__ import annotations

import argparse
import random
import signal
import tempfile
from pathlib import Path

from tests.crash_support import (
    AGENT,
    kill_loop,
    ledger_knowledge,
    leftover_temp_files,
    loop_env,
    lost_instances,
    real_env,
    run_cleanup,
    running_rows,
    sandbox_client,
    start_crash_sandbox,
    writers_on_one_home,
)
from tests.hold_back_proxy import HoldBackProxy
from tests.ledger_damage import CORPUS
from zego_helpers.ids import make_call_ids
from zego_helpers.sandbox import RunningSandbox

#: Clients with retries off: every failure counts.
NO_RETRIES = {"max_retries": 0}


def measure_kills(sandbox: RunningSandbox, signum: int, kills: int, seed: int) -> dict:
    """Kill the loop ``kills`` times on one fresh home, then clean up; count what is left."""
    admin = sandbox_client(sandbox, **NO_RETRIES)
    before = {r["AgentInstanceId"] for r in running_rows(admin)}
    with (
        tempfile.TemporaryDirectory() as tmp,
        HoldBackProxy(sandbox.base_url, max_hold=0.5, real_service=True, seed=seed) as proxy,
    ):
        home = Path(tmp)
        env = loop_env(sandbox, home, proxy.url)
        logs = home / "logs"
        logs.mkdir()
        kill_loop(env, kills=kills, signum=signum, rng=random.Random(seed), log_dir=logs)
        lost = len([r for r in lost_instances(admin, home) if r["AgentInstanceId"] not in before])
        unanswered = len(ledger_knowledge(home)[1])
        proxy.max_hold = 0.05
        result = run_cleanup(real_env(sandbox, home, proxy.url))
        temps = leftover_temp_files(home)
        left = [r for r in running_rows(admin) if r["AgentInstanceId"] not in before]
        named = [r for r in left if r["RoomId"] in result.stdout]
        for row in left:
            admin.delete_agent_instance(row["AgentInstanceId"], missing_ok=True)
    return {
        "lost": lost,
        "unanswered creates": unanswered,
        "temp files": len(temps),
        "left": len(left),
        "orphans": len(left) - len(named),
        "exit": result.returncode,
        "traceback": "Traceback" in result.stdout + result.stderr,
    }


def measure_damage(sandbox: RunningSandbox) -> dict:
    """Every kind of damage on a ledger of 3 live instances; how many does cleanup delete?"""
    cleaned, tracebacks, per_kind = 0, 0, []
    admin = sandbox_client(sandbox, **NO_RETRIES)
    for damage in CORPUS:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            client = sandbox_client(sandbox, home, **NO_RETRIES)
            ids = []
            for _ in range(3):
                call = make_call_ids()
                ids.append(
                    client.create_agent_instance(AGENT, call.user_id, call.to_rtc())[
                        "AgentInstanceId"
                    ]
                )
            damage.apply(ledger_file(home), ids)
            result = run_cleanup(real_env(sandbox, home, sandbox.base_url))
            running = {r["AgentInstanceId"] for r in running_rows(admin)}
            gone = sum(i not in running for i in ids)
            cleaned += gone
            tracebacks += "Traceback" in result.stdout + result.stderr
            per_kind.append(f"{damage.name}: {gone}/3")
            for instance_id in ids:
                admin.delete_agent_instance(instance_id, missing_ok=True)
    return {
        "cleaned": cleaned,
        "of": 3 * len(CORPUS),
        "tracebacks": tracebacks,
        "per kind": per_kind,
    }


def ledger_file(home: Path) -> Path:
    """The ledger file, whatever the kit version calls it."""
    for name in ("ledger.jsonl", "ledger.json"):
        if (home / name).is_file():
            return home / name
    raise FileNotFoundError(f"no ledger file in {home}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=40, help="kills per signal (default 40)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the writers (default 3)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--skip", nargs="*", default=[], choices=["kills", "writers", "damage"])
    args = parser.parse_args(argv)
    sandbox = start_crash_sandbox()
    try:
        if "kills" not in args.skip:
            for name, signum in (("SIGKILL", signal.SIGKILL), ("SIGINT", signal.SIGINT)):
                found = measure_kills(sandbox, signum, args.kills, args.seed)
                print(f"{args.kills} x {name}: {found}", flush=True)
        if "writers" not in args.skip:
            for run in range(args.runs):
                with tempfile.TemporaryDirectory() as tmp:
                    found = writers_on_one_home(Path(tmp), processes=4, creates=30)
                print(f"4 processes x 30 creates, run {run + 1}: {found}", flush=True)
        if "damage" not in args.skip:
            found = measure_damage(sandbox)
            print(
                f"damage corpus: {found['cleaned']} of {found['of']} instances cleaned, "
                f"{found['tracebacks']} tracebacks"
            )
            for line in found["per kind"]:
                print("  ", line)
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
