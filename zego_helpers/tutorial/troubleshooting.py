"""Reproduce the common first-run failures on purpose, and say in plain words what each means.

Notebook 06 breaks things deliberately, so that a learner recognises the
failure the day it happens for real (notebook 05 uses a few of these pieces
to show callbacks). This module holds what the notebooks need for that and
nothing else:

* :func:`diagnose` turns a raised error, or an ``Exception`` callback, into a
  short diagnosis: what happened, in plain words, and the fix;
* :func:`callback_secrets_for` picks the secret that callbacks are signed with
  (in sandbox mode, the sandbox's own ServerSecret);
* :func:`start_drill_sandbox` starts a private sandbox whose rules the drills
  may change without disturbing anything you made in notebooks 02-04, nor,
  in a workshop, anybody else in the room;
* :func:`reproduce_clock_skew` signs one request as if this machine's clock
  were 11 minutes fast (a :class:`~zego_helpers.transport.ShiftedClock` does the pretending);
* :func:`start_rejecting_llm` runs a tiny OpenAI-compatible endpoint on this
  machine that refuses every key with HTTP 401, like a provider does when
  ``LLM.ApiKey`` is wrong;
* :func:`outline` lists callback events one per line, without times or ids;
* :func:`drills_run_here` says whether the drills run (on any sandbox: the
  embedded one, or your trainer's room sandbox) or are skipped, with a printed
  note, because the service is ZEGO's real one.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..callbacks import CallbackEvent, short_meaning
from ..callbacks.verify import callback_secrets_for as callback_secrets_for  # moved; kept here
from ..codes import describe_exception_code
from ..connect import signing_credentials
from ..errors import (
    HTTPStatusError,
    SignatureError,
    TransportError,
    ValidationError,
    ZegoAPIError,
    ZegoError,
)
from ..i18n import N_, _
from ..transport import ShiftedClock

if TYPE_CHECKING:
    from ..client import AIAgentClient
    from ..sandbox import RunningSandbox
    from ..service import Service
    from ..settings import Settings

#: What each common failure means, in the words you would use to explain it to a colleague
#: (English, marked with ``N_()``; :func:`diagnose` gives it in the learner's language).
#: The fix comes from the code tables in :mod:`zego_helpers.codes`.
EXPLANATIONS: dict[int, str] = {
    100000005: N_(
        "ZEGO recomputed the request's signature with the ServerSecret it holds for this AppID "
        "and got a different value: the secret you signed with is not this AppID's (a typo, "
        "another project's secret, or the AppSign pasted instead)."
    ),
    100000004: N_(
        "The request's Timestamp was more than 10 minutes away from ZEGO's clock, so its "
        "signature counts as expired. Every request is signed with this machine's clock, so a "
        "wrong clock breaks every call, whatever the secret."
    ),
    410001008: N_(
        "An agent with this AgentId is already registered. RegisterAgent never overwrites, so a "
        "cell that registers fails the second time it runs."
    ),
    410000011: N_(
        "The account already runs as many instances as it may at once (10 by default). An "
        "instance that was never deleted keeps its slot until it is deleted or destroyed."
    ),
    410001002: N_(
        "The instance no longer exists: it was deleted, or ZEGO destroyed it (an Exception "
        "callback such as 1202 and an AgentInstanceDeleted callback say when and why)."
    ),
    410001047: N_(
        "ApiKey 'zego_test' works only with ZEGO's trial LLM URLs and models; with any other "
        "URL ZEGO refuses the request."
    ),
    1202: N_(
        "Nobody joined the room (or the user left) for MaxIdleTime seconds, so ZEGO destroyed "
        "the instance. Your create call succeeded; only this callback says why the agent is gone."
    ),
    2203: N_(
        "The agent called your LLM and the LLM refused its key (HTTP 401/403). The create and "
        "send calls still succeeded: the agent just stays silent, and this callback is the only "
        "clue."
    ),
}

_WIDTH = 96


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong, in plain words, and what to do. ``str()`` gives a printable block."""

    title: str
    explanation: str
    fix: str

    def __str__(self) -> str:
        lines = [_("Diagnosis: {title}").format(title=self.title)]
        for label, text in (
            (_("What happened: {text}"), self.explanation),
            (_("Fix: {text}"), self.fix),
        ):
            if text:
                lines += textwrap.wrap(
                    label.format(text=text),
                    _WIDTH,
                    initial_indent="  ",
                    subsequent_indent="    ",
                    break_long_words=False,  # keep URLs whole
                    break_on_hyphens=False,
                )
        return "\n".join(lines)


