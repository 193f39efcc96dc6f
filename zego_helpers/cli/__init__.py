"""Every command of the kit: ``python -m zego_helpers <command>`` (or ``zego-kit <command>``).

One module per command: :mod:`~zego_helpers.cli.main` (the parser, and the
small ``token`` and ``agents`` commands), :mod:`~zego_helpers.cli.doctor`,
:mod:`~zego_helpers.cli.cleanup` (with :mod:`~zego_helpers.cli.unanswered` for creates
whose answer never came, and :mod:`~zego_helpers.cli.cleanup_result`),
:mod:`~zego_helpers.cli.preflight`, :mod:`~zego_helpers.cli.sandbox`,
:mod:`~zego_helpers.cli.room` (the trainer's view of a room sandbox) and
:mod:`~zego_helpers.cli.callbacks`.
Commands use the core, the sandbox and the callback receiver; nothing in
the core imports them.
"""

from __future__ import annotations

from .main import build_parser, main

__all__ = ["build_parser", "main"]
