"""The state machine on its own, driven with made-up times (no server, no clock)."""

from __future__ import annotations

import json
import math

import pytest

from zego_helpers.sandbox.config import SandboxConfig
from zego_helpers.sandbox.envelope import SandboxError
from zego_helpers.sandbox.state import (
    Agent,
    SandboxState,
    build_llm_context,
    decode_cursor,
    encode_cursor,
    split_sentences,
)

from .helpers import create_voice_instance

T0 = 1_800_000_000.0


def new_state(**settings) -> SandboxState:
    config = SandboxConfig(app_id=1234567, server_secret="s" * 32, **settings)
    state = SandboxState(config.app_id, config.runtime_settings())
    state.register_agent(Agent("a", "Agent", {"Url": "https://x.test", "Model": "m"}, {"V": 1}))
    return state


def new_instance(state: SandboxState, tag: str = "1", now: float = T0, **advanced) -> str:
    instance = create_voice_instance(
        state,
        agent_id="a",
        user_id=f"u{tag}",
        rtc={"RoomId": "r", "AgentStreamId": f"s{tag}", "AgentUserId": f"au{tag}"},
        advanced=advanced,
        limit=10,
        now=now,
    )
    return instance.instance_id


def tts(state: SandboxState, instance: str, text: str, now: float, seconds: float, **options):
    kwargs = {"priority": "Medium", "same_priority_option": "ClearAndInterrupt", **options}
    return state.send_tts(
        instance,
        text=text,
        add_history=True,
        speech_seconds=seconds,
        tts_first_frame_ms=80,
        now=now,
        **kwargs,
    )


def llm(state: SandboxState, instance: str, text: str, now: float):
    return state.send_llm(
        instance,
        text=text,
        system_prompt=None,
        add_question=True,
        add_answer=True,
        priority="Medium",
        same_priority_option="ClearAndInterrupt",
        deadline=now + 30,
        now=now,
    )


def statuses(state: SandboxState) -> list[str]:
    return [
        e["body"]["Data"]["Status"]
        for e in state.events
        if e["body"]["Event"] == "AgentInstanceStatus"
    ]


def test_a_speech_is_speaking_only_during_its_time() -> None:
    state = new_state()
    instance = new_instance(state)
    tts(state, instance, "Hello", now=T0 + 1, seconds=2)
    assert state.status(instance, T0 + 0.5) == "IDLE"
    assert state.status(instance, T0 + 1) == "SPEAKING"
    assert state.status(instance, T0 + 2.9) == "SPEAKING"
    assert state.status(instance, T0 + 3) == "IDLE"
    assert state.next_deadline() == T0 + 3
    state.advance(T0 + 3.05)
    assert statuses(state) == ["SPEAKING", "IDLE"]
    assert state.next_deadline() == math.inf


def test_an_llm_turn_thinks_then_speaks_its_answer() -> None:
    state = new_state()
    instance = new_instance(state)
    job = llm(state, instance, "Hi", now=T0)
    assert job.round == 1 and job.messages[-1] == {"role": "user", "content": "Hi"}
    assert state.status(instance, T0 + 0.1) == "THINKING"
    state.finish_llm(
        instance,
        1,
        "Hello! Nice day.",
        ttft_ms=100,
        tokens_per_second=20,
        tts_first_frame_ms=80,
        speech_seconds=1,
        note=None,
        now=T0 + 0.2,
    )
    assert state.status(instance, T0 + 0.5) == "SPEAKING"
    assert state.messages(instance)["MessageList"] == [
        {"Role": "user", "Content": "Hi"},
        {"Role": "assistant", "Content": "Hello! Nice day."},
    ]
    texts = [e["body"]["Data"]["Text"] for e in state.events if e["body"]["Event"] == "LLMResult"]
    assert texts == ["Hello!", "Nice day."]