def diagnose(problem: BaseException | CallbackEvent | None) -> Diagnosis:
    """Explain a raised kit error, an ``Exception``/``AgentInstanceDeleted`` callback, or
    ``None`` (the callback you waited for never came).

    Only codes, meanings and fixes go into the text: no RequestId, time,
    secret or server message, so the same failure always reads the same.
    """
    if problem is None:
        return Diagnosis(
            _("no callback arrived"),
            _("The event you waited for did not reach the receiver in time."),
            _(
                "Check {call} (a wrong secret shows there as 401), that the callback URL "
                "registered with ZEGO (or set in the sandbox) is the receiver's, and that a "
                "tunnel forwards to it."
            ).format(call="receiver.stats()['last_rejections']"),
        )
    if isinstance(problem, CallbackEvent):
        code = problem.code if problem.code is not None else -1
        info = describe_exception_code(code)
        where = (
            _(", round {round}").format(round=problem.round) if problem.round is not None else ""
        )
        return Diagnosis(
            f"{info.meaning} [{problem.event} {code}{where}]",
            _(EXPLANATIONS[code])
            if code in EXPLANATIONS
            else _("Read the event's Message in the event view."),
            info.hint,
        )
    if isinstance(problem, ZegoAPIError):
        return Diagnosis(
            _("{meaning} [code {code} from {action}]").format(
                meaning=problem.meaning, code=problem.code, action=problem.action
            ),
            _(EXPLANATIONS[problem.code])
            if problem.code in EXPLANATIONS
            else _("Read the error's message."),
            problem.hint,
        )
    if isinstance(problem, ValidationError):
        return Diagnosis(
            _("refused by the kit before sending [{field}]").format(field=problem.field),
            _("{field}: {problem}.").format(field=problem.field, problem=problem.problem),
            _("Correct {field}. Nothing was sent, so there is nothing to undo.").format(
                field=problem.field
            ),
        )
    if isinstance(problem, TransportError):
        return Diagnosis(
            _("no answer from the service [{action}]").format(action=problem.action),
            problem.problem,
            problem.hint,
        )
    if isinstance(problem, HTTPStatusError):
        return Diagnosis(
            _("an answer that is not ZEGO's [HTTP {status} from {action}]").format(
                status=problem.status, action=problem.action
            ),
            problem.problem,
            problem.hint,
        )
    return Diagnosis(type(problem).__name__, str(problem), "")


def outline(events: Iterable[CallbackEvent]) -> str:
    """One line per event, in ``Sequence`` order: the event name and its short meaning.

    Unlike :func:`zego_helpers.callbacks.format_line` it leaves out the time,
    the instance id and the measured latencies, so it reads the same on every
    run (the event view shows all of those).
    """
    lines = []
    for event in sorted(events, key=lambda e: e.sequence or 0):
        meaning = short_meaning(event, with_latency=False)
        lines.append(f"{event.event:<22} {meaning}")
    return "\n".join(lines)


def drills_run_here(service: Service, what: str) -> bool:
    """True on a sandbox; on ZEGO's real service print that ``what`` is skipped, and return False.

    The drills that change service rules (limits, the idle rule), create
    instances or point an agent at this machine run on a private sandbox of
    the notebook (:func:`start_drill_sandbox`). They do so in sandbox mode and
    against a workshop's room sandbox alike: a private sandbox touches nothing
    of the room's, so nobody else is locked out when a drill lowers a limit.
    On ZEGO they would change or use your real account, so they are skipped.
    """
    if service.is_any_sandbox:
        return True
    print(
        _(
            "Skipped in real mode: {what} runs only against the sandbox, because on ZEGO it "
            "would change or use your real account. Run the notebook without credentials to "
            "try it."
        ).format(what=what)
    )
    return False


# --- secrets for the callback receiver -----------------------------------------------------


def _drill_credentials(settings: Settings) -> tuple[int, str]:
    """The AppID and ServerSecret the drills' sandbox accepts and signs callbacks with.

    The ones this notebook signs with: the embedded sandbox's in sandbox
    mode, the room sandbox's (made up too) in a workshop. So the callback
    receiver, which checks with :func:`callback_secrets_for` the settings,
    verifies the drills' callbacks in both.
    """
    credentials = signing_credentials(settings)
    return credentials.app_id, credentials.server_secret.reveal()


# --- a private sandbox for the drills ------------------------------------------------------


