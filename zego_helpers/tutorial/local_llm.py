"""A small OpenAI-compatible LLM server inside your kernel: see exactly what ZEGO sends it.

ZEGO's agent thinks with whatever ``LLM.Url`` points at, as long as it speaks
OpenAI's Chat Completions protocol and streams its answer the way ZEGO's guide
asks (https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm,
"Use Custom LLM"). This module is such a server, written to be read::

    server = LocalLLM().start()       # http://127.0.0.1:<port>/v1/chat/completions
    llm = LLM(url=server.url, api_key="sk-local-demo", model="my-model")
    ...                               # register an agent with it, talk to it
    server.show()                     # the last request ZEGO (or the sandbox) made
    server.stop()

What it does with each ``POST``:

1. records the request: headers (the key masked), the JSON body;
2. asks ``reply(messages)`` for the answer (by default :func:`echo_reply`; pass
   your own function, e.g. one that searches your documents first);
3. streams the answer back as Server-Sent Events, the format ZEGO requires::

       data: {"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":""}], ...}
       data: {"choices":[{"index":0,"delta":{"content":" there."},"finish_reason":""}], ...}
       data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}], ...}
       data: [DONE]

To see what ZEGO does with a server that gets it wrong, :meth:`LocalLLM.misbehave`
switches to one of :data:`MISBEHAVIOURS` (a ``finish_reason`` that comes too
early, no ``[DONE]``, a 401 for the key); :meth:`LocalLLM.behave` switches back.

The server is a thread of this kernel (the standard library's
``ThreadingHTTPServer``): it stops with :meth:`LocalLLM.stop`, or with the kernel.
ZEGO's cloud cannot reach ``127.0.0.1``; in real mode, expose it through a
tunnel, or replace it with a public service (your own, or Ollama / vLLM /
llama.cpp behind https).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import ValidationError
from ..i18n import N_, _, ngettext
from ..secrets_mask import mask
from ..settings import Settings
from ..validation import private_url_problem

#: The path ZEGO's guide uses for a custom LLM (any path ending in it is answered).
PATH = "/v1/chat/completions"
#: How the server can break ZEGO's format on purpose, and what each one does (English,
#: marked with ``N_()``; pass a description through ``_()`` to show it).
MISBEHAVIOURS = {
    "early_finish": N_('the first chunk already carries "finish_reason": "stop"'),
    "no_done": N_("the stream ends without the final 'data: [DONE]'"),
    "unauthorized": N_("every request is answered HTTP 401, as for a wrong API key"),
}
#: A reply function: the chat messages (OpenAI format) -> the answer's text.
Reply = Callable[[list[dict[str, Any]]], str]


def echo_reply(messages: list[dict[str, Any]]) -> str:
    """A stand-in for a model: says what it was asked and how much context it got."""
    question = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    earlier = sum(1 for m in messages if m.get("role") in ("user", "assistant")) - 1
    return (
        f'You asked: "{question}". I am the LLM running in your notebook, '
        f"and I can see {max(earlier, 0)} earlier message(s)."
    )


@dataclass
class RecordedCall:
    """One request the server received, and what it answered."""

    path: str
    headers: dict[str, str]  # Authorization masked
    body: Any  # the JSON body (or the raw text when it was not JSON)
    status: int = 200
    answer_lines: list[str] = field(default_factory=list)

    def describe(self, max_answer_lines: int = 6) -> str:
        """The request and the answer, as readable text (no secret in it).

        A long answer shows its first and last lines (``max_answer_lines`` in all).
        """
        lines = [f"POST {self.path}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        lines += ["", json.dumps(self.body, indent=2, ensure_ascii=False), ""]
        count = len(self.answer_lines)
        answered = ngettext(
            "answered HTTP {status}, {count} line", "answered HTTP {status}, {count} lines", count
        ).format(status=self.status, count=count)
        lines.append(f"--- {answered} ---")
        answer = self.answer_lines
        if len(answer) > max_answer_lines:
            head, tail = max_answer_lines // 2, max_answer_lines - max_answer_lines // 2
            skipped = len(answer) - max_answer_lines
            more = _("... ({count} more)").format(count=skipped)
            answer = [*answer[:head], more, *answer[-tail:]]
        lines += answer
        return "\n".join(lines)


#: Headers worth showing (the rest is transport detail).
_SHOWN_HEADERS = ("Authorization", "Content-Type", "Accept", "User-Agent")


def _mask_authorization(value: str) -> str:
    scheme, _sep, token = value.partition(" ")
    return f"{scheme} {mask(token)}" if token else mask(value)


class LocalLLM:
    """An OpenAI-compatible chat-completions server on ``host``:``port`` (0: any free port).

    ``reply`` makes the answer from the messages (default :func:`echo_reply`).
    ``chunk_delay`` (seconds) paces the streamed chunks, so a first token can
    come before the last one. Every request is kept in :attr:`calls`.
    """

    def __init__(
        self,
        reply: Reply | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_delay: float = 0.0,
    ) -> None:
        self.reply: Reply = reply or echo_reply
        self.host, self.port = host, port
        self.chunk_delay = chunk_delay
        self.misbehaviour: str | None = None
        self.calls: list[RecordedCall] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> LocalLLM:
        """Listen and serve on a background thread; returns ``self``."""
        if self._server is not None:
            return self
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"local-llm-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (waits for the serving thread to end)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(5)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str:
        """The ``LLM.Url`` to register: ``http://127.0.0.1:<port>/v1/chat/completions``."""
        return f"http://{self.host}:{self.port}{PATH}"

    def __enter__(self) -> LocalLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = _("running") if self.running else _("stopped")
        how = (
            _(MISBEHAVIOURS[self.misbehaviour]) if self.misbehaviour else _("follows ZEGO's format")
        )
        requests = ngettext("{count} request", "{count} requests", len(self.calls)).format(
            count=len(self.calls)
        )
        return f"LocalLLM({self.url}, {state}, {requests}, {how})"

    # --- behaviour -------------------------------------------------------------------------

    def misbehave(self, how: str) -> None:
        """Break ZEGO's format on purpose from now on: one of :data:`MISBEHAVIOURS`."""
        if how not in MISBEHAVIOURS:
            raise ValidationError(
                "how",
                _("is {value}; use one of {allowed}").format(
                    value=repr(how), allowed=", ".join(MISBEHAVIOURS)
                ),
            )
        self.misbehaviour = how

    def behave(self) -> None:
        """Answer in ZEGO's format again."""
        self.misbehaviour = None

    # --- what it saw -----------------------------------------------------------------------

    @property
    def last(self) -> RecordedCall | None:
        with self._lock:
            return self.calls[-1] if self.calls else None

    def show(self, call: RecordedCall | None = None) -> None:
        """Print one request and its answer (default: the last one)."""
        call = call or self.last
        print(call.describe() if call else _("No request yet."))

    # --- the HTTP side ---------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.0: the answer ends when the connection closes, so each SSE line can
            # be written as soon as it is ready, with no length announced up front.
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass  # no access log in the notebook

            def do_POST(self) -> None:  # noqa: N802 - the standard library's naming
                outer._answer(self)

            def do_GET(self) -> None:  # noqa: N802
                self.send_error(405, "POST a chat-completions request to " + PATH)

        return Handler

    def _answer(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw or b"{}")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {
            name: _mask_authorization(value) if name == "Authorization" else value
            for name in _SHOWN_HEADERS
            if (value := http.headers.get(name)) is not None
        }
        call = RecordedCall(http.path, headers, body)
        with self._lock:
            self.calls.append(call)
        if not http.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(http, call, 404, {"error": {"message": f"no route {http.path}"}})
        elif self.misbehaviour == "unauthorized":
            error = {"message": "Incorrect API key provided", "code": "invalid_api_key"}
            self._send_json(http, call, 401, {"error": error})
        elif not isinstance(body, Mapping) or not isinstance(body.get("messages"), list):
            self._send_json(http, call, 400, {"error": {"message": "messages are required"}})
        else:
            try:
                text = self.reply(list(body["messages"]))
                if not isinstance(text, str):
                    raise TypeError(f"it returned {type(text).__name__}, not text")
            except Exception as error:  # your reply function failed: say so, as a 500
                message = f"the reply function failed: {type(error).__name__}: {error}"
                self._send_json(http, call, 500, {"error": {"message": message}})
                return
            self._stream(http, call, body, text)

    def _send_json(
        self, http: BaseHTTPRequestHandler, call: RecordedCall, status: int, payload: Any
    ) -> None:
        data = json.dumps(payload)
        call.status, call.answer_lines = status, [data]
        http.send_response(status)
        http.send_header("Content-Type", "application/json")
        http.end_headers()
        http.wfile.write(data.encode())

    def _stream(
        self, http: BaseHTTPRequestHandler, call: RecordedCall, body: Mapping, text: str
    ) -> None:
        """Stream ``text`` as chat.completion.chunk events (ZEGO's format, or broken)."""
        pieces = re.findall(r"\S+\s*", text) or [text]
        how = self.misbehaviour
        chunk_id = f"chatcmpl-local-{next(self._ids)}"
        model = str(body.get("model", ""))

        def event(delta: dict[str, str], finish: str) -> str:
            chunk = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return "data: " + json.dumps(chunk, ensure_ascii=False)

        lines = [
            event({"content": piece}, "stop" if how == "early_finish" and i == 0 else "")
            for i, piece in enumerate(pieces)
        ]
        lines.append(event({}, "stop"))  # the last valid data: finish_reason "stop"
        if how != "no_done":
            lines.append("data: [DONE]")
        http.send_response(200)
        http.send_header("Content-Type", "text/event-stream")
        http.send_header("Cache-Control", "no-cache")
        http.end_headers()
        for line in lines:
            http.wfile.write((line + "\n\n").encode())
            http.wfile.flush()
            call.answer_lines.append(line)
            if self.chunk_delay:
                time.sleep(self.chunk_delay)


def reachable_by_zego(settings: Settings, url: str) -> tuple[bool, str]:
    """Can the agent call ``url``? (yes or no, and a sentence saying why).

    In sandbox mode the "agent" is the sandbox in this kernel: any URL it can
    open works, ``127.0.0.1`` included. In real mode ZEGO's cloud makes the call,
    over the internet, so a loopback or private address can never work
    (:func:`zego_helpers.validation.private_url_problem`).
    """
    if settings.is_sandbox:
        return True, _(
            "Sandbox mode: the sandbox runs in this kernel and calls {url} itself, so a local "
            "address works here."
        ).format(url=url)
    problem = private_url_problem(url)
    if problem is None:
        return True, _(
            "Real mode: ZEGO's cloud will call {url}; it must answer from the internet."
        ).format(url=url)
    return False, _(
        "Real mode: ZEGO's cloud calls LLM.Url itself, over the internet, and {problem}. "
        "Expose this server on a public https URL (e.g. {cloudflared} or {ngrok}) and set "
        "public_url to it, or run this notebook in sandbox mode."
    ).format(
        problem=problem,
        cloudflared="`cloudflared tunnel --url http://127.0.0.1:<port>`",
        ngrok="`ngrok http <port>`",
    )
