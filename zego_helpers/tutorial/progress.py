"""Progress: which steps of the tutorial this attendee has really done, kept in a small file.

The checklist at the top of each notebook ticks off seven steps::

    setup -> signature -> agent registered -> instance created
          -> user joined -> agent spoke -> instance deleted

Nothing is ticked by hand: :func:`track` wraps a client's ``call`` method,
so every *successful* request is seen, and the rules in
:meth:`ProgressTracker.observe` turn what happened into steps. A request that
fails raises as usual and ticks nothing. For events the API never sees (a
user joining the room in the browser on the real service), call
:func:`record_progress` yourself.

Progress is kept per attendee in ``<kit home>/progress-<namespace>.json``,
written atomically (temporary file, then rename), so every notebook kernel
sees the same checklist. The file also remembers a few facts about recent
requests (how an instance was created, with which priority a line was sent)
for the exercise checks in :mod:`zego_helpers.exercises`; never a key or a
secret.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic_file import replace_file
from ..i18n import N_, _
from ..ids import namespace_prefix
from ..kit_home import ensure_kit_home
from ..settings import Settings, load_settings

if TYPE_CHECKING:
    from ..client import AIAgentClient

log = logging.getLogger("zego_helpers.progress")

STEPS = (
    "setup",
    "signature",
    "agent registered",
    "instance created",
    "user joined",
    "agent spoke",
    "instance deleted",
)
#: What each step means, as the checklist shows it (in English; :attr:`StepState.label`
#: gives it in the learner's language).
STEP_LABELS = {
    "setup": N_("Settings loaded and the kit connected"),
    "signature": N_("A signed request succeeded"),
    "agent registered": N_("Your agent is registered"),
    "instance created": N_("An agent instance was created"),
    "user joined": N_("A user joined the agent's room"),
    "agent spoke": N_("The agent spoke"),
    "instance deleted": N_("An instance was deleted"),
}
#: How many request facts the file keeps (oldest dropped first).
MAX_FACTS = 50

_CREATE_ACTIONS = ("CreateAgentInstance", "CreateDigitalHumanAgentInstance")


@dataclass(frozen=True)
class StepState:
    """One line of the checklist."""

    step: str
    done: bool
    at: float | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        return _(STEP_LABELS[self.step])


def progress_file(kit_home: str | Path, attendee: str | None) -> Path:
    """Where an attendee's progress is kept (``progress-default.json`` without a name)."""
    return Path(kit_home) / f"progress-{namespace_prefix(attendee) or 'default'}.json"


