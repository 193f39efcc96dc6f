"""A live status light for one instance: IDLE, LISTENING, THINKING or SPEAKING.

**Refresh** asks QueryAgentInstanceStatus once. **Auto-refresh** asks every
``interval`` seconds from a background thread, so the notebook stays free;
it stops by itself when you untick it, when the instance is gone, or after
``max_seconds`` (ZEGO allows 10 requests per second per action, and a
forgotten poller should not use them all afternoon).
"""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as widgets

from ..client import AIAgentClient
from ..errors import NotFoundError, ZegoError
from ..i18n import _
from ..tutorial import form_logic

COLOURS = {"IDLE": "#757575", "LISTENING": "#2e7d32", "THINKING": "#f9a825", "SPEAKING": "#1565c0"}
GONE = "GONE"


def status_html(status: str) -> str:
    """A coloured dot, the status and what it means."""
    if status == GONE:
        meaning = _("the instance no longer exists (deleted, or destroyed by the idle rule)")
        colour = "#b00020"
    else:
        meaning, colour = form_logic.describe_status(status), COLOURS.get(status, "#000")
    return (
        f'<span style="color:{colour};font-size:1.3em">&#x25CF;</span> '
        f"<b>{html.escape(status)}</b> &mdash; {html.escape(meaning)}"
    )


class StatusIndicator(widgets.HBox):
    """Shows the status of ``agent_instance_id``; see the module docstring."""

    def __init__(
        self,
        client: AIAgentClient,
        agent_instance_id: str,
        *,
        interval: float = 1.0,
        max_seconds: float = 600.0,
    ) -> None:
        self.client = client
        self.instance_id = agent_instance_id
        self.interval = interval
        self.max_seconds = max_seconds
        self.status = ""
        self.label = widgets.HTML("")
        self.refresh_button = widgets.Button(description=_("Refresh"), icon="refresh")
        self.auto = widgets.Checkbox(value=False, description=_("Auto-refresh"))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refresh_button.on_click(lambda _b: self._refresh_quietly())
        self.auto.observe(self._on_auto, names="value")
        super().__init__([self.label, self.refresh_button, self.auto])

    def __repr__(self) -> str:
        shown = self.status or _("not asked yet")
        return _(
            "StatusIndicator: instance {instance_id} is {status} (live when you run it)"
        ).format(instance_id=self.instance_id, status=shown)

    def refresh(self) -> str:
        """Ask ZEGO now; returns the status (``"GONE"`` when the instance no longer exists)."""
        try:
            data = self.client.query_agent_instance_status(self.instance_id)
            self.status = str(data.get("Status", ""))
        except NotFoundError:
            self.status = GONE
        self.label.value = status_html(self.status)
        return self.status

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except ZegoError as error:
            self.label.value = f'<span style="color:#b00020">{html.escape(str(error))}</span>'

    def _on_auto(self, change: dict) -> None:
        if change["new"]:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        """Start auto-refreshing in a background thread (what ticking the box does)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, name="zego-status", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop auto-refreshing and wait for the thread to end."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.interval + 20)

    def _poll(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._refresh_quietly()
            if self.status == GONE:
                break
            self._stop.wait(self.interval)
        self._stop.set()
        self.auto.value = False  # show that polling stopped (no-op if it was unticked)

    def close(self) -> None:
        self._stop.set()
        super().close()
