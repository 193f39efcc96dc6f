"""Running the kit for a room full of people: whose id is whose, capacity, and which service.

Small tools a trainer (and the cleanup and exercise checks) rely on:

* :func:`id_owner` reads the attendee namespace back out of an id made by
  :func:`~zego_helpers.ids.make_call_ids`. ``zoe_room_3f2a1c9d0e4b`` belongs
  to ``zoe``, and ``zoe_1_room_...`` to ``zoe_1``, *not* to ``zoe``: the
  match is exact, so cleaning up one attendee never touches another whose
  name merely starts the same way.
* :func:`set_attendee` saves an attendee's name (``ZEGO_ATTENDEE``) in the
  ``.env`` file, in notebook 00.
* :func:`namespace_clashes` finds attendee names that would share a
  namespace (run it on the attendee list before the day).
* :func:`capacity_plan` compares a room (attendees x instances each) with
  the account's limits: 10 concurrent instances and 10 requests per second
  per action by default, shared by everyone on one AppID.
* :func:`sandbox_info` tells a sandbox from ZEGO's real service: a sandbox
  answers the sandbox-only action ``SandboxInfo``; ZEGO answers 100000007
  ("unsupported action").
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client import AIAgentClient
from .errors import ValidationError, ZegoAPIError
from .form_logic import default_env_path
from .ids import SUFFIX_BYTES, make_agent_id, namespace_prefix
from .settings import load_settings, save_env_file

#: ZEGO's defaults for a new account (reference §7).
DEFAULT_INSTANCE_LIMIT = 10
DEFAULT_REQUESTS_PER_SECOND = 10
#: How often :func:`zego_helpers.workflows.ask` polls for the answer while it waits.
ASK_POLLS_PER_SECOND = 4
UNSUPPORTED_ACTION = 100000007

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


def belongs_to(
    namespace: str, room_id: str = "", user_id: str = "", agent_user_id: str = ""
) -> bool:
    """True when the ids were made by ``make_call_ids`` for exactly this namespace."""
    return instance_owner(room_id, user_id, agent_user_id) == namespace_prefix(namespace)


def set_attendee(name: str, env_path: str | Path | None = None) -> str:
    """Save your attendee name as ``ZEGO_ATTENDEE`` in the ``.env`` file; returns what it means.

    The file is the one the credentials form of notebook 00 writes (the
    ``.env`` your settings come from, else the project's), with owner-only
    permissions. Call :func:`~zego_helpers.settings.load_settings` again to
    use the name.
    """
    prefix = namespace_prefix(name)
    if not prefix:
        raise ValidationError("ZEGO_ATTENDEE", "is empty: type your name")
    if env_path is None:
        env_path = default_env_path(load_settings())
    path = save_env_file(env_path, {"ZEGO_ATTENDEE": name.strip()})
    text = (
        f"Saved ZEGO_ATTENDEE={name.strip()!r} in {path}. Your agent is "
        f"{make_agent_id(name)!r} and your ids start with '{prefix}_'."
    )
    if os.environ.get("ZEGO_ENV_FILE", "").strip().lower() == "none":
        text += (
            " Careful: ZEGO_ENV_FILE=none turns .env files off; set ZEGO_ATTENDEE in the "
            "environment instead."
        )
    elsewhere = os.environ.get("ZEGO_ATTENDEE", "").strip()
    if elsewhere and elsewhere != name.strip():
        text += (
            f" Careful: this kernel's environment sets ZEGO_ATTENDEE={elsewhere!r}, which wins "
            "over the file; unset it and restart the kernel."
        )
    return text


def namespace_clashes(names: list[str]) -> dict[str, list[str]]:
    """Attendee names that would share a namespace, by namespace; ``{}`` when all differ.

    Run it on the attendee list before the day. ``"Zoe"`` and ``"Zoë"`` are
    the same namespace on purpose (case and accents are folded), and long
    names are shortened with a short hash, which two names can share. Two
    people in one namespace could delete each other's instances: give one
    of them another name (``ZEGO_ATTENDEE``).

    >>> namespace_clashes(["Zoe", "Zoë", "Bob"])
    {'zoe': ['Zoe', 'Zoë']}
    """
    seen: dict[str, list[str]] = {}
    for name in names:
        seen.setdefault(namespace_prefix(name), []).append(name)
    return {prefix: group for prefix, group in seen.items() if len(group) > 1}


def sandbox_info(client: AIAgentClient) -> dict[str, Any] | None:
    """``SandboxInfo`` of the service the client talks to, or ``None`` for ZEGO's real service.

    Any other failure (network, wrong secret) is raised as usual.
    """
    try:
        return client.call("SandboxInfo", {})
    except ZegoAPIError as error:
        if error.code == UNSUPPORTED_ACTION:
            return None
        raise


@dataclass(frozen=True)
class CapacityPlan:
    """What a room needs from one AppID. Build it with :func:`capacity_plan`."""

    attendees: int
    instances_each: int
    limit: int
    requests_per_second: int

    @property
    def peak_instances(self) -> int:
        """Instances running at once if everybody is in the same step."""
        return self.attendees * self.instances_each

    @property
    def fits(self) -> bool:
        return self.peak_instances <= self.limit

    @property
    def attendees_at_once(self) -> int:
        """How many attendees can hold their instances at the same time."""
        return self.limit // self.instances_each

    @property
    def waves(self) -> int:
        """Groups to run the instance notebooks in, one after the other (0: nobody fits)."""
        if self.attendees_at_once == 0:
            return 0
        return math.ceil(self.attendees / self.attendees_at_once)

    @property
    def burst_seconds(self) -> float:
        """If everybody runs the same cell at once: seconds until the last request gets in."""
        return self.attendees / self.requests_per_second

    @property
    def attendees_asking_at_once(self) -> int:
        """Attendees who can wait for an answer (ask polls 4 times a second) within the rate."""
        return max(1, self.requests_per_second // ASK_POLLS_PER_SECOND)

    def advice(self) -> list[str]:
        """The plan in plain sentences."""
        lines = [
            f"{self.attendees} attendee(s) x {self.instances_each} instance(s) = "
            f"{self.peak_instances} instance(s) at peak; the account allows {self.limit}."
        ]
        if self.fits:
            lines.append("That fits: everybody can run notebooks 02-04 at the same time.")
        else:
            lines.append(
                f"That does not fit. Ask ZEGO (your account manager or support) well before "
                f"the day to raise the concurrent-instance limit to at least "
                f"{self.peak_instances}, or run notebooks 02-04 in {self.waves} wave(s) of "
                f"{self.attendees_at_once} attendee(s), or use one shared sandbox for the "
                "hands-on part (its limit is yours to set)."
                if self.waves
                else f"Not even one attendee fits: each needs {self.instances_each} instances. "
                "Ask ZEGO to raise the limit or lower the instances per attendee."
            )
        lines.append(
            f"Requests: {self.requests_per_second}/s per action, shared by the whole AppID. "
            f"If everybody runs the same cell at once, the last of {self.attendees} requests "
            f"gets in after about {self.burst_seconds:.1f} s; requests over the rate may be "
            "refused meanwhile (the kit retries a refused request twice, then reports it)."
        )
        if self.attendees > self.attendees_asking_at_once:
            lines.append(
                f"Waiting for an answer polls GetAgentInstanceMsgList {ASK_POLLS_PER_SECOND} "
                f"times a second, so only about {self.attendees_asking_at_once} attendee(s) can "
                "wait at once within the rate. For a bigger room, ask ZEGO to raise the "
                "per-action rate too, or stagger the talk exercises."
            )
        return lines

    def _repr_markdown_(self) -> str:
        return "\n".join(f"* {line}" for line in self.advice())

    def __str__(self) -> str:
        return "\n".join(self.advice())


def capacity_plan(
    attendees: int,
    instances_each: int = 1,
    limit: int = DEFAULT_INSTANCE_LIMIT,
    requests_per_second: int = DEFAULT_REQUESTS_PER_SECOND,
) -> CapacityPlan:
    """Compare a room with the account's limits; ``print()`` or display the result.

    >>> capacity_plan(30).fits
    False
    >>> capacity_plan(30).waves
    3
    """
    for name, value, low in (
        ("attendees", attendees, 1),
        ("instances_each", instances_each, 1),
        ("limit", limit, 0),
        ("requests_per_second", requests_per_second, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValidationError(name, f"must be a whole number >= {low}, got {value!r}")
    return CapacityPlan(attendees, instances_each, limit, requests_per_second)
