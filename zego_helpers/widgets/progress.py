"""The progress checklist shown at the top of each notebook.

It shows the seven steps of :mod:`zego_helpers.progress` for this attendee
and ticks them off *while you work*: once a client is tracked
(``client = track(connect())``), each successful request that proves a step
updates the checklist above, without re-running its cell.

:func:`progress_html` is a plain function (steps in, HTML out), so it is
tested without Jupyter; :func:`show_progress` wraps it in an ipywidgets
``HTML`` widget that follows the tracker.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as widgets

from ..errors import ConfigError
from ..i18n import _
from ..tutorial.marks import done_mark_html, done_mark_text
from ..tutorial.progress import ProgressTracker, StepState, tracker_for


def _progress_title(who: str, done: int, total: int) -> str:
    """``Your progress · 张伟: 2/7`` (``who`` is ready to show: escaped, or plain text)."""
    return _("Your progress{who}: {done}/{total}").format(who=who, done=done, total=total)


def progress_html(steps: list[StepState], attendee: str | None = None) -> str:
    """The checklist as an HTML fragment; every text from outside is escaped."""
    done = sum(s.done for s in steps)
    who = f" &middot; {html.escape(attendee)}" if attendee else ""
    rows = []
    for state in steps:
        mark = done_mark_html(state.done)
        note = ""
        if state.done and (state.detail or state.at):
            when = time.strftime("%H:%M", time.localtime(state.at)) if state.at else ""
            text = " ".join(part for part in (when, state.detail) if part)
            note = f' <span style="color:#777;font-size:0.85em">{html.escape(text)}</span>'
        style = "" if state.done else ' style="color:#555"'
        rows.append(f"<li{style}>{mark}{html.escape(state.label)}{note}</li>")
    return (
        '<div class="zego-progress" style="border:1px solid #ccc;border-radius:6px;'
        'padding:6px 12px;display:inline-block;text-align:left">'
        f"<b>{_progress_title(who, done, len(steps))}</b>"
        '<ul style="list-style:none;margin:4px 0;padding:0">' + "".join(rows) + "</ul></div>"
    )


def progress_text(steps: list[StepState], attendee: str | None = None) -> str:
    """The checklist as plain text: ``Your progress: 2/7`` and one ``[x]``/``[ ]`` line per step."""
    done = sum(s.done for s in steps)
    who = f" ({attendee})" if attendee else ""
    lines = [_progress_title(who, done, len(steps))]
    lines += [f"{done_mark_text(s.done)} {s.label}" for s in steps]
    return "\n".join(lines)


class ProgressWidget(widgets.HTML):
    """An HTML widget showing one tracker's checklist, refreshed on every change."""

    def __init__(self, tracker: ProgressTracker, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tracker = tracker
        self.refresh()
        tracker.on_change(self.refresh)

    def refresh(self) -> None:
        """Read the checklist again (another kernel may have ticked steps off)."""
        self.value = progress_html(self.tracker.steps(), self.tracker.attendee)

    def __repr__(self) -> str:
        return progress_text(self.tracker.steps(), self.tracker.attendee)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)  # whole, not cut at 110 characters
        bundle["text/html"] = self.value  # what a saved notebook shows without widget state
        return bundle


def show_progress(tracker: ProgressTracker | None = None) -> widgets.HTML:
    """The checklist widget for this attendee; put it last in a cell to display it.

    When the settings cannot load yet (notebook 00 fixes that), it says so
    instead of raising.
    """
    try:
        tracker = tracker or tracker_for()
    except ConfigError as error:
        text = html.escape(
            _("Progress appears once your settings load: {error}").format(error=error)
        )
        return widgets.HTML(f'<div class="zego-progress">{text}</div>')
    return ProgressWidget(tracker)
