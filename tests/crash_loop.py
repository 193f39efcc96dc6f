"""A kernel's life in a loop, to be killed: create an instance, delete it, again and again.

Run as ``python -m tests.crash_loop`` (the crash tests start it, wait for
``ready`` and send SIGKILL or SIGINT at a random moment), or as
``python -m tests.crash_loop once`` for a kernel whose one create times out
(read timeout ``CRASH_LOOP_TIMEOUT`` seconds) and which then ends. The settings come
from the environment, as in a notebook: ``ZEGO_KIT_HOME`` holds the ledger;
``CRASH_LOOP_URL``, ``CRASH_LOOP_APP_ID`` and ``CRASH_LOOP_SECRET`` say where
to send (the secret stays out of the command line, where ``ps`` would show it);
``CRASH_LOOP_AGENT`` is a registered agent.
"""

from __future__ import annotations

import os
import sys

from zego_helpers.client import AIAgentClient
from zego_helpers.errors import APITimeoutError
from zego_helpers.ids import make_call_ids
from zego_helpers.ledger import Ledger


def main() -> None:
    client = AIAgentClient(
        int(os.environ["CRASH_LOOP_APP_ID"]),
        os.environ["CRASH_LOOP_SECRET"],
        os.environ["CRASH_LOOP_URL"],
        requests_per_second=None,
        max_retries=0,
        timeout=(3.0, float(os.environ.get("CRASH_LOOP_TIMEOUT", "20"))),
        ledger=Ledger.in_home(os.environ["ZEGO_KIT_HOME"]),
    )
    agent_id = os.environ["CRASH_LOOP_AGENT"]
    if sys.argv[1:] == ["once"]:
        ids = make_call_ids()
        try:
            client.create_agent_instance(agent_id, ids.user_id, ids.to_rtc())
        except APITimeoutError:
            print("timed out", ids.room_id, ids.agent_user_id, flush=True)
        return
    print("ready", flush=True)
    while True:
        ids = make_call_ids()
        instance_id = client.create_agent_instance(agent_id, ids.user_id, ids.to_rtc())[
            "AgentInstanceId"
        ]
        print("created", instance_id, flush=True)
        client.delete_agent_instance(instance_id, missing_ok=True)
        print("deleted", instance_id, flush=True)


if __name__ == "__main__":
    sys.exit(main())
