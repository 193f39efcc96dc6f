"""The built-in responder: deterministic, labelled, and visibly following the system prompt."""

from __future__ import annotations

from zego_helpers.sandbox.responder import BuiltinResponder


def reply(text: str, system: str = "", history: list[tuple[str, str]] = ()) -> str:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": role, "content": content} for role, content in history]
    messages.append({"role": "user", "content": text})
    return BuiltinResponder().reply(messages)


def test_replies_are_labelled_and_deterministic() -> None:
    assert reply("What time is it?") == reply("What time is it?")
    assert reply("What time is it?").endswith("(sandbox reply)")
    assert "What time is it?" in reply("What time is it?")


def test_a_name_in_the_system_prompt_becomes_the_persona() -> None:
    assert "I'm Nova." in reply("Hello!", "You are Nova, a friendly guide.")
    assert "I'm Nova." in reply("What is your name?", "You are Nova.")


def test_a_description_in_the_system_prompt_becomes_the_persona() -> None:
    assert "I'm a grumpy pirate." in reply("Who are you?", "You are a grumpy pirate.")
    assert "I'm the sandbox agent." in reply("Who are you?", "Be helpful.")


def test_an_opening_instruction_is_followed() -> None:
    assert reply("Hi", 'Always start with "Ahoy".').startswith("Ahoy! ")
    assert reply("Tell me", "Always begin your answer with “Well”").startswith("Well! ")


def test_an_uppercase_instruction_is_followed() -> None:
    answer = reply("hello", "You are Max. Always answer in uppercase.")
    assert answer == answer.upper() and "I'M MAX" in answer


def test_it_can_recall_what_the_user_said_within_its_window() -> None:
    history = [("user", "My cat is Tom"), ("assistant", "Nice")]
    answer = reply("What did I say?", history=history)
    assert "My cat is Tom" in answer and "I can see 2 earlier messages" in answer
    assert "don't see anything" in reply("What did I say?")
    assert "I can see 1 earlier message." in reply("x", history=[("assistant", "hi")])
