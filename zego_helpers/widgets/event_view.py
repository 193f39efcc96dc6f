"""A live timeline of ZEGO callbacks in a notebook: what the agent does, and why it is silent.

    from zego_helpers.widgets.event_view import EventView
    EventView(receiver.log)        # last expression of a cell: the table shows and keeps updating

Compact on purpose, so it stays on one screen:

* **one row per event**: time, event, round and a short meaning. A callback
  ZEGO sent twice (a retry) is one row;
* ``Exception`` rows (and an instance destroyed with a code) are red and carry
  the fix in one line (2203: the LLM rejected its key...);
* an ``AgentInstanceDeleted`` row shows the session's latency in one line,
  and only when there *is* latency data: an instance that never talked
  reports zeros, which say nothing;
* the newest ``max_rows`` rows are shown; older ones wait behind
  *Show N more*.

The HTML comes from plain functions (:func:`render_timeline_html` and
friends) that need no Jupyter and escape every piece of event text: callbacks
come from the network, so their text is never trusted as HTML. The widget is
a thin shell: an ``ipywidgets.HTML`` redrawn from an :class:`EventLog`
subscription, at most every ``refresh_seconds`` so a burst of events costs a
few redraws, not one per event.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import Any

from ..callbacks.event_log import EventLog
from ..callbacks.events import CallbackEvent, Latency, latency_of, short_meaning
from ..codes import describe_exception_code
from ..i18n import _, ngettext

_CELL = "padding:2px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #ddd"
_EXCEPTION_ROW = "background:#fdecea"
_BAR_COLOURS = {"ms": "#4a90d9", "tokens/s": "#5cb85c"}
_MEANING_WIDTH = 80
#: The tokens/s bar is full at this speed (typical streaming LLMs give 20-100 tokens/s).
_TOKENS_PER_S_FULL_BAR = 100.0
#: Rows shown before "Show N more".
DEFAULT_MAX_ROWS = 12
_TABLE = '<table class="zego-event-view" style="border-collapse:collapse;font-size:13px">'


def distinct_events(events: Iterable[CallbackEvent]) -> list[CallbackEvent]:
    """Each event once, in send order: a retry (same instance, event and Sequence) is dropped."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for event in sorted(events, key=lambda e: (e.sent_at, e.sequence or 0)):
        key = event.dedup_key
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        kept.append(event)
    return kept


def render_timeline_html(
    events: Iterable[CallbackEvent],
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    newest_first: bool = True,
) -> str:
    """The timeline table: the newest ``max_rows`` events, the older ones behind *Show N more*."""
    ordered = distinct_events(events)
    if not ordered:
        nothing = _("No callbacks received yet.")
        return f"<p><i>{escape(nothing)}</i></p>"
    if newest_first:
        ordered.reverse()
        shown, more = ordered[:max_rows], ordered[max_rows:]
    else:
        shown, more = ordered[-max_rows:], ordered[:-max_rows]
    header = "".join(
        f'<th style="{_CELL}">{name}</th>'
        for name in (_("Time"), _("Event"), _("Round"), _("Meaning"))
    )
    table = (
        f"{_TABLE}<thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(render_event_row(e) for e in shown)}</tbody></table>"
    )
    if not more:
        return table
    rest = f"{_TABLE}<tbody>{''.join(render_event_row(e) for e in more)}</tbody></table>"
    summary = (
        _("Show {count} more (older events)")
        if newest_first
        else _("Show {count} more (earlier events)")
    ).format(count=len(more))
    return (
        f'{table}<details><summary style="cursor:pointer">{escape(summary)}</summary>'
        f"{rest}</details>"
    )


def render_event_row(event: CallbackEvent) -> str:
    """One ``<tr>``: time, event, round, meaning (plus the fix, or the latency if there is any)."""
    when = datetime.fromtimestamp(event.sent_at).strftime("%H:%M:%S.%f")[:-3]
    rnd = "" if event.round is None else str(event.round)
    detail = ""
    style = ""
    if _is_failure(event):
        style = f' style="{_EXCEPTION_ROW}"'
        detail = render_exception_detail_html(event)
    latency = latency_of(event) if event.event == "AgentInstanceDeleted" else None
    if latency is not None and has_latency_data(latency):
        detail += f'<div style="color:#555">{escape(latency_line(latency))}</div>'
    return (
        f"<tr{style}>"
        f'<td style="{_CELL};white-space:nowrap">{when}</td>'
        f'<td style="{_CELL}">{escape(event.event or "?")}</td>'
        f'<td style="{_CELL}">{rnd}</td>'
        f'<td style="{_CELL}">{escape(short_meaning(event, _MEANING_WIDTH))}{detail}</td>'
        "</tr>"
    )


def has_latency_data(latency: Latency | None) -> bool:
    """True when some latency was measured: zeros (an instance that never talked) are not data."""
    if latency is None:
        return False
    values = (latency.llm_ttft_ms, latency.llm_tokens_per_s, latency.tts_first_frame_ms,
              latency.total_ms)  # fmt: skip
    return any(value for value in values)


def latency_line(latency: Latency) -> str:
    """``Latency: LLM first token 150 ms, TTS first audio 80 ms, total 310 ms, 33.0 tokens/s``."""
    parts = [
        (label, value, unit)
        for label, value, unit in (
            (_("LLM first token"), latency.llm_ttft_ms, "ms"),
            (_("TTS first audio"), latency.tts_first_frame_ms, "ms"),
            (_("total"), latency.total_ms, "ms"),
            ("", latency.llm_tokens_per_s, "tokens/s"),
        )
        if value
    ]
    shown = [
        f"{label} {value:.0f} ms".strip() if unit == "ms" else f"{value:.1f} tokens/s"
        for label, value, unit in parts
    ]
    return _("Latency: {parts}").format(parts=_(", ").join(shown))


