"""Fresh, valid, collision-free ids for one call, and a stable agent id per attendee.

Every call (one CreateAgentInstance) needs five ids: the room, the real user,
the agent's user, and one stream each. ZEGO requires that the agent's user id
and stream id are unique across *all* running instances of your AppId, so in
a workshop where 30 people share one AppId, hand-picked names like
``"agent_user_1"`` collide: the later instance kicks out the earlier one.

:func:`make_call_ids` therefore adds a random suffix, and puts the attendee's
name in front so that the ids of one person are easy to spot (and clean up)::

    >>> ids = make_call_ids("Zoë")
    >>> ids.room_id                 # doctest: +SKIP
    'zoe_room_3f2a1c9d0e4b'

The rules (reference §4.1/§7): characters ``[A-Za-z0-9_-]``; UserId and
AgentUserId at most 32 bytes; RoomId and stream ids at most 128 bytes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

from .errors import ValidationError
from .i18n import _
from .models import RTC
from .validation import check_agent_id, check_room_or_stream_id, check_user_id

MAX_PREFIX_CHARS = 12
#: Random part of each call's ids: 12 hex characters (48 bits), so even
#: thousands of calls on one AppId will practically never collide.
SUFFIX_BYTES = 6
DEFAULT_AGENT_BASE = "tutorial_agent"

_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_SEPARATORS = re.compile(r"[_-]{2,}")


def namespace_prefix(attendee: str | None) -> str:
    """A short id-safe prefix (at most 12 characters) for an attendee's name; ``""`` for none.

    * Accents are folded and case is dropped: ``"Zoë"`` -> ``"zoe"``,
      ``"Ögünç-Ätäç"`` -> ``"ogunc-atac"``. Names that differ only in case,
      accents or punctuation are taken as the same person.
    * Other characters become ``_``; runs of ``_``/``-`` collapse to one ``_``.
    * A name with no Latin letters or digits gets ``u`` + 6 hex characters of
      its hash (``"张伟"`` -> ``"u"`` + 6 hex): stable across runs and
      different for different names.
    * When letters were dropped (``"张伟 Li"``) or the name is too long, the
      prefix is the first 5 characters + ``_`` + 6 hex characters of the hash,
      so two people whose names only differ there still get different
      prefixes (in a room of 50 long, similar names, a clash is about 1 in 13,000).

    The result is already a valid prefix, so ``namespace_prefix`` of it
    returns it unchanged.
    """
    if attendee is None:
        return ""
    name = unicodedata.normalize("NFC", attendee).strip()
    if not name:
        return ""
    digest = hashlib.sha256(name.casefold().encode("utf-8")).hexdigest()
    decomposed = unicodedata.normalize("NFKD", name)
    folded = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = _SEPARATORS.sub("_", _NOT_ALLOWED.sub("_", folded)).strip("_-")
    if not slug:
        return "u" + digest[:6]
    lost_letters = any(
        ch.isalnum() and not ch.isascii() and not unicodedata.combining(ch) for ch in decomposed
    )
    if len(slug) > MAX_PREFIX_CHARS or lost_letters:
        head = slug[: MAX_PREFIX_CHARS - 7].rstrip("_-")
        return f"{head}_{digest[:6]}"
    return slug


@dataclass(frozen=True)
class CallIds:
    """The five ids of one call. ``user_id`` is the real user (top-level ``UserId``)."""

    room_id: str
    user_id: str
    agent_user_id: str
    user_stream_id: str
    agent_stream_id: str

    def to_rtc(self) -> RTC:
        """The ``RTC`` object of CreateAgentInstance (``user_id`` goes in the body as UserId)."""
        return RTC(
            room_id=self.room_id,
            agent_stream_id=self.agent_stream_id,
            agent_user_id=self.agent_user_id,
            user_stream_id=self.user_stream_id,
        )

    def validate(self) -> CallIds:
        """Check every id against ZEGO's rules, and that the agent is not the user."""
        check_room_or_stream_id("RoomId", self.room_id)
        check_user_id("UserId", self.user_id)
        check_user_id("RTC.AgentUserId", self.agent_user_id)
        check_room_or_stream_id("RTC.UserStreamId", self.user_stream_id)
        check_room_or_stream_id("RTC.AgentStreamId", self.agent_stream_id)
        if self.agent_user_id == self.user_id:
            raise ValidationError("RTC.AgentUserId", _("must differ from UserId (the real user)"))
        if self.agent_stream_id == self.user_stream_id:
            raise ValidationError("RTC.AgentStreamId", _("must differ from UserStreamId"))
        return self


