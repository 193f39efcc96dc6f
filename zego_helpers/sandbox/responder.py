"""Who answers when the sandbox agent is asked something.

ZEGO forwards each turn to the LLM in ``LLM.Url``, the way an OpenAI SDK client
would: a POST with ``Authorization: Bearer <ApiKey>`` and a body holding
``model``, ``stream: true`` and ``messages`` (the system prompt, the last
``WindowSize`` history messages, then the user's text). The answer streams
back as Server-Sent Events::

    data: {"choices": [{"delta": {"content": "Hel"}}]}
    data: {"choices": [{"delta": {"content": "lo!"}, "finish_reason": "stop"}]}
    data: [DONE]

The sandbox does exactly that (:func:`stream_chat_completion`) when ``Url``
is an OpenAI-compatible endpoint it can reach: your own key, or a local
Ollama / llama.cpp / vLLM server. An endpoint that answers 401 or 403 gives
the same ``Exception`` event ZEGO sends for a rejected key (2203).

ZEGO is strict about the stream's shape (:mod:`.llm_contract`: ``data: ``
lines, ``finish_reason`` "stop" on the last chunk only, a final ``data:
[DONE]``) and says nothing when it is broken. So does the sandbox: no answer,
an ``Exception`` 2201 and a ``SandboxNote`` naming the rule that was broken.

When it cannot (the trial key ``zego_test``, whose LLMs only ZEGO can call;
an unreachable URL; the ``OpenAIResponses`` vendor), the
:class:`BuiltinResponder` answers instead, and a ``SandboxNote`` event says so.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ..validation import TRIAL_API_KEY
from .llm_contract import StreamChecker, StreamReport
from .state import LLMJob

SANDBOX_LABEL = "(sandbox reply)"
#: The built-in responder answers at once; LatencyData reports this simulated LLM speed.
BUILTIN_TOKENS_PER_SECOND = 50.0


class BuiltinResponder:
    """A tiny, deterministic stand-in for an LLM, so everything works offline.

    It is no language model; it follows a few simple rules, enough for a
    workshop exercise such as "change the system prompt and check that the
    reply follows it":

    * **Persona**: ``You are Nova, ...`` in the system prompt makes it
      introduce itself as Nova (``You are a pirate`` -> "a pirate").
    * **Opening**: ``Always start with "Ahoy"`` (or ``begin with``) makes every
      reply start with ``Ahoy``.
    * **Shouting**: ``Always answer in uppercase`` (or ``capital letters``)
      makes every reply uppercase.
    * **Greetings** ("hi", "hello", ...) are answered with an introduction;
      "what is your name" / "who are you" with the persona; "what did I say"
      with the previous user message in its context window. Anything else is
      echoed back.
    * Every reply ends with ``(sandbox reply)`` so it is never mistaken for a
      real LLM, and mentions how many earlier messages it could see (its
      context window), which makes ``WindowSize`` visible.
    """

    _persona = re.compile(r"\byou are\s+([^.,;!?\n]+)", re.IGNORECASE)
    _opening = re.compile(
        r"always\s+(?:start|begin)\s+(?:\w+\s+){0,3}?with\s+[\"'“‘]([^\"'”’]+)[\"'”’]",
        re.IGNORECASE,
    )
    _uppercase = re.compile(r"always\s+\w+\s+in\s+(?:uppercase|upper case|capital)", re.IGNORECASE)
    _greeting = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|你好)\b", re.I)
    _name_question = re.compile(r"\b(your name|who are you)\b", re.IGNORECASE)
    _recall_question = re.compile(r"\bwhat did i (say|ask)\b", re.IGNORECASE)

    def reply(self, messages: list[dict]) -> str:
        """The answer to the last message of ``messages`` (OpenAI chat format)."""
        system = " ".join(m["content"] for m in messages if m["role"] == "system")
        history = [m for m in messages[:-1] if m["role"] != "system"]
        text = messages[-1]["content"].strip()
        persona = self._persona_of(system)

        if self._greeting.search(text):
            answer = f"Hello! I'm {persona}. How can I help?"
        elif self._name_question.search(text):
            answer = f"I'm {persona}."
        elif self._recall_question.search(text):
            said = [m["content"] for m in history if m["role"] == "user"]
            answer = f"You said: “{said[-1]}”." if said else "I don't see anything you said before."
        else:
            answer = f"You said: “{text}”."
        answer += f" I can see {len(history)} earlier message{'s' if len(history) != 1 else ''}."

        opening = self._opening.search(system)
        if opening:
            answer = f"{opening.group(1).strip()}! {answer}"
        answer = f"{answer} {SANDBOX_LABEL}"
        if self._uppercase.search(system):
            answer = answer.upper()
        return answer

    def _persona_of(self, system_prompt: str) -> str:
        match = self._persona.search(system_prompt)
        if not match:
            return "the sandbox agent"
        persona = match.group(1).strip()
        first = persona.split()[0]
        if first[0].isupper() and first.lower() not in ("a", "an", "the"):
            return first  # a name: "You are Nova, a friendly guide" -> "Nova"
        return persona


@dataclass
class Answer:
    """The outcome of one LLM turn: a text, or ZEGO's exception code and message."""

    text: str = ""
    error_code: int = 0
    error_message: str = ""
    note: str | None = None  # why the built-in responder answered, if it did
    ttft_ms: float = 0.0
    tokens_per_second: float = 0.0