def test_an_llm_that_never_answers_times_out_with_2201() -> None:
    state = new_state()
    instance = new_instance(state)
    llm(state, instance, "Hi", now=T0)
    state.advance(T0 + 31)
    exception = [e["body"]["Data"] for e in state.events if e["body"]["Event"] == "Exception"]
    assert exception == [{"Code": 2201, "Message": "the LLM did not answer in time", "Round": 1}]
    assert state.status(instance, T0 + 31) == "IDLE"


def test_an_answer_for_an_interrupted_turn_is_dropped() -> None:
    state = new_state()
    instance = new_instance(state)
    llm(state, instance, "Hi", now=T0)
    state.interrupt(instance, T0 + 0.1)
    state.finish_llm(
        instance,
        1,
        "late answer",
        ttft_ms=1,
        tokens_per_second=1,
        tts_first_frame_ms=1,
        speech_seconds=1,
        note=None,
        now=T0 + 0.2,
    )
    assert state.messages(instance)["Total"] == 0
    assert state.status(instance, T0 + 0.3) == "IDLE"


def test_interrupting_halfway_reports_half_the_text_as_played() -> None:
    state = new_state()
    instance = new_instance(state)
    tts(state, instance, "abcdefghij", now=T0, seconds=1)
    state.interrupt(instance, T0 + 0.5)
    interrupted = [e["body"]["Data"] for e in state.events if e["body"]["Event"] == "Interrupted"]
    assert interrupted == [{"Round": 1, "Reason": 4, "PlayedText": "abcde"}]


def test_enqueued_speech_starts_when_the_previous_one_ends() -> None:
    state = new_state()
    instance = new_instance(state)
    tts(state, instance, "one", now=T0, seconds=1)
    tts(state, instance, "two", now=T0 + 0.2, seconds=1, same_priority_option="Enqueue")
    state.advance(T0 + 1.5)
    assert state.status(instance, T0 + 1.5) == "SPEAKING"  # the second one, queued
    state.advance(T0 + 2.01)
    assert statuses(state) == ["SPEAKING", "IDLE"]


def test_graceful_shutdown_gives_up_waiting_at_its_timeout() -> None:
    state = new_state()
    instance = new_instance(state)
    tts(state, instance, "long", now=T0, seconds=100)
    state.delete_instance(instance, graceful=True, timeout=5, now=T0)
    state.advance(T0 + 4)
    assert instance in state.instances
    state.advance(T0 + 5)
    assert instance not in state.instances


def test_state_survives_a_json_round_trip() -> None:
    state = new_state()
    instance = new_instance(state)
    tts(state, instance, "Hello", now=T0, seconds=2)
    copy = SandboxState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert copy.status(instance, T0 + 1) == "SPEAKING"
    assert copy.messages(instance) == state.messages(instance)
    assert copy.sequence == state.sequence
    with pytest.raises(SandboxError) as error:
        copy.register_agent(Agent("a"))
    assert error.value.code == 410001008


def test_a_refused_request_leaves_the_state_unchanged() -> None:
    state = new_state()
    instance = new_instance(state)
    before = json.dumps(state.to_dict())
    with pytest.raises(SandboxError):
        state.update_instance(instance, {"llm": {"Url": "x"}, "tts": {"V": 2, "Vendor": "Other"}})
    assert json.dumps(state.to_dict()) == before


def test_the_llm_context_is_prompt_window_and_text() -> None:
    history = [{"Role": "user", "Content": str(i)} for i in range(5)]
    assert build_llm_context("", history, 0, "q") == [{"role": "user", "content": "q"}]
    context = build_llm_context("be brief", history, 2, "q")
    assert [m["content"] for m in context] == ["be brief", "3", "4", "q"]


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    assert decode_cursor(encode_cursor("agent/é?")) == "agent/é?"
    for bad in ("", "abc", "c1.%%%"):
        with pytest.raises(SandboxError):
            decode_cursor(bad)


def test_sentences_are_split_on_end_punctuation() -> None:
    assert split_sentences("Hi! How are you? Fine.") == ["Hi!", "How are you?", "Fine."]
    assert split_sentences("你好。再见！") == ["你好。", "再见！"]
    assert split_sentences("no punctuation") == ["no punctuation"]
