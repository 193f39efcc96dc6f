"""Cleanup: end the instances left behind, so they stop taking slots.

An account runs at most 10 instances at once (410000011 past that). A
crashed kernel or an unfinished notebook can leave instances behind. Two
places know about them:

* the **ledger** (:mod:`zego_helpers.ledger`) of this machine, which records
  every create the kit sent from here: :func:`cleanup_ledger` deletes its
  instances and settles its *unanswered creates* (the kernel died before the
  answer came: see :mod:`zego_helpers.cli.unanswered`);
* a **sandbox**, which knows every live instance, whoever created it:
  :func:`cleanup_sandbox`. ZEGO's real service has no "list instances"
  action, so this works only against a sandbox.

**Whose instances.** In a workshop, every id the kit generates starts with
the attendee's namespace (``zoe_room_...``). Give ``namespace`` (an attendee
name or its prefix) and only ids made for exactly that namespace are
touched: ``zoe`` never deletes ``zoe_1``'s instance. ``namespace=None``
means everybody's: a trainer's end-of-day sweep.

**Which service.** A ledger entry records the AppID and base URL it was
created with; cleanup touches only this client's. The others are listed by
:func:`entries_elsewhere`, with the settings that reach them.

**Whose, in words.** Each line names the owner as people know them: the
``Name`` of the instance's agent (the attendee's name as typed, ``张伟``, which
notebook 01 registers) beside the id prefix (``u3a0ba``), so a trainer can
tell whose instance it is even when the prefix is a hash.

An instance that is already gone (ZEGO destroyed it after the idle time:
410001002) counts as cleaned up. ``delete=False`` only lists what would go.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..client import AIAgentClient
from ..errors import NotFoundError, ZegoError
from ..i18n import _, ngettext
from ..ids import belongs_to, instance_owner, namespace_prefix
from ..ledger import LedgerEntry
from ..sandbox_control import SandboxControl
from ..secrets_mask import mask_url
from ..validation import MAX_QUERY_AGENT_IDS
from .cleanup_result import WOULD_DELETE, CleanupResult, clock_time
from .unanswered import TAKEOVER_SETTLE_SECONDS, settle_unanswered

__all__ = [
    "WOULD_DELETE",
    "CleanupRefused",
    "CleanupResult",
    "CleanupScope",
    "Elsewhere",
    "NotASandboxError",
    "cleanup_ledger",
    "cleanup_sandbox",
    "cleanup_scope",
    "entries_elsewhere",
    "run_cleanup",
    "wait_for_idle_rule",
]


class NotASandboxError(ZegoError):
    """A sandbox-only cleanup was asked of ZEGO's real service."""


def agent_names(client: AIAgentClient, agent_ids: Iterable[str]) -> dict[str, str]:
    """``{AgentId: Name}`` for the agents that have a name (QueryAgents, 10 ids at a time).

    A listing must not fail for want of a name: any error leaves the names out.
    """
    wanted = sorted({a for a in agent_ids if a})
    names: dict[str, str] = {}
    for start in range(0, len(wanted), MAX_QUERY_AGENT_IDS):
        try:
            agents = client.query_agents(wanted[start : start + MAX_QUERY_AGENT_IDS])
        except ZegoError:
            continue
        for agent in agents.get("Agents") or []:
            if agent.get("Name"):
                names[str(agent.get("AgentId"))] = str(agent["Name"])
    return names


def owner_label(name: str, room_id: str = "", user_id: str = "", agent_user_id: str = "") -> str:
    """``张伟 (u3a0ba)``: the agent's Name beside the id prefix; either alone if that is all."""
    return name_with_prefix(name, instance_owner(room_id, user_id, agent_user_id) or "")


def name_with_prefix(name: str, prefix: str) -> str:
    """``张伟 (u3a0ba)``; just one of them when the other is empty or the same."""
    if name and prefix and name != prefix:
        return f"{name} ({prefix})"
    return name or prefix


def _delete_each(
    client: AIAgentClient, instances: list[tuple[str, str, str, str, str]], delete: bool
) -> list[CleanupResult]:
    """Delete (or, ``delete=False``, only find) each of ``instances``, given as (instance id,
    AgentId, RoomId, UserId, AgentUserId); each result names its owner (:func:`owner_label`),
    the agents' names asked once for all."""
    names = agent_names(client, (instance[1] for instance in instances))
    return [
        _delete(
            client,
            instance_id,
            room_id,
            delete,
            owner_label(names.get(agent_id, ""), room_id, user_id, agent_user_id),
        )
        for instance_id, agent_id, room_id, user_id, agent_user_id in instances
    ]


