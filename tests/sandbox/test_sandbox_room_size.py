"""A request costs the same in a room of 10 and in a room of 1000: counted, not timed.

The room is filled with background instances that have work pending far in the
future (a long speech, an LLM turn, a graceful shutdown, the idle rule), then
they are *watched*: every attribute read on one is counted. An attendee then
runs the whole quick start over HTTP. Whatever the sandbox does per request
(applying what became due, checking duplicate AgentUserId / AgentStreamId,
counting instances against the limit, presence, paging agents), it must not
look at instances the request does not name and that have nothing due.

The same for the event log of the shared state file (several kernels, one
file): reading and saving events per request must not grow with the log.
(Timings live in ``tests/benchmarks/bench_sandbox_room.py`` and
``bench_sandbox_shared.py``.)
"""

from __future__ import annotations

import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from zego_helpers.sandbox import RunningSandbox
from zego_helpers.sandbox.state import MAX_EVENTS, Agent, Instance, SandboxState

from .helpers import Api, api_for, create_voice_instance, rtc, trial_llm, trial_tts, wait_until

#: Reads of watched objects, by instance id (or agent id).
READS: Counter[str] = Counter()


class WatchedInstance(Instance):
    """An instance that counts every attribute read on it (its class is swapped in)."""

    def __getattribute__(self, name: str) -> Any:
        READS[object.__getattribute__(self, "instance_id")] += 1
        return object.__getattribute__(self, name)


class WatchedAgent(Agent):
    def __getattribute__(self, name: str) -> Any:
        READS["agent:" + object.__getattribute__(self, "agent_id")] += 1
        return object.__getattribute__(self, name)


class WatchedRecord(dict):
    """An event record that counts every way of reading it (json included: items())."""

    def _count(self) -> None:
        READS["event:" + str(dict.__getitem__(self, "body")["Sequence"])] += 1

    def __getitem__(self, key: Any) -> Any:
        self._count()
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._count()
        return dict.get(self, key, default)

    def items(self) -> Any:
        self._count()
        return dict.items(self)

    def __iter__(self) -> Any:
        self._count()
        return dict.__iter__(self)


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    READS.clear()


def fill_room(state: SandboxState, size: int, now: float, due_soon: int = 0) -> list[str]:
    """``size`` background agents and instances, each with work pending far ahead;
    the first ``due_soon`` finish speaking 50 ms from ``now``. Returns their ids."""
    ids = []
    for n in range(size):
        agent_id = f"bg_agent_{n:04d}"
        state.register_agent(Agent(agent_id, "Background", trial_llm(), trial_tts()))
        instance = create_voice_instance(
            state,
            agent_id=agent_id,
            user_id=f"bg_user_{n}",
            rtc=rtc(f"bg_{n}"),
            advanced={"MaxIdleTime": 1800},  # the idle rule is on: due in 30 minutes
            limit=size + 10,
            now=now,
        )
        ids.append(instance.instance_id)
        common = {"priority": "Medium", "same_priority_option": "ClearAndInterrupt"}
        if n < due_soon:
            speech = {"add_history": False, "speech_seconds": 0.05, "tts_first_frame_ms": 80}
            state.send_tts(instance.instance_id, text="bye", **speech, **common, now=now)
        elif n % 4 == 1:  # a long speech
            speech = {"add_history": False, "speech_seconds": 600, "tts_first_frame_ms": 80}
            state.send_tts(instance.instance_id, text="long", **speech, **common, now=now)
        elif n % 4 == 2:  # an LLM turn that waits for its answer
            state.send_llm(
                instance.instance_id,
                text="Hi",
                system_prompt=None,
                add_question=True,
                add_answer=True,
                deadline=now + 600,
                now=now,
                **common,
            )
        elif n % 4 == 3:  # a graceful shutdown waiting for the agent to finish speaking
            speech = {"add_history": False, "speech_seconds": 600, "tts_first_frame_ms": 80}
            state.send_tts(instance.instance_id, text="long", **speech, **common, now=now)
            state.delete_instance(instance.instance_id, graceful=True, timeout=300, now=now)
        if n % 2:
            state.set_presence(f"room_bg_{n}", f"bg_user_{n}", True, now)
    state.advance(now)
    return ids


def watch_room(state: SandboxState) -> None:
    """From now on, count every read of the agents and instances the room holds."""
    for instance in state.instances.values():
        instance.__class__ = WatchedInstance
    for agent in state.agents.values():
        agent.__class__ = WatchedAgent