class LLMUnreachable(Exception):
    """The LLM endpoint could not be reached at all (DNS, refused, connect timeout)."""


class LLMHTTPError(Exception):
    """The LLM endpoint answered with a non-2xx status, or the connection broke mid-answer."""

    def __init__(self, status: int, excerpt: str) -> None:
        super().__init__(f"HTTP {status}: {excerpt}")
        self.status = status
        self.excerpt = excerpt


class LLMContractError(Exception):
    """The LLM answered 200, but its stream broke ZEGO's format: ZEGO would say nothing."""

    def __init__(self, report: StreamReport) -> None:
        super().__init__(report.explain())
        self.report = report


#: LLM HTTP status -> ZEGO exception code, by the exception-code table
#: (https://www.zegocloud.com/docs/aiagent-server/callbacks/exception-codes): 2203
#: "authentication failed", 2204 "concurrency reached limit", 2202 "parameter error";
#: anything else is 2201, "LLM general error, refer to the Message field". The mapping
#: from HTTP statuses is the sandbox's reading: the docs list the codes, not the statuses.
_EXCEPTION_BY_STATUS = {401: 2203, 403: 2203, 429: 2204, 400: 2202, 422: 2202}
#: A stream that breaks the format: the guide says the agent outputs nothing and names no
#: code; the sandbox reports 2201 (general error, "refer to the Message field").
CONTRACT_EXCEPTION_CODE = 2201


def chat_request_body(job: LLMJob) -> dict:
    """The chat-completions body ZEGO sends for this turn (configuring-llm, "Use Custom LLM").

    ``model``, ``messages`` (system prompt, history window, the user's text) and
    ``stream: true``; ``temperature`` / ``top_p`` when set; ``LLM.Params`` as they
    are (``max_tokens``...); ``agent_info`` (room_id, agent_instance_id,
    agent_user_id, user_id, round_id, time_stamp in ms) when ``AddAgentInfo`` is
    true and ``agent_extra_info`` when set, both "only effective when Vendor is
    OpenAIChat" (https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm).
    """
    llm = job.llm
    body: dict = {"model": llm["Model"], "messages": job.messages, "stream": True}
    if llm.get("Temperature") is not None:
        body["temperature"] = llm["Temperature"]
    if llm.get("TopP") is not None:
        body["top_p"] = llm["TopP"]
    body.update(llm.get("Params") or {})
    chat = llm.get("Vendor") in (None, "OpenAIChat")
    if chat and llm.get("AddAgentInfo"):
        body["agent_info"] = job.agent_info
    if chat and llm.get("AgentExtraInfo") is not None:
        body["agent_extra_info"] = llm["AgentExtraInfo"]
    return body


