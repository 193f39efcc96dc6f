"""The load generator of the room benchmark: attendees, each on its own keep-alive connection.

Run by :mod:`tests.benchmarks.bench_sandbox_room`, one process per share of the
attendees (so the generator never competes with the server for one GIL)::

    python -m tests.benchmarks.room_load   # reads one job (JSON) from stdin

The job names the server (host, port, AppID, secret), which attendees this
process plays and how many times each runs the flow. The process opens one
connection per attendee, prints ``ready``, waits for a ``go`` line, runs all its
attendees at once and prints its results as one JSON line.

One attendee runs the quick start, each request freshly signed (10 requests):
RegisterAgent -> CreateAgentInstance -> 5 x SendAgentInstanceLLM ->
GetAgentInstanceMsgList -> DeleteAgentInstance -> UnregisterAgent.

With ``"flow": "kit"`` in the job, each attendee is what the room sandbox sees of
a real attendee's kit (:func:`kit_attendee_flow`, also 10 requests): a name, the
ids :mod:`zego_helpers.ids` makes for it, the agent registered under that name,
and every quick-start step, TTS included.

HTTP/1.1 is spoken by hand over asyncio streams: a generator costs a few tens
of microseconds per request, so at 1000 attendees it is still the server that is
measured, not the generator.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from zego_helpers.models import TTS

LLM_TURNS = 5
#: What every attendee of the benchmarks registers (here and in bench_sandbox_workshop):
#: the LLM of ZEGO's trial with a workshop's system prompt, and the kit's trial voice (what
#: ``TTS.trial()`` registers: the kit's client accepts nothing less).
TRIAL_LLM = {
    "Url": "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
    "ApiKey": "zego_test",
    "Model": "doubao-1-5-lite-32k-250115",
    "SystemPrompt": "You are Nova, a workshop assistant.",
}
TRIAL_TTS = TTS.trial().to_api()
#: Requests of one attendee's flow.
REQUESTS_PER_FLOW = 2 + LLM_TURNS + 3


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs signed requests."""

    def __init__(self, host: str, port: int, app_id: int, secret: str) -> None:
        self.host, self.port = host, port
        self.app_id, self.secret = app_id, secret
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    async def post(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send one signed request; the answer's JSON body."""
        assert self.reader is not None and self.writer is not None
        nonce, timestamp = secrets.token_hex(8), int(time.time())
        signature = hashlib.md5(
            f"{self.app_id}{nonce}{self.secret}{timestamp}".encode()
        ).hexdigest()
        query = urlencode(
            {
                "Action": action,
                "AppId": self.app_id,
                "SignatureNonce": nonce,
                "Timestamp": timestamp,
                "Signature": signature,
                "SignatureVersion": "2.0",
            }
        )
        payload = json.dumps(body).encode()
        head = (
            f"POST /?{query} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        answer = json.loads(await self.reader.readexactly(length)) if length else {}
        if status != 200:
            raise RuntimeError(f"{action}: HTTP {status} {answer}")
        return answer


def timed_sender(
    connection: Connection, check: bool, record: list[float]
) -> Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]:
    """``send(action, body)`` for one attendee's flow: POSTs it on ``connection``, appends
    its latency (s) to ``record`` and returns the answer's ``Data``; with ``check``, an
    answer whose Code is not 0 raises."""

    async def send(action: str, body: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        answer = await connection.post(action, body)
        record.append(time.perf_counter() - started)
        if check and answer.get("Code") != 0:
            raise RuntimeError(f"{action}: {answer.get('Code')} {answer.get('Message')}")
        return answer.get("Data") or {}

    return send


async def attendee_flow(connection: Connection, tag: str, check: bool, record: list[float]) -> None:
    """One attendee's 10 requests; ``check``: every answer must have Code 0."""
    send = timed_sender(connection, check, record)
    agent_id, user_id = f"agent_{tag}", f"user_{tag}"  # UserIds: at most 32 bytes
    rtc = {
        "RoomId": f"room_{tag}",
        "AgentStreamId": f"agent_stream_{tag}",
        "AgentUserId": f"bot_{tag}",
        "UserStreamId": f"user_stream_{tag}",
    }
    await send("RegisterAgent", {"AgentId": agent_id, "LLM": TRIAL_LLM, "TTS": TRIAL_TTS})
    history = {"SyncMode": 1, "Messages": [], "WindowSize": 10}
    created = await send(
        "CreateAgentInstance",
        {"AgentId": agent_id, "UserId": user_id, "RTC": rtc, "MessageHistory": history},
    )
    instance = {"AgentInstanceId": created.get("AgentInstanceId", "0")}
    for turn in range(LLM_TURNS):
        await send("SendAgentInstanceLLM", {**instance, "Text": f"Question {turn}"})
    await send("GetAgentInstanceMsgList", instance)
    await send("DeleteAgentInstance", instance)
    await send("UnregisterAgent", {"AgentId": agent_id})


async def kit_attendee_flow(
    connection: Connection, name: str, check: bool, record: list[float]
) -> None:
    """Attendee ``name`` as their kit is (10 requests): the room sandbox follows them by the
    ids the kit makes for the name; RegisterAgent (``Name``) -> CreateAgentInstance -> 3 x
    SendAgentInstanceLLM -> SendAgentInstanceTTS -> QueryAgentInstanceStatus ->
    GetAgentInstanceMsgList -> DeleteAgentInstance -> UnregisterAgent."""
    from zego_helpers.ids import make_agent_id, make_call_ids

    send = timed_sender(connection, check, record)
    agent_id, ids = make_agent_id(name), make_call_ids(name)
    rtc = {
        "RoomId": ids.room_id,
        "AgentStreamId": ids.agent_stream_id,
        "AgentUserId": ids.agent_user_id,
        "UserStreamId": ids.user_stream_id,
    }
    register = {"AgentId": agent_id, "Name": name, "LLM": TRIAL_LLM, "TTS": TRIAL_TTS}
    await send("RegisterAgent", register)
    history = {"SyncMode": 1, "Messages": [], "WindowSize": 10}
    created = await send(
        "CreateAgentInstance",
        {"AgentId": agent_id, "UserId": ids.user_id, "RTC": rtc, "MessageHistory": history},
    )
    instance = {"AgentInstanceId": created.get("AgentInstanceId", "0")}
    for turn in range(LLM_TURNS - 2):
        await send("SendAgentInstanceLLM", {**instance, "Text": f"Question {turn}"})
    await send("SendAgentInstanceTTS", {**instance, "Text": "Welcome to the workshop!"})
    await send("QueryAgentInstanceStatus", instance)
    await send("GetAgentInstanceMsgList", instance)
    await send("DeleteAgentInstance", instance)
    await send("UnregisterAgent", {"AgentId": agent_id})


async def run(job: dict[str, Any]) -> dict[str, Any]:
    connections = [
        Connection(job["host"], job["port"], job["app_id"], job["secret"]) for _ in job["attendees"]
    ]
    for connection in connections:  # one by one: the listen backlog never overflows
        await connection.open()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    latencies: list[float] = []
    errors: list[str] = []

    kit = job.get("flow") == "kit"

    async def attendee(index: int, connection: Connection) -> None:
        try:
            for repeat in range(job["repeats"]):
                if kit:  # a name that is its own id prefix (never shortened to a hash);
                    # the same attendee on every repeat, as someone running the notebooks again
                    name = f"{job['tag']}{index:x}"
                    await kit_attendee_flow(connection, name, job["check"], latencies)
                    continue
                tag = f"{job['tag']}{index}r{repeat}{secrets.token_hex(2)}"  # <= 21 bytes
                await attendee_flow(connection, tag, job["check"], latencies)
        except Exception as error:  # every failure is counted and reported
            errors.append(f"attendee {index}: {type(error).__name__}: {error}")

    started = time.monotonic()
    await asyncio.gather(
        *(attendee(i, c) for i, c in zip(job["attendees"], connections, strict=True))
    )
    finished = time.monotonic()
    for connection in connections:
        connection.close()
    return {"latencies": latencies, "errors": errors, "started": started, "finished": finished}


def main() -> None:
    job = json.loads(sys.stdin.readline())
    result = asyncio.run(run(job))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