def _delete(
    client: AIAgentClient, instance_id: str, room_id: str, delete: bool, owner: str = ""
) -> CleanupResult:
    if not delete:
        return CleanupResult(
            instance_id, room_id, True, _(WOULD_DELETE), mark="found", owner=owner
        )
    try:
        client.delete_agent_instance(instance_id)
        return CleanupResult(instance_id, room_id, True, _("deleted"), owner=owner)
    except NotFoundError:
        return CleanupResult(instance_id, room_id, True, _("was already gone"), owner=owner)
    except ZegoError as error:
        return CleanupResult(instance_id, room_id, False, str(error), owner=owner)


def cleanup_ledger(
    client: AIAgentClient,
    *,
    prefix: str | None = None,
    any_url: bool = False,
    delete: bool = True,
    settle_seconds: float = TAKEOVER_SETTLE_SECONDS,
    say: Callable[[str], None] | None = None,
) -> list[CleanupResult]:
    """Delete the ledger's instances of this client's service (only ``prefix``'s when given).

    Unanswered creates of the service are settled too (found in a sandbox,
    taken over on ZEGO, or reported *unresolved* with the time ZEGO ends them:
    see :mod:`zego_helpers.cli.unanswered`). ``prefix`` is an attendee name
    or namespace (``"Zoë"`` and ``"zoe"`` are the same). ``any_url=True``
    matches the AppID only: the kit's embedded sandbox runs on a new port in
    every process, so its instances were recorded under other URLs. ``say``
    is told why cleanup waits, when it must (a create sent seconds ago).
    """
    if client.ledger is None:
        return []
    url = None if any_url else client.base_url
    live = _mine(client.ledger.entries(app_id=client.app_id, api_base_url=url), prefix)
    results = _delete_each(
        client,
        [(e.agent_instance_id, e.agent_id, e.room_id, e.user_id, e.agent_user_id) for e in live],
        delete,
    )
    pending = _mine(client.ledger.pending_creates(app_id=client.app_id, api_base_url=url), prefix)
    if pending:
        in_sandbox = SandboxControl(client).is_sandbox()
        results += settle_unanswered(
            client,
            pending,
            delete=delete,
            in_sandbox=in_sandbox,
            settle_seconds=settle_seconds,
            say=say,
        )
    return results


def _mine(entries: list[LedgerEntry], prefix: str | None) -> list[LedgerEntry]:
    if prefix is None:
        return entries
    return [e for e in entries if belongs_to(prefix, e.room_id, e.user_id, e.agent_user_id)]


def wait_for_idle_rule(
    client: AIAgentClient, results: list[CleanupResult], *, say: Callable[[str], None] = print
) -> list[CleanupResult]:
    """``cleanup --wait``: sleep until ZEGO's idle rule has ended every unresolved create.

    Then their entries are dropped; returns the results with those settled.
    Ctrl-C stops the wait and keeps the entries.
    """
    unresolved = [r for r in results if r.unresolved]
    if not unresolved or client.ledger is None:
        return results
    until = max(r.ends_at or 0.0 for r in unresolved)
    say(
        ngettext(
            "Waiting until {time} ({seconds} s) for ZEGO's idle rule to end {count} unresolved "
            "create. Ctrl-C stops waiting; the entry is then kept.",
            "Waiting until {time} ({seconds} s) for ZEGO's idle rule to end {count} unresolved "
            "creates. Ctrl-C stops waiting; the entries are then kept.",
            len(unresolved),
        ).format(
            time=clock_time(until),
            seconds=f"{max(0.0, until - time.time()):.0f}",
            count=len(unresolved),
        )
    )
    while (left := until - time.time()) > 0:
        time.sleep(min(left, 1.0))
    settled = []
    for result in results:
        if result.unresolved:
            client.ledger.drop_pending(result.key)
            result = CleanupResult(
                "",
                result.room_id,
                True,
                mark="settled",
                agent_user_id=result.agent_user_id,
                key=result.key,
                detail=_("ZEGO's idle rule has ended it by now ({time}): dropped").format(
                    time=clock_time(until)
                ),
            )
        settled.append(result)
    return settled


