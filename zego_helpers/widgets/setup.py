"""The first cell of every notebook, the banner it shows, and the doctor's checklist as a table.

Every numbered notebook starts with one visible line::

    settings, client, agent_id, banner = start_notebook()
    banner

:func:`start_notebook` does what each notebook needs first, in the open: it
speaks your language (``ZEGO_LANG``, else the notebook's folder:
``notebooks/zh/`` is Chinese; see :mod:`zego_helpers.tutorial.language`),
loads your settings (:func:`~zego_helpers.load_settings`), connects
(:func:`~zego_helpers.connect`), lets your progress checklist watch the
client (:func:`~zego_helpers.tutorial.progress.track`), names your agent
(:func:`~zego_helpers.tutorial.tutorial_agent_id`), finds out which service
answers (:func:`~zego_helpers.service.which_service`: the embedded sandbox,
your trainer's room sandbox, or ZEGO) and shows kit errors in code cells as
one short red line (:func:`~zego_helpers.widgets.kit_errors.show_kit_errors_briefly`).
Nothing is hidden in a global: what it made comes back as named values.

The banner says which service answers and why, with your progress checklist
under it. Its text comes from :func:`banner_text`, a plain function a test (or
a script) can call; :func:`checks_summary` and :func:`doctor_checklist` do
the same for the doctor.
"""

from __future__ import annotations

import html
from typing import Any, NamedTuple

import ipywidgets as widgets
from IPython.display import HTML

from ..client import AIAgentClient
from ..connect import connect
from ..diagnostics import Check
from ..i18n import N_, _, ngettext
from ..ids import namespace_prefix
from ..service import Service, which_service
from ..settings import Settings, load_settings
from ..tutorial.handoffs import tutorial_agent_id
from ..tutorial.language import use_notebook_language
from ..tutorial.marks import ok_mark_html
from ..tutorial.progress import track, tracker_for
from .kit_errors import show_kit_errors_briefly
from .progress import ProgressWidget, progress_html

_SANDBOX_WHY = N_(
    "Everything runs on this machine: a local emulator answers exactly like ZEGO's API "
    "(same signatures, bodies and error codes). No account, no network, no cost; voice is "
    "simulated. Set ZEGO_APP_ID and ZEGO_SERVER_SECRET (notebook 00) to use the real service."
)
_REAL_WHY = N_(
    "Requests go to ZEGO with your AppID: instances you create use your account's slots "
    "(10 at once by default) and its LLM/TTS quota. Notebook 04 deletes what you create."
)
#: Title and colour of the banner, per kind of service (the title through ``_()`` when shown).
_LOOK = {
    "sandbox": (N_("SANDBOX MODE"), "#1565c0"),
    "room": (N_("ROOM SANDBOX"), "#6a1b9a"),
    "zego": (N_("REAL MODE"), "#e65100"),
}


def _room_why(settings: Settings, service: Service) -> str:
    parts = [
        _(
            "This is the room sandbox at {where}, run by your trainer: not ZEGO, but an "
            "emulator everybody in the room shares."
        ).format(where=service.where)
    ]
    if service.sandbox:
        parts.append(_("Its limits: {limits}.").format(limits=service.sandbox.limits_text()))
    prefix = namespace_prefix(settings.attendee)
    parts.append(
        _("Your ids start with '{prefix}_', so your instances stay apart from the others'.").format(
            prefix=prefix
        )
        if prefix
        else _("Set your name (notebook 00) so that your instances stay apart from the others'.")
    )
    parts.append(
        _(
            "It has no RTC room, so the call widget simulates the call; the drills of notebook "
            "06 run on a sandbox of your own."
        )
    )
    return _sentences(parts)


def _sentences(parts: list[str]) -> str:
    """Sentences in a row: a space between English ones, none after a Chinese full stop."""
    text = ""
    for part in parts:
        text += part if not text or text.endswith("。") else " " + part
    return text


def banner_text(settings: Settings, service: Service | None = None) -> str:
    """Which mode is active, where requests go and why, in a few sentences (no secret, ever).

    Without ``service`` the kind follows the settings alone (sandbox or ZEGO).
    """
    kind = service.kind if service else ("sandbox" if settings.is_sandbox else "zego")
    if kind == "room" and service is not None:
        why = _room_why(settings, service)
    else:
        why = _(_SANDBOX_WHY if kind == "sandbox" else _REAL_WHY)
    if service and service.note:
        return _("{summary} ({note}). {why}").format(
            summary=settings.summary(), note=service.note, why=why
        )
    return _("{summary}. {why}").format(summary=settings.summary(), why=why)


