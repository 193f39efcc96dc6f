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
from ..ids import namespace_prefix
from ..sandbox.room_file import TOKEN_VARIABLE

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
                f"the room sandbox at {self.url} does not answer ({type(error).__name__}): is "
                "`zego-kit sandbox` running there? Start it, or give --url"
            ) from None
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.status_code == 401:
            raise RoomError(
                f"the room sandbox at {self.url} refused the trainer token: it belongs to another "
                f"room. Use the room file of that sandbox (--room-file), or set {TOKEN_VARIABLE} "
                "to the token it printed"
            )
        if answer.status_code == 404:
            raise RoomError(
                f"{self.url} has no trainer dashboard: it is not a room sandbox started by "
                "`zego-kit sandbox` (or it is an older kit's)"
            )
        if not answer.ok:
            raise RoomError(f"the room sandbox answered HTTP {answer.status_code}: {data}")
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
                "is not set, and --url needs it",
                "set it to the trainer token the room sandbox printed (the part after "
                "#token= in its dashboard link)",
            )
        return RoomEndpoint(url.rstrip("/"), token)
    path = room_file_path(room_file)
    room = load_room(path)
    if room is None:
        raise ConfigError(
            str(path),
            "there is no room file here, so no room sandbox to ask",
            "run the commands where `zego-kit sandbox` runs (same kit home, or --room-file), "
            f"or give --url and set {TOKEN_VARIABLE}",
        )
    host = room.host if room.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return RoomEndpoint(f"http://{host}:{room.port}", room.trainer_token)


# --- the commands ---------------------------------------------------------------------------


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``room status``, ``room cleanup`` and ``room unregister``."""
    room = subparsers.add_parser(
        "room",
        help="trainer: the room sandbox's attendees (status, cleanup, unregister)",
        description="Ask the room sandbox about every attendee, whatever machine they ran on.",
    )
    commands = room.add_subparsers(dest="room_command", required=True, metavar="command")

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--room-file", type=Path, help="the sandbox's room file")
        parser.add_argument(
            "--url", help=f"the room sandbox's URL (then the token comes from {TOKEN_VARIABLE})"
        )

    status = commands.add_parser("status", help="every attendee's steps, instances, last error")
    status.add_argument("--json", action="store_true", help="the whole snapshot as JSON")
    common(status)
    status.set_defaults(func=cmd_status)

    for name, what in (
        ("cleanup", "delete the live instances"),
        ("unregister", "unregister the agents"),
    ):
        parser = commands.add_parser(name, help=f"{what} of one attendee, or of everybody")
        whose = parser.add_mutually_exclusive_group(required=True)
        whose.add_argument(
            "--attendee", help='an attendee\'s name (or id prefix); "" for those who set none'
        )
        whose.add_argument("--all", action="store_true", help="everybody's")
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")
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
    whose = "everybody" if namespace is None else f"{args.attendee!r} (ids starting '{namespace}_')"
    if args.instances:
        ids, done = result["Deleted"], "Would delete" if args.dry_run else "Deleted"
        print(f"{done} {len(ids)} live instance(s) of {whose}")
    else:
        ids, done = result["Unregistered"], "Would unregister" if args.dry_run else "Unregistered"
        print(f"{done} {len(ids)} agent(s) of {whose}")
    for item in ids:
        print(f"  {item}")
    return 0


# --- the table ------------------------------------------------------------------------------


def status_table(snapshot: dict[str, Any]) -> str:
    """The snapshot as the plain-text table ``zego-kit room status`` prints."""
    room = snapshot["Room"]
    lines = [
        f"Room sandbox, AppID {snapshot['AppId']}: {room['Attendees']} attendee(s), "
        f"{room['Instances']} live instance(s), {room['Agents']} agent(s), "
        f"{room['Collisions']} id collision(s)"
    ]
    steps = [step["Key"] for step in snapshot["Steps"]]
    header = ["attendee", *steps, "live", "agents", "last error"]
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
        lines.append("(no attendee has sent a request yet)")
    if room["UnattributedErrors"]:
        last = room["LastUnattributedError"]
        lines.append(
            f"{room['UnattributedErrors']} error(s) nobody could be named for; the last: "
            f"{last['Code']} {last['Meaning']} ({last['Action']}): {last['Message']}"
        )
    return "\n".join(lines)


def _who(attendee: dict[str, Any]) -> str:
    namespace, name = attendee["Namespace"], attendee["Name"]
    if not namespace:
        return "(no name)"
    return f"{name} ({namespace})" if name and name != namespace else namespace


def _clock(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%H:%M:%S") if ms else "-"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
