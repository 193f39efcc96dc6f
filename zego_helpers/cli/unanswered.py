"""Creates whose answer never came: find their instance, end it another way, or say when it ends.

The client writes every create to the ledger before sending it (see
:mod:`zego_helpers.ledger`). An entry still *pending* means the kernel died,
was interrupted or timed out while waiting: the instance may be running, but
its AgentInstanceId never arrived, and ZEGO has no call that lists instances.
What the entry does hold is the room, the user and the agent user. With them:

1. **A sandbox** lists its instances (``SandboxListInstances``): the one in
   that room with that agent user is deleted by its id; if there is none, the
   create never took effect and the entry goes. Exact.
2. **ZEGO's real service**: two instances may not share an AgentUserId; ZEGO
   kicks the earlier one out of its room, which deletes it
   (``AgentInstanceDeleted`` with code 1203). Both rules are documented:
   https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-agent-instance
   (``RTC.AgentUserId``: "otherwise the earlier created AI agent instance will
   be kicked out of the RTC room") and
   https://www.zegocloud.com/docs/aiagent-server/callbacks/receiving-callback
   (``AgentInstanceDeleted``, ``Code`` 1203: "kicked from RTC room"). So cleanup
   *takes over* the agent user: it creates a short-lived instance with the
   same room, user and AgentUserId (a fresh stream id), gives it a moment to
   log in, and deletes it by the id it did get. If that is not possible (the
   agent was unregistered, the account is at its instance limit...), the
   entry stays *unresolved* and cleanup exits non-zero, saying when ZEGO ends
   the instance by itself: MaxIdleTime after the create if its user never joined
   the room (see :attr:`~zego_helpers.ledger.LedgerEntry.idle_deadline`).
   ``zego-kit cleanup --wait`` waits that long, then drops the entry.

A create whose process still runs, and not for long, is left alone: its answer
may still come (:meth:`~zego_helpers.ledger.LedgerEntry.in_flight`). A create
sent in the last :data:`~zego_helpers.constants.CREATE_TRANSIT_SECONDS` by a
process that is gone may still be on its way to ZEGO: cleanup waits until it
is that old before looking for it, or it could find nothing and then see it start.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..client import AIAgentClient
from ..constants import CREATE_TRANSIT_SECONDS
from ..docs import doc_page
from ..errors import ZegoError
from ..i18n import _
from ..ids import make_call_ids
from ..ledger import LedgerEntry
from ..models import RTC, AdvancedConfig, MessageHistory
from ..sandbox_control import SandboxControl
from ..validation import MAX_IDLE_TIME_RANGE
from .cleanup_result import CleanupResult, clock_time

#: How long the instance that takes over an AgentUserId gets to log into the room before
#: it is deleted (our choice: ZEGO documents no number; an agent logs in within a second or two).
TAKEOVER_SETTLE_SECONDS = 3.0
#: Where ZEGO documents MaxIdleTime (and, under RTC.AgentUserId, the kick of an earlier instance).
IDLE_RULE_DOC = doc_page("api-reference/agent-instance-management/create-agent-instance")


def settle_unanswered(
    client: AIAgentClient,
    entries: list[LedgerEntry],
    *,
    delete: bool = True,
    in_sandbox: bool,
    settle_seconds: float = TAKEOVER_SETTLE_SECONDS,
    say: Callable[[str], None] | None = None,
) -> list[CleanupResult]:
    """One result per pending create: deleted, ended, dropped, left alone or unresolved.

    ``say`` is told why cleanup waits, when it must (see the module's doc).
    """
    now = time.time()
    waiting = {e.key for e in entries if e.in_flight(now)}
    results = [_in_flight(e) for e in entries if e.key in waiting]
    todo = [e for e in entries if e.key not in waiting]
    if todo and delete:
        now = _let_creates_arrive(todo, now, say)
    if in_sandbox:  # exact, for every create that says which room and agent user to look for
        exact = [e for e in todo if e.room_id and e.agent_user_id]
        if exact:
            results += _settle_in_sandbox(client, exact, delete)
        todo = [e for e in todo if e not in exact]
    results += [_expired(client, e, delete) for e in todo if e.idle_deadline <= now]
    alive = [e for e in todo if e.idle_deadline > now]
    return results + _take_over(client, alive, delete, settle_seconds)


def _let_creates_arrive(
    entries: list[LedgerEntry], now: float, say: Callable[[str], None] | None
) -> float:
    """Sleep until every create is CREATE_TRANSIT_SECONDS old; returns the time then."""
    newest = max(e.created_at for e in entries)
    wait = newest + CREATE_TRANSIT_SECONDS - now
    if wait <= 0:
        return now
    if say is not None:
        say(
            _(
                "Waiting {seconds} s: a create sent less than {transit} s ago may still be on its "
                "way to ZEGO."
            ).format(seconds=f"{wait:.0f}", transit=CREATE_TRANSIT_SECONDS)
        )
    time.sleep(wait)
    return time.time()


def _subject(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "agent_instance_id": "",
        "room_id": entry.room_id,
        "agent_user_id": entry.agent_user_id,
        "key": entry.key,
    }


def _sent(entry: LedgerEntry) -> str:
    return _("sent at {time}, its answer never came").format(time=clock_time(entry.created_at))


def _in_flight(entry: LedgerEntry) -> CleanupResult:
    return CleanupResult(
        **_subject(entry),
        ok=True,
        mark="waiting",
        detail=_(
            "sent at {time} by process {pid}, which still runs and may still get the answer: "
            "left alone (run cleanup again once it is done)"
        ).format(time=clock_time(entry.created_at), pid=entry.pid),
    )


# --- 1. a sandbox: exact ---------------------------------------------------------------------


def _settle_in_sandbox(
    client: AIAgentClient, entries: list[LedgerEntry], delete: bool
) -> list[CleanupResult]:
    try:
        rows = SandboxControl(client).list_instances()
    except ZegoError as error:
        return [
            _unresolved(
                e, _("the sandbox could not list its instances ({error})").format(error=error)
            )
            for e in entries
        ]
    results = []
    for entry in entries:
        matches = [r for r in rows if _is_instance_of(r, entry)]
        results.append(_delete_matches(client, entry, matches, delete))
    return results


def _is_instance_of(row: dict[str, Any], entry: LedgerEntry) -> bool:
    same = row.get("RoomId") == entry.room_id and row.get("AgentUserId") == entry.agent_user_id
    return same and (not entry.user_id or row.get("UserId") == entry.user_id)


def _delete_matches(
    client: AIAgentClient, entry: LedgerEntry, matches: list[dict[str, Any]], delete: bool
) -> CleanupResult:
    ledger = client.ledger
    assert ledger is not None  # only called for a client's own ledger entries
    if not matches:
        if delete:
            ledger.drop_pending(entry.key)
        return CleanupResult(
            **_subject(entry),
            ok=True,
            mark="settled",
            detail=_(
                "{sent}; the sandbox runs no instance for agent user {agent_user_id} in this "
                "room, so it never started (or has ended): {verb}"
            ).format(sent=_sent(entry), agent_user_id=entry.agent_user_id, verb=_dropped(delete)),
        )
    ids = [str(m["AgentInstanceId"]) for m in matches]
    if not delete:
        return CleanupResult(
            **_subject(entry),
            ok=True,
            mark="found",
            detail=_("{sent}; the sandbox runs it as {ids}: would be deleted (dry run)").format(
                sent=_sent(entry), ids=", ".join(ids)
            ),
        )
    try:
        for instance_id in ids:
            client.delete_agent_instance(instance_id, missing_ok=True)
    except ZegoError as error:
        return _unresolved(
            entry,
            _("the sandbox runs it as {ids}, but deleting it failed ({error})").format(
                ids=", ".join(ids), error=error
            ),
        )
    ledger.drop_pending(entry.key)
    return CleanupResult(
        **_subject(entry),
        ok=True,
        mark="deleted",
        detail=_("{sent}; found by its room and agent user as {ids} and deleted").format(
            sent=_sent(entry), ids=", ".join(ids)
        ),
    )


# --- 2. ZEGO: past the idle deadline, or taken over ----------------------------------------


def _expired(client: AIAgentClient, entry: LedgerEntry, delete: bool) -> CleanupResult:
    if delete and client.ledger is not None:
        client.ledger.drop_pending(entry.key)
    return CleanupResult(
        **_subject(entry),
        ok=True,
        mark="settled",
        detail=_(
            "{sent}; ZEGO's idle rule ended it by {time} (MaxIdleTime after its creation, as its "
            "user {user_id} never joined the room; {doc}): {verb}"
        ).format(
            sent=_sent(entry),
            time=clock_time(entry.idle_deadline),
            user_id=entry.user_id,
            doc=IDLE_RULE_DOC,
            verb=_dropped(delete),
        ),
    )


def _dropped(delete: bool) -> str:
    return _("dropped") if delete else _("would be dropped (dry run)")


def _can_take_over(entry: LedgerEntry) -> str:
    """Why a takeover is impossible for this entry ('' if it is possible)."""
    missing = [
        name
        for name, value in (
            ("RoomId", entry.room_id),
            ("UserId", entry.user_id),
            ("AgentUserId", entry.agent_user_id),
            ("UserStreamId", entry.user_stream_id),
            ("AgentId", entry.agent_id),
        )
        if not value
    ]
    if missing:
        return _("the ledger does not hold its {fields}").format(fields=", ".join(missing))
    return ""


def _take_over(
    client: AIAgentClient, entries: list[LedgerEntry], delete: bool, settle_seconds: float
) -> list[CleanupResult]:
    """End each unanswered create by taking over its AgentUserId (see the module's doc)."""
    results: dict[str, CleanupResult] = {}
    newcomers: dict[str, str] = {}
    for entry in entries:
        reason = _can_take_over(entry)
        if reason:
            results[entry.key] = _unresolved(
                entry, _("it cannot be taken over: {reason}").format(reason=reason)
            )
        elif not delete:
            results[entry.key] = CleanupResult(
                **_subject(entry),
                ok=True,
                mark="found",
                detail=_(
                    "{unknown}; would be ended by taking over its agent user (dry run). "
                    "Otherwise {idle_rule}"
                ).format(unknown=_unknown(entry), idle_rule=_idle_rule(entry)),
            )
        else:
            try:
                newcomers[entry.key] = _start_newcomer(client, entry)
            except ZegoError as error:
                results[entry.key] = _unresolved(
                    entry, _("taking over its agent user failed ({error})").format(error=error)
                )
    if newcomers:
        time.sleep(settle_seconds)  # let the newcomers log in, kicking out the lost instances
    for entry in entries:
        if entry.key in newcomers:
            results[entry.key] = _end_newcomer(client, entry, newcomers[entry.key])
    return [results[e.key] for e in entries]


def _start_newcomer(client: AIAgentClient, entry: LedgerEntry) -> str:
    """Create an instance with the lost one's room, user and AgentUserId; returns its id.

    It goes through the ledger like any create, so it cannot get lost itself.
    A short MaxIdleTime ends it soon even if deleting it fails.
    """
    rtc = RTC(
        room_id=entry.room_id,
        agent_user_id=entry.agent_user_id,
        user_stream_id=entry.user_stream_id,
        agent_stream_id=make_call_ids().agent_stream_id,
    )
    data = client.create_agent_instance(
        entry.agent_id,
        entry.user_id,
        rtc,
        message_history=MessageHistory(),
        advanced_config=AdvancedConfig(max_idle_time=MAX_IDLE_TIME_RANGE[0]),
    )
    return str(data["AgentInstanceId"])


def _end_newcomer(client: AIAgentClient, entry: LedgerEntry, newcomer: str) -> CleanupResult:
    assert client.ledger is not None
    client.ledger.drop_pending(entry.key)  # the lost instance was kicked out when it logged in
    ended = _(
        "{sent}; ended by taking over its agent user: instance {newcomer} logged in as "
        "{agent_user_id}, which makes ZEGO remove the earlier instance from the room "
        "(AgentInstanceDeleted, code 1203)"
    ).format(sent=_sent(entry), newcomer=newcomer, agent_user_id=entry.agent_user_id)
    try:
        client.delete_agent_instance(newcomer, missing_ok=True)
    except ZegoError as error:
        return CleanupResult(
            **_subject(entry),
            ok=False,
            detail=_(
                "{ended}; but deleting {newcomer} failed ({error}). It stays in the ledger: run "
                "cleanup again (ZEGO ends it by itself {seconds} s after its user leaves)"
            ).format(ended=ended, newcomer=newcomer, error=error, seconds=MAX_IDLE_TIME_RANGE[0]),
        )
    return CleanupResult(
        **_subject(entry),
        ok=True,
        mark="ended",
        detail=_("{ended}; {newcomer} was then deleted").format(ended=ended, newcomer=newcomer),
    )


# --- 3. what is left: the idle rule ---------------------------------------------------------


def _unresolved(entry: LedgerEntry, why: str) -> CleanupResult:
    return CleanupResult(
        **_subject(entry),
        ok=False,
        mark="UNRESOLVED",
        unresolved=True,
        ends_at=entry.idle_deadline,
        detail=_(
            "{unknown}; {why}. {idle_rule}. To wait until then and drop the entry: {command}"
        ).format(
            unknown=_unknown(entry),
            why=why,
            idle_rule=_idle_rule(entry),
            command="`.venv/bin/zego-kit cleanup --wait`",
        ),
    )


def _unknown(entry: LedgerEntry) -> str:
    return _(
        "{sent}, so its instance id is unknown, and ZEGO has no call that lists instances"
    ).format(sent=_sent(entry))


def _idle_rule(entry: LedgerEntry) -> str:
    idle = f"MaxIdleTime {entry.max_idle_time} s" if entry.max_idle_time else "MaxIdleTime"
    return _(
        "ZEGO ends it by itself by {time} ({idle} after its creation, if its user {user_id} "
        "never joined the room; {doc})"
    ).format(
        time=clock_time(entry.idle_deadline),
        idle=idle,
        user_id=entry.user_id or _("(unknown)"),
        doc=IDLE_RULE_DOC,
    )