class ProgressTracker:
    """An attendee's checklist and recent request facts, kept in one JSON file.

    Safe to use from several threads; across processes, each write replaces
    the file atomically after re-reading it, so steps ticked by another kernel
    are kept.
    """

    def __init__(self, kit_home: str | Path, attendee: str | None = None) -> None:
        self.attendee = attendee
        self.path = progress_file(kit_home, attendee)
        self._lock = threading.RLock()
        self._known_done: set[str] = set()
        self._listeners: list[weakref.ref | Callable[[], None]] = []

    def __repr__(self) -> str:
        done = sum(s.done for s in self.steps())
        return f"ProgressTracker(attendee={self.attendee!r}, {done}/{len(STEPS)} steps done)"

    # --- the file ----------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = None
        except (OSError, ValueError):
            log.warning("progress file %s is damaged; starting afresh", self.path)
            data = None
        if not isinstance(data, dict):
            data = {}
        data.setdefault("steps", {})
        data.setdefault("facts", [])
        return data

    def _write(self, data: dict[str, Any]) -> None:
        data["version"] = 1
        data["attendee"] = self.attendee
        ensure_kit_home(self.path.parent)
        text = json.dumps(data, indent=1, ensure_ascii=False)
        replace_file(self.path, text.encode("utf-8"), durable=False)  # a checklist, cheap to redo

    # --- steps ---------------------------------------------------------------------------------

    def record(self, step: str, detail: str = "") -> bool:
        """Tick ``step`` off (the first time counts); True when it was not done before."""
        if step not in STEPS:
            raise ValueError(
                _("unknown step {step}; the steps are: {steps}").format(
                    step=repr(step), steps=", ".join(STEPS)
                )
            )
        with self._lock:
            if step in self._known_done:
                return False
            data = self._read()
            self._known_done.update(data["steps"])
            if step in data["steps"]:
                return False
            data["steps"][step] = {"at": time.time(), "detail": detail[:200]}
            self._write(data)
            self._known_done.add(step)
        self._changed()
        return True

    def steps(self) -> list[StepState]:
        """Every step in order, done or not."""
        with self._lock:
            done = self._read()["steps"]
        return [
            StepState(
                step,
                step in done,
                done.get(step, {}).get("at"),
                done.get(step, {}).get("detail", ""),
            )
            for step in STEPS
        ]

    def is_done(self, step: str) -> bool:
        return any(s.done for s in self.steps() if s.step == step)

    def reset(self) -> None:
        """Start the checklist afresh (e.g. before a new workshop on the same machine)."""
        with self._lock:
            self.path.unlink(missing_ok=True)
            self._known_done.clear()
        self._changed()

    # --- facts about requests --------------------------------------------------------------

    def remember(self, action: str, facts: Mapping[str, Any]) -> None:
        """Keep a few non-secret facts about one request (for the exercise checks)."""
        with self._lock:
            data = self._read()
            data["facts"].append({"Action": action, "At": time.time(), **facts})
            del data["facts"][:-MAX_FACTS]
            self._write(data)

    def facts(self, action: str, agent_instance_id: str | None = None) -> list[dict[str, Any]]:
        """Remembered facts of ``action`` (optionally for one instance), oldest first."""
        with self._lock:
            facts = self._read()["facts"]
        return [
            f
            for f in facts
            if f.get("Action") == action
            and (agent_instance_id is None or f.get("AgentInstanceId") == agent_instance_id)
        ]

    # --- listeners (the notebook widget) --------------------------------------------------

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after each change. Bound methods are held weakly."""
        ref = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else callback
        with self._lock:
            self._listeners.append(ref)

    def _changed(self) -> None:
        with self._lock:
            alive = []
            for ref in self._listeners:
                fn = ref() if isinstance(ref, weakref.WeakMethod) else ref
                if fn is not None:
                    alive.append((ref, fn))
            self._listeners = [ref for ref, _fn in alive]
        for _ref, fn in alive:
            try:
                fn()
            except Exception:  # a broken display must not break the attendee's call
                log.exception("progress listener failed")

    # --- the rules: what a successful request proves ------------------------------------

    def observe(self, action: str, body: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        """Turn one successful request (its ``action``, ``body`` and answer ``data``) into steps."""
        # Details are names and numbers, the same in every language (the file is shared).
        self.record("signature", action)
        instance_id = str(body.get("AgentInstanceId") or data.get("AgentInstanceId") or "")
        if action in ("RegisterAgent", "UpdateAgent"):
            self.record("agent registered", str(body.get("AgentId", "")))
        elif action == "QueryAgents" and data.get("Agents"):
            self.record("agent registered", str(data["Agents"][0].get("AgentId", "")))
        elif action in _CREATE_ACTIONS:
            advanced = body.get("AdvancedConfig") or {}
            history = body.get("MessageHistory") or {}
            self.remember(
                action,
                {
                    "AgentInstanceId": instance_id,
                    "AgentId": body.get("AgentId"),
                    "RoomId": (body.get("RTC") or {}).get("RoomId"),
                    "MaxIdleTime": advanced.get("MaxIdleTime"),
                    "CommunicationMode": advanced.get("CommunicationMode"),
                    "WindowSize": history.get("WindowSize"),
                },
            )
            self.record("instance created", instance_id)
        elif action == "SandboxSetUserPresence" and body.get("InRoom") is True:
            self.record("user joined", f"{body.get('UserId')} @ {body.get('RoomId')}")
        elif action == "QueryAgentInstanceStatus":
            self._observe_status(instance_id, str(data.get("Status", "")))
        elif action == "SendAgentInstanceTTS":
            self.remember(
                action,
                {
                    "AgentInstanceId": instance_id,
                    "Text": str(body.get("Text", ""))[:300],
                    "Priority": body.get("Priority"),
                    "SamePriorityOption": body.get("SamePriorityOption"),
                    "AddHistory": body.get("AddHistory"),
                    "Round": data.get("Round"),
                },
            )
            self.record("agent spoke", f"{action}, Round {data.get('Round')}")
        elif action == "SendAgentInstanceLLM":
            self.remember(
                action,
                {"AgentInstanceId": instance_id, "Round": data.get("Round"),
                 "Priority": body.get("Priority")},
            )  # fmt: skip
        elif action == "GetAgentInstanceMsgList":
            if "agent spoke" in self._known_done:
                return  # polled often while waiting for an answer: skip the file
            answered = any(m.get("Role") == "assistant" for m in data.get("MessageList") or [])
            if answered and self.facts("SendAgentInstanceLLM", instance_id):
                self.record("agent spoke", f"{action}: assistant")
        elif action == "DeleteAgentInstance":
            self.record("instance deleted", instance_id)

    def _observe_status(self, instance_id: str, status: str) -> None:
        if status == "SPEAKING":
            self.record("agent spoke", "Status SPEAKING")
        elif status == "LISTENING":
            created = self.facts("CreateAgentInstance", instance_id)
            walkie_talkie = bool(created) and created[-1].get("CommunicationMode") == 2
            if not walkie_talkie:  # walkie-talkie LISTENING means the talk button, not presence
                self.record("user joined", "Status LISTENING")


# --- one tracker per attendee and process, and the client hook -----------------------------

_TRACKERS: dict[Path, ProgressTracker] = {}
_TRACKERS_LOCK = threading.Lock()


def tracker_for(settings: Settings | None = None) -> ProgressTracker:
    """The process-wide tracker of the attendee in ``settings`` (default: :func:`load_settings`)."""
    settings = settings or load_settings()
    path = progress_file(settings.kit_home, settings.attendee)
    with _TRACKERS_LOCK:
        tracker = _TRACKERS.get(path)
        if tracker is None:
            tracker = _TRACKERS[path] = ProgressTracker(settings.kit_home, settings.attendee)
        return tracker


def track(client: AIAgentClient, tracker: ProgressTracker | None = None) -> AIAgentClient:
    """Let ``tracker`` (default: :func:`tracker_for`) see every successful request of ``client``.

    Adds the tracker as an observer of the client (see
    :meth:`~zego_helpers.client.AIAgentClient.add_observer`) and ticks off
    "setup". Returns the same client, so ``client = track(connect())`` works.
    Tracking twice is harmless.
    """
    tracker = tracker or tracker_for()
    client.add_observer(tracker.observe)
    tracker.record("setup", str(getattr(client, "base_url", "?")))
    return client


def record_progress(step: str, detail: str = "", settings: Settings | None = None) -> bool:
    """Tick ``step`` off for the attendee in ``settings``; True when it was new.

    For what the API cannot see, e.g. in the call widget on the real service::

        CallWidget(..., presence_callback=lambda joined: joined and record_progress("user joined"))
    """
    return tracker_for(settings).record(step, detail)
