"""State marks that read the same on every machine: small coloured badges with a word in them.

A mark like ✅ or ⬜ is an emoji: where no emoji font is installed (many Linux
desktops, some corporate images) it renders as an empty box, and "done" looks
like "not done". These badges carry the state three ways at once, none of them
font-dependent: a word (``done``, ``to do``, ``ok``, ``FAIL``, ``Passed``,
``Not yet``), a fill colour, and the plain text form (``[x]``, ``[ ]``) for a
terminal or a ``text/plain`` output.

Used by the progress checklist, the doctor's table, the exercise checks and
the forms' messages; plain functions, so they are tested without Jupyter.
"""

from __future__ import annotations

import html
from typing import Literal

from ..i18n import _

Tone = Literal["good", "bad", "todo", "warn"]

#: (background, text colour, border) per tone: white on green / red / amber, grey outline.
_TONES: dict[str, tuple[str, str, str]] = {
    "good": ("#2e7d32", "#ffffff", "#2e7d32"),
    "bad": ("#c62828", "#ffffff", "#c62828"),
    "warn": ("#ef6c00", "#ffffff", "#ef6c00"),
    "todo": ("transparent", "#555555", "#9e9e9e"),
}
_BADGE = (
    "display:inline-block;min-width:3.6em;padding:0 5px;margin-right:6px;border-radius:3px;"
    "font-size:0.8em;font-weight:bold;line-height:1.5;text-align:center;"
    "font-family:sans-serif;vertical-align:baseline"
)


def badge_html(word: str, tone: Tone) -> str:
    """A badge: ``word`` (escaped) on the tone's colour, with a class tests and styles can find."""
    background, colour, border = _TONES[tone]
    return (
        f'<span class="zego-mark zego-mark-{tone}" '
        f'style="{_BADGE};background:{background};color:{colour};border:1px solid {border}">'
        f"{html.escape(word)}</span>"
    )


def tone_colour(tone: str) -> str:
    """The colour of ``tone`` (``"good"``, ``"bad"``, ``"warn"``), e.g. for a border beside
    its badge."""
    return _TONES[tone][2]


def done_mark_html(done: bool) -> str:
    """``done`` (green) or ``to do`` (grey outline), for a checklist line."""
    # TRANSLATORS: the badges of the progress checklist (a step done / still to do).
    return badge_html(_("done"), "good") if done else badge_html(_("to do"), "todo")


def ok_mark_html(ok: bool) -> str:
    """``ok`` (green) or ``FAIL`` (red), for a check."""
    return badge_html(_("ok"), "good") if ok else badge_html(_("FAIL"), "bad")


def done_mark_text(done: bool) -> str:
    """``[x]`` or ``[ ]``: the same mark in plain text."""
    return "[x]" if done else "[ ]"
