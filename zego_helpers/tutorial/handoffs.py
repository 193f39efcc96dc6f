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

from collections.abc import Callable
from typing import TYPE_CHECKING

from .client import AIAgentClient
from .errors import NotFoundError, ZegoError
from .form_logic import (
    TUTORIAL_MAX_IDLE_TIME,
    instance_form_values_to_models,
    llm_form_defaults,
    llm_form_values_to_model,
    tts_form_defaults,
    tts_form_values_to_model,
)
from .ids import CallIds, make_agent_id, make_call_ids, namespace_prefix
from .ledger import LedgerEntry
from .models import LLM, TTS
from .progress import record_progress
from .settings import Secret, Settings
from .workflows import ask, ensure_agent
from .workshop import belongs_to

if TYPE_CHECKING:  # the widget (and anywidget) load only when call_widget_for is used
    from .widgets.call_widget import CallWidget


def tutorial_agent_id(settings: Settings) -> str:
    """The agent the notebooks share: ``tutorial_agent``, behind your attendee prefix if set."""
    return make_agent_id(settings.attendee)


def default_agent_config(settings: Settings) -> tuple[LLM, TTS]:
    """The LLM and TTS that notebook 01's forms start with (``LLM_*``/``TTS_*``, or the trial)."""
    llm = llm_form_defaults(settings)
    tts = tts_form_defaults(settings)
    return (
        llm_form_values_to_model(llm.values, secrets=llm.secrets),
        tts_form_values_to_model(tts.choice, tts.values, secrets=tts.secrets),
    )


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
    """
    if not settings.is_sandbox:
        assert settings.server_secret is not None  # real mode means both credentials are set
        return settings.server_secret
    from .sandbox import ensure_embedded_sandbox

    return Secret(ensure_embedded_sandbox(settings.kit_home).server_secret)


def call_widget_for(
    client: AIAgentClient, settings: Settings, entry: LedgerEntry, *, user_name: str = "You"
) -> CallWidget:
    """The call widget for the user of ``entry``, wired for the current mode.

    * **Real mode**: the browser logs into ``entry.room_id`` as ``entry.user_id``
      with a Token04 the kernel mints from your ServerSecret (at Join, and again
      whenever the SDK says it is about to expire). The token is pinned to that
      room and may publish only ``entry.user_stream_id``: the stream the agent
      listens to. The widget then plays ``entry.agent_stream_id``. When the browser
      says the user is in the room, *user joined* is ticked off in the progress
      checklist (:func:`~zego_helpers.progress.record_progress`): nothing about
      it goes to the API, and ZEGO's API would not tell the kernel.
    * **Sandbox mode**: there is no RTC room, so the widget runs a simulated
      call. Join and Leave tell the sandbox that the user entered or left the
      room (``SandboxSetUserPresence``, which drives LISTENING vs IDLE and the
      idle rule), and each typed or spoken turn is sent with
      :func:`~zego_helpers.workflows.ask`; the agent's answer comes back to
      the browser, which reads it aloud.
    """
    from .token04 import generate_token04, privilege_payload
    from .widgets.call_widget import CallWidget

    ids = call_ids_of(entry)
    callbacks: dict[str, Callable[..., object]]
    if settings.is_sandbox:

        def tell_presence(in_room: bool) -> None:
            body = {"RoomId": ids.room_id, "UserId": ids.user_id, "InRoom": in_room}
            client.call("SandboxSetUserPresence", body)

        def answer(text: str) -> str:
            return ask(client, entry.agent_instance_id, text).text

        callbacks = {"presence_callback": tell_presence, "turn_handler": answer}
    else:
        secret = server_secret_for(settings)
        payload = privilege_payload(ids.room_id, [ids.user_stream_id])

        def mint_token() -> str:
            return generate_token04(entry.app_id, ids.user_id, secret.reveal(), payload=payload)

        def tick_progress(in_room: bool) -> None:
            if in_room:
                detail = f"{ids.user_id} in {ids.room_id} (call widget)"
                record_progress("user joined", detail, settings)

        callbacks = {"token_provider": mint_token, "presence_callback": tick_progress}

    return CallWidget(
        app_id=entry.app_id,
        server=settings.web_server,  # ZEGO_WEB_SERVER; "" lets SDK 3.7+ find it itself
        room_id=ids.room_id,
        user_id=ids.user_id,
        user_name=user_name,
        user_stream_id=ids.user_stream_id,
        agent_stream_id=ids.agent_stream_id,
        mode=settings.mode,
        **callbacks,
    )


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
