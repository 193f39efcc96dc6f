"""Running the kit for a room full of people: whose id is whose, capacity, and which service.

Small tools a trainer relies on. Three of them live in the core, because
cleanup and preflight need them too, and are importable from here as well:

* :func:`~zego_helpers.ids.id_owner` reads the attendee namespace back out of an id made by
  :func:`~zego_helpers.ids.make_call_ids`. ``zoe_room_3f2a1c9d0e4b`` belongs
  to ``zoe``, and ``zoe_1_room_...`` to ``zoe_1``, *not* to ``zoe``: the
  match is exact, so cleaning up one attendee never touches another whose
  name merely starts the same way.
* :func:`set_attendee` saves an attendee's name (``ZEGO_ATTENDEE``) in the
  ``.env`` file, in notebook 00.
* :func:`namespace_clashes` finds attendee names that would share a
  namespace (run it on the attendee list before the day).
* :func:`~zego_helpers.capacity.capacity_plan` compares a room (attendees x instances each) with
  the account's limits: 10 concurrent instances and 10 requests per second
  per action by default, shared by everyone on one AppID.
* :class:`~zego_helpers.sandbox_control.SandboxControl` tells a sandbox from ZEGO's real
  service (a sandbox answers the sandbox-only action ``SandboxInfo``; ZEGO answers
  100000007, "unsupported action"), and a workshop's room sandbox from any other
  (``info().room``), asking once per service.
"""

from __future__ import annotations

import os
from pathlib import Path

# Moved to the core (cleanup and preflight use them too); still importable from here.
from ..capacity import CapacityPlan, capacity_plan  # noqa: F401
from ..constants import DEFAULT_INSTANCE_LIMIT, DEFAULT_REQUESTS_PER_SECOND  # noqa: F401
from ..errors import ValidationError
from ..i18n import _
from ..ids import belongs_to, id_owner, instance_owner, make_agent_id, namespace_prefix  # noqa: F401
from ..sandbox_control import SandboxControl  # noqa: F401
from ..settings import load_settings, save_env_file
from .form_logic import default_env_path


def set_attendee(name: str, env_path: str | Path | None = None) -> str:
    """Save your attendee name as ``ZEGO_ATTENDEE`` in the ``.env`` file; returns what it means.

    The file is the one the credentials form of notebook 00 writes (the
    ``.env`` your settings come from, else the project's), with owner-only
    permissions. Call :func:`~zego_helpers.settings.load_settings` again to
    use the name.
    """
    prefix = namespace_prefix(name)
    if not prefix:
        raise ValidationError("ZEGO_ATTENDEE", _("is empty: type your name"))
    if env_path is None:
        env_path = default_env_path(load_settings())
    path = save_env_file(env_path, {"ZEGO_ATTENDEE": name.strip()})
    text = _(
        "Saved {assignment} in {path}. Your agent is {agent_id} and your ids start with "
        "'{prefix}_'."
    ).format(
        assignment=f"ZEGO_ATTENDEE={name.strip()!r}",
        path=path,
        agent_id=repr(make_agent_id(name)),
        prefix=prefix,
    )
    return text + "".join(env_file_cautions("ZEGO_ATTENDEE", name.strip()))


def env_file_cautions(variable: str, value: str) -> list[str]:
    """Why a value just saved in ``.env`` might not take effect in this kernel."""
    cautions = []
    if os.environ.get("ZEGO_ENV_FILE", "").strip().lower() == "none":
        cautions.append(
            _(
                " Careful: ZEGO_ENV_FILE=none turns .env files off; set {variable} in the "
                "environment instead."
            ).format(variable=variable)
        )
    elsewhere = os.environ.get(variable, "").strip()
    if elsewhere and elsewhere != value:
        cautions.append(
            _(
                " Careful: this kernel's environment sets {assignment}, which wins over the "
                "file; unset it and restart the kernel."
            ).format(assignment=f"{variable}={elsewhere!r}")
        )
    return cautions


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