@dataclass(frozen=True)
class Elsewhere:
    """Ledger entries of another service (AppID and base URL) than the one cleaned up."""

    app_id: int
    api_base_url: str
    live: tuple[LedgerEntry, ...]
    pending: tuple[LedgerEntry, ...]

    def describe(self, embedded_sandbox_app_id: int | None = None) -> str:
        """Where they are, which, and the settings that reach them."""
        where = _("AppID {app_id} at {url}").format(
            app_id=self.app_id, url=mask_url(self.api_base_url)
        )
        parts = []
        if self.live:
            shown = _(", ").join(
                _("{instance_id} (room {room_id})").format(
                    instance_id=e.agent_instance_id, room_id=e.room_id
                )
                for e in self.live[:5]
            )
            parts.append(
                ngettext(
                    "{count} instance: {shown}", "{count} instances: {shown}", len(self.live)
                ).format(count=len(self.live), shown=shown)
            )
        if self.pending:
            shown = _(", ").join(
                _("room {room_id} (agent user {agent_user_id})").format(
                    room_id=e.room_id, agent_user_id=e.agent_user_id
                )
                for e in self.pending[:5]
            )
            parts.append(
                ngettext(
                    "{count} unanswered create: {shown}",
                    "{count} unanswered creates: {shown}",
                    len(self.pending),
                ).format(count=len(self.pending), shown=shown)
            )
        if self.app_id == embedded_sandbox_app_id:
            fix = _(
                "they were made in sandbox mode (the kit's embedded sandbox): run {command} with "
                "ZEGO_APP_ID and ZEGO_SERVER_SECRET unset"
            ).format(command="`.venv/bin/zego-kit cleanup`")
        else:
            fix = _(
                "set {app_id}, that AppID's ZEGO_SERVER_SECRET and {base_url} (in .env or the "
                "environment), then run {command}"
            ).format(
                app_id=f"ZEGO_APP_ID={self.app_id}",
                base_url=f"ZEGO_API_BASE_URL={mask_url(self.api_base_url)}",
                command="`.venv/bin/zego-kit cleanup`",
            )
        return _("{where}: {parts}. To clean them up, {fix}.").format(
            where=where, parts=_("; ").join(parts), fix=fix
        )


def entries_elsewhere(
    client: AIAgentClient, *, prefix: str | None = None, any_url: bool = False
) -> list[Elsewhere]:
    """Ledger entries (in ``prefix``'s namespace) that :func:`cleanup_ledger` does not touch.

    They belong to another AppID or base URL: cleanup never deletes them
    silently, and never skips them silently either.
    """
    if client.ledger is None:
        return []

    url = mask_url(client.base_url)  # how the ledger keeps it

    def elsewhere(entry: LedgerEntry) -> bool:
        here = entry.app_id == client.app_id and (any_url or entry.api_base_url == url)
        return not here

    live = [e for e in _mine(client.ledger.entries(), prefix) if elsewhere(e)]
    pending = [e for e in _mine(client.ledger.pending_creates(), prefix) if elsewhere(e)]
    services = sorted({(e.app_id, e.api_base_url) for e in live + pending})
    return [
        Elsewhere(
            app_id,
            url,
            tuple(e for e in live if (e.app_id, e.api_base_url) == (app_id, url)),
            tuple(e for e in pending if (e.app_id, e.api_base_url) == (app_id, url)),
        )
        for app_id, url in services
    ]


