"""Talking to an instance: LLM and TTS turns, status, interruption, priorities, context,
walkie-talkie mode and simulated user speech (built-in responder, no network)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from zego_helpers.sandbox import RunningSandbox

from .helpers import Api, api_for, wait_until

LONG = "This sentence takes the sandbox agent a good while to say out loud."


@pytest.fixture
def slow(start: Callable[..., RunningSandbox]) -> Api:
    """A sandbox whose agent speaks slowly (50 ms per character, capped at 2 s)."""
    api = api_for(start(speech_ms_per_char=50))
    api.register()
    return api


def statuses(api: Api, instance_id: str) -> list[str]:
    return [e["Data"]["Status"] for e in api.events(instance_id, "AgentInstanceStatus")]


def answered(api: Api, instance_id: str, count: int = 1) -> list[dict]:
    return wait_until(
        lambda: len(api.events(instance_id, "LLMResult")) >= count and api.history(instance_id),
        what="the answer",
    )


# --- LLM turns --------------------------------------------------------------------------------


def test_llm_turn_returns_the_round_then_thinks_speaks_and_goes_idle(api: Api, instance) -> None:
    data = api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    assert data == {"Round": 1}
    wait_until(lambda: statuses(api, instance)[-1:] == ["IDLE"], what="IDLE again")
    assert statuses(api, instance) == ["THINKING", "SPEAKING", "IDLE"]
    assert api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hi"}) == {
        "Round": 2
    }


def test_built_in_answers_are_labelled_and_noted(api: Api, instance: str) -> None:
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    answer = answered(api, instance)[-1]["Content"]
    assert answer.endswith("(sandbox reply)")
    note = api.wait_event(instance, "SandboxNote")["Data"]["Message"]
    assert "zego_test" in note and "built-in responder" in note
    sentences = [e["Data"]["Text"] for e in api.events(instance, "LLMResult")]
    assert " ".join(sentences) == answer  # LLMResult arrives sentence by sentence


def test_by_default_only_the_answer_goes_into_the_history(api: Api, instance: str) -> None:
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    assert [m["Role"] for m in answered(api, instance)] == ["assistant"]


def test_question_and_answer_history_flags(api: Api, instance: str) -> None:
    body = {
        "AgentInstanceId": instance,
        "Text": "Hello",
        "AddQuestionToHistory": True,
        "AddAnswerToHistory": True,
    }
    api.ok("SendAgentInstanceLLM", body)
    history = answered(api, instance)
    assert history[0] == {"Role": "user", "Content": "Hello"}
    assert history[1]["Role"] == "assistant"


def test_an_answer_can_be_kept_out_of_the_history(api: Api, instance: str) -> None:
    body = {"AgentInstanceId": instance, "Text": "Hello", "AddAnswerToHistory": False}
    api.ok("SendAgentInstanceLLM", body)
    api.wait_event(instance, "LLMResult")
    assert api.history(instance) == []


def test_a_turn_system_prompt_replaces_the_instance_prompt(api: Api, instance: str) -> None:
    body = {
        "AgentInstanceId": instance,
        "Text": "What is your name?",
        "SystemPrompt": 'You are Rex. Always start with "Woof".',
    }
    api.ok("SendAgentInstanceLLM", body)
    assert answered(api, instance)[-1]["Content"].startswith("Woof! I'm Rex.")


def test_the_context_window_limits_what_the_llm_sees(api: Api, agent: str) -> None:
    messages = [{"Role": "user", "Content": f"fact {i}"} for i in range(6)]
    history = {"SyncMode": 1, "Messages": messages, "WindowSize": 2}
    instance = api.create(MessageHistory=history)
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "what did I say?"})
    answer = answered(api, instance)[-1]["Content"]
    assert "fact 5" in answer and "I can see 2 earlier messages" in answer


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"Text": ""}, "Text"),
        ({"Text": None}, "Text"),
        ({"Priority": "Urgent"}, "Priority"),
        ({"SamePriorityOption": "Replace"}, "SamePriorityOption"),
        ({"AddAnswerToHistory": "yes"}, "AddAnswerToHistory"),
        ({"AgentInstanceId": None}, "AgentInstanceId"),
    ],
)
def test_invalid_llm_requests_name_the_field(api: Api, instance, change: dict, field) -> None:
    body = {k: v for k, v in {"AgentInstanceId": instance, "Text": "hi", **change}.items()}
    body = {k: v for k, v in body.items() if v is not None}
    assert api.fails("SendAgentInstanceLLM", body, 410000003).startswith(field)


def test_llm_on_an_unknown_instance_gives_410001002(api: Api) -> None:
    api.fails("SendAgentInstanceLLM", {"AgentInstanceId": "42", "Text": "hi"}, 410001002)


# --- TTS turns --------------------------------------------------------------------------------


def test_tts_speaks_records_the_line_and_returns_the_round(api: Api, instance: str) -> None:
    assert api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "Welcome!"}) == {
        "Round": 1
    }
    assert api.history(instance) == [{"Role": "assistant", "Content": "Welcome!"}]
    wait_until(lambda: statuses(api, instance) == ["SPEAKING", "IDLE"], what="speech to end")
    body = {"AgentInstanceId": instance, "Text": "Quiet line", "AddHistory": False}
    assert api.ok("SendAgentInstanceTTS", body) == {"Round": 2}
    assert len(api.history(instance)) == 1


def test_tts_text_is_limited_to_300_characters(api: Api, instance: str) -> None:
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "x" * 300})
    body = {"AgentInstanceId": instance, "Text": "x" * 301}
    message = api.fails("SendAgentInstanceTTS", body, 410000003)
    assert message.startswith("Text") and "300" in message


def test_tts_is_refused_when_tts_is_disabled(api: Api, agent: str) -> None:
    instance = api.create(AdvancedConfig={"DisableTTS": True})
    api.fails("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "hi"}, 410001007)


def test_after_speaking_the_agent_listens_when_its_user_is_in_the_room(api, instance) -> None:
    api.ok("SandboxSetUserPresence", {"RoomId": "room_1", "UserId": "user_1", "InRoom": True})
    assert api.status(instance) == "LISTENING"
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "Hi"})
    wait_until(lambda: statuses(api, instance)[-1] == "LISTENING", what="LISTENING again")
    assert statuses(api, instance) == ["LISTENING", "SPEAKING", "LISTENING"]


# --- interruption and priorities --------------------------------------------------------------


def test_interrupt_stops_the_speech_and_reports_what_was_played(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    assert slow.status(instance) == "SPEAKING"
    assert slow.ok("InterruptAgentInstance", {"AgentInstanceId": instance}) == {"Round": 1}
    event = slow.wait_event(instance, "Interrupted")["Data"]
    assert event["Reason"] == 4 and event["Round"] == 1
    assert LONG.startswith(event["PlayedText"]) and len(event["PlayedText"]) < len(LONG)
    assert slow.status(instance) == "IDLE"


def test_interrupting_a_quiet_agent_reports_nothing(api: Api, instance: str) -> None:
    assert api.ok("InterruptAgentInstance", {"AgentInstanceId": instance}) == {"Round": 0}
    assert api.events(instance, "Interrupted") == []


def test_a_new_tts_interrupts_the_current_one_by_default(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "Sorry, one thing"})
    assert slow.wait_event(instance, "Interrupted")["Data"] == {
        "Round": 1,
        "Reason": 3,
        "PlayedText": slow.events(instance, "Interrupted")[0]["Data"]["PlayedText"],
    }


def test_an_llm_turn_interrupts_the_current_speech(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    slow.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Stop, a question"})
    assert slow.wait_event(instance, "Interrupted")["Data"]["Reason"] == 2


def test_enqueue_waits_and_the_queue_holds_five(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    queued = {"AgentInstanceId": instance, "Text": "next", "SamePriorityOption": "Enqueue"}
    for _ in range(5):
        slow.ok("SendAgentInstanceTTS", queued)
    assert "5" in slow.fails("SendAgentInstanceTTS", queued, 410001007)
    assert slow.events(instance, "Interrupted") == []
    assert slow.status(instance) == "SPEAKING"


def test_a_lower_priority_waits_even_with_clear_and_interrupt(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "l", "Priority": "Low"})
    assert slow.events(instance, "Interrupted") == []


def test_high_priority_interrupts_even_when_enqueueing(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    body = {
        "AgentInstanceId": instance,
        "Text": "Alarm!",
        "Priority": "High",
        "SamePriorityOption": "Enqueue",
    }
    slow.ok("SendAgentInstanceTTS", body)
    assert slow.wait_event(instance, "Interrupted")["Data"]["Reason"] == 3


def test_deprecated_interrupt_mode_1_means_high_priority(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    body = {
        "AgentInstanceId": instance,
        "Text": "Now!",
        "InterruptMode": 1,
        "SamePriorityOption": "Enqueue",
    }
    slow.ok("SendAgentInstanceTTS", body)
    assert slow.wait_event(instance, "Interrupted")["Data"]["Reason"] == 3


# --- the context (message list) ---------------------------------------------------------------


def test_add_appends_without_advancing_the_round(api: Api, instance: str) -> None:
    messages = [
        {"Role": "user", "Content": "My name is Ada"},
        {"Role": "assistant", "Content": "Hi"},
    ]
    api.ok("AddAgentInstanceMsg", {"AgentInstanceId": instance, "Messages": messages})
    assert api.history(instance) == messages
    assert api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "ok"})["Round"] == 1


def test_reset_clears_the_context(api: Api, instance: str) -> None:
    messages = [{"Role": "user", "Content": "remember this"}]
    api.ok("AddAgentInstanceMsg", {"AgentInstanceId": instance, "Messages": messages})
    api.ok("ResetAgentInstanceMsgList", {"AgentInstanceId": instance})
    assert api.ok("GetAgentInstanceMsgList", {"AgentInstanceId": instance}) == {
        "Total": 0,
        "MessageList": [],
    }


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        (None, "Messages"),
        ([], "Messages"),
        ([{"Role": "user", "Content": "x"}] * 101, "Messages"),
        ([{"Role": "bot", "Content": "x"}], "Messages[0].Role"),
        ([{"Role": "user"}], "Messages[0].Content"),
    ],
)
def test_invalid_added_messages_name_the_field(api: Api, instance, messages, field) -> None:
    body = {"AgentInstanceId": instance, "Messages": messages}
    if messages is None:
        del body["Messages"]
    assert api.fails("AddAgentInstanceMsg", body, 410000003).startswith(field)


# --- walkie-talkie mode -----------------------------------------------------------------------


@pytest.fixture
def walkie(api: Api, agent: str) -> str:
    return api.create(AdvancedConfig={"CommunicationMode": 2})


def test_listening_calls_need_walkie_talkie_mode(api: Api, instance: str) -> None:
    api.fails("StartListening", {"AgentInstanceId": instance}, 410001042)
    api.fails("StopListening", {"AgentInstanceId": instance}, 410001042)


def test_walkie_talkie_listening_blocks_llm_and_tts(api: Api, walkie: str) -> None:
    assert api.ok("StartListening", {"AgentInstanceId": walkie, "Sequence": 1}) == {"Round": 1}
    assert api.status(walkie) == "LISTENING"
    api.fails("SendAgentInstanceLLM", {"AgentInstanceId": walkie, "Text": "hi"}, 410001013)
    api.fails("SendAgentInstanceTTS", {"AgentInstanceId": walkie, "Text": "hi"}, 410001013)
    api.ok("StopListening", {"AgentInstanceId": walkie, "Sequence": 2})
    assert api.status(walkie) == "IDLE"
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": walkie, "Text": "now I may speak"})


def test_walkie_talkie_sequence_rules(api: Api, walkie: str) -> None:
    api.ok("StartListening", {"AgentInstanceId": walkie, "Sequence": 5})
    api.fails("StopListening", {"AgentInstanceId": walkie, "Sequence": 5}, 410001043)
    api.fails("StopListening", {"AgentInstanceId": walkie, "Sequence": 4}, 410001043)
    api.ok("StopListening", {"AgentInstanceId": walkie, "Sequence": 6})
    api.fails("StopListening", {"AgentInstanceId": walkie, "Sequence": 7}, 410001045)
    api.ok("StartListening", {"AgentInstanceId": walkie, "Sequence": 8})
    api.fails("StartListening", {"AgentInstanceId": walkie, "Sequence": 9}, 410001044)


def test_walkie_talkie_misuse_names_the_field(api: Api, walkie: str) -> None:
    body = {"AgentInstanceId": walkie, "UserId": "not allowed!"}
    assert api.fails("StartListening", body, 410000003).startswith("UserId")
    body = {"AgentInstanceId": walkie, "Sequence": -1}
    assert api.fails("StartListening", body, 410000003).startswith("Sequence")
    body = {"AgentInstanceId": walkie, "Sequence": "1"}
    assert api.fails("StartListening", body, 410000003).startswith("Sequence")


def test_walkie_talkie_answers_what_was_said_while_listening(api: Api, walkie: str) -> None:
    api.ok("StartListening", {"AgentInstanceId": walkie, "UserId": "user_1"})
    api.ok("SandboxUserSpeak", {"AgentInstanceId": walkie, "Text": "Hello agent"})
    api.ok("StopListening", {"AgentInstanceId": walkie, "UserId": "user_1"})
    assert api.wait_event(walkie, "ASRResult")["Data"]["Text"] == "Hello agent"
    history = answered(api, walkie)
    assert history[0] == {"Role": "user", "Content": "Hello agent"}
    assert history[1]["Role"] == "assistant"


# --- simulated user speech (full duplex) ------------------------------------------------------


def test_user_speech_interrupts_the_agent_and_gets_an_answer(slow: Api) -> None:
    instance = slow.create()
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    body = {"AgentInstanceId": instance, "Text": "Hello there"}
    assert slow.ok("SandboxUserSpeak", body) == {"Round": 2}
    assert slow.wait_event(instance, "Interrupted")["Data"]["Reason"] == 1
    assert slow.wait_event(instance, "ASRResult")["Data"] == {
        "UserId": "user_1",
        "Round": 2,
        "Text": "Hello there",
    }
    actions = [e["Data"]["Action"] for e in slow.events(instance, "UserSpeakAction")]
    assert actions == ["SPEAK_BEGIN", "SPEAK_END"]
    history = answered(slow, instance)
    assert history[1:] == [
        {"Role": "user", "Content": "Hello there"},
        {"Role": "assistant", "Content": history[2]["Content"]},
    ]


def test_interrupt_mode_1_lets_the_agent_finish_its_sentence(slow: Api) -> None:
    instance = slow.create(AdvancedConfig={"InterruptMode": 1})
    slow.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": LONG})
    slow.ok("SandboxUserSpeak", {"AgentInstanceId": instance, "Text": "Hello"})
    assert slow.status(instance) == "SPEAKING"  # still saying LONG
    assert slow.events(instance, "Interrupted") == []
