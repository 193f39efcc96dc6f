"""``.venv/bin/zego-kit sandbox``: a standalone sandbox for a workshop room.

A trainer runs it on one laptop; every attendee points their kit at it::

    .venv/bin/zego-kit sandbox --host 0.0.0.0 --port 8080

It prints the base URL, AppID and secret to use, as lines to paste into each
attendee's ``.env``, then serves until Ctrl-C. The state stays in memory;
attendees keep apart by using their own id prefixes.
"""

from __future__ import annotations

import argparse
import socket
import threading

from ..sandbox.config import SandboxConfig, random_app_id, random_secret
from ..sandbox.embedded import start_sandbox
from . import args as cli_args


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``sandbox`` subcommand."""
    parser = subparsers.add_parser(
        "sandbox",
        help="run a standalone sandbox (a local AI Agent API) for a workshop room",
        description="Serve a local emulator of ZEGO's AI Agent API until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve the whole room")
    parser.add_argument(
        "--port", type=cli_args.port, default=0, help="0 (default) picks a free port"
    )
    parser.add_argument(
        "--app-id", type=cli_args.app_id, help="AppID to accept (random if not given)"
    )
    parser.add_argument(
        "--secret",
        type=cli_args.server_secret,
        help="32-character ServerSecret to accept (random if not given)",
    )
    parser.add_argument(
        "--instance-limit", type=int, default=10, help="live instances allowed (ZEGO: 10)"
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=10,
        help="requests per second per action, 0 = off (ZEGO: 10, shared by the whole AppID)",
    )
    parser.add_argument(
        "--idle-rule", action="store_true", help="destroy instances whose user left the room"
    )
    parser.add_argument("--callback-url", help="POST signed callbacks to this URL")
    parser.add_argument("--callback-secret", help="sign callbacks with this (default: secret)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (args.app_id is None) != (args.secret is None):
        print("error: give both --app-id and --secret, or neither (random ones are made up)")
        return 2
    config = SandboxConfig(
        app_id=args.app_id if args.app_id is not None else random_app_id(),
        server_secret=args.secret or random_secret(),
        host=args.host,
        port=args.port,
        instance_limit=args.instance_limit,
        rate_limit_per_action=args.rate_limit or None,
        idle_rule=args.idle_rule,
        callback_url=args.callback_url,
        callback_secret=args.callback_secret,
        room=True,  # SandboxInfo tells attendees' kits that this is their room's sandbox
    )
    sandbox = start_sandbox(config)
    url = sandbox.base_url
    if args.host in ("0.0.0.0", "::"):
        url = f"http://{_lan_address()}:{sandbox.port}"
    print(f"ZEGO AI Agent sandbox serving at {url}")
    print("These are sandbox-only credentials: they do not work with ZEGO.")
    print("Paste into each attendee's .env:\n")
    print(f"ZEGO_API_BASE_URL={url}")
    print(f"ZEGO_APP_ID={config.app_id}")
    print(f"ZEGO_SERVER_SECRET={config.server_secret}\n")
    try:  # a Ctrl-C right after the line below still stops the sandbox cleanly
        print("Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopping the sandbox.")
    finally:
        sandbox.stop()
    return 0


def _lan_address() -> str:
    """This machine's address on the local network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"
