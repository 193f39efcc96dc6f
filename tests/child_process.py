"""Start a kit command in a child process the way a terminal would, whatever runs the suite.

A command typed in a terminal gets Ctrl-C: SIGINT has its default handler, which Python
turns into ``KeyboardInterrupt``. A test suite does not always run like that. A shell runs
a background job (``make test &``, a cron job, a trainer's script) with SIGINT *ignored*,
and an ignored signal stays ignored through ``fork`` and ``exec``: Python then keeps it
ignored too, and a test that sends SIGINT to its child waits in vain.

:func:`kit_command` starts the child through a two-line wrapper that gives SIGINT back its
default handler before the kit's ``__main__`` runs. (``preexec_fn`` could do the same, but
it is not safe in a process that runs threads, and pytest's process does.)

For a serving command (``zego-kit sandbox``): :func:`start_kit` starts it with its output
in pipes, :func:`lines_until_ready` reads what it prints up to "Press Ctrl-C", which
:func:`printed_settings` turns into the settings it tells you to paste, and
:func:`watchdog` makes sure a hung child ends the test, not the whole suite.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

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


def start_kit(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stderr: int | None = subprocess.PIPE,
    new_session: bool = True,
) -> subprocess.Popen[str]:
    """``python -m zego_helpers *args`` (see :func:`kit_command`), reading nothing (stdin is
    /dev/null), its stdout (and unless told otherwise its stderr) a text pipe.

    ``env``: the child's whole environment (default: this process's). ``stderr``:
    ``subprocess.STDOUT`` to read both as one, ``None`` to leave it on this process's.
    ``new_session``: in a session of its own, so only the signals the test sends reach it,
    not a Ctrl-C typed in the terminal that runs the suite.
    """
    return subprocess.Popen(
        kit_command(*args),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=new_session,
    )


def lines_until_ready(process: subprocess.Popen[str], ready: str = "Press Ctrl-C") -> list[str]:
    """What a serving command printed, each line stripped, up to the one that starts with
    ``ready`` (included): by then it listens.

    Raises ``RuntimeError`` with all it printed (and its stderr, when that is a pipe of its
    own) if it ends first.
    """
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith(ready):
        line = process.stdout.readline()
        if not line:
            error = process.stderr.read() if process.stderr is not None else ""
            printed = "\n".join(lines)
            raise RuntimeError(f"the command ended early:\n{printed}\n{error}")
        lines.append(line.strip())
    return lines


def printed_settings(lines: Iterable[str]) -> dict[str, str]:
    """The ``ZEGO_...=value`` lines among ``lines`` (what ``zego-kit sandbox`` says to paste
    into ``.env``), as a dict."""
    return dict(line.split("=", 1) for line in lines if line.startswith("ZEGO_"))


@contextmanager
def watchdog(process: subprocess.Popen[str], seconds: float) -> Iterator[None]:
    """Kill ``process`` if the block is still running after ``seconds`` (a hung child ends the
    test, not the suite), and when the block ends with the process still running."""
    timer = threading.Timer(seconds, process.kill)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()


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