class DrillSandbox:
    """A sandbox of the drills' own, with a client for it. ``stop()`` ends both.

    Same AppID and ServerSecret as the service of your settings (so the same
    callback secret verifies it), but its own empty state, kept in memory: a
    drill may lower its instance limit or switch the idle rule on without
    touching an instance you created in notebooks 02-04, or one of your room,
    and every run starts clean. ``control`` is its
    :class:`~zego_helpers.sandbox_control.SandboxControl`. Its ledger lives in a
    temporary directory, removed by ``stop()``.
    """

    def __init__(self, sandbox: RunningSandbox, client: AIAgentClient, ledger_dir: Path) -> None:
        from ..sandbox_control import SandboxControl

        self.sandbox = sandbox
        self.client = client
        self.control = SandboxControl(client)
        self._ledger_dir = ledger_dir

    def stop(self) -> None:
        """Stop the sandbox and close the client (idempotent)."""
        self.client.close()
        self.sandbox.stop()
        for path in self._ledger_dir.glob("*"):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self._ledger_dir.rmdir()

    def __enter__(self) -> DrillSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.sandbox.running else "stopped"
        return f"DrillSandbox({self.sandbox.base_url}, AppID {self.sandbox.app_id}, {state})"


def start_drill_sandbox(settings: Settings, **config: Any) -> DrillSandbox:
    """Start a private sandbox for the drills (see :class:`DrillSandbox`).

    The agent speaks three times faster than in the kit's sandbox
    (``speech_ms_per_char=5``) so the drills take seconds; ``config``
    overrides any :class:`~zego_helpers.sandbox.SandboxConfig` field.
    """
    from ..client import AIAgentClient
    from ..ledger import Ledger
    from ..sandbox import SandboxConfig, start_sandbox

    app_id, secret = _drill_credentials(settings)
    options = {"speech_ms_per_char": 5.0, **config}
    sandbox = start_sandbox(SandboxConfig(app_id=app_id, server_secret=secret, **options))
    ledger_dir = Path(tempfile.mkdtemp(prefix="zego-drill-"))
    client = AIAgentClient(app_id, secret, sandbox.base_url, ledger=Ledger.in_home(ledger_dir))
    return DrillSandbox(sandbox, client, ledger_dir)


# --- a wrong clock -------------------------------------------------------------------------


def reproduce_clock_skew(client: AIAgentClient, offset_seconds: float = 660) -> SignatureError:
    """Make one read-only call (ListAgents) with a clock ``offset_seconds`` fast; return the
    :class:`~zego_helpers.errors.SignatureError` (100000004) the service answers.

    Only this call is signed with the wrong clock: it goes through a copy of
    the client's transport on a :class:`~zego_helpers.transport.ShiftedClock`,
    so the client itself, and the rest of the process, keep the true time.
    The transport re-signs and retries a 100000004 once (a request can expire
    on a slow network), but with a wrong clock the retry fails the same way.
    Raises :class:`~zego_helpers.errors.ZegoError` if the call is accepted.
    """
    skewed = client.transport.with_clock(ShiftedClock(offset_seconds))
    try:
        skewed.call("ListAgents", {"Limit": 1})
    except SignatureError as error:
        return error
    raise ZegoError(
        _(
            "A request signed {seconds} s off was accepted: the server's clock is probably off "
            "by as much as ours pretended to be."
        ).format(seconds=f"{offset_seconds:.0f}")
    )


# --- an LLM that refuses every key ---------------------------------------------------------

#: What OpenAI-compatible providers answer for a wrong key.
REJECTION = {
    "error": {
        "message": "Incorrect API key provided.",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
}
_MAX_REQUEST_BYTES = 1 << 20


class RejectingLLM(NamedTuple):
    """A local chat-completions endpoint that answers 401 to everything.

    ``url`` is the full endpoint URL to put in ``LLM.Url``; ``stop()`` shuts
    it down (it also stops by itself after its lifetime).
    """

    url: str
    stop: Callable[[], None]


class _RejectingHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, _MAX_REQUEST_BYTES))  # read (and ignore) the request
        body = json.dumps(REJECTION).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class name
        pass  # keep notebook output clean


def start_rejecting_llm(lifetime_seconds: float = 600.0) -> RejectingLLM:
    """Serve a chat-completions endpoint on 127.0.0.1 that refuses every key with HTTP 401.

    It plays an LLM provider whose ``LLM.ApiKey`` is wrong. Only a client on
    this machine can reach it: the sandbox can, ZEGO's cloud cannot. It stops
    by itself after ``lifetime_seconds``.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectingHandler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name="zego-rejecting-llm",
        daemon=True,
    )
    stopped = threading.Event()
    lock = threading.Lock()

    def stop() -> None:
        with lock:
            if stopped.is_set():
                return
            stopped.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    thread.start()
    timer = threading.Timer(lifetime_seconds, stop)
    timer.daemon = True
    timer.start()

    def stop_now() -> None:
        timer.cancel()
        stop()

    port = server.server_address[1]
    return RejectingLLM(f"http://127.0.0.1:{port}/v1/chat/completions", stop_now)
