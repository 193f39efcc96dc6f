"""The indexes behind the sandbox's lookups agree with walking everything, after any changes."""

from __future__ import annotations

import random

from zego_helpers.sandbox.indexes import AgentDirectory, LiveInstances
from zego_helpers.sandbox.state import DIGITAL_HUMAN, VOICE, Agent, Instance, SandboxState


def make_instance(rng: random.Random, number: int) -> Instance:
    return Instance(
        instance_id=f"i{number}",
        kind=rng.choice([VOICE, VOICE, DIGITAL_HUMAN]),
        agent_id="a",
        agent_name="A",
        user_id=f"u{rng.randrange(3)}",
        room_id=f"r{rng.randrange(3)}",
        agent_user_id=rng.choice(["", "au0", "au1", "au2"]),
        agent_stream_id=rng.choice(["", "s0", "s1"]),
        user_stream_id="",
        llm=None,
        tts={},
        asr=None,
        callback_config={},
        advanced={},
        window_size=0,
        created=0.0,
    )


def test_instance_indexes_match_a_walk_through_every_instance() -> None:
    rng = random.Random(7)
    live = LiveInstances()
    for number in range(600):
        if live and rng.random() < 0.4:
            del live[rng.choice(list(live))]
        else:
            instance = make_instance(rng, number)
            live[instance.instance_id] = instance
        every = list(live.values())  # creation order
        for key in ("", "au0", "au1", "au2"):
            assert live.with_agent_user_id(key) == [i for i in every if i.agent_user_id == key]
        for key in ("", "s0", "s1"):
            assert live.with_agent_stream_id(key) == [i for i in every if i.agent_stream_id == key]
        for room in ("r0", "r1", "r2"):
            for user in ("u0", "u1", "u2"):
                expected = [i for i in every if (i.room_id, i.user_id) == (room, user)]
                assert live.of_user_in_room(room, user) == expected
        for kind in (VOICE, DIGITAL_HUMAN):
            assert live.count_kind(kind) == sum(i.kind == kind for i in every)
        sample = rng.sample(list(live), min(5, len(live))) + ["gone"]
        assert live.oldest_first(sample) == [i for i in every if i.instance_id in sample]


def test_looking_up_touches_and_iterating_does_not() -> None:
    rng = random.Random(1)
    live = LiveInstances(make_instance(rng, n) for n in range(5))
    assert {i.instance_id for i in live.take_touched()} == {f"i{n}" for n in range(5)}  # new ones
    assert len(list(live.values())) == len(list(live.items())) == len(list(live)) == 5
    assert "i1" in live
    assert live.take_touched() == []
    live["i1"]
    live.get("i2")
    live.get("nope")
    assert {i.instance_id for i in live.take_touched()} == {"i1", "i2"}
    del live["i3"]
    live.get("i3")
    assert live.take_touched() == []


def test_agent_pages_follow_the_sorted_ids() -> None:
    rng = random.Random(3)
    directory = AgentDirectory()
    names = [f"agent_{n:03d}" for n in range(200)]
    for _ in range(2000):
        name = rng.choice(names)
        if name in directory:
            del directory[name]
        else:
            directory[name] = Agent(name)
        ordered = sorted(directory)
        after = rng.choice([None, rng.choice(names), "", "zzz"])
        limit = rng.randrange(1, 20)
        rest = [n for n in ordered if after is None or n > after]
        assert directory.ids_after(after, limit) == (rest[:limit], len(rest) > limit)


def test_list_agents_pages_through_every_agent_once() -> None:
    state = SandboxState(1234567, {})
    for n in reversed(range(23)):
        state.register_agent(Agent(f"agent_{n:02d}"))
    state.unregister_agent("agent_07")
    seen, cursor = [], ""
    while True:
        page = state.list_agents(5, cursor)
        assert page["Total"] == 22
        seen += [a["AgentId"] for a in page["Agents"]]
        cursor = page["Cursor"]
        if not cursor:
            break
    assert seen == sorted(f"agent_{n:02d}" for n in range(23) if n != 7)