def banner_html(settings: Settings, service: Service | None = None) -> str:
    """The coloured box: SANDBOX MODE (blue), ROOM SANDBOX (purple) or REAL MODE (orange)."""
    kind = service.kind if service else ("sandbox" if settings.is_sandbox else "zego")
    title, colour = _(_LOOK[kind][0]), _LOOK[kind][1]
    return (
        f'<div class="zego-banner zego-banner-{kind}" '
        f'style="border-left:6px solid {colour};padding:6px 12px;margin:4px 0;text-align:left">'
        f'<b style="color:{colour}">{title}</b><br>'
        f"{html.escape(banner_text(settings, service))}</div>"
    )


def mode_banner(settings: Settings, service: Service | None = None) -> HTML:
    """The banner alone, as an ``IPython.display.HTML`` (no progress checklist)."""
    return HTML(banner_html(settings, service))


class Banner(widgets.VBox):
    """The banner and, under it, the live progress checklist.

    Saved in a notebook without its widget state (the kit strips it), the
    banner still shows as HTML (on GitHub too) and as text: its ``text/plain``
    is :func:`banner_text`.
    """

    def __init__(self, settings: Settings, service: Service) -> None:
        self.settings = settings
        self.service = service
        self.progress = ProgressWidget(tracker_for(settings))
        super().__init__([widgets.HTML(banner_html(settings, service)), self.progress])
        self.add_class("zego-banner-box")

    def __repr__(self) -> str:
        title = _(_LOOK[self.service.kind][0])
        return _("{title}: {text}").format(
            title=title, text=banner_text(self.settings, self.service)
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)  # whole, not cut at 110 characters
        tracker = self.progress.tracker
        bundle["text/html"] = banner_html(self.settings, self.service) + progress_html(
            tracker.steps(), tracker.attendee
        )
        return bundle


class NotebookStart(NamedTuple):
    """What :func:`start_notebook` makes, by name."""

    settings: Settings
    client: AIAgentClient
    agent_id: str
    banner: Banner


def start_notebook(settings: Settings | None = None) -> NotebookStart:
    """The first cell of a notebook: settings, a tracked client, your agent's id, the banner.

    See the module docstring for each step. ``banner.service`` says which
    service answers (``"sandbox"``, ``"room"`` or ``"zego"``).
    """
    show_kit_errors_briefly()
    use_notebook_language(settings)  # before anything can fail: errors in the right language
    settings = settings or load_settings()
    client = connect(settings)
    service = which_service(settings, client)  # asked before tracking: it proves no step
    track(client, tracker_for(settings))
    return NotebookStart(settings, client, tutorial_agent_id(settings), Banner(settings, service))


def checks_summary(checks: list[Check]) -> str:
    """One line: every check passed, or the first failure and its fix."""
    failed = [c for c in checks if not c.ok]
    if not failed:
        return ngettext(
            "All {count} check passed.", "All {count} checks passed.", len(checks)
        ).format(count=len(checks))
    first = failed[0]
    text = _("{name} failed: {detail}.").format(name=first.name, detail=first.detail)
    if first.fix:
        text += _(" Fix: {fix}").format(fix=first.fix)
    return text


_CELL = "text-align:left;vertical-align:top;padding:2px 8px"


def doctor_checklist(checks: list[Check]) -> HTML:
    """The doctor's checks as a left-aligned table: a mark, the step, what was seen, the fix."""
    rows = "".join(
        "<tr>"
        f'<td style="{_CELL}">{ok_mark_html(c.ok)}</td>'
        f'<td style="{_CELL}"><b>{html.escape(c.name)}</b></td>'
        f'<td style="{_CELL}">{html.escape(c.detail)}</td>'
        f'<td style="{_CELL}">{"" if c.ok else html.escape(c.fix)}</td>'
        "</tr>"
        for c in checks
    )
    names = ("", _("Step"), _("What we saw"), _("Fix"))
    head = "".join(f'<th style="{_CELL}">{name}</th>' for name in names)
    return HTML(
        f'<table class="zego-doctor" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )
