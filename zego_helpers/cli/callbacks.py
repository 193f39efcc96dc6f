"""``.venv/bin/zego-kit callbacks``: receive ZEGO callbacks and print one line per event.

    .venv/bin/zego-kit callbacks --port 8787
    # then expose it, e.g. with a tunnel, and register https://<public-host>/zego/callback

The secrets come from the settings (``.env`` / environment): the callback
secret if set, else the ServerSecret. In sandbox mode (no credentials set) the
kit's sandbox signs its callbacks with its own ServerSecret, so that one is
used; point the sandbox at the receiver with
``SandboxControl(client).configure(callback_url="<the URL it prints>")``.
Neither secret nor any Signature is ever printed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import Any, TextIO

from ..callbacks.events import format_line
from ..callbacks.receiver import DEFAULT_PATH, CallbackReceiver
from ..callbacks.verify import DEFAULT_MAX_AGE_SECONDS, callback_secrets_for
from ..errors import ZegoError
from ..i18n import _, ngettext
from . import args as cli_args

DEFAULT_PORT = 8787


def add_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``callbacks`` subcommand; its handler is stored as ``func``."""
    parser = subparsers.add_parser(
        "callbacks",
        help=_("receive ZEGO callbacks and print each event"),
        description=_(
            "Listen for ZEGO AI Agent callbacks, verify their signature, print each event as one "
            "line. Ctrl+C stops."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on"))
    parser.add_argument(
        "--port", type=cli_args.port, default=DEFAULT_PORT, help=_("0 picks a free port")
    )
    parser.add_argument("--path", default=DEFAULT_PATH, help=_("URL path ZEGO posts to"))
    parser.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE_SECONDS,
        help=_("refuse callbacks whose Timestamp is older than this many seconds (0: no check)"),
    )
    parser.set_defaults(func=run)
    return parser


def run(
    args: argparse.Namespace,
    *,
    settings: Any = None,
    stop: threading.Event | None = None,
    out: TextIO | None = None,
) -> int:
    """Serve until Ctrl+C (or until ``stop`` is set); return the exit status."""
    out = out or sys.stdout
    stop = stop or threading.Event()
    try:
        if settings is None:
            from ..settings import load_settings

            settings = load_settings()
        receiver = CallbackReceiver(
            callback_secrets_for(settings),
            host=args.host,
            port=args.port,
            path=args.path,
            max_age_seconds=args.max_age or None,
        ).start()
    except (ZegoError, OSError, ValueError) as exc:
        print(f"callbacks: {exc}", file=sys.stderr)
        return 2

    def show(line: str) -> None:
        print(line, file=out, flush=True)

    rejections = _PrintRejections(show)
    receiver_logger = logging.getLogger("zego_helpers.callbacks.receiver")
    receiver_logger.addHandler(rejections)
    old_level = receiver_logger.level
    receiver_logger.setLevel(logging.INFO)
    unsubscribe = receiver.log.subscribe(lambda event: show(format_line(event)))
    secrets = ", ".join(name for name, _secret in receiver.verifier.secrets.candidates())
    show(
        _("Receiving ZEGO callbacks on {url} (checking signatures with: {secrets}).").format(
            url=receiver.url, secrets=secrets
        )
    )
    if getattr(settings, "is_sandbox", False):
        show(
            _(
                "Sandbox mode: the signatures are checked with the kit sandbox's own secret. "
                "Send its callbacks here with {call}."
            ).format(call=f"SandboxControl(client).configure(callback_url='{receiver.url}')")
        )
    else:
        show(
            _("ZEGO needs a public URL that forwards here (a tunnel); register it in the console.")
        )
    show(_("Ctrl+C stops."))
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        unsubscribe()
        receiver.stop()
        receiver.log.close()
        receiver_logger.removeHandler(rejections)
        receiver_logger.setLevel(old_level)
        stats = receiver.stats()
        show(
            _("Stopped. {events}, {retries}, rejected: {rejected}.").format(
                events=ngettext("{count} event", "{count} events", stats["accepted"]).format(
                    count=stats["accepted"]
                ),
                retries=ngettext(
                    "{count} retry ignored", "{count} retries ignored", stats["duplicates"]
                ).format(count=stats["duplicates"]),
                rejected=stats["rejected"] or _("none"),
            )
        )
    return 0


class _PrintRejections(logging.Handler):
    """Shows each refused callback (with its reason) between the event lines."""

    def __init__(self, show: Any) -> None:
        super().__init__(logging.INFO)
        self._show = show

    def emit(self, record: logging.LogRecord) -> None:
        self._show(_("REJECTED  {reason}").format(reason=record.getMessage()))
