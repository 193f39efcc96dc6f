"""Due work found in a heap behaves exactly like visiting every instance on every request.

:meth:`SandboxState.advance` visits only the instances that have something due
or that a request touched (:mod:`zego_helpers.sandbox.schedule`). The reference
here visits *every* live instance, oldest first, as the sandbox did before. Both
are driven through the same long random sequences of requests and clock ticks
(creates with clashing AgentUserIds and AgentStreamIds, speeches queued and
interrupted, LLM turns answered, failed and timed out, graceful deletes,
presence, walkie-talkie, the idle rule switched on and off, reloads from JSON):
every answer, every refusal, every event (in order), every status and the next
deadline must be the same.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from zego_helpers.sandbox.config import SandboxConfig
from zego_helpers.sandbox.envelope import SandboxError
from zego_helpers.sandbox.schedule import DueTimes
from zego_helpers.sandbox.state import (
    DIGITAL_HUMAN,
    LIVE_DIGITAL_HUMAN,
    VOICE,
    Agent,
    SandboxState,
)

T0 = 1_800_000_000.0


class VisitEveryone(SandboxState):
    """The reference: every advance visits every live instance, oldest first."""

    def advance(self, now: float) -> None:
        for instance in list(self.instances.values()):
            self._advance_instance(instance, now)

    def next_deadline(self) -> float:
        return min([math.inf] + [self._next_due(i) for i in self.instances.values()])


# --- DueTimes on its own ------------------------------------------------------------------------


def test_due_times_come_out_in_order_and_changed_times_replace_old_ones() -> None:
    due = DueTimes()
    due.set("a", 10.0)
    due.set("b", 5.0)
    due.set("c", 7.0)
    due.set("a", 6.0)  # earlier now: the 10.0 entry is stale
    due.set("c", math.inf)  # never: forgotten
    assert due.earliest() == 5.0 and len(due) == 2
    assert due.pop_due(6.0) == ["b", "a"]
    assert due.pop_due(100.0) == [] and due.earliest() == math.inf
    due.set("d", 3.0)
    due.discard("d")
    assert due.pop_due(100.0) == [] and due.time_of("d") == math.inf


def test_stale_entries_do_not_pile_up() -> None:
    due = DueTimes()
    for step in range(10_000):
        due.set(f"k{step % 10}", float(step))  # each key moves later, again and again
    assert len(due) == 10
    assert len(due._heap) <= 2 * 10 + 64 + 1
    assert due.pop_due(math.inf) == [f"k{n}" for n in range(10)]


# --- the state: scheduled versus visiting everyone -------------------------------------------


def settings() -> dict[str, Any]:
    config = SandboxConfig(
        app_id=1234567, server_secret="s" * 32, idle_rule=True, idle_time_scale=0.01
    )
    return config.runtime_settings()


class Twin:
    """One side of the comparison: a state, and its instance ids in creation order."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.created: list[str] = []

    def live(self) -> list[str]:
        return list(self.state.instances)  # creation order; iterating touches nothing

    def normal(self, value: Any) -> str:
        """``value`` as JSON with every AgentInstanceId replaced by its creation number."""
        text = json.dumps(value, sort_keys=True)
        for number, instance_id in enumerate(self.created):
            text = text.replace(instance_id, f"#{number}")
        return text

    def events(self, since: int) -> str:
        return self.normal(self.state.events_since(since))

    def statuses(self, now: float) -> list[str]:
        return [self.state.status_of(i, now) for i in self.state.instances.values()]


def attempt(twin: Twin, operation: Any) -> str:
    try:
        result = operation(twin)
    except SandboxError as error:
        return f"refused {error.code}"
    if hasattr(result, "instance_id"):  # a new instance
        twin.created.append(result.instance_id)
        return "created"
    if hasattr(result, "round"):  # an LLMJob
        return twin.normal([result.instance_id, result.round, result.messages])
    if isinstance(result, tuple):  # (Round, LLMJob | None)
        return twin.normal([result[0], None if result[1] is None else result[1].round])
    return twin.normal(result)