def render_exception_detail_html(event: CallbackEvent) -> str:
    """What to do about an Exception (or a failed Deleted) event; the row says what it means.

    ZEGO's Message is repeated in full when the one-line meaning had to cut it.
    """
    code = event.code
    info = describe_exception_code(code if code is not None else -1)
    message = str(event.data.get("Message") or "")
    full = f"<br>Message: {escape(message)}" if len(message) > _MEANING_WIDTH else ""
    fix = escape(_("Fix:"))
    return f'<div style="margin-top:2px"><b>{fix}</b> {escape(info.hint)}{full}</div>'


def render_latency_chart_html(latency: Latency) -> str:
    """A small bar chart of LatencyData: the three times share one scale; the tokens/s bar
    is full at 100 tokens/s."""
    timings = [
        (_("LLM time to first token"), latency.llm_ttft_ms),
        (_("TTS first audio frame"), latency.tts_first_frame_ms),
        (_("Total"), latency.total_ms),
    ]
    longest = max((v for _label, v in timings if v is not None), default=0.0)
    rows = [_bar(label, value, "ms", longest) for label, value in timings]
    speed = latency.llm_tokens_per_s
    rows.append(
        _bar(_("LLM speed"), speed, "tokens/s", max(speed or 0.0, _TOKENS_PER_S_FULL_BAR))
    )
    caption = escape(_("Latency (session averages)"))
    return (
        '<table class="zego-latency" style="margin-top:4px;font-size:12px">'
        f'<caption style="text-align:left">{caption}</caption>'
        f"{''.join(rows)}</table>"
    )


def _bar(label: str, value: float | None, unit: str, scale: float) -> str:
    if value is None:
        bar, shown = "", "–"
    else:
        width = 0 if scale <= 0 else max(1, round(160 * value / scale))
        colour = _BAR_COLOURS[unit]
        bar = f'<div style="background:{colour};width:{width}px;height:10px"></div>'
        shown = f"{value:.1f} {unit}" if unit == "tokens/s" else f"{value:.0f} {unit}"
    return (
        f'<tr><td style="text-align:left;padding-right:8px">{escape(label)}</td>'
        f'<td style="text-align:left;width:170px">{bar}</td>'
        f'<td style="text-align:left;padding-left:6px">{shown}</td></tr>'
    )


def _is_failure(event: CallbackEvent) -> bool:
    if event.event == "Exception":
        return True
    return event.event == "AgentInstanceDeleted" and event.code not in (None, 0)


class EventView:
    """A live table of the events in ``log`` (optionally only one instance's).

    Show it as the last expression of a cell, or with ``display(view)``.
    ``close()`` stops the updates.
    """

    def __init__(
        self,
        log: EventLog,
        *,
        instance_id: str | None = None,
        max_rows: int = DEFAULT_MAX_ROWS,
        refresh_seconds: float = 0.25,
    ) -> None:
        import ipywidgets  # only the widget needs Jupyter; the render functions do not

        self.log = log
        self.instance_id = instance_id
        self.max_rows = max_rows
        self.refresh_seconds = refresh_seconds
        self.widget = ipywidgets.HTML(value=self.render())
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._unsubscribe = log.subscribe(self._on_event)

    def render(self) -> str:
        """The current HTML: a one-line summary, then the timeline."""
        events = distinct_events(self.log.events(self.instance_id))
        failures = sum(1 for e in events if _is_failure(e))
        summary = escape(
            ngettext("{count} event", "{count} events", len(events)).format(count=len(events))
        )
        if failures:
            shown = escape(
                ngettext("{count} failure", "{count} failures", failures).format(count=failures)
            )
            summary += escape(_(", ")) + f"<b style='color:#c0392b'>{shown}</b>"
        if self.log.duplicates:
            summary += escape(_(", ")) + escape(
                ngettext(
                    "{count} retry ignored", "{count} retries ignored", self.log.duplicates
                ).format(count=self.log.duplicates)
            )
        table = render_timeline_html(events, max_rows=self.max_rows)
        return f'<div style="font-size:12px;margin-bottom:4px">{summary}</div>{table}'

    def refresh(self) -> None:
        """Redraw now."""
        self.widget.value = self.render()

    def close(self) -> None:
        """Stop following the log and close the widget."""
        self._unsubscribe()
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self.widget.close()

    def _on_event(self, event: CallbackEvent) -> None:
        if self.instance_id is not None and event.agent_instance_id != self.instance_id:
            return
        with self._lock:
            if self._timer is not None:  # a redraw is already scheduled; it will include this
                return
            self._timer = threading.Timer(self.refresh_seconds, self._redraw)
            self._timer.daemon = True
            self._timer.start()

    def _redraw(self) -> None:
        with self._lock:
            self._timer = None
        self.refresh()

    def __repr__(self) -> str:
        count = len(distinct_events(self.log.events(self.instance_id)))
        return ngettext(
            "EventView: {count} callback event (run the notebook to watch it live)",
            "EventView: {count} callback events (run the notebook to watch them live)",
            count,
        ).format(count=count)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.widget.value  # what a saved notebook shows without widget state
        return bundle
