"""How the numbered notebooks hand work to each other: said out loud, not guessed.

Each notebook runs in its own kernel, so nothing in memory survives from one
to the next. What does survive:

* the **agent id**: not random, but :func:`~zego_helpers.ids.make_agent_id`
  of your attendee name, so 01 registers it and every later notebook knows it;
* the **hand-off record**: a small JSON file in the kit home
  (``handoff-<your namespace>.json``) that says which instance is *the
  tutorial instance*. Notebook 02 writes it right after creating the instance
  (:func:`hand_off`); 03 and 04 read it (:func:`tutorial_instance`) and say
  that they use it. An exercise instance is recorded under its own role
  (``"exercise"``), so it is never mistaken for the tutorial one, and
  :func:`delete_previous_try` deletes it before a retry creates another.

Why not "the newest instance in the ledger"? Because the newest is often an
exercise instance, or one from another notebook run: the ledger remembers
every instance for cleanup, the hand-off says which one to *use*.

If you open 03 first, or the handed-off instance is gone (deleted, or
destroyed by the idle rule), :func:`tutorial_instance` registers the agent if
needed, creates a new instance and hands it off itself, so every notebook
runs top to bottom on its own.

The record is written atomically (a temporary file, then a rename), holds ids
only (never a key), and is kept per attendee, so people sharing a kit home
never pick up each other's instance.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from ..agent_defaults import default_agent_config
from ..atomic_file import replace_file
from ..client import AIAgentClient
from ..connect import signing_credentials
from ..errors import NotFoundError, ValidationError
from ..i18n import _
from ..ids import CallIds, make_agent_id, make_call_ids, namespace_prefix, require_call_ids
from ..kit_home import ensure_kit_home
from ..settings import Secret, Settings
from ..workflows import ensure_agent
from .form_logic import TUTORIAL_MAX_IDLE_TIME, instance_form_values_to_models

Role = Literal["tutorial", "exercise"]
ROLES: tuple[Role, ...] = ("tutorial", "exercise")


def tutorial_agent_id(settings: Settings) -> str:
    """The agent the notebooks share: ``tutorial_agent``, behind your attendee prefix if set."""
    return make_agent_id(settings.attendee)


def tutorial_agent_name(settings: Settings) -> str:
    """The agent's ``Name``: your attendee name as you typed it (``"张伟"``), for people to read.

    Ids carry only a short ASCII prefix (``u3a0ba_``); the name says whose agent
    it is in the trainer's listings. Without an attendee name: ``"Tutorial agent"``.
    """
    return (settings.attendee or "").strip() or "Tutorial agent"


def register_if_missing(client: AIAgentClient, settings: Settings) -> bool:
    """Register the tutorial agent with the default LLM and TTS unless it exists; ``True`` if new.

    An agent that exists is left as it is, so what you chose in notebook 01 stays.
    """
    agent_id = tutorial_agent_id(settings)
    if client.get_agent(agent_id) is not None:
        return False
    llm, tts = default_agent_config(settings)
    name = tutorial_agent_name(settings)
    return ensure_agent(client, agent_id, name=name, llm=llm, tts=tts) == "registered"


def server_secret_for(settings: Settings) -> Secret:
    """The ServerSecret that signs in this mode: yours (real), or the embedded sandbox's.

    Notebooks need it to make a Token04 for the browser. It comes wrapped in a
    :class:`~zego_helpers.settings.Secret`, so printing it shows ``****``.
    (:func:`~zego_helpers.connect.signing_credentials` decides, for every part of the kit.)
    """
    return signing_credentials(settings).server_secret


class HasCallIds(Protocol):
    """Anything that carries the five ids of a call (a hand-off, a ledger entry)."""

    room_id: str
    user_id: str
    agent_user_id: str
    user_stream_id: str
    agent_stream_id: str


def call_ids_of(record: HasCallIds) -> CallIds:
    """The room, user and stream ids of a hand-off (or a ledger entry), for the call widget."""
    return CallIds(
        room_id=record.room_id,
        user_id=record.user_id,
        agent_user_id=record.agent_user_id,
        user_stream_id=record.user_stream_id,
        agent_stream_id=record.agent_stream_id,
    )


def instance_status(client: AIAgentClient, agent_instance_id: str) -> str | None:
    """The instance's status (IDLE, LISTENING, ...), or ``None`` when it no longer exists."""
    try:
        return str(client.query_agent_instance_status(agent_instance_id).get("Status", ""))
    except NotFoundError:
        return None


# --- the hand-off record ----------------------------------------------------------------------


@dataclass(frozen=True)
class HandedOff:
    """One instance a notebook handed to the next: its id, where it lives, its call ids."""

    role: Role
    agent_instance_id: str
    app_id: int
    api_base_url: str
    agent_id: str
    room_id: str
    user_id: str
    agent_user_id: str
    user_stream_id: str
    agent_stream_id: str
    handed_off_at: float

    @property
    def ids(self) -> CallIds:
        return call_ids_of(self)

    def describe(self) -> str:
        """``instance 739... (room zoe_room_...)``."""
        return _("instance {instance_id} (room {room_id})").format(
            instance_id=self.agent_instance_id, room_id=self.room_id
        )


