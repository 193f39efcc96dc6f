"""Who is doing what in a workshop room: the room sandbox's view of each attendee.

A trainer's room sandbox (``zego-kit sandbox``) serves everybody at once, and it
is the one place that sees every attendee's requests, whatever laptop or hub
server they come from. :class:`RoomTracker` watches them go by and keeps, per
attendee:

* the **quick-start steps** done so far (:data:`STEPS`): registered an agent,
  created an instance, talked to it (an LLM turn), made it speak (TTS),
  deleted an instance; each with the time it was first done;
* the **last error**, with the meaning of its code (:mod:`zego_helpers.codes`):
  a refused request, or an ``Exception`` event of one of their instances (an
  LLM that never answered, 2201; kicked out of the room, 1203);
* how many requests and errors, and when they were last seen.

Their **live instances** and **agents** are not tracked: they are read from the
sandbox state when a snapshot is taken, so an instance the idle rule destroyed
is gone from the dashboard as it is from the sandbox.

**Who is who.** All attendees sign with the room's one AppID, so the only clue
is in the ids: the kit puts each attendee's namespace in front of every id it
makes (:mod:`zego_helpers.ids`): ``zoe_room_3f2a1c9d0e4b``, ``zoe_tutorial_agent``.
An instance is attributed from its RoomId, AgentUserId or UserId
(:func:`~zego_helpers.ids.instance_owner`), then remembered by its
AgentInstanceId (later requests name only that); an agent from the instances
created with it, else from the kit's AgentId pattern
(:func:`~zego_helpers.ids.agent_owner`), else from the longest namespace seen so
far that starts it. What cannot be attributed (a wrong signature: the sandbox
cannot know whose) is counted for the room as a whole. The namespace ``""`` is
everybody who set no attendee name.

**Names people can read.** The id prefix of ``张伟`` is a hash (``ua3a0ba``);
the kit registers each attendee's agent with their name as ``Name``. A Name
whose :func:`~zego_helpers.ids.namespace_prefix` is the attendee's namespace is
taken as their display name, shown beside the prefix.

**Cost.** Watching a request costs a few dict lookups, whatever the size of the
room; a snapshot walks the room once (the dashboard asks for one at most twice a
second). Memory is bounded: at most :data:`MAX_ATTENDEES` attendees and
:data:`MAX_REMEMBERED_INSTANCES` instance owners are kept.

**Secrets.** Nothing of a request body is kept but ids, a Name and the error
message, and a message is masked (:func:`~zego_helpers.secrets_mask.mask_text`)
with the room's secret and every secret-looking value of the request, then cut
to :data:`MAX_MESSAGE_CHARS` characters.

This module is plain Python (no Tornado): the server feeds it
(:meth:`observe_request`, :meth:`observe_events`); :mod:`.dashboard` serves it.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..codes import describe_exception_code, describe_return_code
from ..ids import agent_owner, instance_owner, namespace_prefix
from ..secrets_mask import is_secret_key, mask_text
from .envelope import SandboxError
from .room_file import MIN_TOKEN_CHARS
from .state import SandboxState

log = logging.getLogger("zego_helpers.sandbox")

#: The quick-start steps, in order, with what the dashboard calls them.
STEPS: tuple[tuple[str, str], ...] = (
    ("registered", "Registered an agent"),
    ("created", "Created an instance"),
    ("talked", "Talked (LLM turn)"),
    ("spoke", "Made it speak (TTS)"),
    ("deleted", "Deleted an instance"),
)
STEP_KEYS = tuple(key for key, _ in STEPS)

CREATE_ACTIONS = frozenset(
    {
        "CreateAgentInstance",
        "CreateDigitalHumanAgentInstance",
        "CreateLiveDigitalHumanAgentInstance",
    }
)
#: The step a successful action completes.
STEP_OF_ACTION = {
    "RegisterAgent": "registered",
    "UpdateAgent": "registered",  # ensure_agent updates an agent registered before a restart
    **{action: "created" for action in CREATE_ACTIONS},
    "SendAgentInstanceLLM": "talked",
    "SandboxUserSpeak": "talked",
    "SendAgentInstanceTTS": "spoke",
    "DeleteAgentInstance": "deleted",
}
#: Exception codes that mean two attendees' ids collided: a second login with the same
#: AgentUserId kicked the first instance out (1203); an AgentStreamId already published (1206).
COLLISION_CODES = frozenset({1203, 1206})

MAX_ATTENDEES = 5000
MAX_REMEMBERED_INSTANCES = 100_000
MAX_MESSAGE_CHARS = 300
#: Trainer actions kept for the dashboard's log.
MAX_LOG_LINES = 50
#: Request bodies are searched this deep for secret values to mask in an error message.
_MAX_SECRET_DEPTH = 6


@dataclass
class LastError:
    """The latest thing that went wrong for an attendee (or the room)."""

    code: int
    meaning: str
    message: str
    action: str
    at: float
    #: ``"return code"`` (a refused request) or ``"exception event"`` (a callback).
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {
            "Code": self.code,
            "Meaning": self.meaning,
            "Message": self.message,
            "Action": self.action,
            "At": _ms(self.at),
            "Kind": self.kind,
        }


@dataclass
class Attendee:
    """What the room knows about one attendee (one namespace)."""

    namespace: str
    name: str = ""
    steps: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    errors: int = 0
    last_error: LastError | None = None
    last_seen: float = 0.0


class RoomTracker:
    """Watches a room sandbox's requests and events; answers snapshots and trainer clean-ups.

    ``trainer_token`` protects the dashboard and the trainer commands
    (:mod:`.dashboard`); attendees never see it (they hold the room's secret,
    not this). ``server_secret`` is only used to mask error messages.
    """

    def __init__(self, trainer_token: str, server_secret: str = "") -> None:
        if not isinstance(trainer_token, str) or len(trainer_token) < MIN_TOKEN_CHARS:
            raise ValueError(
                f"trainer_token must be a string of at least {MIN_TOKEN_CHARS} characters"
            )
        self.trainer_token = trainer_token
        self._server_secret = server_secret
        self.attendees: dict[str, Attendee] = {}
        self._instance_owner: OrderedDict[str, str] = OrderedDict()
        self._agent_owner: dict[str, str] = {}
        self.collisions = 0
        self.unattributed_errors = 0
        self.last_unattributed: LastError | None = None
        self.trainer_log: deque[tuple[float, str]] = deque(maxlen=MAX_LOG_LINES)
        #: Bumped on every change a dashboard would show; it waits for a new one.
        self.version = 0

    # --- fed by the server ------------------------------------------------------------------

    def observe_request(
        self,
        action: str | None,
        body: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        error: SandboxError | None,
        now: float,
    ) -> None:
        """Record one answered request (``error`` set when it was refused). Never raises."""
        try:
            self._observe(action, body if isinstance(body, Mapping) else {}, data, error, now)
        except Exception:  # watching must never break the request it watches
            log.exception("room tracker: could not record a %s request", action)

    def observe_events(self, records: Iterable[Mapping[str, Any]], now: float) -> None:
        """Record the events a state change emitted (``{"callback", "body"}``). Never raises."""
        try:
            for record in records:
                self._observe_event(record.get("body") or {}, now)
        except Exception:
            log.exception("room tracker: could not record an event")

    # --- who is who ---------------------------------------------------------------------------

    def owner_of_agent(self, agent_id: Any) -> str | None:
        """The namespace an AgentId belongs to, or ``None`` when nothing says (module docstring)."""
        if not isinstance(agent_id, str) or not agent_id:
            return None
        known = self._agent_owner.get(agent_id)
        if known is not None:
            return known
        owner = agent_owner(agent_id)
        if owner is not None:
            return owner
        # the longest namespace already seen that starts the id: "zoe_1_bot" is zoe_1's
        best = None
        start = agent_id.find("_")
        while start > 0:
            if agent_id[:start] in self.attendees:
                best = agent_id[:start]
            start = agent_id.find("_", start + 1)
        return best

    def owner_of_instance(
        self, instance_id: str, room_id: str = "", user_id: str = "", agent_user_id: str = ""
    ) -> str | None:
        """The namespace of an instance: remembered from its create, else read from its ids."""
        known = self._instance_owner.get(instance_id)
        if known is not None:
            return known
        return instance_owner(room_id, user_id, agent_user_id)

    # --- trainer actions (run inside a state transaction) -------------------------------------

    def delete_instances(
        self, state: SandboxState, namespace: str | None, now: float, *, delete: bool = True
    ) -> list[str]:
        """Delete the live instances of ``namespace`` (everybody's for ``None``); their ids.

        ``delete=False`` only lists them (a dry run).
        """
        doomed = [
            row["AgentInstanceId"]
            for row in state.list_instances("", now)
            if namespace is None or self._row_owner(row) == namespace
        ]
        if delete:
            for instance_id in doomed:
                state.delete_instance(instance_id, graceful=False, timeout=0, now=now)
            self._log(now, f"deleted {_count(doomed, 'instance')}", namespace)
        return doomed

    def unregister_agents(
        self, state: SandboxState, namespace: str | None, now: float, *, delete: bool = True
    ) -> list[str]:
        """Unregister the agents of ``namespace`` (everybody's for ``None``); their ids.

        ``delete=False`` only lists them (a dry run).
        """
        doomed = sorted(
            agent.agent_id
            for agent in state.agents.values()
            if namespace is None or self.owner_of_agent(agent.agent_id) == namespace
        )
        if delete:
            for agent_id in doomed:
                state.unregister_agent(agent_id)
            self._log(now, f"unregistered {_count(doomed, 'agent')}", namespace)
        return doomed

    # --- what the dashboard shows ---------------------------------------------------------------

    def snapshot(self, state: SandboxState, now: float) -> dict[str, Any]:
        """Everything the dashboard and ``zego-kit room status`` show, as plain JSON data."""
        live: dict[str | None, list[dict[str, Any]]] = {}
        for row in state.list_instances("", now):
            live.setdefault(self._row_owner(row), []).append(
                {
                    "AgentInstanceId": row["AgentInstanceId"],
                    "AgentId": row["AgentId"],
                    "RoomId": row["RoomId"],
                    "Status": row["Status"],
                    "CreatedTimestamp": row["CreatedTimestamp"],
                }
            )
        agents: dict[str | None, list[str]] = {}
        names: dict[str, str] = {}
        for agent in state.agents.values():
            owner = self.owner_of_agent(agent.agent_id)
            agents.setdefault(owner, []).append(agent.agent_id)
            if owner is not None and _is_display_name(agent.name, owner):
                names.setdefault(owner, agent.name)
        namespaces = set(self.attendees) | {k for k in live if k is not None}
        namespaces |= {k for k in agents if k is not None}
        rows = []
        for namespace in sorted(namespaces):
            attendee = self.attendees.get(namespace) or Attendee(namespace)
            steps = {key: _ms(at) for key, at in attendee.steps.items()}
            rows.append(
                {
                    "Namespace": namespace,
                    "Name": names.get(namespace) or attendee.name,
                    "Steps": steps,
                    "StepsDone": sum(key in steps for key in STEP_KEYS),
                    "Instances": live.get(namespace, []),
                    "Agents": sorted(agents.get(namespace, [])),
                    "Requests": attendee.requests,
                    "Errors": attendee.errors,
                    "LastError": attendee.last_error.to_json() if attendee.last_error else None,
                    "LastSeen": _ms(attendee.last_seen) if attendee.last_seen else None,
                }
            )
        return {
            "Version": self.version,
            "Now": _ms(now),
            "AppId": state.app_id,
            "Steps": [{"Key": key, "Label": label} for key, label in STEPS],
            "Attendees": rows,
            "Room": {
                "Attendees": len(rows),
                "Instances": sum(len(v) for v in live.values()),
                "Agents": sum(len(v) for v in agents.values()),
                "Collisions": self.collisions,
                "UnattributedErrors": self.unattributed_errors,
                "LastUnattributedError": (
                    self.last_unattributed.to_json() if self.last_unattributed else None
                ),
                "UnattributedInstances": live.get(None, []),
                "UnattributedAgents": sorted(agents.get(None, [])),
            },
            "TrainerLog": [{"At": _ms(at), "Text": text} for at, text in self.trainer_log],
        }

    # --- internals ------------------------------------------------------------------------------

    def _observe(
        self,
        action: str | None,
        body: Mapping[str, Any],
        data: Mapping[str, Any] | None,
        error: SandboxError | None,
        now: float,
    ) -> None:
        owner = self._request_owner(action or "", body, data, error)
        if error is not None:
            last = LastError(
                error.code,
                describe_return_code(error.code).meaning,
                self._masked(error.message, body),
                action or "?",
                now,
                "return code",
            )
            if owner is None:
                self.unattributed_errors += 1
                self.last_unattributed = last
                self.version += 1
                return
            attendee = self._attendee(owner)
            if attendee is None:
                return
            attendee.errors += 1
            attendee.last_error = last
        else:
            if owner is None:
                return
            attendee = self._attendee(owner)
            if attendee is None:
                return
            step = STEP_OF_ACTION.get(action or "")
            if step is not None:
                attendee.steps.setdefault(step, now)
            name = body.get("Name")
            if action in ("RegisterAgent", "UpdateAgent") and _is_display_name(name, owner):
                attendee.name = str(name)
        attendee.requests += 1
        attendee.last_seen = now
        self.version += 1

    def _request_owner(
        self,
        action: str,
        body: Mapping[str, Any],
        data: Mapping[str, Any] | None,
        error: SandboxError | None,
    ) -> str | None:
        """Whose request this was (module docstring); remembers a new instance's owner."""
        if action in CREATE_ACTIONS:
            rtc = _mapping(body.get("RTC"))
            owner = instance_owner(
                _text(rtc.get("RoomId")) or _text(body.get("RoomId")),
                _text(body.get("UserId")),
                _text(rtc.get("AgentUserId")) or _text(body.get("AgentUserId")),
            )
            if owner is not None and error is None:
                instance_id = _text(_mapping(data).get("AgentInstanceId"))
                if instance_id:
                    self._remember_instance(instance_id, owner)
                agent_id = _text(body.get("AgentId"))
                if agent_id:
                    self._agent_owner.setdefault(agent_id, owner)
            if owner is not None:
                return owner
        instance_id = _text(body.get("AgentInstanceId"))
        if instance_id:
            return self._instance_owner.get(instance_id)
        if "AgentId" in body:
            return self.owner_of_agent(body.get("AgentId"))
        if action == "SandboxSetUserPresence":
            return instance_owner(_text(body.get("RoomId")), _text(body.get("UserId")))
        return None

    def _observe_event(self, body: Mapping[str, Any], now: float) -> None:
        event = body.get("Event")
        data = _mapping(body.get("Data"))
        code = data.get("Code")
        if event == "AgentInstanceDeleted" and code in COLLISION_CODES:
            self.collisions += 1
            self.version += 1
        if event != "Exception" or not isinstance(code, int):
            if event in ("AgentInstanceStatus", "AgentInstanceDeleted", "AgentInstanceCreated"):
                self.version += 1  # a live instance changed: the dashboard shows it
            return
        owner = self.owner_of_instance(
            _text(body.get("AgentInstanceId")),
            _text(body.get("RoomId")),
            "",
            _text(body.get("AgentUserId")),
        )
        last = LastError(
            code,
            describe_exception_code(code).meaning,
            self._masked(_text(data.get("Message")), {}),
            f"Exception event ({_text(body.get('AgentInstanceId'))})",
            now,
            "exception event",
        )
        self.version += 1
        attendee = self._attendee(owner) if owner is not None else None
        if attendee is None:
            self.unattributed_errors += 1
            self.last_unattributed = last
            return
        attendee.errors += 1
        attendee.last_error = last

    def _attendee(self, namespace: str) -> Attendee | None:
        attendee = self.attendees.get(namespace)
        if attendee is None:
            if len(self.attendees) >= MAX_ATTENDEES:
                return None
            attendee = self.attendees[namespace] = Attendee(namespace)
        return attendee

    def _remember_instance(self, instance_id: str, owner: str) -> None:
        self._instance_owner[instance_id] = owner
        while len(self._instance_owner) > MAX_REMEMBERED_INSTANCES:
            self._instance_owner.popitem(last=False)

    def _row_owner(self, row: Mapping[str, Any]) -> str | None:
        return self.owner_of_instance(
            row["AgentInstanceId"], row["RoomId"], row["UserId"], row["AgentUserId"]
        )

    def _masked(self, message: str, body: Mapping[str, Any]) -> str:
        text = mask_text(message, self._server_secret, *_secret_values(body))
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 1] + "…"
        return text

    def _log(self, now: float, what: str, namespace: str | None) -> None:
        whose = "everybody" if namespace is None else repr(namespace)
        self.trainer_log.append((now, f"trainer: {what} of {whose}"))
        self.version += 1


def new_trainer_token() -> str:
    """A fresh trainer token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def _is_display_name(name: Any, namespace: str) -> bool:
    """True when ``name`` is an attendee name that makes exactly ``namespace``."""
    return isinstance(name, str) and bool(name.strip()) and namespace_prefix(name) == namespace


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _secret_values(body: Any, depth: int = 0) -> list[str]:
    """The values of secret-looking keys in a request body (an LLM ApiKey, a TTS token)."""
    found: list[str] = []
    if depth > _MAX_SECRET_DEPTH:
        return found
    if isinstance(body, Mapping):
        for key, value in body.items():
            if is_secret_key(key) and isinstance(value, str):
                found.append(value)
            else:
                found += _secret_values(value, depth + 1)
    elif isinstance(body, list):
        for item in body[:100]:
            found += _secret_values(item, depth + 1)
    return found


def _count(items: list[str], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