def attendee(api: Api, sandbox: RunningSandbox) -> None:
    """The whole quick start, plus presence, paging, status, speech and interruption."""
    api.ok("RegisterAgent", {"AgentId": "me", "LLM": trial_llm(), "TTS": trial_tts()})
    body = {"AgentId": "me", "UserId": "user_me", "RTC": rtc("me")}
    instance = {"AgentInstanceId": api.ok("CreateAgentInstance", body)["AgentInstanceId"]}
    api.ok("SandboxSetUserPresence", {"RoomId": "room_me", "UserId": "user_me", "InRoom": True})
    # An event view polls for what is new: first where the log is, later what came since.
    last = api.ok("SandboxGetEvents", {"SinceSequence": 2**63 - 1})["LastSequence"]
    for turn in range(5):
        api.ok("SendAgentInstanceLLM", {**instance, "Text": f"Question {turn}"})
    api.ok("QueryAgentInstanceStatus", instance)
    api.ok("SendAgentInstanceTTS", {**instance, "Text": "Hello"})
    api.ok("InterruptAgentInstance", instance)
    api.ok("GetAgentInstanceMsgList", instance)
    page = api.ok("ListAgents", {"Limit": 5})
    assert len(page["Agents"]) == min(5, page["Total"])
    assert api.ok("SandboxGetEvents", {**instance, "SinceSequence": last})["Events"]
    api.ok("DeleteAgentInstance", instance)
    api.ok("UnregisterAgent", {"AgentId": "me"})
    wait_until(lambda: not sandbox._server._tasks, what="the LLM answers")  # all applied


def run_in_room(start, size: int, due_soon: int = 0) -> Counter[str]:
    """Reads of the room's agents and instances while one attendee runs the quick start."""
    # No sweeps: the room is filled from this thread, and each read counted is a request's.
    sandbox = start(idle_rule=True, instance_limit=size + 10, sweep_interval=3600)
    with sandbox._server.store.transaction() as state:
        ids = fill_room(state, size, time.time(), due_soon)
        watch_room(state)
    time.sleep(0.1)  # the speeches due soon have ended
    attendee(api_for(sandbox), sandbox)
    with sandbox._server.store.transaction() as state:
        assert all(i in state.instances for i in ids)  # nothing was due to be destroyed
    return READS


def instances_read(reads: Counter[str]) -> set[str]:
    return {key for key in reads if ":" not in key}


def agents_read(reads: Counter[str]) -> set[str]:
    return {key for key in reads if key.startswith("agent:")}


def test_a_request_reads_no_instance_it_does_not_name(start) -> None:
    small = run_in_room(start, 10).copy()
    READS.clear()
    large = run_in_room(start, 1000)
    assert instances_read(small) == set() and instances_read(large) == set()
    # ListAgents reads its page (5 agents), the same in both rooms.
    assert len(agents_read(small)) == len(agents_read(large)) == 5


def test_what_is_due_is_visited_and_nothing_else(start) -> None:
    """Three instances finish speaking: they are visited, in a room of 10 as of 1000."""
    small = run_in_room(start, 10, due_soon=3).copy()
    READS.clear()
    large = run_in_room(start, 1000, due_soon=3)
    assert len(instances_read(small)) == len(instances_read(large)) == 3
    assert sum(small[i] for i in instances_read(small)) == sum(
        large[i] for i in instances_read(large)
    )


def shared_kernels(start, tmp_path: Path, events: int) -> list[RunningSandbox]:
    """Two kernels on one state file, whose log holds ``events`` watched events."""
    path = tmp_path / f"state-{events}.json"
    first = start(state_path=path, sweep_interval=3600)  # no sweeps: every read is a request's
    config = first.config
    second = start(app_id=config.app_id, server_secret=config.server_secret, state_path=path)
    second._server._sweeper.stop()
    with first._server.store.transaction() as state:
        fill_room(state, 1, time.time())
        in_room = False
        while len(state.events) < events:  # every presence change is a status event
            in_room = not in_room
            state.set_presence("room_bg_0", "bg_user_0", in_room, time.time())
    for kernel in (first, second):
        with kernel._server.store.transaction() as state:  # the second one reads the file
            assert len(state.events) == events
            state.events[:] = [WatchedRecord(record) for record in state.events]
    return [first, second]


class Alternating(Api):
    """Requests sent to each kernel in turn: every one first catches up with the file."""

    def __init__(self, kernels: list[RunningSandbox]) -> None:
        self.apis = [api_for(k) for k in kernels]
        self.turn = 0

    def call(self, action: str, body: Any = None, **overrides: Any) -> dict[str, Any]:
        self.turn += 1
        return self.apis[self.turn % 2].call(action, body, **overrides)


def test_the_shared_event_log_costs_a_request_the_same_when_full(start, tmp_path) -> None:
    reads = {}
    for events in (10, MAX_EVENTS):
        READS.clear()
        kernels = shared_kernels(start, tmp_path, events)
        api = Alternating(kernels)
        attendee(api, kernels[0])
        wait_until(lambda k=kernels[1]: not k._server._tasks, what="the LLM answers")
        reads[events] = sum(READS.values())
    # Catching up, saving and finding a request's callbacks stop at the newest old event;
    # the two polls bisect the log (about log2(1000) = 10 reads each). Walking the log would
    # read each of its 1000 events at every save.
    bisections = 2 * math.ceil(math.log2(MAX_EVENTS))
    assert reads[10] > 0 and reads[MAX_EVENTS] <= reads[10] + bisections
