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
            f"Waiting {wait:.0f} s: a create sent less than {CREATE_TRANSIT_SECONDS} s ago may "
            "still be on its way to ZEGO."
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
    return f"sent at {clock_time(entry.created_at)}, its answer never came"


def _in_flight(entry: LedgerEntry) -> CleanupResult:
    return CleanupResult(
        **_subject(entry),
        ok=True,
        mark="waiting",
        detail=f"sent at {clock_time(entry.created_at)} by process {entry.pid}, which still "
        "runs and may still get the answer: left alone (run cleanup again once it is done)",
    )


# --- 1. a sandbox: exact ---------------------------------------------------------------------


def _settle_in_sandbox(
    client: AIAgentClient, entries: list[LedgerEntry], delete: bool
) -> list[CleanupResult]:
    try:
        rows = SandboxControl(client).list_instances()
    except ZegoError as error:
        return [
            _unresolved(e, f"the sandbox could not list its instances ({error})") for e in entries
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
        verb = "dropped" if delete else "would be dropped (dry run)"
        return CleanupResult(
            **_subject(entry),
            ok=True,
            mark="settled",
            detail=f"{_sent(entry)}; the sandbox runs no instance for agent user "
            f"{entry.agent_user_id} in this room, so it never started (or has ended): {verb}",
        )
    ids = [str(m["AgentInstanceId"]) for m in matches]
    if not delete:
        return CleanupResult(
            **_subject(entry),
            ok=True,
            mark="found",
            detail=f"{_sent(entry)}; the sandbox runs it as {', '.join(ids)}: would be "
            "deleted (dry run)",
        )
    try:
        for instance_id in ids:
            client.delete_agent_instance(instance_id, missing_ok=True)
    except ZegoError as error:
        return _unresolved(
            entry, f"the sandbox runs it as {', '.join(ids)}, but deleting it failed ({error})"
        )
    ledger.drop_pending(entry.key)
    return CleanupResult(
        **_subject(entry),
        ok=True,
        mark="deleted",
        detail=f"{_sent(entry)}; found by its room and agent user as {', '.join(ids)} and deleted",
    )


# --- 2. ZEGO: past the idle deadline, or taken over ----------------------------------------


def _expired(client: AIAgentClient, entry: LedgerEntry, delete: bool) -> CleanupResult:
    if delete and client.ledger is not None:
        client.ledger.drop_pending(entry.key)
    verb = "dropped" if delete else "would be dropped (dry run)"
    return CleanupResult(
        **_subject(entry),
        ok=True,
        mark="settled",
        detail=f"{_sent(entry)}; ZEGO's idle rule ended it by {clock_time(entry.idle_deadline)} "
        f"(MaxIdleTime after its creation, as its user {entry.user_id} never joined the room; "
        f"{IDLE_RULE_DOC}): {verb}",
    )


def _can_take_over(entry: LedgerEntry) -> str:
    """Why a takeover is impossible for this entry ('' if it is possible)."""
    missing = [
        name
        for name, value in (
            ("room", entry.room_id),
            ("user", entry.user_id),
            ("agent user", entry.agent_user_id),
            ("user stream", entry.user_stream_id),
            ("agent", entry.agent_id),
        )
        if not value
    ]
    if missing:
        return f"the ledger does not hold its {', '.join(missing)} id"
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
            results[entry.key] = _unresolved(entry, f"it cannot be taken over: {reason}")
        elif not delete:
            results[entry.key] = CleanupResult(
                **_subject(entry),
                ok=True,
                mark="found",
                detail=f"{_unknown(entry)}; would be ended by taking over its agent user (dry "
                f"run). Otherwise {_idle_rule(entry)}",
            )
        else:
            try:
                newcomers[entry.key] = _start_newcomer(client, entry)
            except ZegoError as error:
                results[entry.key] = _unresolved(
                    entry, f"taking over its agent user failed ({error})"
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
    ended = (
        f"{_sent(entry)}; ended by taking over its agent user: instance {newcomer} logged in "
        f"as {entry.agent_user_id}, which makes ZEGO remove the earlier instance from the room "
        "(AgentInstanceDeleted, code 1203)"
    )
    try:
        client.delete_agent_instance(newcomer, missing_ok=True)
    except ZegoError as error:
        return CleanupResult(
            **_subject(entry),
            ok=False,
            detail=f"{ended}; but deleting {newcomer} failed ({error}). It stays in the "
            f"ledger: run cleanup again (ZEGO ends it by itself {MAX_IDLE_TIME_RANGE[0]} s after "
            "its user leaves)",
        )
    return CleanupResult(
        **_subject(entry), ok=True, mark="ended", detail=f"{ended}; {newcomer} was then deleted"
    )


# --- 3. what is left: the idle rule ---------------------------------------------------------


def _unresolved(entry: LedgerEntry, why: str) -> CleanupResult:
    return CleanupResult(
        **_subject(entry),
        ok=False,
        mark="UNRESOLVED",
        unresolved=True,
        ends_at=entry.idle_deadline,
        detail=f"{_unknown(entry)}; {why}. {_idle_rule(entry)}. To wait until then and drop "
        "the entry: `.venv/bin/zego-kit cleanup --wait`",
    )


def _unknown(entry: LedgerEntry) -> str:
    return (
        f"{_sent(entry)}, so its instance id is unknown, and ZEGO has no call that lists instances"
    )


def _idle_rule(entry: LedgerEntry) -> str:
    idle = f"MaxIdleTime {entry.max_idle_time} s" if entry.max_idle_time else "MaxIdleTime"
    return (
        f"ZEGO ends it by itself by {clock_time(entry.idle_deadline)} ({idle} after its "
        f"creation, if its user {entry.user_id or '(unknown)'} never joined the room; "
        f"{IDLE_RULE_DOC})"
    )
