"""How the numbered notebooks hand work to each other.

Each notebook runs in its own kernel, so nothing in memory survives from one
to the next. What does survive:

* the **agent id**: not random, but :func:`~zego_helpers.ids.make_agent_id`
  of your attendee name, so 01 registers it and every later notebook knows it;
* the **ledger** (:mod:`zego_helpers.ledger`): 02 creates an instance and the
  client records it there; 03 and 04 take the latest entry.

If you open 03 first, :func:`find_or_create_instance` registers the agent and
creates an instance itself, so every notebook runs top to bottom on its own.
"""

from __future__ import annotations

from ..agent_defaults import default_agent_config
from ..client import AIAgentClient
from ..connect import signing_credentials
from ..errors import NotFoundError, ZegoError
from ..ids import CallIds, belongs_to, make_agent_id, make_call_ids, namespace_prefix
from ..ledger import LedgerEntry
from ..settings import Secret, Settings
from ..workflows import ensure_agent
from .form_logic import (
    TUTORIAL_MAX_IDLE_TIME,
    instance_form_values_to_models,
)


def tutorial_agent_id(settings: Settings) -> str:
    """The agent the notebooks share: ``tutorial_agent``, behind your attendee prefix if set."""
    return make_agent_id(settings.attendee)


def register_if_missing(client: AIAgentClient, settings: Settings) -> bool:
    """Register the tutorial agent with the default LLM and TTS unless it exists; ``True`` if new.

    An agent that exists is left as it is, so what you chose in notebook 01 stays.
    """
    agent_id = tutorial_agent_id(settings)
    if client.get_agent(agent_id) is not None:
        return False
    llm, tts = default_agent_config(settings)
    return ensure_agent(client, agent_id, llm=llm, tts=tts) == "registered"


def server_secret_for(settings: Settings) -> Secret:
    """The ServerSecret that signs in this mode: yours (real), or the embedded sandbox's.

    Notebooks need it to make a Token04 for the browser. It comes wrapped in a
    :class:`~zego_helpers.settings.Secret`, so printing it shows ``****``.
    (:func:`~zego_helpers.connect.signing_credentials` decides, for every part of the kit.)
    """
    return signing_credentials(settings).server_secret


def _ledger(client: AIAgentClient):
    if client.ledger is None:
        raise ZegoError("This client keeps no ledger; make it with zego_helpers.connect().")
    return client.ledger


def latest_instance(client: AIAgentClient, attendee: str | None = None) -> LedgerEntry | None:
    """The most recent instance the ledger holds for this AppID (and attendee), or ``None``.

    Only the AppID is compared, not the URL: in sandbox mode every kernel
    runs its own sandbox on its own port (sharing one state), so the
    instance 02 created is recorded under another port than 03 uses. With an
    ``attendee``, only instances in that attendee's namespace count, so in a
    shared kit home nobody picks up (or deletes) someone else's call.
    """
    entries = _ledger(client).entries(app_id=client.app_id)
    namespace = namespace_prefix(attendee)
    if namespace:
        entries = [
            e for e in entries if belongs_to(namespace, e.room_id, e.user_id, e.agent_user_id)
        ]
    return entries[-1] if entries else None


def call_ids_of(entry: LedgerEntry) -> CallIds:
    """The room, user and stream ids of a ledger entry (what the call widget needs)."""
    return CallIds(
        room_id=entry.room_id,
        user_id=entry.user_id,
        agent_user_id=entry.agent_user_id,
        user_stream_id=entry.user_stream_id,
        agent_stream_id=entry.agent_stream_id,
    )


def instance_status(client: AIAgentClient, agent_instance_id: str) -> str | None:
    """The instance's status (IDLE, LISTENING, ...), or ``None`` when it no longer exists."""
    try:
        return str(client.query_agent_instance_status(agent_instance_id).get("Status", ""))
    except NotFoundError:
        return None


def find_or_create_instance(
    client: AIAgentClient, settings: Settings, *, max_idle_time: int = TUTORIAL_MAX_IDLE_TIME
) -> tuple[LedgerEntry, bool]:
    """The latest live instance from the ledger, or a new one; ``(entry, created)``.

    A ledger entry whose instance is gone (deleted elsewhere, or destroyed by
    the idle rule) is forgotten. A new instance uses the tutorial agent,
    registered first with the default LLM and TTS if it does not exist yet.
    """
    entry = latest_instance(client, settings.attendee)
    while entry is not None:
        if instance_status(client, entry.agent_instance_id) is not None:
            return entry, False
        _ledger(client).forget(entry.agent_instance_id)
        entry = latest_instance(client, settings.attendee)

    agent_id = tutorial_agent_id(settings)
    register_if_missing(client, settings)
    ids = make_call_ids(settings.attendee)
    advanced, history = instance_form_values_to_models(max_idle_time=max_idle_time)
    data = client.create_agent_instance(
        agent_id, ids.user_id, ids.to_rtc(), message_history=history, advanced_config=advanced
    )
    created = latest_instance(client, settings.attendee)
    if created is None or created.agent_instance_id != str(data["AgentInstanceId"]):
        raise ZegoError("The new instance was not recorded in the ledger; check the kit home.")
    return created, True
