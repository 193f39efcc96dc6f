"""The mode banner at the top of every notebook, and the doctor's checklist as a table.

Both return ``IPython.display.HTML`` objects: leave one as the last line of a
cell to show it. The text comes from :func:`banner_text` and
:func:`checks_summary`, plain functions a test (or a script) can call.
"""

from __future__ import annotations

import html

from IPython.display import HTML

from ..diagnostics import Check
from ..settings import Settings

_SANDBOX_WHY = (
    "Everything runs on this machine: a local emulator answers exactly like ZEGO's API "
    "(same signatures, bodies and error codes). No account, no network, no cost; voice is "
    "simulated. Set ZEGO_APP_ID and ZEGO_SERVER_SECRET (notebook 00) to use the real service."
)
_REAL_WHY = (
    "Requests go to ZEGO with your AppID: instances you create use your account's slots "
    "(10 at once by default) and its LLM/TTS quota. Notebook 04 deletes what you create."
)


def banner_text(settings: Settings) -> str:
    """Which mode is active and why, in two sentences (no secret, ever)."""
    why = _SANDBOX_WHY if settings.is_sandbox else _REAL_WHY
    return f"{settings.summary()}. {why}"


def mode_banner(settings: Settings) -> HTML:
    """A coloured box: SANDBOX (blue) or REAL (orange), with :func:`banner_text`."""
    colour = "#1565c0" if settings.is_sandbox else "#e65100"
    return HTML(
        f'<div style="border-left:6px solid {colour};padding:6px 12px;margin:4px 0">'
        f'<b style="color:{colour}">{settings.mode.upper()} MODE</b><br>'
        f"{html.escape(banner_text(settings))}</div>"
    )


def checks_summary(checks: list[Check]) -> str:
    """One line: every check passed, or the first failure and its fix."""
    failed = [c for c in checks if not c.ok]
    if not failed:
        return f"All {len(checks)} checks passed."
    first = failed[0]
    fix = f" Fix: {first.fix}" if first.fix else ""
    return f"{first.name} failed: {first.detail}.{fix}"


def doctor_checklist(checks: list[Check]) -> HTML:
    """The doctor's checks as a table: a mark, the step, what was seen, the fix."""
    rows = "".join(
        "<tr>"
        f"<td>{'&#x2705;' if c.ok else '&#x274C;'}</td>"
        f"<td><b>{html.escape(c.name)}</b></td>"
        f"<td>{html.escape(c.detail)}</td>"
        f"<td>{'' if c.ok else html.escape(c.fix)}</td>"
        "</tr>"
        for c in checks
    )
    return HTML(
        f"<table><tr><th></th><th>Step</th><th>What we saw</th><th>Fix</th></tr>{rows}</table>"
    )
