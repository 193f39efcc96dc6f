"""Cleanup: delete the instances the ledger still holds, so they stop taking slots.

An account runs at most 10 instances at once (410000011 past that). A
crashed kernel or an unfinished notebook can leave instances behind; the
ledger remembers them and this module deletes them, one by one, reporting
each. An instance that is already gone (ZEGO destroyed it after the idle
time: 410001002) counts as cleaned up.
"""

from __future__ import annotations

from dataclasses import dataclass

from .client import AIAgentClient
from .errors import NotFoundError, ZegoError


@dataclass(frozen=True)
class CleanupResult:
    agent_instance_id: str
    room_id: str
    ok: bool
    detail: str

    def line(self) -> str:
        mark = "deleted" if self.ok else "FAILED "
        return f"{mark} {self.agent_instance_id} (room {self.room_id}): {self.detail}"


def cleanup_ledger(client: AIAgentClient, *, prefix: str | None = None) -> list[CleanupResult]:
    """Delete every ledger instance of this client's service (optionally only ``prefix``'s)."""
    if client.ledger is None:
        return []
    results = []
    for entry in client.ledger.entries(
        app_id=client.app_id, api_base_url=client.base_url, prefix=prefix
    ):
        try:
            client.delete_agent_instance(entry.agent_instance_id)
            results.append(CleanupResult(entry.agent_instance_id, entry.room_id, True, "deleted"))
        except NotFoundError:
            results.append(
                CleanupResult(entry.agent_instance_id, entry.room_id, True, "was already gone")
            )
        except ZegoError as error:
            results.append(CleanupResult(entry.agent_instance_id, entry.room_id, False, str(error)))
    return results
