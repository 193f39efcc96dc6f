"""Start a kit command in a child process the way a terminal would, whatever runs the suite.

A command typed in a terminal gets Ctrl-C: SIGINT has its default handler, which Python
turns into ``KeyboardInterrupt``. A test suite does not always run like that. A shell runs
a background job (``make test &``, a cron job, a trainer's script) with SIGINT *ignored*,
and an ignored signal stays ignored through ``fork`` and ``exec``: Python then keeps it
ignored too, and a test that sends SIGINT to its child waits in vain.

:func:`kit_command` starts the child through a two-line wrapper that gives SIGINT back its
default handler before the kit's ``__main__`` runs. (``preexec_fn`` could do the same, but
it is not safe in a process that runs threads, and pytest's process does.)
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Run ``python -m <module> ...`` with SIGINT's default handler, as in a terminal.
_WITH_DEFAULT_SIGINT = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
)


def module_command(module: str, *args: str) -> list[str]:
    """argv for ``python -m module *args`` that receives Ctrl-C (SIGINT) as in a terminal."""
    return [sys.executable, "-c", _WITH_DEFAULT_SIGINT.format(module=module), *args]


def kit_command(*args: str) -> list[str]:
    """argv for ``python -m zego_helpers *args`` that receives Ctrl-C (SIGINT) as in a terminal."""
    return module_command("zego_helpers", *args)


@contextmanager
def sigint_ignored_as_in_a_background_job() -> Iterator[None]:
    """Ignore SIGINT in this (the test's) process for the block, as a background job does.

    Children started inside the block inherit the ignored SIGINT, so a test proves its
    child still stops on Ctrl-C when the suite runs as ``make test &``, even when it runs
    in the foreground.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
