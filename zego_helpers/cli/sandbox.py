"""``.venv/bin/zego-kit sandbox``: a standalone sandbox for a workshop room.

A trainer runs it on one machine (a laptop, or the JupyterHub server); every
attendee points their kit at it::

    .venv/bin/zego-kit sandbox --host 0.0.0.0 --port 8123 --instance-limit 100 --rate-limit 0

It prints the base URL, AppID and secret to use, as lines to paste into each
attendee's ``.env`` (``--write-env FILE`` also writes them to a file, such as
a JupyterHub's room settings), the link to the trainer's live dashboard, then
serves until Ctrl-C. The state stays in memory; attendees keep apart by using
their own id prefixes.

**The same room after a restart.** Everything attendees depend on (URL, AppID,
secret, limits) and the dashboard's trainer token are kept in the room file
(``<kit home>/room.json``; :mod:`zego_helpers.sandbox.room_file`). An option
given wins and is remembered; an option left out comes from the file. So
``zego-kit sandbox`` with no options restarts the same room, and
``--new-room`` starts a different one. ``ZEGO_ROOM_TOKEN``, when set, is the
dashboard's trainer token (a deployment keeps it in a secret, see deploy/).
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
import threading
from dataclasses import replace
from pathlib import Path

from ..atomic_file import replace_file
from ..errors import ConfigError
from ..i18n import _
from ..sandbox.config import SandboxConfig, random_app_id, random_secret
from ..sandbox.embedded import RunningSandbox, start_sandbox
from ..sandbox.room import RoomTracker, new_trainer_token
from ..sandbox.room_file import (
    MIN_TOKEN_CHARS,
    ROOM_FILE,
    TOKEN_VARIABLE,
    Room,
    load_room,
    save_room,
)
from . import args as cli_args


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``sandbox`` subcommand."""
    parser = subparsers.add_parser(
        "sandbox",
        help=_("run a standalone sandbox (a local AI Agent API) for a workshop room"),
        description=_(
            "Serve a local emulator of ZEGO's AI Agent API until Ctrl-C, with a live dashboard "
            "for the trainer. Options given are remembered in the room file; options left out "
            "come from it, so a restart serves the same room."
        ),
    )
    parser.add_argument("--host", help=_("0.0.0.0 to serve the whole room (default 127.0.0.1)"))
    parser.add_argument(
        "--port", type=cli_args.port, help=_("0 picks a free port (default; then remembered)")
    )
    parser.add_argument(
        "--app-id", type=cli_args.app_id, help=_("AppID to accept (random if never given)")
    )
    parser.add_argument(
        "--secret",
        type=cli_args.server_secret,
        help=_("32-character ServerSecret to accept (random if never given)"),
    )
    parser.add_argument(
        "--instance-limit",
        type=cli_args.count,
        help=_("live instances allowed (default 10, as ZEGO)"),
    )
    parser.add_argument(
        "--rate-limit",
        type=cli_args.count,
        help=_(
            "requests per second per action, 0 = off (default 10, as ZEGO, for the whole AppID)"
        ),
    )
    parser.add_argument(
        "--idle-rule", action="store_true", help=_("destroy instances whose user left the room")
    )
    parser.add_argument("--callback-url", help=_("POST signed callbacks to this URL"))
    parser.add_argument("--callback-secret", help=_("sign callbacks with this (default: secret)"))
    parser.add_argument(
        "--room-file",
        type=Path,
        help=_("where the room is remembered (default: {path})").format(
            path=f"<kit home>/{ROOM_FILE}"
        ),
    )
    parser.add_argument(
        "--new-room",
        action="store_true",
        help=_(
            "forget the remembered room: new credentials and trainer token (attendees then "
            "need the new settings)"
        ),
    )
    parser.add_argument(
        "--write-env",
        type=Path,
        metavar="FILE",
        help=_(
            "also write the attendees' settings to FILE (mode 0600), e.g. a JupyterHub's room "
            "settings file"
        ),
    )
    parser.set_defaults(func=run)


def room_file_path(given: Path | None) -> Path:
    """The room file: ``--room-file``, else ``<kit home>/room.json``."""
    if given is not None:
        return given.expanduser()
    from ..kit_home import ensure_kit_home
    from ..settings import load_settings

    return ensure_kit_home(load_settings().kit_home) / ROOM_FILE


def decide_room(args: argparse.Namespace, remembered: Room | None) -> tuple[Room, list[str]]:
    """The room to serve: the options given, over the remembered room; and what changed."""
    base = None if args.new_room else remembered
    if base is None:
        base = Room(app_id=random_app_id(), server_secret=random_secret())
    room = base.with_options(
        app_id=args.app_id,
        server_secret=args.secret,
        host=args.host,
        port=args.port,
        instance_limit=args.instance_limit,
    )
    if args.rate_limit is not None:
        room = replace(room, rate_limit=args.rate_limit or None)
    chosen = os.environ.get(TOKEN_VARIABLE, "").strip()
    if chosen:
        if len(chosen) < MIN_TOKEN_CHARS:
            raise ConfigError(
                TOKEN_VARIABLE,
                _("is {count} characters; a trainer token needs at least {least}").format(
                    count=len(chosen), least=MIN_TOKEN_CHARS
                ),
                _("set a longer one: {command}").format(
                    command="python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
                ),
            )
        room = room.with_options(trainer_token=chosen)
    if not room.trainer_token:
        room = room.with_options(trainer_token=new_trainer_token())
    changed = []
    if remembered is not None:
        if (room.app_id, room.server_secret) != (remembered.app_id, remembered.server_secret):
            changed.append(_("AppID and secret"))
        if (room.host, room.port) != (remembered.host, remembered.port):
            changed.append(_("address"))
        if room.trainer_token != remembered.trainer_token:
            changed.append(_("trainer token"))
    return room, changed


