"""Will a room fit one AppID? Compare attendees x instances with the account's limits.

An account runs 10 agent instances at once and 10 requests per second per
action by default (reference §7), shared by everyone on one AppID. The
trainer's notebook and ``preflight`` both print this plan; it is plain
arithmetic over those documented limits, with no I/O.

A workshop's room sandbox has limits of its own (``--instance-limit 100
--rate-limit 0``): :func:`plan_for_sandbox` plans with what the sandbox says
about itself (``SandboxInfo``), not with ZEGO's defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .constants import DEFAULT_INSTANCE_LIMIT, DEFAULT_REQUESTS_PER_SECOND
from .errors import ValidationError
from .i18n import N_, _
from .sandbox_control import SandboxInfo

#: How often :func:`zego_helpers.workflows.ask` polls for the answer while it waits.
ASK_POLLS_PER_SECOND = 4
#: Whose limits a plan uses (English, marked with ``N_()``; shown through ``_()``).
ACCOUNT = N_("the account")
ROOM_SANDBOX = N_("the room sandbox")
THIS_SANDBOX = N_("this sandbox")


@dataclass(frozen=True)
class CapacityPlan:
    """What a room needs from one AppID. Build it with :func:`capacity_plan`."""

    attendees: int
    instances_each: int
    limit: int
    #: ``None``: no rate limit (a room sandbox started with ``--rate-limit 0``).
    requests_per_second: int | None
    #: Whose limits these are: :data:`ACCOUNT` (ZEGO), :data:`ROOM_SANDBOX`, ...
    service: str = ACCOUNT

    @property
    def is_sandbox(self) -> bool:
        return self.service != ACCOUNT

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
        if self.requests_per_second is None:
            return 0.0
        return self.attendees / self.requests_per_second

    @property
    def attendees_asking_at_once(self) -> int:
        """Attendees who can wait for an answer (ask polls 4 times a second) within the rate."""
        if self.requests_per_second is None:
            return self.attendees
        return max(1, self.requests_per_second // ASK_POLLS_PER_SECOND)

    def advice(self) -> list[str]:
        """The plan in plain sentences, in the learner's language."""
        service = _(self.service)
        lines = [
            _(
                "{attendees} attendee(s) x {each} instance(s) = {peak} instance(s) at peak; "
                "{service} allows {limit}."
            ).format(
                attendees=self.attendees,
                each=self.instances_each,
                peak=self.peak_instances,
                service=service,
                limit=self.limit,
            )
        ]
        if self.fits:
            lines.append(_("That fits: everybody can run notebooks 02-04 at the same time."))
        elif self.is_sandbox:
            lines.append(
                _(
                    "That does not fit. Restart {service} with --instance-limit {peak} or more "
                    "(its limit is yours to set)."
                ).format(service=service, peak=self.peak_instances)
            )
        elif self.waves:
            lines.append(
                _(
                    "That does not fit. Ask ZEGO (your account manager or support) well before "
                    "the day to raise the concurrent-instance limit to at least {peak}, or run "
                    "notebooks 02-04 in {waves} wave(s) of {at_once} attendee(s), or use one "
                    "shared sandbox for the hands-on part (its limit is yours to set)."
                ).format(peak=self.peak_instances, waves=self.waves, at_once=self.attendees_at_once)
            )
        else:
            lines.append(
                _(
                    "Not even one attendee fits: each needs {each} instances. Ask ZEGO to raise "
                    "the limit or lower the instances per attendee."
                ).format(each=self.instances_each)
            )
        if self.requests_per_second is None:
            lines.append(
                _("Requests: {service} has no rate limit, so a room in step is fine.").format(
                    service=service
                )
            )
            return lines
        lines.append(
            _(
                "Requests: {rate}/s per action on {service}, shared by the whole AppID. If "
                "everybody runs the same cell at once, the last of {attendees} requests gets in "
                "after about {seconds} s; requests over the rate may be refused meanwhile (the "
                "kit retries a refused request twice, then reports it)."
            ).format(
                rate=self.requests_per_second,
                service=service,
                attendees=self.attendees,
                seconds=f"{self.burst_seconds:.1f}",
            )
        )
        if self.attendees > self.attendees_asking_at_once:
            lines.append(
                _(
                    "Waiting for an answer polls GetAgentInstanceMsgList {polls} times a second, "
                    "so only about {at_once} attendee(s) can wait at once within the rate. For a "
                    "bigger room, ask ZEGO to raise the per-action rate too, or stagger the talk "
                    "exercises."
                ).format(polls=ASK_POLLS_PER_SECOND, at_once=self.attendees_asking_at_once)
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
    requests_per_second: int | None = DEFAULT_REQUESTS_PER_SECOND,
    *,
    service: str = ACCOUNT,
) -> CapacityPlan:
    """Compare a room with the account's limits; ``print()`` or display the result.

    ``requests_per_second=None`` means no rate limit; ``service`` names whose
    limits these are (:data:`ACCOUNT`: ZEGO's; the English of ``N_()``, shown
    through ``_()``).

    >>> capacity_plan(30).fits
    False
    >>> capacity_plan(30).waves
    3
    """
    checked = [
        ("attendees", attendees, 1),
        ("instances_each", instances_each, 1),
        ("limit", limit, 0),
    ]
    if requests_per_second is not None:
        checked.append(("requests_per_second", requests_per_second, 1))
    for name, value, low in checked:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValidationError(
                name,
                _("must be a whole number >= {low}, got {value}").format(
                    low=low, value=repr(value)
                ),
            )
    return CapacityPlan(attendees, instances_each, limit, requests_per_second, service)


def plan_for_sandbox(info: SandboxInfo, attendees: int, instances_each: int = 1) -> CapacityPlan:
    """The plan with a sandbox's own limits (what its ``SandboxInfo`` said)."""
    service = ROOM_SANDBOX if info.room else THIS_SANDBOX
    return capacity_plan(
        attendees,
        instances_each,
        info.instance_limit,
        info.rate_limit_per_action,
        service=service,
    )