async def stream_chat_completion(
    http: AsyncHTTPClient,
    url: str,
    api_key: str,
    body: dict,
    *,
    connect_timeout: float,
    request_timeout: float,
) -> Answer:
    """POST ``body`` to an OpenAI-compatible endpoint and collect the streamed answer.

    Raises :class:`LLMUnreachable` when no connection could be made,
    :class:`LLMHTTPError` for a non-2xx answer or a connection broken mid-answer,
    and :class:`LLMContractError` for a stream that breaks ZEGO's format
    (:mod:`.llm_contract`).
    """
    started = time.perf_counter()
    status: list[int] = []
    buffer = bytearray()
    checker = StreamChecker()
    first_token: list[float] = []

    def on_header(line: str) -> None:
        if line.startswith("HTTP/") and not status:
            status.append(int(line.split()[1]))

    def on_chunk(chunk: bytes) -> None:
        buffer.extend(chunk)
        if status and status[0] != 200:
            return
        while b"\n" in buffer:
            raw, _, rest = bytes(buffer).partition(b"\n")
            buffer[:] = rest
            if checker.feed_line(raw.decode("utf-8", "replace")) and not first_token:
                first_token.append(time.perf_counter())

    request = HTTPRequest(
        url,
        method="POST",
        body=json.dumps(body),
        headers={
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
        },
        connect_timeout=connect_timeout,
        request_timeout=request_timeout,
        header_callback=on_header,
        streaming_callback=on_chunk,
    )
    try:
        await http.fetch(request, raise_error=False)
    except HTTPClientError as error:  # 599: timeouts and closed connections
        if not status:
            raise LLMUnreachable(str(error)) from None
        raise LLMHTTPError(status[0], str(error)) from None
    except OSError as error:  # refused, DNS failure, unreachable network
        raise LLMUnreachable(str(error)) from None
    code = status[0] if status else 0
    if code != 200:
        raise LLMHTTPError(code, bytes(buffer[:200]).decode("utf-8", "replace"))
    if buffer:
        on_chunk(b"\n")  # a last line without a line break
    report = checker.finish()
    if not report.compliant:
        raise LLMContractError(report)
    finished = time.perf_counter()
    first = first_token[0]
    # Each SSE content chunk is about one token for OpenAI-style servers.
    streaming = max(finished - first, 1e-3)
    return Answer(
        text=report.text,
        ttft_ms=(first - started) * 1000,
        tokens_per_second=len(checker.pieces) / streaming,
    )


async def answer_turn(
    job: LLMJob,
    http: AsyncHTTPClient,
    *,
    think_ms: int,
    connect_timeout: float,
    request_timeout: float,
    builtin: BuiltinResponder,
) -> Answer:
    """Answer one turn: a real LLM when possible, else the built-in responder (with a note)."""
    llm = job.llm
    url = llm.get("Url", "")
    if llm.get("ApiKey") == TRIAL_API_KEY:
        reason = (
            f"LLM.ApiKey is '{TRIAL_API_KEY}': its LLMs are only reachable by ZEGO, so the "
            "sandbox's built-in responder answered"
        )
        return await _builtin(job, builtin, think_ms, reason)
    if llm.get("Vendor") == "OpenAIResponses":
        reason = "the OpenAIResponses vendor is not emulated; the built-in responder answered"
        return await _builtin(job, builtin, think_ms, reason)
    try:
        return await stream_chat_completion(
            http,
            url,
            llm["ApiKey"],
            chat_request_body(job),
            connect_timeout=connect_timeout,
            request_timeout=request_timeout,
        )
    except LLMUnreachable as error:
        reason = f"could not reach LLM.Url {url} ({error}); the built-in responder answered"
        return await _builtin(job, builtin, think_ms, reason)
    except LLMHTTPError as error:
        code = _EXCEPTION_BY_STATUS.get(error.status, 2201)
        problem = "rejected LLM.ApiKey" if code == 2203 else "failed"
        excerpt = error.excerpt.replace(llm["ApiKey"], "****")  # never echo the key
        return Answer(
            error_code=code,
            error_message=f"the LLM at {url} {problem}: HTTP {error.status} {excerpt}",
        )
    except LLMContractError as error:
        rules = ", ".join(breach.rule.id for breach in error.report.breaches)
        explained = error.report.explain().replace(llm["ApiKey"], "****")
        return Answer(
            error_code=CONTRACT_EXCEPTION_CODE,
            error_message=(
                f"the LLM at {url} answered, but its stream broke ZEGO's format ({rules}); "
                "the agent said nothing"
            ),
            note=(
                f"{explained}. ZEGO's guide says the agent then outputs nothing "
                f"and names no exception code for it; the sandbox reports "
                f"{CONTRACT_EXCEPTION_CODE} (LLM general error) so that you can see why."
            ),
        )


async def _builtin(job: LLMJob, builtin: BuiltinResponder, think_ms: int, reason: str) -> Answer:
    started = time.perf_counter()
    await asyncio.sleep(think_ms / 1000)
    text = builtin.reply(job.messages)
    ttft_ms = (time.perf_counter() - started) * 1000
    return Answer(
        text=text, note=reason, ttft_ms=ttft_ms, tokens_per_second=BUILTIN_TOKENS_PER_SECOND
    )
