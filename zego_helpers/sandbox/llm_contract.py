"""ZEGO's contract for a custom LLM's answer stream, checked line by line.

When ``LLM.Url`` is your own service, ZEGO reads its answer as Server-Sent
Events and is strict about their shape. The guide lists the rules
(https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm, "Use
Custom LLM"; Chinese: https://doc-zh.zego.im/aiagent-server/guides/configuring-llm)::

    data: {"choices":[{"delta":{"content":"Hel"},"finish_reason":""}]}
    data: {"choices":[{"delta":{"content":"lo!"},"finish_reason":"stop"}]}
    data: [DONE]

* each line of data starts with ``data: `` (a space after the colon);
* only the last valid data may carry ``"finish_reason":"stop"``; every other one
  sets it to ``""`` or leaves it out, "otherwise the AI Agent will not output
  content";
* the last valid data must carry ``"finish_reason":"stop"``;
* a final ``data: [DONE]`` ends the stream.

"If the format is incorrect, the AI Agent may not output or output incomplete."
The sandbox takes the strict reading (no output at all), so that a stream that
passes here also passes on ZEGO.

Where the guide is silent, the checker is tolerant, like an OpenAI client:
blank lines and SSE comments (``: keep-alive``) are skipped; ``"finish_reason":
null`` counts as "not set" (OpenAI's own servers send it); a chunk without
``choices`` (the usage chunk of ``stream_options.include_usage``) is not "valid
data" for the finish rules.

:class:`StreamChecker` is fed one line at a time (so the sandbox can time the
first token) and :meth:`StreamChecker.finish` says which rules were broken.
It has no network and no clock: tests feed it strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .strict_json import StrictJSONError, loads_strict

#: Where the rules come from (quoted in every report).
GUIDE_URL = "https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm"
DONE = "[DONE]"


@dataclass(frozen=True)
class Rule:
    """One rule of the contract: a short id and the guide's words."""

    id: str
    text: str


DATA_PREFIX = Rule("data-prefix", "each line of data must start with 'data: ' (note the space)")
CHUNK_JSON = Rule(
    "chunk-json",
    "each data line must be an OpenAI chat.completion.chunk JSON object (or [DONE])",
)
EARLY_FINISH = Rule(
    "early-finish",
    "only the last valid data may carry a finish_reason ('stop'); every other one must set "
    "it to '' or leave it out, otherwise the AI Agent will not output content",
)
LAST_STOP = Rule("last-stop", 'the last valid data must contain "finish_reason":"stop"')
DONE_LAST = Rule("done", "finally, a termination line must be sent: 'data: [DONE]'")
#: Not a rule of the guide, but a stream that says nothing leaves the agent nothing to say.
NO_CONTENT = Rule("no-content", "the stream must carry some text in choices[0].delta.content")

RULES = (DATA_PREFIX, CHUNK_JSON, EARLY_FINISH, LAST_STOP, DONE_LAST, NO_CONTENT)


@dataclass
class Breach:
    """A rule the stream broke, and where.

    ``line`` counts the stream's non-blank lines from 1 (blank lines only separate
    events); 0 means the stream as a whole.
    """

    rule: Rule
    line: int
    detail: str

    def describe(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f'"{self.rule.text}" ({where}{self.detail})'


@dataclass
class StreamReport:
    """What a stream said (``text``) and which rules it broke (``breaches``, in order)."""

    text: str
    chunks: int
    done: bool
    breaches: list[Breach] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return not self.breaches

    def explain(self) -> str:
        """One paragraph naming every broken rule, for a ``SandboxNote``."""
        if self.compliant:
            return "the stream follows ZEGO's custom-LLM format"
        broken = "; ".join(breach.describe() for breach in self.breaches)
        return f"the stream broke ZEGO's custom-LLM format ({GUIDE_URL}): {broken}"


class StreamChecker:
    """Reads an answer stream line by line; :meth:`finish` gives the :class:`StreamReport`."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.chunks = 0  # valid data: chunks with choices
        self.done = False
        self.breaches: list[Breach] = []
        self._lines = 0
        self._finished_at: tuple[int, str] | None = None  # line and finish_reason of the last
        self._last_finish: str | None = None

    def feed_line(self, raw: str) -> str:
        """Read one line (without its line break); return the text it adds (often ``""``)."""
        line = raw.rstrip("\r")
        if not line.strip():
            return ""  # the blank line that ends an event
        self._lines += 1
        if line.startswith(":"):
            return ""  # an SSE comment
        if not line.startswith("data: "):
            shown = line if len(line) <= 40 else line[:40] + "..."
            self._breach(DATA_PREFIX, f"{shown!r}")
            return ""
        payload = line[len("data: ") :].strip()
        if self.done:
            self._breach(DONE_LAST, "data came after [DONE]")
            return ""
        if payload == DONE:
            self.done = True
            return ""
        return self._read_chunk(payload)

    def _read_chunk(self, payload: str) -> str:
        try:
            # Strict: a lone surrogate, NaN or absurd nesting is refused, so nothing an
            # LLM sends can make the sandbox's state unsaveable.
            chunk = loads_strict(payload)
        except StrictJSONError as error:
            self._breach(CHUNK_JSON, f"not JSON: {error}")
            return ""
        if not isinstance(chunk, dict):
            self._breach(CHUNK_JSON, f"a JSON {type(chunk).__name__}, not an object")
            return ""
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices:
            return ""  # e.g. the usage chunk after the last one: not "valid data"
        choice = choices[0] if isinstance(choices[0], dict) else {}
        self.chunks += 1
        if self._finished_at is not None:
            line, earlier = self._finished_at
            self._breach(
                EARLY_FINISH,
                f"line {line} carried finish_reason {earlier!r}, then more data followed",
            )
            self._finished_at = None  # report each early finish once
        reason = choice.get("finish_reason")
        self._last_finish = reason if isinstance(reason, str) else None
        if reason not in (None, ""):
            self._finished_at = (self._lines, str(reason))
        delta = choice.get("delta")
        text = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(text, str) and text:
            self.pieces.append(text)
            return text
        return ""

    def finish(self) -> StreamReport:
        """The verdict once the stream has ended."""
        if self.chunks and self._last_finish != "stop":
            got = "no finish_reason" if not self._last_finish else repr(self._last_finish)
            self._breach(LAST_STOP, f"the last chunk had {got}", line=0)
        if not self.done:
            self._breach(DONE_LAST, "the stream ended without 'data: [DONE]'", line=0)
        if not "".join(self.pieces).strip():
            self._breach(NO_CONTENT, f"{self.chunks} chunk(s), no text", line=0)
        return StreamReport("".join(self.pieces).strip(), self.chunks, self.done, self.breaches)

    def _breach(self, rule: Rule, detail: str, line: int | None = None) -> None:
        if any(breach.rule == rule for breach in self.breaches):
            return  # the first place a rule breaks is enough
        self.breaches.append(Breach(rule, self._lines if line is None else line, detail))


def check_stream(text: str) -> StreamReport:
    """Check a whole stream at once (for tests and for the in-kernel LLM of notebook 07)."""
    checker = StreamChecker()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the line break after the last line
    for line in lines:
        checker.feed_line(line)
    return checker.finish()