def random_operation(rng: random.Random, now: float) -> tuple[str, Any]:
    """A random request: (name, operation on a Twin). Instances are chosen by position."""
    pick = rng.random()
    priority = rng.choice(["Low", "Medium", "High"])
    option = rng.choice(["ClearAndInterrupt", "Enqueue"])

    def on_instance(twin: Twin) -> str:
        live = twin.live()
        position = rng_state["position"]
        if not live:
            return "none"
        return live[position % len(live)]

    rng_state = {"position": rng.randrange(1000)}

    if pick < 0.16:
        kind = rng.choice([VOICE, VOICE, VOICE, DIGITAL_HUMAN, LIVE_DIGITAL_HUMAN])
        user = "" if kind == LIVE_DIGITAL_HUMAN else f"u{rng.randrange(4)}"
        rtc = {
            "RoomId": f"r{rng.randrange(3)}",
            "AgentStreamId": f"s{rng.randrange(6)}",
            "AgentUserId": f"au{rng.randrange(6)}",
            "UserStreamId": f"s{rng.randrange(8)}",
        }
        if kind == LIVE_DIGITAL_HUMAN and rng.random() < 0.5:
            rtc = {"RoomId": "", "AgentStreamId": "", "AgentUserId": ""}  # CDN
        advanced: dict[str, Any] = {}
        if rng.random() < 0.5:
            advanced["MaxIdleTime"] = rng.choice([10, 30, 60])
        if kind == VOICE and rng.random() < 0.25:
            advanced["CommunicationMode"] = 2
        if rng.random() < 0.1:
            advanced["DisableTTS"] = True
        limit = rng.randrange(2, 8)

        def create(twin: Twin) -> Any:
            return twin.state.create_instance(
                kind=kind,
                agent_id="a",
                user_id=user,
                rtc=dict(rtc),
                llm=None,
                tts=None,
                asr=None,
                messages=[],
                window_size=4,
                callback_config={},
                advanced=dict(advanced),
                notes=["a note"] if rng_state["position"] % 3 == 0 else [],
                limit=limit,
                now=now,
            )

        return "create", create
    if pick < 0.30:
        seconds = rng.uniform(0.05, 2.0)

        def tts(twin: Twin) -> Any:
            return twin.state.send_tts(
                on_instance(twin),
                text="hello there",
                add_history=True,
                priority=priority,
                same_priority_option=option,
                speech_seconds=seconds,
                tts_first_frame_ms=80,
                now=now,
            )

        return "tts", tts
    if pick < 0.44:
        deadline = now + rng.uniform(0.2, 3.0)

        def llm(twin: Twin) -> Any:
            return twin.state.send_llm(
                on_instance(twin),
                text="question",
                system_prompt=None,
                add_question=rng_state["position"] % 2 == 0,
                add_answer=True,
                priority=priority,
                same_priority_option=option,
                deadline=deadline,
                now=now,
            )

        return "llm", llm
    if pick < 0.56:
        fails = rng.random() < 0.3
        seconds = rng.uniform(0.05, 2.0)

        def answer(twin: Twin) -> Any:
            instance_id = on_instance(twin)
            turns = [i.turns for i in twin.state.instances.values() if i.instance_id == instance_id]
            round_ = turns[0][0].round if turns and turns[0] else rng_state["position"] % 3
            if fails:
                return twin.state.fail_llm(instance_id, round_, 2203, "rejected", now)
            return twin.state.finish_llm(
                instance_id,
                round_,
                "An answer. Two sentences!",
                ttft_ms=100,
                tokens_per_second=20,
                tts_first_frame_ms=80,
                speech_seconds=seconds,
                note=None,
                now=now,
            )

        return "answer", answer
    if pick < 0.62:
        return "interrupt", lambda twin: twin.state.interrupt(on_instance(twin), now)
    if pick < 0.70:
        graceful = rng.random() < 0.7
        timeout = rng.uniform(0.5, 4.0)

        def delete(twin: Twin) -> Any:
            return twin.state.delete_instance(
                on_instance(twin), graceful=graceful, timeout=timeout, now=now
            )

        return "delete", delete
    if pick < 0.80:
        room, user, in_room = f"r{rng.randrange(3)}", f"u{rng.randrange(4)}", rng.random() < 0.5
        return "presence", lambda twin: twin.state.set_presence(room, user, in_room, now)
    if pick < 0.86:
        deadline = now + rng.uniform(0.2, 3.0)

        def speak(twin: Twin) -> Any:
            return twin.state.user_speaks(
                on_instance(twin), text="user words", deadline=deadline, now=now
            )

        return "speak", speak
    if pick < 0.92:
        start = rng.random() < 0.5
        sequence = rng_state["position"]
        deadline = now + rng.uniform(0.2, 3.0)

        def listening(twin: Twin) -> Any:
            if start:
                return twin.state.start_listening(on_instance(twin), None, sequence, now)
            return twin.state.stop_listening(on_instance(twin), None, sequence, deadline, now)

        return "listening", listening
    if pick < 0.95:
        idle_rule, scale = rng.random() < 0.7, rng.choice([0.01, 0.02, 0.005])

        def configure(twin: Twin) -> Any:
            twin.state.settings.update(idle_rule=idle_rule, idle_time_scale=scale)

        return "configure", configure
    return "status", lambda twin: twin.state.status(on_instance(twin), now)


@pytest.mark.parametrize("seed", range(24))
def test_the_schedule_changes_nothing_anyone_can_see(seed: int) -> None:
    rng = random.Random(seed)
    twins = []
    for cls in (SandboxState, VisitEveryone):
        state = cls(1234567, settings())
        state.register_agent(Agent("a", "A", {"Url": "https://x.test", "Model": "m"}, {"V": 1}))
        twins.append(Twin(state))
    scheduled, reference = twins
    now, checked = T0, 0  # events up to Sequence ``checked`` were the same
    for step in range(400):
        now += rng.choice([0.0, 0.01, 0.05, 0.2, 0.5, 1.0, 3.0])
        if rng.random() < 0.85:  # the server advances before each request
            for twin in twins:
                twin.state.advance(now)
        if rng.random() < 0.05:  # another kernel saved: reload everything from JSON
            for twin in twins:
                data = json.loads(json.dumps(twin.state.to_dict()))
                twin.state = type(twin.state).from_dict(data)
        name, operation = random_operation(rng, now)
        answers = [attempt(twin, operation) for twin in twins]
        where = f"seed {seed}, step {step}: {name}"
        assert answers[0] == answers[1], where
        assert scheduled.events(checked) == reference.events(checked), where
        assert scheduled.state.sequence == reference.state.sequence, where
        checked = scheduled.state.sequence
        assert scheduled.statuses(now) == reference.statuses(now), where
        assert scheduled.state.next_deadline() == reference.state.next_deadline(), where
    for twin in twins:  # in the end, everything times out or idles away
        twin.state.settings["idle_rule"] = True
        twin.state.advance(now + 10_000)
    assert scheduled.events(checked) == reference.events(checked)
    assert scheduled.normal(scheduled.live()) == reference.normal(reference.live())
