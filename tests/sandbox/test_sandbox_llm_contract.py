"""ZEGO's custom-LLM stream contract, enforced by the sandbox.

The rules (https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm, "Use
Custom LLM"): ``data: `` lines; only the last valid data may carry ``finish_reason``
"stop"; the last one must; a final ``data: [DONE]``. Otherwise "the AI Agent will not
output content". First the checker on its own, then the sandbox driven through a real
local LLM server with one stream per broken rule, and with compliant ones: only the
compliant streams give an answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tornado.web import RequestHandler

from zego_helpers.sandbox.llm_contract import (
    CHUNK_JSON,
    DATA_PREFIX,
    DONE_LAST,
    EARLY_FINISH,
    LAST_STOP,
    NO_CONTENT,
    RULES,
    check_stream,
)

from .helpers import Api, LocalServer, trial_tts, wait_until


def chunk(content: str | None = None, finish: Any = "", **extra: Any) -> str:
    """One ``data:`` line holding a chat.completion.chunk."""
    delta = {} if content is None else {"content": content}
    body = {"object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": delta, "finish_reason": finish}], **extra}  # fmt: skip
    return "data: " + json.dumps(body, ensure_ascii=False)


def stream(*lines: str, separator: str = "\n\n") -> str:
    return separator.join(lines) + separator


#: ZEGO's own example, shortened: "" finish_reasons, a last empty chunk with "stop", [DONE].
ZEGO_STYLE = stream(chunk("Hello"), chunk(" there."), chunk("", ""), chunk("", "stop"),
                    "data: [DONE]")  # fmt: skip
#: What OpenAI's servers send: a role chunk, null finish_reasons, the usage chunk after the
#: last choice, CRLF line ends and a keep-alive comment.
OPENAI_STYLE = stream(
    ": keep-alive",
    chunk(None, None),
    chunk("Hello", None),
    chunk(" there.", None),
    chunk(None, "stop"),
    'data: {"object": "chat.completion.chunk", "choices": [], "usage": {"total_tokens": 9}}',
    "data: [DONE]",
    separator="\r\n\r\n",
)

#: One stream per rule it breaks (the rest of each stream is right).
BROKEN = {
    DATA_PREFIX: stream(chunk("Hello"), chunk(" there.").replace("data: ", "data:"),
                        chunk(None, "stop"), "data: [DONE]"),  # fmt: skip
    CHUNK_JSON: stream(chunk("Hello"), "data: {not json", chunk(None, "stop"), "data: [DONE]"),
    EARLY_FINISH: stream(chunk("Hello", "stop"), chunk(" there."), chunk(None, "stop"),
                         "data: [DONE]"),  # fmt: skip
    LAST_STOP: stream(chunk("Hello"), chunk(" there.", "length"), "data: [DONE]"),
    DONE_LAST: stream(chunk("Hello"), chunk(" there."), chunk(None, "stop")),
    NO_CONTENT: stream(chunk(None, "stop"), "data: [DONE]"),
}


# --- the checker on its own -------------------------------------------------------------


@pytest.mark.parametrize("text", [ZEGO_STYLE, OPENAI_STYLE], ids=["zego-style", "openai-style"])
def test_compliant_streams_pass_and_give_their_text(text: str) -> None:
    report = check_stream(text)
    assert report.compliant, report.explain()
    assert report.text == "Hello there." and report.done


def test_every_rule_has_a_stream_breaking_it_alone() -> None:
    assert set(BROKEN) == set(RULES)
    for rule, text in BROKEN.items():
        report = check_stream(text)
        assert [breach.rule for breach in report.breaches] == [rule], rule.id
        assert rule.text in report.explain()


@pytest.mark.parametrize(
    ("text", "rule", "detail"),
    [
        (stream(chunk("Hi"), chunk(None, "stop"), "data: [DONE]", chunk("late")),
         DONE_LAST, "data came after [DONE]"),
        (stream(chunk("Hi"), "event: message", chunk(None, "stop"), "data: [DONE]"),
         DATA_PREFIX, "'event: message'"),
        (stream(chunk("Hi", "length"), chunk(" more"), chunk(None, "stop"), "data: [DONE]"),
         EARLY_FINISH, "line 1 carried finish_reason 'length'"),
        (stream(chunk("Hi", None), "data: [DONE]"), LAST_STOP, "no finish_reason"),
        (stream('data: ["a", "list"]', chunk("Hi", "stop"), "data: [DONE]"),
         CHUNK_JSON, "a JSON list"),
        (stream('data: {"choices": [{"delta": {"content": "\\ud800"}}]}', chunk("x", "stop"),
                "data: [DONE]"), CHUNK_JSON, "lone surrogate"),
        ('{"choices": [{"message": {"content": "Hi"}}]}', DATA_PREFIX, "'{" + '"choices"'),
    ],
    ids=["data-after-done", "sse-event-field", "length-then-more", "null-last", "not-an-object",
         "lone-surrogate", "not-streamed"],
)  # fmt: skip
def test_each_breach_says_where(text: str, rule: Any, detail: str) -> None:
    report = check_stream(text)
    assert report.breaches and report.breaches[0].rule == rule, report.explain()
    assert detail in report.explain()


def test_line_numbers_count_lines_not_the_blank_separators() -> None:
    report = check_stream(BROKEN[EARLY_FINISH])
    assert "line 2: line 1 carried finish_reason 'stop'" in report.explain()


# --- the sandbox, through a local LLM server --------------------------------------------


class StreamingLLM(LocalServer):
    """Answers every chat-completions POST with the raw text in ``self.body`` (HTTP 200)."""

    def __init__(self) -> None:
        self.body = ZEGO_STYLE
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Completions(RequestHandler):
            async def post(self) -> None:
                fake.requests.append(json.loads(self.request.body))
                self.set_header("Content-Type", "text/event-stream")
                for line in fake.body.splitlines(keepends=True):  # as a stream, line by line
                    self.write(line)
                    await self.flush()

        super().__init__([(r"/v1/chat/completions", Completions)])
        self.url = self.base_url + "/v1/chat/completions"


@pytest.fixture(scope="module")
def llm_server() -> Iterator[StreamingLLM]:
    server = StreamingLLM()
    yield server
    server.stop()


def outcome(api: Api, llm_server: StreamingLLM, body: str) -> tuple[list, dict | None, list]:
    """Ask once with the LLM answering ``body``: (history, Exception data, SandboxNotes)."""
    llm_server.body = body
    llm = {"Url": llm_server.url, "ApiKey": "sk-contract-test-key", "Model": "m"}
    api.ok("RegisterAgent", {"AgentId": "own", "LLM": llm, "TTS": trial_tts()})
    instance = api.create(agent_id="own")
    api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hi",
                                    "AddQuestionToHistory": True})  # fmt: skip

    def settled() -> bool:
        events = {e["Event"] for e in api.events(instance)}
        return bool({"LLMResult", "Exception"} & events)

    wait_until(settled, what="the turn's outcome")
    exception = next(iter(api.events(instance, "Exception")), None)
    notes = [e["Data"]["Message"] for e in api.events(instance, "SandboxNote")]
    return api.history(instance), exception and exception["Data"], notes


@pytest.mark.parametrize("body", [ZEGO_STYLE, OPENAI_STYLE], ids=["zego-style", "openai-style"])
def test_a_compliant_stream_is_the_answer(api: Api, llm_server: StreamingLLM, body: str) -> None:
    history, exception, notes = outcome(api, llm_server, body)
    assert history == [{"Role": "user", "Content": "Hi"},
                       {"Role": "assistant", "Content": "Hello there."}]  # fmt: skip
    assert exception is None and notes == []
    assert llm_server.requests[-1]["stream"] is True


@pytest.mark.parametrize("rule", list(BROKEN), ids=[rule.id for rule in BROKEN])
def test_a_stream_breaking_a_rule_leaves_the_agent_silent_and_says_which_rule(
    api: Api, llm_server: StreamingLLM, rule: Any
) -> None:
    history, exception, notes = outcome(api, llm_server, BROKEN[rule])
    assert history == []  # no answer: not spoken, not in the context (the question neither)
    assert api.events(None, "LLMResult") == []
    assert exception is not None and exception["Code"] == 2201  # LLM general error
    assert rule.id in exception["Message"] and "said nothing" in exception["Message"]
    [note] = notes
    assert rule.text in note and "configuring-llm" in note
    assert "sk-contract-test-key" not in json.dumps([exception, notes])
