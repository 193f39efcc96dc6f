"""Argument types shared by the commands: a port, a count, an AppID, a ServerSecret.

Each is an ``argparse`` ``type=`` function. It refuses an impossible value
before anything starts, with a message naming what is wrong and the fix;
argparse prints it as ``error: argument --port: ...`` and exits with status 2.
The AppID and secret rules are the settings' own
(:mod:`zego_helpers.settings`), so a command never accepts what every kit
would then refuse.
"""

from __future__ import annotations

import argparse
import re

from ..errors import ConfigError
from ..i18n import _
from ..settings import SERVER_SECRET_LENGTH, _parse_app_id, _parse_server_secret

MAX_PORT = 65535
#: ASCII digits only: int() also reads "١٢٣" (Arabic-Indic digits) as 123.
_ASCII_DIGITS = re.compile(r"[0-9]{1,5}", re.ASCII)
#: The same for a count (up to 9 digits).
_COUNT_DIGITS = re.compile(r"[0-9]{1,9}", re.ASCII)


def port(text: str) -> int:
    """A TCP port, 0 to 65535; 0 means "any free port" (the commands print the one chosen)."""
    if _ASCII_DIGITS.fullmatch(text.strip()) is None or int(text) > MAX_PORT:
        raise argparse.ArgumentTypeError(
            _(
                "{value} is not a port: use a number from 1 to {high}, or 0 for any free port"
            ).format(value=repr(text[:20]), high=MAX_PORT)
        )
    return int(text)


def count(text: str) -> int:
    """A whole number from 0 up (a limit; 0 often means "off"), in ASCII digits."""
    if _COUNT_DIGITS.fullmatch(text.strip()) is None:
        raise argparse.ArgumentTypeError(
            _("{value} is not a whole number: use digits 0-9, e.g. 100 (0 = off)").format(
                value=repr(text[:20])
            )
        )
    return int(text)


def app_id(text: str) -> int:
    """An AppID, checked like ``ZEGO_APP_ID`` (a uint32 in digits)."""
    try:
        return _parse_app_id(text.strip(), "--app-id")
    except ConfigError as error:
        raise argparse.ArgumentTypeError(
            _(
                "{problem}: give a number from 1 to {high}, or leave --app-id out for a random one"
            ).format(problem=error.problem, high=2**32 - 1)
        ) from None


def server_secret(text: str) -> str:
    """A ServerSecret, checked like ``ZEGO_SERVER_SECRET`` (the value is never echoed)."""
    try:
        return _parse_server_secret(text, "--secret").reveal()
    except ConfigError as error:
        raise argparse.ArgumentTypeError(
            _(
                "{problem}: every kit (and ZEGO) expects a {length}-character ServerSecret; "
                "give one of that length, or leave --secret out for a random one"
            ).format(problem=error.problem, length=SERVER_SECRET_LENGTH)
        ) from None