def require_call_ids(ids: object) -> CallIds:
    """``ids`` itself if it is a :class:`CallIds`; else the error a wrong argument gets."""
    if not isinstance(ids, CallIds):
        raise ValidationError(
            "ids",
            _("must be CallIds (from make_call_ids()), not {type}").format(type=type(ids).__name__),
        )
    return ids


def make_call_ids(prefix: str | None = None) -> CallIds:
    """New ids for one call, all starting with ``namespace_prefix(prefix)`` when given.

    The same random suffix ties the five ids together, e.g. ``zoe_room_<s>``,
    ``zoe_user_<s>``, ``zoe_agent_<s>``, ``zoe_user_stream_<s>``,
    ``zoe_agent_stream_<s>``. The longest, the agent user id, stays within 32 bytes.
    """
    start = namespace_prefix(prefix)
    start = f"{start}_" if start else ""
    suffix = secrets.token_hex(SUFFIX_BYTES)
    return CallIds(
        room_id=f"{start}room_{suffix}",
        user_id=f"{start}user_{suffix}",
        agent_user_id=f"{start}agent_{suffix}",
        user_stream_id=f"{start}user_stream_{suffix}",
        agent_stream_id=f"{start}agent_stream_{suffix}",
    ).validate()


def make_agent_id(prefix: str | None = None, base: str = DEFAULT_AGENT_BASE) -> str:
    """The AgentId to register: ``base``, behind the attendee's prefix when given.

    Not random on purpose: the same attendee gets the same AgentId on every
    run, so registering again finds the existing agent instead of piling up new
    ones (agents are never deleted automatically).
    """
    start = namespace_prefix(prefix)
    agent_id = f"{start}_{base}" if start else base
    return check_agent_id("AgentId", agent_id)


# --- whose ids are these? (cleanup and the exercise checks read the namespace back) --------

_SUFFIX = f"[0-9a-f]{{{SUFFIX_BYTES * 2}}}"
#: The kind word that make_call_ids puts before the random suffix, per id.
_KIND_PATTERNS = {
    kind: re.compile(rf"(?:(?P<owner>.+)_)?{kind}_{_SUFFIX}") for kind in ("room", "user", "agent")
}


def id_owner(call_id: str, kind: str) -> str | None:
    """The namespace in front of an id made by ``make_call_ids``; ``None`` if it was not.

    ``kind`` is ``"room"`` (RoomId), ``"user"`` (UserId) or ``"agent"``
    (AgentUserId). An id without a namespace gives ``""``::

        >>> id_owner("zoe_room_3f2a1c9d0e4b", "room")
        'zoe'
        >>> id_owner("room_3f2a1c9d0e4b", "room")
        ''
        >>> id_owner("my_room", "room") is None
        True
    """
    match = _KIND_PATTERNS[kind].fullmatch(call_id or "")
    if match is None:
        return None
    return match.group("owner") or ""


def instance_owner(room_id: str = "", user_id: str = "", agent_user_id: str = "") -> str | None:
    """Whose instance this is, from its ids (room first); ``None`` for hand-picked ids."""
    for value, kind in ((room_id, "room"), (agent_user_id, "agent"), (user_id, "user")):
        owner = id_owner(value, kind) if value else None
        if owner is not None:
            return owner
    return None


def agent_owner(agent_id: str, base: str = DEFAULT_AGENT_BASE) -> str | None:
    """The namespace in front of an AgentId made by ``make_agent_id(prefix, base)``; else ``None``.

    ``make_agent_id`` puts the attendee's prefix before ``base`` (``tutorial_agent``
    by default), so the prefix can be read back, as long as it is one
    :func:`namespace_prefix` could have made::

        >>> agent_owner("zoe_tutorial_agent")
        'zoe'
        >>> agent_owner("tutorial_agent")
        ''
        >>> agent_owner("my_bot") is None
        True
    """
    if not isinstance(agent_id, str):
        return None
    if agent_id == base:
        return ""
    owner, sep, rest = agent_id.rpartition(f"_{base}")
    if not sep or rest or not owner or namespace_prefix(owner) != owner:
        return None
    return owner


def belongs_to(
    namespace: str, room_id: str = "", user_id: str = "", agent_user_id: str = ""
) -> bool:
    """True when the ids were made by ``make_call_ids`` for exactly this namespace."""
    return instance_owner(room_id, user_id, agent_user_id) == namespace_prefix(namespace)
