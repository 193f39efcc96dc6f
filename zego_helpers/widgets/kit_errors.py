"""A kit error raised in a code cell: one short red line with the fix, the traceback one click away.

Every error of the kit (:class:`~zego_helpers.errors.ZegoError`) already says
what went wrong and how to fix it: ``TTS.Vendor: is 'Minimax'; use one of ...``.
Shown as a usual Python traceback, that sentence sits at the bottom of 30
lines of library frames. :func:`show_kit_errors_briefly` installs an IPython
*custom exception handler* (``InteractiveShell.set_custom_exc``) for the kit's
errors only, which shows:

1. one red line: the error's class and its message (with the fix);
2. under it, a closed "Traceback" box: click it for the full traceback.

The cell still fails like any cell that raises: *Run All* stops there, and
``nbval``/``nbclient`` see the error. Other exceptions (a ``NameError`` in
your own code) keep IPython's usual traceback. :func:`start_notebook` calls
it; outside IPython it does nothing.
"""

from __future__ import annotations

import html
import traceback
from types import TracebackType
from typing import Any

from ..errors import ZegoError
from ..i18n import _

_RED = "\x1b[31m"
_RESET = "\x1b[0m"


def kit_error_line(error: BaseException) -> str:
    """``ValidationError: TTS.Vendor: is 'Minimax'; ...``: the one line a learner reads."""
    text = " ".join(str(error).split())  # one line, whatever the message held
    return f"{type(error).__name__}: {text}"


def traceback_details_html(
    etype: type[BaseException], value: BaseException, tb: TracebackType | None
) -> str:
    """The full traceback in a closed ``<details>`` box (escaped; no local variables shown)."""
    text = "".join(traceback.format_exception(etype, value, tb))
    summary = html.escape(_("Traceback (click to show)"))
    return (
        '<details class="zego-traceback" style="margin:2px 0 4px 0">'
        f'<summary style="cursor:pointer;color:#555">{summary}</summary>'
        f'<pre style="font-size:12px;white-space:pre-wrap">{html.escape(text)}</pre></details>'
    )


def _show_kit_error(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> list[str]:
    """IPython's custom exception handler: the red line as the cell's error, then the details."""
    from IPython.display import HTML, display

    structured = [f"{_RED}{kit_error_line(value)}{_RESET}"]
    shell._showtraceback(etype, value, structured)  # the cell's error output, as IPython sends it
    display(HTML(traceback_details_html(etype, value, tb)))
    return structured


def show_kit_errors_briefly(shell: Any = None) -> bool:
    """Show kit errors raised in code cells briefly (see the module docstring).

    Returns ``False`` outside IPython. Calling it again changes nothing.
    """
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((ZegoError,), _show_kit_error)
    return True
