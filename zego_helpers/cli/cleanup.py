"""Cleanup: delete the instances left behind, so they stop taking slots.

An account runs at most 10 instances at once (410000011 past that). A
crashed kernel or an unfinished notebook can leave instances behind. Two
places know about them:

* the **ledger** (:mod:`zego_helpers.ledger`) of this machine, which records
  every instance the kit created here: :func:`cleanup_ledger`;
* a **sandbox**, which knows every live instance, whoever created it:
  :func:`cleanup_sandbox`. ZEGO's real service has no "list instances"
  action, so this works only against a sandbox.

**Whose instances.** In a workshop, every id the kit generates starts with
the attendee's namespace (``zoe_room_...``). Give ``namespace`` (an attendee
name or its prefix) and only ids made for exactly that namespace are
touched: ``zoe`` never deletes ``zoe_1``'s instance. ``namespace=None``
means everybody's: a trainer's end-of-day sweep.

An instance that is already gone (ZEGO destroyed it after the idle time:
410001002) counts as cleaned up. ``delete=False`` only lists what would go.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..client import AIAgentClient
from ..errors import NotFoundError, ZegoError
from ..ids import belongs_to, namespace_prefix
from ..workflows import sandbox_info


@dataclass(frozen=True)
class CleanupResult:
    agent_instance_id: str
    room_id: str
    ok: bool
    detail: str

    def line(self) -> str:
        mark = "deleted" if self.ok else "FAILED "
        if self.detail == WOULD_DELETE:
            mark = "found  "
        return f"{mark} {self.agent_instance_id} (room {self.room_id}): {self.detail}"


WOULD_DELETE = "would be deleted (dry run)"


class NotASandboxError(ZegoError):
    """A sandbox-only cleanup was asked of ZEGO's real service."""


def _delete(client: AIAgentClient, instance_id: str, room_id: str, delete: bool) -> CleanupResult:
    if not delete:
        return CleanupResult(instance_id, room_id, True, WOULD_DELETE)
    try:
        client.delete_agent_instance(instance_id)
        return CleanupResult(instance_id, room_id, True, "deleted")
    except NotFoundError:
        return CleanupResult(instance_id, room_id, True, "was already gone")
    except ZegoError as error:
        return CleanupResult(instance_id, room_id, False, str(error))


def cleanup_ledger(
    client: AIAgentClient,
    *,
    prefix: str | None = None,
    any_url: bool = False,
    delete: bool = True,
) -> list[CleanupResult]:
    """Delete the ledger's instances of this client's service (only ``prefix``'s when given).

    ``prefix`` is an attendee name or namespace (``"Zoë"`` and ``"zoe"`` are
    the same). ``any_url=True`` matches the AppID only: the kit's embedded
    sandbox runs on a new port in every process, so its instances were
    recorded under other URLs.
    """
    if client.ledger is None:
        return []
    entries = client.ledger.entries(
        app_id=client.app_id, api_base_url=None if any_url else client.base_url
    )
    if prefix is not None:
        entries = [e for e in entries if belongs_to(prefix, e.room_id, e.user_id, e.agent_user_id)]
    return [_delete(client, e.agent_instance_id, e.room_id, delete) for e in entries]


def cleanup_sandbox(
    client: AIAgentClient, *, prefix: str | None = None, delete: bool = True
) -> list[CleanupResult]:
    """Delete every live instance a sandbox knows (only ``prefix``'s when given).

    Raises :class:`NotASandboxError` against ZEGO's real service, which
    cannot list instances.
    """
    if sandbox_info(client) is None:
        raise NotASandboxError(
            f"{client.base_url} is ZEGO's real service (it answered SandboxInfo with 100000007, "
            "unsupported action): only a sandbox can list every instance. Use the ledger "
            "cleanup instead (without --sandbox-all); instances nobody deletes are destroyed "
            "by ZEGO after AdvancedConfig.MaxIdleTime once their user has left the room"
        )
    namespace = namespace_prefix(prefix) if prefix is not None else ""
    query = {"Prefix": f"{namespace}_"} if namespace else {}
    rows = client.call("SandboxListInstances", query).get("Instances") or []
    if prefix is not None:
        rows = [
            r
            for r in rows
            if belongs_to(
                prefix, r.get("RoomId", ""), r.get("UserId", ""), r.get("AgentUserId", "")
            )
        ]
    return [_delete(client, str(r["AgentInstanceId"]), r.get("RoomId", ""), delete) for r in rows]


@dataclass(frozen=True)
class CleanupScope:
    """Whose instances a cleanup touches: one ``namespace``, or everybody's (``None``)."""

    namespace: str | None
    description: str


class CleanupRefused(ZegoError):
    """An attendee asked to clean up instances that are not theirs."""


def cleanup_scope(
    attendee: str | None, *, prefix: str | None = None, all_attendees: bool = False
) -> CleanupScope:
    """Decide whose instances a cleanup may touch.

    With ``ZEGO_ATTENDEE`` set (``attendee``), only that attendee's own
    namespace, whatever else was asked: asking for somebody else's (another
    ``prefix``, or ``all_attendees``) raises :class:`CleanupRefused`. This
    guards against mistakes; it is not a security boundary (anyone holding
    the ServerSecret can call DeleteAgentInstance directly).
    """
    own = namespace_prefix(attendee)
    if own:
        if all_attendees or (prefix is not None and namespace_prefix(prefix) != own):
            raise CleanupRefused(
                f"ZEGO_ATTENDEE is set ({attendee!r}), so cleanup only deletes your own "
                f"instances (ids starting with '{own}_'). Deleting other attendees' instances is "
                "the trainer's job: run it where ZEGO_ATTENDEE is not set, e.g. "
                "`ZEGO_ATTENDEE= .venv/bin/zego-kit cleanup --all-attendees`"
            )
        return CleanupScope(
            own,
            f"Attendee {attendee!r} (ZEGO_ATTENDEE): only your own instances (ids starting "
            f"with '{own}_') are touched; other attendees' instances are left alone.",
        )
    if prefix is not None:
        namespace = namespace_prefix(prefix)
        if not namespace:
            raise CleanupRefused(f"--prefix {prefix!r} holds no letter or digit to match ids by")
        return CleanupScope(
            namespace, f"Attendee {prefix!r} only: ids starting with '{namespace}_'."
        )
    if all_attendees:
        return CleanupScope(None, "All attendees: every instance, whoever created it.")
    return CleanupScope(None, "No ZEGO_ATTENDEE is set: every instance, whoever created it.")
