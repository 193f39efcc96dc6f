"""Command line: ``.venv/bin/zego-kit <command>`` (the same as ``python -m zego_helpers``).

Commands:

* ``doctor``   check settings, clock and one signed call, with a fix for each failure
* ``token``    print a Token04 for a user (only the token, so it can be piped)
* ``agents``   list registered agents (API keys masked)
* ``cleanup``  delete instances left behind (ledger, or a whole sandbox)
* ``sandbox``  run a standalone sandbox for a workshop room
* ``room``     trainer: the room sandbox's attendees (status, cleanup, unregister)
* ``callbacks`` run a callback receiver and print events
* ``web-sdk``  bundle / install / show the Express Web SDK copy the call widget loads

Feature packages add their own command through an ``add_cli(subparsers)``
function, registered in :data:`_FEATURE_COMMANDS`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
from collections.abc import Sequence

from ..errors import ZegoError
from ..i18n import _

#: Modules that contribute a subcommand through ``add_cli(subparsers)``.
_FEATURE_COMMANDS = (
    "zego_helpers.cli.sandbox",
    "zego_helpers.cli.callbacks",
    "zego_helpers.cli.preflight",
    "zego_helpers.cli.web_sdk",
    "zego_helpers.cli.room",
)


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import print_doctor

    return print_doctor()


def cmd_token(args: argparse.Namespace) -> int:
    from ..connect import signing_credentials
    from ..settings import load_settings
    from ..token04 import generate_token04, privilege_payload

    app_id, secret = signing_credentials(load_settings())
    payload = privilege_payload(args.room_id) if args.room_id else ""
    print(generate_token04(app_id, args.user_id, secret.reveal(), args.ttl, payload))
    return 0


def cmd_agents(args: argparse.Namespace) -> int:
    from ..connect import connect
    from ..secrets_mask import mask_secrets

    with connect() as client:
        agents = list(client.iter_agents())
    if args.json:
        print(json.dumps(mask_secrets(agents), indent=2, ensure_ascii=False))
    elif not agents:
        print(_("No agents registered."))
    else:
        for agent in agents:
            llm = agent.get("LLM") or {}
            tts = agent.get("TTS") or {}
            name = str(agent.get("Name") or "")
            # The Name as people wrote it (张伟) beside the id, whose prefix may be a hash.
            shown = _("name: {name}").format(name=name) if name else _("no name")
            print(
                f"{agent.get('AgentId')}  ({shown})  "
                f"llm={llm.get('Model', '?')}  tts={tts.get('Vendor', '?')}"
            )
    return 0


def cmd_cleanup(args: argparse.Namespace) -> int:
    from .cleanup import run_cleanup

    return run_cleanup(args)


def _program_name() -> str:
    """How the user started the kit, for usage lines: ``zego-kit`` or ``python -m ...``."""
    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    return "zego-kit" if script.startswith("zego-kit") else "python -m zego_helpers"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_program_name(),
        description=_("Tools for ZEGO's AI Agent server API (sandbox mode without credentials)."),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    doctor = commands.add_parser("doctor", help=_("check settings, clock and one signed call"))
    doctor.set_defaults(func=cmd_doctor)

    token = commands.add_parser("token", help=_("print a Token04 for the web client"))
    token.add_argument("--user-id", required=True, help=_("the userID the client logs in with"))
    token.add_argument("--room-id", help=_("pin the token to this room (privilege token)"))
    token.add_argument(
        "--ttl", type=int, default=3600, help=_("lifetime in seconds (default 3600)")
    )
    token.set_defaults(func=cmd_token)

    agents = commands.add_parser("agents", help=_("list registered agents (keys masked)"))
    agents.add_argument("--json", action="store_true", help=_("print the full masked JSON"))
    agents.set_defaults(func=cmd_agents)

    cleanup = commands.add_parser(
        "cleanup",
        help=_("delete instances left behind (yours only when ZEGO_ATTENDEE is set)"),
        description=_(
            "Delete the instances the ledger holds for this service, and settle the creates "
            "whose answer never came (a kernel killed mid-create). With ZEGO_ATTENDEE set, only "
            "that attendee's own instances are touched. Exit status 1 while anything may still "
            "run that could not be ended (each such line says what to do)."
        ),
    )
    whose = cleanup.add_mutually_exclusive_group()
    whose.add_argument("--prefix", help=_("only this attendee's instances (their name or prefix)"))
    whose.add_argument(
        "--all-attendees", action="store_true", help=_("trainer: everybody's instances")
    )
    cleanup.add_argument(
        "--sandbox-all",
        action="store_true",
        help=_("sandbox only: every live instance the sandbox knows, not just the ledger's"),
    )
    cleanup.add_argument("--dry-run", action="store_true", help=_("list, delete nothing"))
    cleanup.add_argument(
        "--wait",
        action="store_true",
        help=_(
            "for a create whose answer never came and that cannot be ended otherwise: wait "
            "until ZEGO's idle rule has ended it (MaxIdleTime after the create), then forget it"
        ),
    )
    cleanup.set_defaults(func=cmd_cleanup)

    for module_name in _FEATURE_COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.add_cli(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    use_configured_language()  # ZEGO_LANG from the environment or .env, before any message
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ZegoError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def use_configured_language() -> None:
    """Speak the language ``ZEGO_LANG`` names, in the environment or in the ``.env`` file.

    The environment is read at each message anyway; this adds the ``.env``
    file's value (:func:`~zego_helpers.settings.configured_language`). A ``.env``
    that cannot be read changes nothing here: the command that needs the
    settings reports that problem itself.
    """
    from ..i18n import set_configured_language
    from ..settings import configured_language

    with contextlib.suppress(ZegoError):
        set_configured_language(configured_language())
