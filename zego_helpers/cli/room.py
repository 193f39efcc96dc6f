"""``zego-kit room ...``: the trainer's commands for a room sandbox, from any terminal.

The room sandbox sees every attendee's requests, whatever laptop or hub server
they run on, so it can answer for all of them (this machine's ledger only
knows what was created from here)::

    .venv/bin/zego-kit room status                       # the dashboard as a table
    .venv/bin/zego-kit room cleanup --attendee "Zoë"      # delete Zoë's live instances
    .venv/bin/zego-kit room unregister --all --dry-run   # which agents would go

They are clients of the sandbox's trainer endpoints (:mod:`zego_helpers.sandbox.dashboard`),
exactly what the dashboard's buttons use, so the buttons and the commands do the
same. Where the sandbox is and its trainer token come from the room file that
``zego-kit sandbox`` keeps (``<kit home>/room.json``, or ``--room-file``); on
another machine, give ``--url`` and put the token in ``ZEGO_ROOM_TOKEN`` (an
environment variable, so it stays out of the shell history and the process list).
"""

from __future__ import annotations

import argparse
import json
import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ZegoError
from ..i18n import _
from ..ids import namespace_prefix
from ..local_url import local_url
from ..sandbox.room_file import TOKEN_VARIABLE
from .cleanup import name_with_prefix

TIMEOUT_SECONDS = 15.0


class RoomError(ZegoError):
    """The room sandbox could not be reached, or refused the trainer's request."""


@dataclass(frozen=True)
class RoomEndpoint:
    """Where the room sandbox answers, and the trainer token it wants."""

    url: str
    token: str

    def __repr__(self) -> str:  # the token never reaches a log line
        return f"RoomEndpoint(url={self.url!r})"

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request to a trainer endpoint; its JSON answer, or :class:`RoomError`."""
        import requests

        try:
            answer = requests.request(
                method,
                f"{self.url}/room/api/{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise RoomError(
                _(
                    "the room sandbox at {url} does not answer ({error}): is {command} running "
                    "there? Start it, or give --url"
                ).format(url=self.url, error=type(error).__name__, command="`zego-kit sandbox`")
            ) from None
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.status_code == 401:
            raise RoomError(
                _(
                    "the room sandbox at {url} refused the trainer token: it belongs to another "
                    "room. Use the room file of that sandbox (--room-file), or set {variable} to "
                    "the token it printed"
                ).format(url=self.url, variable=TOKEN_VARIABLE)
            )
        if answer.status_code == 404:
            raise RoomError(
                _(
                    "{url} has no trainer dashboard: it is not a room sandbox started by "
                    "{command} (or it is an older kit's)"
                ).format(url=self.url, command="`zego-kit sandbox`")
            )
        if not answer.ok:
            raise RoomError(
                _("the room sandbox answered HTTP {status}: {data}").format(
                    status=answer.status_code, data=data
                )
            )
        return data

    def status(self) -> dict[str, Any]:
        """The room's snapshot, at once (what the dashboard shows)."""
        return self.request("GET", "status?wait=0")

    def clean_up(
        self, namespace: str | None, *, instances: bool, agents: bool, dry_run: bool = False
    ) -> dict[str, Any]:
        """Delete instances and/or unregister agents of one attendee (``None``: everybody)."""
        scope: dict[str, Any] = {"All": True} if namespace is None else {"Namespace": namespace}
        body = {**scope, "Instances": instances, "Agents": agents, "DryRun": dry_run}
        return self.request("POST", "cleanup", body)


def endpoint(url: str | None, room_file: Path | None) -> RoomEndpoint:
    """The room sandbox to talk to: ``--url`` with ``ZEGO_ROOM_TOKEN``, else the room file."""
    from ..sandbox.room_file import load_room
    from .sandbox import room_file_path

    if url:
        token = os.environ.get(TOKEN_VARIABLE, "").strip()
        if not token:
            raise ConfigError(
                TOKEN_VARIABLE,
                _("is not set, and --url needs it"),
                _(
                    "set it to the trainer token the room sandbox printed (the part after "
                    "#token= in its dashboard link)"
                ),
            )
        return RoomEndpoint(url.rstrip("/"), token)
    path = room_file_path(room_file)
    room = load_room(path)
    if room is None:
        raise ConfigError(
            str(path),
            _("there is no room file here, so no room sandbox to ask"),
            _(
                "run the commands where {command} runs (same kit home, or --room-file), or give "
                "--url and set {variable}"
            ).format(command="`zego-kit sandbox`", variable=TOKEN_VARIABLE),
        )
    return RoomEndpoint(local_url(room.host, room.port), room.trainer_token)


