"""One line of a cleanup report: which instance (or unanswered create), what happened, and why."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..i18n import N_, _

#: The detail of an instance a dry run found (marked ``found``).
WOULD_DELETE = N_("would be deleted (dry run)")


@dataclass(frozen=True)
class CleanupResult:
    """What cleanup did about one ledger entry (or one instance a sandbox listed).

    ``ok`` is False when something may still run that this cleanup could not
    end: a failed delete, or an *unresolved* create (its answer never came, so
    its instance id is unknown; ``ends_at`` says when ZEGO's idle rule ends it
    at the latest, and ``key`` is its ledger entry, for ``cleanup --wait``).
    ``mark`` is the first word of the line (``deleted``, ``FAILED``, ...): the
    same in every language, like a code (a script may look for ``UNRESOLVED``);
    ``detail`` is in the learner's language.
    """

    agent_instance_id: str
    room_id: str
    ok: bool
    detail: str
    mark: str = ""
    agent_user_id: str = ""
    unresolved: bool = False
    ends_at: float | None = None
    key: str = ""
    #: Whose it is, for people: ``张伟 (u3a0ba)``; "" when nothing says.
    owner: str = ""

    def line(self) -> str:
        mark = self.mark or ("deleted" if self.ok else "FAILED")
        if self.agent_instance_id and self.owner:
            what = _("{instance_id} ({owner}, room {room_id})").format(
                instance_id=self.agent_instance_id, owner=self.owner, room_id=self.room_id
            )
        elif self.agent_instance_id:
            what = _("{instance_id} (room {room_id})").format(
                instance_id=self.agent_instance_id, room_id=self.room_id
            )
        else:
            what = _("create in room {room_id} (agent user {agent_user_id})").format(
                room_id=self.room_id, agent_user_id=self.agent_user_id
            )
        return _("{mark} {what}: {detail}").format(mark=f"{mark:<7}", what=what, detail=self.detail)


def clock_time(timestamp: float) -> str:
    """``2026-05-01 14:03:20 UTC``: a moment as a reader anywhere can compare it."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))