def embedded_sandbox_app_id(kit_home: Path) -> int | None:
    """The AppID of this kit home's embedded sandbox, if it was ever started (read only)."""
    from ..sandbox.embedded import CREDENTIALS_FILE

    try:
        app_id = json.loads((kit_home / CREDENTIALS_FILE).read_text(encoding="utf-8"))["AppId"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return app_id if isinstance(app_id, int) else None


def cleanup_sandbox(
    client: AIAgentClient, *, prefix: str | None = None, delete: bool = True
) -> list[CleanupResult]:
    """Delete every live instance a sandbox knows (only ``prefix``'s when given).

    Raises :class:`NotASandboxError` against ZEGO's real service, which
    cannot list instances.
    """
    sandbox = SandboxControl(client)
    if not sandbox.is_sandbox():
        raise NotASandboxError(
            _(
                "{url} is ZEGO's real service (it answered SandboxInfo with 100000007, "
                "unsupported action): only a sandbox can list every instance. Use the ledger "
                "cleanup instead (without --sandbox-all); instances nobody deletes are destroyed "
                "by ZEGO after AdvancedConfig.MaxIdleTime once their user has left the room"
            ).format(url=client.base_url)
        )
    namespace = namespace_prefix(prefix) if prefix is not None else ""
    rows = sandbox.list_instances(f"{namespace}_" if namespace else "")
    if prefix is not None:
        rows = [
            r
            for r in rows
            if belongs_to(
                prefix, r.get("RoomId", ""), r.get("UserId", ""), r.get("AgentUserId", "")
            )
        ]
    return _delete_each(
        client,
        [
            (
                str(r["AgentInstanceId"]),
                str(r.get("AgentId", "")),
                r.get("RoomId", ""),
                r.get("UserId", ""),
                r.get("AgentUserId", ""),
            )
            for r in rows
        ],
        delete,
    )


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
                _(
                    "ZEGO_ATTENDEE is set ({attendee}), so cleanup only deletes your own "
                    "instances (ids starting with '{prefix}_'). Deleting other attendees' "
                    "instances is the trainer's job: run it where ZEGO_ATTENDEE is not set, e.g. "
                    "{command}"
                ).format(
                    attendee=repr(attendee),
                    prefix=own,
                    command="`ZEGO_ATTENDEE= .venv/bin/zego-kit cleanup --all-attendees`",
                )
            )
        return CleanupScope(
            own,
            _(
                "Attendee {attendee} (ZEGO_ATTENDEE): only your own instances (ids starting with "
                "'{prefix}_') are touched; other attendees' instances are left alone."
            ).format(attendee=repr(attendee), prefix=own),
        )
    if prefix is not None:
        namespace = namespace_prefix(prefix)
        if not namespace:
            raise CleanupRefused(
                _("--prefix {prefix} holds no letter or digit to match ids by").format(
                    prefix=repr(prefix)
                )
            )
        return CleanupScope(
            namespace,
            _("Attendee {attendee} only: ids starting with '{prefix}_'.").format(
                attendee=repr(prefix), prefix=namespace
            ),
        )
    if all_attendees:
        return CleanupScope(None, _("All attendees: every instance, whoever created it."))
    return CleanupScope(None, _("No ZEGO_ATTENDEE is set: every instance, whoever created it."))


def run_cleanup(args: argparse.Namespace) -> int:
    """``zego-kit cleanup``: print what was done about each entry; 1 if anything may still run.

    Exit status 0 means nothing of this service that the ledger (or, with
    ``--sandbox-all``, the sandbox) knows may still be running: every
    instance was deleted or was already gone, and every unanswered create was
    settled. 1 means something was not: each such line starts with FAILED or
    UNRESOLVED and says what to do. A dry run's status says what a real run's would be.
    """
    from ..connect import connect
    from ..settings import load_settings

    settings = load_settings()
    scope = cleanup_scope(settings.attendee, prefix=args.prefix, all_attendees=args.all_attendees)
    print(scope.description)
    with connect(settings) as client:
        if args.sandbox_all:
            results = cleanup_sandbox(client, prefix=scope.namespace, delete=not args.dry_run)
            nothing = _(
                "Nothing to clean up: no live instance in this scope that the sandbox at {url} "
                "knows."
            ).format(url=mask_url(client.base_url))
            elsewhere: list[Elsewhere] = []
        else:
            # The embedded sandbox gets a new port in every process: match its AppID only.
            results = cleanup_ledger(
                client,
                prefix=scope.namespace,
                any_url=settings.is_sandbox,
                delete=not args.dry_run,
                say=print,
            )
            nothing = _(
                "Nothing to clean up: no live instance in this scope that the ledger holds for "
                "this service."
            )
            elsewhere = entries_elsewhere(
                client, prefix=scope.namespace, any_url=settings.is_sandbox
            )
        if not results:
            print(nothing)
        for result in results:
            print(result.line())
        if args.wait and not args.dry_run:
            waited_for = {r.key for r in results if r.unresolved}
            results = wait_for_idle_rule(client, results)
            for result in results:
                if result.key in waited_for:
                    print(result.line())
        for repair in client.ledger.repairs if client.ledger is not None else []:
            print(_("Note: {repair}").format(repair=repair))
    if elsewhere:
        sandbox_app_id = embedded_sandbox_app_id(settings.kit_home)
        print(
            ngettext(
                "Not touched: the ledger also holds entries of {count} other service (another "
                "AppID or base URL than the settings in use):",
                "Not touched: the ledger also holds entries of {count} other services (another "
                "AppID or base URL than the settings in use):",
                len(elsewhere),
            ).format(count=len(elsewhere))
        )
        for group in elsewhere:
            print(f"  {group.describe(sandbox_app_id)}")
    if args.dry_run:
        print(
            ngettext(
                "Dry run: {count} instance found, nothing deleted.",
                "Dry run: {count} instances found, nothing deleted.",
                len(results),
            ).format(count=len(results))
        )
    return 0 if all(r.ok for r in results) else 1
