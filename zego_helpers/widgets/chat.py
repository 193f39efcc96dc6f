"""A small chat panel for notebook 03: text turns, "make the agent say", interrupt, transcript.

* **Send** types a user turn: :func:`zego_helpers.workflows.ask` sends it with
  SendAgentInstanceLLM and waits for the answer in GetAgentInstanceMsgList.
* **Say it** makes the agent speak your text with SendAgentInstanceTTS, with
  a priority (``High`` talks over anything) and what to do with the same
  priority (``ClearAndInterrupt`` or ``Enqueue``).
* **Interrupt** stops what the agent is saying or thinking (InterruptAgentInstance).
* The **transcript** is the instance's LLM context, read back from ZEGO.

Buttons run their request in a background thread, so a slow LLM never
freezes the notebook; the methods (``send``, ``say``, ``interrupt``) do the
same synchronously and return the result, for Run All and for tests.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import ipywidgets as widgets

from ..client import AIAgentClient
from ..errors import ValidationError, ZegoError
from ..i18n import _
from ..tutorial import form_logic
from ..validation import PRIORITIES, SAME_PRIORITY_OPTIONS
from ..workflows import Reply, ask
from .forms import error_html, ok_html

_WIDE = widgets.Layout(width="520px")


def transcript_html(messages: list[dict[str, Any]]) -> str:
    """The conversation as HTML (every message escaped)."""
    if not messages:
        nothing = _("No messages yet.")
        return f"<i>{html.escape(nothing)}</i>"
    lines = (html.escape(line) for line in form_logic.transcript_lines(messages))
    return "<div style='font-family:monospace'>" + "<br>".join(lines) + "</div>"


class ChatPanel(widgets.VBox):
    """Text chat with one agent instance.

    On the page, the panel carries the CSS class ``zego-chat`` and its message
    box ``zego-chat-input``: stable hooks for custom styles and browser tests.
    """

    def __init__(
        self, client: AIAgentClient, agent_instance_id: str, *, timeout: float = 60.0
    ) -> None:
        self.client = client
        self.instance_id = agent_instance_id
        self.timeout = timeout
        self.pending: Future | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zego-chat")

        self.transcript = widgets.HTML(transcript_html([]))
        self.input = widgets.Text(placeholder=_("Type a message for the agent"), layout=_WIDE)
        self.input.add_class("zego-chat-input")
        self.send_button = widgets.Button(description=_("Send"), icon="paper-plane")
        self.say_input = widgets.Text(
            placeholder=_("Text the agent should say (at most 300 characters)"), layout=_WIDE
        )
        whole_label = {"description_width": "initial"}  # "Same priority", not "Same prio..."
        self.priority = widgets.Dropdown(
            options=PRIORITIES, value="Medium", description=_("Priority"), style=whole_label
        )
        self.same_priority = widgets.Dropdown(
            options=SAME_PRIORITY_OPTIONS,
            value="ClearAndInterrupt",
            description=_("Same priority"),
            style=whole_label,
        )
        self.say_button = widgets.Button(description=_("Say it"), icon="volume-up")
        self.interrupt_button = widgets.Button(description=_("Interrupt"), icon="stop")
        self.message = widgets.HTML("")

        self.send_button.on_click(
            lambda _b: self._press(
                self.input, self.send, _("Nothing to send: type a message in the box first.")
            )
        )
        self.say_button.on_click(
            lambda _b: self._press(
                self.say_input, self.say, _("Nothing to send: type a text to say in the box first.")
            )
        )
        self.interrupt_button.on_click(lambda _b: self._in_background(self.interrupt))
        super().__init__(
            [
                self.transcript,
                widgets.HBox([self.input, self.send_button]),
                widgets.HBox([self.say_input, self.say_button]),
                widgets.HBox([self.priority, self.same_priority, self.interrupt_button]),
                self.message,
            ]
        )
        self.add_class("zego-chat")

    # --- what the buttons do --------------------------------------------------

    def send(self, text: str | None = None) -> Reply:
        """Send a user turn (``text`` or the input box) and wait for the agent's answer."""
        text = (self.input.value if text is None else text).strip()
        if not text:
            raise ValidationError("Text", _("is empty; type a message first"))
        reply = ask(self.client, self.instance_id, text, timeout=self.timeout)
        self.input.value = ""
        self.refresh_transcript()
        self.message.value = ok_html(
            _("Round {round}: the agent answered.").format(round=reply.round)
        )
        return reply

    def say(
        self,
        text: str | None = None,
        *,
        priority: str | None = None,
        same_priority_option: str | None = None,
    ) -> int:
        """Make the agent say ``text`` (or the say box); returns the ``Round``."""
        text = form_logic.check_say_text(self.say_input.value if text is None else text)
        options = form_logic.say_options(
            priority or self.priority.value, same_priority_option or self.same_priority.value
        )
        data = self.client.send_agent_instance_tts(self.instance_id, text, **options)
        self.say_input.value = ""
        self.message.value = ok_html(
            _("Round {round}: the agent is saying it.").format(round=data.get("Round"))
        )
        self.refresh_transcript()
        return int(data.get("Round", 0))

    def interrupt(self) -> int:
        """Stop what the agent is saying or thinking; returns the ``Round`` interrupted."""
        data = self.client.interrupt_agent_instance(self.instance_id)
        self.message.value = ok_html(
            _("Interrupted round {round}.").format(round=data.get("Round"))
        )
        return int(data.get("Round", 0))

    def messages(self) -> list[dict[str, Any]]:
        """The conversation so far (GetAgentInstanceMsgList), oldest first."""
        data = self.client.get_agent_instance_msg_list(self.instance_id)
        return list(data.get("MessageList") or [])

    def refresh_transcript(self) -> list[dict[str, Any]]:
        messages = self.messages()
        self.transcript.value = transcript_html(messages)
        return messages

    # --- plumbing -------------------------------------------------------------

    def _press(self, box: widgets.Text, action: Callable[[], Any], empty: str) -> None:
        """A button press: an empty box is said at once, in red (``empty``); else ``action``."""
        if not box.value.strip():
            self.message.value = error_html(empty)
            return
        self._in_background(action)

    def __repr__(self) -> str:
        return _(
            "ChatPanel: text chat with instance {instance_id} (run the notebook to use it)"
        ).format(instance_id=self.instance_id)

    def _in_background(self, action: Callable[[], Any]) -> None:
        """Run a button's action off the kernel's main thread; show any failure in words."""
        if self.pending is not None and not self.pending.done():
            self.message.value = error_html(_("Still waiting for the previous request."))
            return
        working = _("Working...")
        self.message.value = f"<i>{html.escape(working)}</i>"
        self.pending = self._worker.submit(self._guarded, action)

    def _guarded(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except ValidationError as error:
            self.message.value = error_html(f"{error.field}: {error.problem}")
        except ZegoError as error:
            self.message.value = error_html(str(error))

    def wait(self, timeout: float | None = None) -> None:
        """Wait until the last button's request has finished (tests use it)."""
        if self.pending is not None:
            self.pending.result(timeout)

    def close(self) -> None:
        self._worker.shutdown(wait=False)
        super().close()
