"""Small recipes built from several calls: register once, run a call safely, ask and wait.

* :func:`ensure_agent` makes registration idempotent, so running a notebook
  twice never fails with "agent already exists" (410001008).
* :class:`AgentSession` creates an instance and *always* deletes it, even when
  your code raises, so no instance is left holding one of your 10 slots.
* :func:`ask` sends a text turn and waits until the agent's answer appears in
  the conversation history.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from . import request_bodies
from .client import AIAgentClient
from .errors import AlreadyExistsError, ValidationError, ZegoError
from .i18n import _
from .ids import CallIds, require_call_ids
from .models import MessageHistory
from .request_bodies import ParamObject
from .validation import check_agent_id, check_number_range

EnsureResult = Literal["registered", "updated", "unchanged"]

#: Longest wait :func:`ask` and :func:`wait_for_status` accept (an hour), and the
#: shortest polling interval (ZEGO paces each action at 10 requests/s).
MAX_WAIT_S = 3600.0
MIN_INTERVAL_S = 0.0


def _check_client(client: object) -> AIAgentClient:
    if not isinstance(client, AIAgentClient):
        raise ValidationError(
            "client",
            _("must be an AIAgentClient (connect() gives one), not {type}").format(
                type=type(client).__name__
            ),
        )
    return client


def _check_options(function: Any, options: Mapping[str, Any], skip: int) -> None:
    """Refuse a keyword ``function`` does not take (a typo would otherwise be a TypeError)."""
    parameters = list(inspect.signature(function).parameters)[skip:]
    for name in options:
        if name not in parameters:
            raise ValidationError(
                name,
                _("is not an option here; use one of {allowed}").format(
                    allowed=", ".join(parameters)
                ),
            )


def _check_wait(timeout: object, interval: object) -> None:
    check_number_range("timeout", timeout, 0, MAX_WAIT_S)
    check_number_range("interval", interval, MIN_INTERVAL_S, MAX_WAIT_S)


def _differs(wanted: Any, stored: Any) -> bool:
    """True when ``stored`` does not contain everything in ``wanted``.

    ZEGO may add defaults to what it stores (a ``Vendor``, a ``Temperature``),
    so only the fields *we* send are compared.
    """
    if isinstance(wanted, Mapping):
        if not isinstance(stored, Mapping):
            return True
        return any(_differs(value, stored.get(key)) for key, value in wanted.items())
    if isinstance(wanted, float) or isinstance(stored, float):
        try:
            return abs(float(wanted) - float(stored)) > 1e-9
        except (TypeError, ValueError):
            return True
    return bool(wanted != stored)


def ensure_agent(
    client: AIAgentClient,
    agent_id: str,
    *,
    name: str | None = None,
    llm: ParamObject = None,
    tts: ParamObject = None,
    asr: ParamObject = None,
) -> EnsureResult:
    """Make sure ``agent_id`` is registered with this config; change only what differs.

    1. QueryAgents: is it there?
    2. No: RegisterAgent. If another process registered it a moment ago
       (410001008), that counts as success and we go on to compare.
    3. Yes: UpdateAgent only if the stored config differs from what you pass.
       The ``Name`` is sent again only when it changed: UpdateAgent allows 64
       characters where RegisterAgent allows 256 bytes
       (https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-configuration-management/update-agent),
       so a long name that registered fine must not break a later update.
    """
    _check_client(client)
    check_agent_id("agent_id", agent_id)  # a typo names the argument you passed
    # The very body RegisterAgent would send: everything is checked before QueryAgents.
    wanted = request_bodies.register_agent_body(agent_id, name=name, llm=llm, tts=tts, asr=asr)
    del wanted["AgentId"]
    stored = client.get_agent(agent_id)
    if stored is None:
        try:
            client.register_agent(agent_id, name=name, llm=llm, tts=tts, asr=asr)
            return "registered"
        except AlreadyExistsError:
            stored = client.get_agent(agent_id) or {}
    if not _differs(wanted, stored):
        return "unchanged"
    new_name = name if name is not None and name != stored.get("Name") else None
    client.update_agent(agent_id, name=new_name, llm=llm, tts=tts, asr=asr)
    return "updated"


class AgentSession:
    """Create an agent instance on entry; delete it on exit, whatever happened.

    ::

        with AgentSession(client, "my_agent", make_call_ids()) as session:
            client.send_agent_instance_llm(session.instance_id, "Hello")
        # deleted here, even after an exception

    Deleting an instance that is already gone (ZEGO destroyed it after the
    idle time: 410001002) counts as done.
    """

    def __init__(
        self,
        client: AIAgentClient,
        agent_id: str,
        ids: CallIds,
        *,
        message_history: ParamObject = None,
        **create_options: Any,
    ) -> None:
        self.client = _check_client(client)
        self.agent_id = request_bodies.agent_id_body(agent_id)["AgentId"]
        self.ids = require_call_ids(ids).validate()
        self.message_history = message_history if message_history is not None else MessageHistory()
        _check_options(AIAgentClient.create_agent_instance, create_options, skip=4)
        self.create_options = create_options
        self.instance_id: str | None = None

    def start(self) -> str:
        """Create the instance (ZEGO's default history: SyncMode 1, no messages, window 10)."""
        data = self.client.create_agent_instance(
            self.agent_id,
            self.ids.user_id,
            self.ids.to_rtc(),
            message_history=self.message_history,
            **self.create_options,
        )
        self.instance_id = str(data["AgentInstanceId"])
        return self.instance_id

    def stop(self) -> None:
        """Delete the instance if it is still running; safe to call twice."""
        if self.instance_id is not None:
            self.client.delete_agent_instance(self.instance_id, missing_ok=True)
            self.instance_id = None

    def __enter__(self) -> AgentSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Reply:
    """What :func:`ask` returns: the turn number and the agent's answer."""

    round: int
    text: str


def wait_for_status(
    client: AIAgentClient,
    agent_instance_id: str,
    statuses: tuple[str, ...] = ("LISTENING", "IDLE"),
    *,
    timeout: float = 30.0,
    interval: float = 0.25,
) -> str:
    """Poll QueryAgentInstanceStatus until the status is one of ``statuses``; return it."""
    _check_client(client)
    request_bodies.check_instance_id(agent_instance_id)
    if not (
        isinstance(statuses, (tuple, list))
        and statuses
        and all(isinstance(status, str) for status in statuses)
    ):
        raise ValidationError(
            "statuses", _("must be a tuple of status names such as ('LISTENING',)")
        )
    _check_wait(timeout, interval)
    deadline = time.monotonic() + timeout
    while True:
        status = str(client.query_agent_instance_status(agent_instance_id).get("Status", ""))
        if status in statuses:
            return status
        if time.monotonic() >= deadline:
            raise ZegoError(
                _(
                    "Instance {instance} stayed {status} for {seconds} s (waiting for {wanted})"
                ).format(
                    instance=agent_instance_id,
                    status=status,
                    seconds=f"{timeout:.0f}",
                    wanted=_(" or ").join(statuses),
                )
            )
        time.sleep(interval)


def ask(
    client: AIAgentClient,
    agent_instance_id: str,
    text: str,
    *,
    timeout: float = 60.0,
    interval: float = 0.25,
    **send_options: Any,
) -> Reply:
    """Send ``text`` as a user turn and wait for the agent's answer in the history.

    The answer is spoken in the room; here we read it back from
    GetAgentInstanceMsgList, where it appears once the LLM has finished
    (``AddAnswerToHistory`` must stay true, the default here). A chat turn
    belongs to the conversation, so the question goes into the history too
    (``AddQuestionToHistory`` true, unless you pass ``add_question_to_history=False``;
    ZEGO's own default is false).
    """
    _check_client(client)
    _check_wait(timeout, interval)
    _check_options(request_bodies.send_agent_instance_llm_body, send_options, skip=2)
    send_options.setdefault("add_question_to_history", True)
    # Every argument is checked before the first request (not only when sending the text).
    request_bodies.send_agent_instance_llm_body(agent_instance_id, text, **send_options)
    before = client.get_agent_instance_msg_list(agent_instance_id).get("MessageList") or []
    sent = client.send_agent_instance_llm(agent_instance_id, text, **send_options)
    deadline = time.monotonic() + timeout
    while True:
        messages = client.get_agent_instance_msg_list(agent_instance_id).get("MessageList") or []
        new = messages[len(before) :] if len(messages) >= len(before) else messages
        answers = [m for m in new if m.get("Role") == "assistant" and m.get("Content")]
        if answers:
            return Reply(round=int(sent.get("Round", 0)), text=str(answers[-1]["Content"]))
        if time.monotonic() >= deadline:
            raise ZegoError(
                _(
                    "No answer from instance {instance} within {seconds} s. "
                    "If this is the real service, check the LLM settings: a rejected key arrives "
                    "only as an Exception callback (2203)."
                ).format(instance=agent_instance_id, seconds=f"{timeout:.0f}")
            )
        time.sleep(interval)