def handoff_file(settings: Settings) -> Path:
    """Where the record lives: ``<kit home>/handoff-<namespace>.json`` (``-default``: no name)."""
    namespace = namespace_prefix(settings.attendee) or "default"
    return Path(settings.kit_home) / f"handoff-{namespace}.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # a damaged record only costs a new instance: 03 creates one
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    ensure_kit_home(path.parent)
    text = json.dumps({"version": 1, **data}, indent=1, ensure_ascii=False)
    replace_file(path, text.encode("utf-8"))


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise ValidationError(
            "role",
            _("is {value}; use one of {allowed}").format(
                value=repr(role), allowed=", ".join(ROLES)
            ),
        )
    return role


def hand_off(
    settings: Settings,
    client: AIAgentClient,
    agent_instance_id: str,
    agent_id: str,
    ids: CallIds,
    *,
    role: Role = "tutorial",
) -> HandedOff:
    """Record ``agent_instance_id`` as *the* ``role`` instance for the next notebooks; returns it.

    Notebook 02 calls it right after ``client.create_agent_instance(...)``;
    the exercise cell calls it with ``role="exercise"``.
    """
    _check_role(role)
    require_call_ids(ids)
    record = HandedOff(
        role=role,
        agent_instance_id=str(agent_instance_id),
        app_id=client.app_id,
        api_base_url=client.base_url,
        agent_id=agent_id,
        room_id=ids.room_id,
        user_id=ids.user_id,
        agent_user_id=ids.agent_user_id,
        user_stream_id=ids.user_stream_id,
        agent_stream_id=ids.agent_stream_id,
        handed_off_at=time.time(),
    )
    path = handoff_file(settings)
    data = _read(path)
    data[role] = asdict(record)
    _write(path, data)
    return record


def handed_off(
    settings: Settings, client: AIAgentClient, role: Role = "tutorial"
) -> HandedOff | None:
    """The ``role`` instance recorded for this service, or ``None``; it may have ended since.

    Only the AppID is compared in sandbox mode (every kernel runs the embedded
    sandbox on its own port, on one shared state); otherwise the URL too.
    """
    raw = _read(handoff_file(settings)).get(_check_role(role))
    if not isinstance(raw, dict):
        return None
    try:
        record = HandedOff(**{name: raw[name] for name in HandedOff.__dataclass_fields__})
    except (KeyError, TypeError):
        return None
    same_url = settings.is_sandbox or record.api_base_url == client.base_url
    return record if record.app_id == client.app_id and same_url else None


def take_back(settings: Settings, role: Role = "tutorial") -> None:
    """Forget the ``role`` instance (it was deleted)."""
    path = handoff_file(settings)
    data = _read(path)
    if data.pop(_check_role(role), None) is not None:
        _write(path, data)


def delete_previous_try(client: AIAgentClient, settings: Settings) -> str | None:
    """Delete the exercise instance of the last try, if any; returns its id.

    An exercise cell calls this first, so re-running it after a wrong answer
    replaces the instance instead of leaving one more running.
    """
    previous = handed_off(settings, client, "exercise")
    take_back(settings, "exercise")
    if previous is None:
        return None
    client.delete_agent_instance(previous.agent_instance_id, missing_ok=True)
    return previous.agent_instance_id


@dataclass(frozen=True)
class TutorialInstance:
    """What :func:`tutorial_instance` found: the instance, and how (``"handed off"``/``"new"``)."""

    instance: HandedOff
    how: Literal["handed off", "new"]

    def line(self) -> str:
        """The sentence a notebook prints about it."""
        if self.how == "handed off":
            where = self.instance.describe()
            return _("Using the tutorial instance notebook 02 handed off: {where}.").format(
                where=where
            )
        return _(
            "No live tutorial instance was handed off (notebook 02 not run, or its instance has "
            "ended), so a new one was created and handed off: {where}."
        ).format(where=self.instance.describe())


def tutorial_instance(
    client: AIAgentClient, settings: Settings, *, max_idle_time: int = TUTORIAL_MAX_IDLE_TIME
) -> TutorialInstance:
    """The tutorial instance notebook 02 handed off, if it still runs; else a new one, handed off.

    A new instance uses the tutorial agent, registered first with the default
    LLM and TTS if it does not exist yet.
    """
    record = handed_off(settings, client, "tutorial")
    if record is not None and instance_status(client, record.agent_instance_id) is not None:
        return TutorialInstance(record, "handed off")
    agent_id = tutorial_agent_id(settings)
    register_if_missing(client, settings)
    ids = make_call_ids(settings.attendee)
    advanced, history = instance_form_values_to_models(max_idle_time=max_idle_time)
    data = client.create_agent_instance(
        agent_id, ids.user_id, ids.to_rtc(), message_history=history, advanced_config=advanced
    )
    created = hand_off(settings, client, str(data["AgentInstanceId"]), agent_id, ids)
    return TutorialInstance(created, "new")
