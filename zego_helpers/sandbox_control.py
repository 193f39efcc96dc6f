"""The sandbox's own actions, as typed Python: is this a sandbox, and tell it what ZEGO cannot.

A sandbox understands a few actions ZEGO does not (all starting with
``Sandbox``, signed like the others; :mod:`zego_helpers.sandbox.actions`
documents them). They stand in for what happens outside the API: a user
joining the room, speaking into a microphone, the console's callback URL.
:class:`SandboxControl` wraps them, so a notebook never writes a raw
``client.call("Sandbox...", {...})`` body::

    sandbox = SandboxControl(client)
    if sandbox.info() is not None:                        # a sandbox, not ZEGO
        sandbox.configure(instance_limit=3, idle_rule=True)
        sandbox.user_joined(ids.room_id, ids.user_id)     # what the call widget does
        sandbox.list_instances(prefix="zoe_")             # ZEGO has no such action

**Asked once.** :meth:`SandboxControl.info` sends ``SandboxInfo`` the first
time a process asks about a service (AppID and URL) and remembers the answer:
ZEGO's real service answers ``100000007`` (unsupported action), which is
remembered as ``None``. ``Room: true`` marks a workshop's *room sandbox*
(``zego-kit sandbox``), so the kit can say so and plan with its limits.

This module is core: it knows the action and field names itself and never
imports the sandbox, so the client side and the sandbox side can disagree
and a test catches it (``tests/test_sandbox_control.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .client import AIAgentClient
from .constants import UNSUPPORTED_ACTION
from .errors import ValidationError, ZegoAPIError
from .i18n import _
from .validation import check_non_empty_text, check_room_or_stream_id, check_user_id

#: Keyword of :meth:`SandboxControl.configure` -> the ``SandboxConfigure`` field it sets.
CONFIGURE_FIELDS = {
    "instance_limit": "InstanceLimit",
    "idle_rule": "IdleRule",
    "idle_time_scale": "IdleTimeScale",
    "latency_ms": "LatencyMs",
    "failure_rate": "FailureRate",
    "rate_limit_per_action": "RateLimitPerAction",
    "callback_url": "CallbackUrl",
    "callback_secret": "CallbackSecret",
    "speech_ms_per_char": "SpeechMsPerChar",
}


@dataclass(frozen=True)
class SandboxInfo:
    """What a sandbox says about itself (``SandboxInfo``), as far as it stays true while it runs.

    ``room`` is true for a workshop's room sandbox. ``instance_limit`` and
    ``rate_limit_per_action`` (``None``: no limit) are its own limits, which a
    capacity plan should use instead of ZEGO's defaults.
    """

    base_url: str
    app_id: int
    version: str
    room: bool
    instance_limit: int
    rate_limit_per_action: int | None
    persistent: bool

    @classmethod
    def from_api(cls, base_url: str, data: dict[str, Any]) -> SandboxInfo:
        config = data.get("Config") or {}
        rate = config.get("RateLimitPerAction")
        return cls(
            base_url=base_url,
            app_id=int(data.get("AppId") or 0),
            version=str(data.get("Version") or ""),
            room=data.get("Room") is True,
            instance_limit=int(config.get("InstanceLimit") or 0),
            rate_limit_per_action=int(rate) if rate else None,
            persistent=data.get("Persistent") is True,
        )

    def limits_text(self) -> str:
        """``100 instances at once, no rate limit``: the limits in words."""
        rate = (
            _("{count} requests/s per action").format(count=self.rate_limit_per_action)
            if self.rate_limit_per_action
            else _("no rate limit")
        )
        return _("{count} instances at once, {rate}").format(count=self.instance_limit, rate=rate)


_CACHE: dict[tuple[int, str], SandboxInfo | None] = {}
_CACHE_LOCK = threading.Lock()


def forget_cached_info() -> None:
    """Forget every remembered answer (tests, or a sandbox restarted with other limits)."""
    with _CACHE_LOCK:
        _CACHE.clear()


class SandboxControl:
    """The sandbox-only actions for the service ``client`` talks to.

    Every method except :meth:`info` raises :class:`~zego_helpers.errors.ZegoAPIError`
    (100000007) against ZEGO's real service, which does not know them.
    Requests go through ``client.call``, so a tracked client's progress
    checklist sees them (a user joining ticks *user joined*).
    """

    def __init__(self, client: AIAgentClient) -> None:
        if not isinstance(client, AIAgentClient):
            raise ValidationError(
                "client",
                _("must be an AIAgentClient (connect() gives one), not {type}").format(
                    type=type(client).__name__
                ),
            )
        self.client = client

    def __repr__(self) -> str:
        return f"SandboxControl({self.client!r})"

    # --- what is it? ----------------------------------------------------------------------

    def info(self, *, refresh: bool = False) -> SandboxInfo | None:
        """The sandbox's :class:`SandboxInfo`, or ``None`` for ZEGO's real service.

        Asked once per process and service; ``refresh=True`` asks again. Any
        other failure (network, wrong secret) is raised and not remembered.
        """
        key = (self.client.app_id, self.client.base_url)
        with _CACHE_LOCK:
            if not refresh and key in _CACHE:
                return _CACHE[key]
        try:
            data = self.client.call("SandboxInfo", {})
        except ZegoAPIError as error:
            if error.code != UNSUPPORTED_ACTION:
                raise
            found = None
        else:
            found = SandboxInfo.from_api(self.client.base_url, data)
        with _CACHE_LOCK:
            _CACHE[key] = found
        return found

    def is_sandbox(self) -> bool:
        """True when the service is a sandbox (embedded, private or a room's)."""
        return self.info() is not None

    # --- its rules ------------------------------------------------------------------------

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change how the sandbox behaves while it runs; returns its settings afterwards.

        Keywords: ``instance_limit``, ``idle_rule``, ``idle_time_scale`` (0.01 turns
        120 s into 1.2 s), ``latency_ms``, ``failure_rate``, ``rate_limit_per_action``
        (``None``: off), ``callback_url``, ``callback_secret``, ``speech_ms_per_char``.
        The sandbox checks the values (a wrong one is 410000003, naming the field).
        A room sandbox is shared: change its rules only on a sandbox of your own.
        """
        body = {}
        for name, value in settings.items():
            if name not in CONFIGURE_FIELDS:
                raise ValidationError(
                    name,
                    _("is not a sandbox setting; use any of {names}").format(
                        names=", ".join(CONFIGURE_FIELDS)
                    ),
                )
            body[CONFIGURE_FIELDS[name]] = value
        config = dict(self.client.call("SandboxConfigure", body).get("Config") or {})
        with _CACHE_LOCK:  # the limits may have changed: ask again next time
            _CACHE.pop((self.client.app_id, self.client.base_url), None)
        return config

    # --- what happens outside the API -----------------------------------------------------

    def user_joined(self, room_id: str, user_id: str) -> list[str]:
        """Tell the sandbox that ``user_id`` entered ``room_id`` (what the call widget does).

        Returns the instances in that room that now see their user (IDLE becomes LISTENING).
        """
        return self._presence(room_id, user_id, True)

    def user_left(self, room_id: str, user_id: str) -> list[str]:
        """Tell the sandbox that ``user_id`` left ``room_id`` (the idle rule starts counting)."""
        return self._presence(room_id, user_id, False)

    def _presence(self, room_id: str, user_id: str, in_room: bool) -> list[str]:
        body = {
            "RoomId": check_room_or_stream_id("room_id", room_id),
            "UserId": check_user_id("user_id", user_id),
            "InRoom": in_room,
        }
        data = self.client.call("SandboxSetUserPresence", body)
        return [str(i) for i in data.get("AgentInstanceIds") or []]

    def user_says(self, agent_instance_id: str, text: str) -> int:
        """Pretend the user said ``text`` into the microphone; returns the turn's ``Round``."""
        body = {
            "AgentInstanceId": check_non_empty_text("agent_instance_id", agent_instance_id),
            "Text": check_non_empty_text("text", text),
        }
        return int(self.client.call("SandboxUserSpeak", body).get("Round") or 0)

    # --- what it knows --------------------------------------------------------------------

    def list_instances(self, prefix: str = "") -> list[dict[str, Any]]:
        """Every live instance (ZEGO has no such action), or those with an id starting ``prefix``.

        Each row has ``AgentInstanceId``, ``AgentId``, ``RoomId``, ``UserId``,
        ``AgentUserId``, ``Status`` and ``CreatedTimestamp``.
        """
        if not isinstance(prefix, str):
            raise ValidationError(
                "prefix", _("must be a string, not {type}").format(type=type(prefix).__name__)
            )
        body = {"Prefix": prefix} if prefix else {}
        return list(self.client.call("SandboxListInstances", body).get("Instances") or [])

    def events(self, agent_instance_id: str | None = None) -> list[dict[str, Any]]:
        """Every event the sandbox generated (of one instance), shaped like callback bodies."""
        body = {}
        if agent_instance_id is not None:
            body["AgentInstanceId"] = check_non_empty_text("agent_instance_id", agent_instance_id)
        return list(self.client.call("SandboxGetEvents", body).get("Events") or [])