# --- the commands ---------------------------------------------------------------------------


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``room status``, ``room cleanup`` and ``room unregister``."""
    room = subparsers.add_parser(
        "room",
        help=_("trainer: the room sandbox's attendees (status, cleanup, unregister)"),
        description=_("Ask the room sandbox about every attendee, whatever machine they ran on."),
    )
    commands = room.add_subparsers(dest="room_command", required=True, metavar="command")

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--room-file", type=Path, help=_("the sandbox's room file"))
        parser.add_argument(
            "--url",
            help=_("the room sandbox's URL (then the token comes from {variable})").format(
                variable=TOKEN_VARIABLE
            ),
        )

    status = commands.add_parser("status", help=_("every attendee's steps, instances, last error"))
    status.add_argument("--json", action="store_true", help=_("the whole snapshot as JSON"))
    common(status)
    status.set_defaults(func=cmd_status)

    for name, what in (
        ("cleanup", _("delete the live instances of one attendee, or of everybody")),
        ("unregister", _("unregister the agents of one attendee, or of everybody")),
    ):
        parser = commands.add_parser(name, help=what)
        whose = parser.add_mutually_exclusive_group(required=True)
        whose.add_argument(
            "--attendee", help=_('an attendee\'s name (or id prefix); "" for those who set none')
        )
        whose.add_argument("--all", action="store_true", help=_("everybody's"))
        parser.add_argument("--dry-run", action="store_true", help=_("list, change nothing"))
        common(parser)
        parser.set_defaults(func=cmd_cleanup, instances=name == "cleanup")


def cmd_status(args: argparse.Namespace) -> int:
    snapshot = endpoint(args.url, args.room_file).status()
    if args.json:
        print(json.dumps(snapshot, indent=2, ensure_ascii=False))
    else:
        print(status_table(snapshot))
    return 0


def cmd_cleanup(args: argparse.Namespace) -> int:
    room = endpoint(args.url, args.room_file)
    namespace = None if args.all else namespace_prefix(args.attendee)
    result = room.clean_up(
        namespace, instances=args.instances, agents=not args.instances, dry_run=args.dry_run
    )
    whose = (
        _("everybody")
        if namespace is None
        else _("{attendee} (ids starting '{prefix}_')").format(
            attendee=repr(args.attendee), prefix=namespace
        )
    )
    if args.instances:
        ids = result["Deleted"]
        done = (
            _("Would delete {count} live instance(s) of {whose}")
            if args.dry_run
            else _("Deleted {count} live instance(s) of {whose}")
        )
    else:
        ids = result["Unregistered"]
        done = (
            _("Would unregister {count} agent(s) of {whose}")
            if args.dry_run
            else _("Unregistered {count} agent(s) of {whose}")
        )
    print(done.format(count=len(ids), whose=whose))
    for item in ids:
        print(f"  {item}")
    return 0


# --- the table ------------------------------------------------------------------------------


def status_table(snapshot: dict[str, Any]) -> str:
    """The snapshot as the plain-text table ``zego-kit room status`` prints."""
    room = snapshot["Room"]
    lines = [
        _(
            "Room sandbox, AppID {app_id}: {attendees} attendee(s), {instances} live "
            "instance(s), {agents} agent(s), {collisions} id collision(s)"
        ).format(
            app_id=snapshot["AppId"],
            attendees=room["Attendees"],
            instances=room["Instances"],
            agents=room["Agents"],
            collisions=room["Collisions"],
        )
    ]
    steps = [step["Key"] for step in snapshot["Steps"]]
    header = [_("attendee"), *steps, _("live"), _("agents"), _("last error")]
    rows = [header]
    for attendee in snapshot["Attendees"]:
        error = attendee["LastError"]
        rows.append(
            [
                _who(attendee),
                *(_clock(attendee["Steps"].get(step)) for step in steps),
                str(len(attendee["Instances"])),
                str(len(attendee["Agents"])),
                f"{error['Code']} {error['Meaning']} ({error['Action']})" if error else "-",
            ]
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    if not snapshot["Attendees"]:
        lines.append(_("(no attendee has sent a request yet)"))
    if room["UnattributedErrors"]:
        last = room["LastUnattributedError"]
        lines.append(
            _("{count} error(s) nobody could be named for; the last: {error}").format(
                count=room["UnattributedErrors"],
                error=f"{last['Code']} {last['Meaning']} ({last['Action']}): {last['Message']}",
            )
        )
    return "\n".join(lines)


def _who(attendee: dict[str, Any]) -> str:
    namespace, name = attendee["Namespace"], attendee["Name"]
    if not namespace:
        return _("(no name)")
    return name_with_prefix(name, namespace)


def _clock(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%H:%M:%S") if ms else "-"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