#: Collect the youngest generation every 50,000 new container objects, not Python's 700.
SERVER_GC_THRESHOLDS = (50_000, 20, 10)


def tune_garbage_collector() -> None:
    """Set the garbage collector up for a long-running server process (the room sandbox).

    With Python's defaults, a full room made the collector the sandbox's cost that grew:
    with 1000 attendees' requests in flight, their objects are still alive when the
    youngest generation is collected (every 700 allocations), so they are promoted and
    later rescanned in the older generations. The collector's time per request rose
    from 0.03 ms (100 attendees) to 0.13 ms (1000): most of the growth in the
    sandbox's CPU per request (``python -m tests.benchmarks sandbox_room``). Two
    changes, as long-running Python servers make them (see the ``gc`` module docs):

    * :func:`gc.freeze` moves everything alive after start-up (modules, Tornado,
      the kit) out of the collector's sight: it is never garbage, so never rescan it;
    * collect the youngest generation every 50,000 allocations, by which time
      a request's objects are gone (most are freed by reference counting at once;
      the collector only finds cycles, which stay few and small).

    Measured: 0.01 ms per request at 1000 attendees, none at 100. Only the
    standalone sandbox does this: the embedded one lives in a learner's kernel,
    whose collector is not the kit's to tune.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_GC_THRESHOLDS)


def run(args: argparse.Namespace) -> int:
    if (args.app_id is None) != (args.secret is None):
        print(_("error: give both --app-id and --secret, or neither (random ones are made up)"))
        return 2
    path = room_file_path(args.room_file)
    remembered = load_room(path)
    room, changed = decide_room(args, remembered)
    config = SandboxConfig(
        app_id=room.app_id,
        server_secret=room.server_secret,
        host=room.host,
        port=room.port,
        instance_limit=room.instance_limit,
        rate_limit_per_action=room.rate_limit,
        idle_rule=args.idle_rule,
        callback_url=args.callback_url,
        callback_secret=args.callback_secret,
        room=True,  # SandboxInfo tells attendees' kits that this is their room's sandbox
    )
    sandbox = start_sandbox(config, RoomTracker(room.trainer_token, room.server_secret))
    tune_garbage_collector()
    try:
        room = room.with_options(port=sandbox.port)  # port 0: the one it got, from now on
        if room != remembered:
            save_room(path, room)
        url = sandbox.base_url
        if room.host in ("0.0.0.0", "::"):
            url = f"http://{_lan_address()}:{sandbox.port}"
        if args.write_env is not None:
            write_attendee_env(args.write_env, url, room)
        _print_banner(sandbox, room, url, path, remembered, changed, args.write_env)
        print(_("Press Ctrl-C to stop."), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:  # a Ctrl-C right after the line above still stops it cleanly
        print("\n" + _("Stopping the sandbox."))
    finally:
        sandbox.stop()
    return 0


def attendee_settings(url: str, room: Room) -> dict[str, str]:
    """What each attendee's kit needs to use the room sandbox."""
    return {
        "ZEGO_API_BASE_URL": url,
        "ZEGO_APP_ID": str(room.app_id),
        "ZEGO_SERVER_SECRET": room.server_secret,
    }


def write_attendee_env(path: Path, url: str, room: Room) -> None:
    """Write the attendees' settings as KEY=VALUE lines to ``path`` (0600, atomically)."""
    path = path.expanduser()
    text = "# " + _("The room sandbox's settings for every attendee (written by zego-kit sandbox)")
    text += "\n"
    text += "".join(f"{key}={value}\n" for key, value in attendee_settings(url, room).items())
    try:
        replace_file(path, text.encode())  # 0600, as the temporary file it renames
    except OSError as error:
        raise ConfigError(
            "--write-env",
            _("cannot write {path} ({reason})").format(
                path=path, reason=error.strerror or type(error).__name__
            ),
            _("give a file in a folder that exists and that you may write to"),
        ) from None


def _print_banner(
    sandbox: RunningSandbox,
    room: Room,
    url: str,
    path: Path,
    remembered: Room | None,
    changed: list[str],
    env_file: Path | None,
) -> None:
    print(_("ZEGO AI Agent room sandbox serving at {url}").format(url=url))
    if remembered is None:
        print(
            _(
                "New room, remembered in {path}: a restart with no options serves the same room."
            ).format(path=path)
        )
    elif changed:
        print(
            _(
                "Room file {path} updated. CHANGED: {changed}: attendees need the new settings "
                "below (a restart with no options keeps these)."
            ).format(path=path, changed=_(", ").join(changed))
        )
    else:
        print(
            _("Same room as before (from {path}): attendees keep their settings.").format(path=path)
        )
    print(_("These are sandbox-only credentials: they do not work with ZEGO."))
    print(_("Paste into each attendee's .env:") + "\n")
    for key, value in attendee_settings(url, room).items():
        print(f"{key}={value}")
    if env_file is not None:
        print("\n" + _("(also written to {path})").format(path=env_file))
    print()
    link = f"{url}/room/#token={room.trainer_token}"
    print(_("Trainer dashboard (keep this link to yourself): {link}").format(link=link))
    print(
        _("Trainer commands: {commands}").format(
            commands="zego-kit room status | room cleanup | room unregister"
        )
    )


def _lan_address() -> str:
    """This machine's address on the local network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"
