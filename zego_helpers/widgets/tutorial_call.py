"""Notebook 03's call widget, wired for the current mode (Token04 and progress, or the sandbox).

The widget itself (:class:`~zego_helpers.widgets.call_widget.CallWidget`)
knows nothing of the API; this function gives it the callbacks it needs, from
the tutorial's hand-offs and the core.
"""

from __future__ import annotations

from typing import Any

from ..client import AIAgentClient
from ..i18n import _
from ..ledger import LedgerEntry
from ..sandbox_control import SandboxControl
from ..service import Service
from ..settings import Settings
from ..token04 import generate_token04, privilege_payload
from ..tutorial.handoffs import HandedOff, call_ids_of, server_secret_for
from ..tutorial.progress import record_progress
from ..workflows import ask
from .call_widget import CallWidget


def call_widget_for(
    client: AIAgentClient,
    settings: Settings,
    entry: HandedOff | LedgerEntry,
    *,
    service: Service | None = None,
    user_name: str = "You",
) -> CallWidget:
    """The call widget for the user of ``entry`` (the tutorial instance), wired for the service.

    * **Real mode**: the browser logs into ``entry.room_id`` as ``entry.user_id``
      with a Token04 the kernel mints from your ServerSecret (at Join, and again
      whenever the SDK says it is about to expire). The token is pinned to that
      room and may publish only ``entry.user_stream_id``: the stream the agent
      listens to. The widget then plays ``entry.agent_stream_id``. When the browser
      says the user is in the room, *user joined* is ticked off in the progress
      checklist (:func:`~zego_helpers.tutorial.progress.record_progress`): nothing about
      it goes to the API, and ZEGO's API would not tell the kernel.
    * **Sandbox mode**, and a workshop's **room sandbox** (``service.kind ==
      "room"``, though the settings say "real"): there is no RTC room, so the
      widget runs a simulated call. Join and Leave tell the sandbox that the
      user entered or left the room (``SandboxSetUserPresence``, which drives
      LISTENING vs IDLE and the idle rule), and each typed or spoken turn is sent with
      :func:`~zego_helpers.workflows.ask`; the agent's answer comes back to
      the browser, which reads it aloud.

    In both modes the call has three control buttons. In a real call they send
    ZEGO's room commands to ``entry``'s agent user id (agent custom control);
    in the sandbox, :func:`control_on_sandbox` makes the same server API calls:
    ``InterruptAgentInstance``, ``SendAgentInstanceTTS`` and, for "Ask this",
    ``SendAgentInstanceLLM`` (through :func:`~zego_helpers.workflows.ask`, so
    the answer can be shown).
    """
    ids = call_ids_of(entry)
    callbacks: dict[str, Any]
    simulated = service.is_any_sandbox if service is not None else settings.is_sandbox
    if simulated:

        sandbox = SandboxControl(client)

        def tell_presence(in_room: bool) -> None:
            if in_room:
                sandbox.user_joined(ids.room_id, ids.user_id)
            else:
                sandbox.user_left(ids.room_id, ids.user_id)

        def answer(text: str) -> str:
            return ask(client, entry.agent_instance_id, text).text

        callbacks = {
            "presence_callback": tell_presence,
            "turn_handler": answer,
            "control_handler": control_on_sandbox(client, entry.agent_instance_id),
        }
    else:
        secret = server_secret_for(settings)
        payload = privilege_payload(ids.room_id, [ids.user_stream_id])

        def mint_token() -> str:
            return generate_token04(entry.app_id, ids.user_id, secret.reveal(), payload=payload)

        def tick_progress(in_room: bool) -> None:
            if in_room:
                detail = f"{ids.user_id} @ {ids.room_id} (CallWidget)"
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
        agent_user_id=ids.agent_user_id,
        sdk_url=settings.web_sdk_url or None,  # ZEGO_WEB_SDK_URL; else the kit's copy or the CDN
        sdk_debug=settings.web_sdk_debug,  # ZEGO_WEB_SDK_DEBUG
        kit_home=settings.kit_home,
        mode="sandbox" if simulated else "real",
        **callbacks,
    )


def control_on_sandbox(client: AIAgentClient, agent_instance_id: str) -> Any:
    """The call widget's control buttons in the simulated call: the server API's Actions.

    Returns ``control(action, text) -> what the agent says`` (``None`` for Interrupt).
    """

    def control(action: str, text: str) -> str | None:
        if action == "InterruptAgentInstance":
            client.interrupt_agent_instance(agent_instance_id)
            return None
        if action == "SendAgentInstanceTTS":
            client.send_agent_instance_tts(agent_instance_id, text)
            return text
        if action == "SendAgentInstanceLLM":
            return ask(client, agent_instance_id, text).text
        raise ValueError(
            _("unknown control action {action}").format(action=repr(action))
        )

    return control
