"""Kernels writing one ledger at once, for the tests that run several or kill them.

``python -m tests.ledger_writer COUNT``: one of several kernels sharing a
kit home. A client with the ledger in ``ZEGO_KIT_HOME`` creates ``COUNT``
instances through a :class:`~zego_helpers.transport.MockTransport` (no
network: the ledger is what is under test, so the writes come as fast as a
client can make them), deleting every third one. It waits for the file named
in ``LEDGER_WRITER_GO`` before starting, so that all writers start together,
and prints one JSON line: ``{"created": [...], "deleted": [...]}``.

``python -m tests.ledger_writer loop TAG``: the ledger alone, in a loop until
killed: record a pending create, resolve it, forget every other one, printing
``pending|resolved|forgot <n> <key or id>`` after each step is done.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

from zego_helpers.client import AIAgentClient
from zego_helpers.ids import make_call_ids
from zego_helpers.ledger import Ledger, LedgerEntry
from zego_helpers.transport import HTTPRequest, HTTPResponse, MockTransport, json_response

SECRET = "0123456789abcdef0123456789abcdef"


def answer(request: HTTPRequest) -> HTTPResponse:
    data = {"AgentInstanceId": uuid.uuid4().hex} if request.action.startswith("Create") else {}
    return json_response({"Code": 0, "Message": "Succeed", "RequestId": "w", "Data": data})


def loop(tag: str) -> None:
    ledger = Ledger.in_home(os.environ["ZEGO_KIT_HOME"])
    n = 0
    while True:
        key = ledger.record_pending(LedgerEntry("", 1, "http://a", room_id=f"r{tag}_{n}"))
        print("pending", n, key, flush=True)
        ledger.resolve(key, f"i{tag}_{n}")
        print("resolved", n, f"i{tag}_{n}", flush=True)
        if n % 2:
            ledger.forget(f"i{tag}_{n}")
            print("forgot", n, f"i{tag}_{n}", flush=True)
        n += 1


def main() -> None:
    if sys.argv[1] == "loop":
        loop(sys.argv[2])
        return
    count = int(sys.argv[1])
    client = AIAgentClient(
        1234567,
        SECRET,
        "http://127.0.0.1:9",
        requests_per_second=None,
        transport=MockTransport(answer),
        ledger=Ledger.in_home(os.environ["ZEGO_KIT_HOME"]),
    )
    go = Path(os.environ["LEDGER_WRITER_GO"])
    while not go.exists():
        time.sleep(0.005)
    created, deleted = [], []
    for n in range(count):
        ids = make_call_ids()
        instance_id = client.create_agent_instance("agent", ids.user_id, ids.to_rtc())[
            "AgentInstanceId"
        ]
        created.append(instance_id)
        if n % 3 == 2:
            client.delete_agent_instance(instance_id)
            deleted.append(instance_id)
    print(json.dumps({"created": created, "deleted": deleted}))


if __name__ == "__main__":
    main()
