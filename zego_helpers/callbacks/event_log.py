"""A thread-safe, bounded, de-duplicating record of the callbacks received.

The receiver's HTTP thread appends; a notebook cell, a widget or the CLI
reads and subscribes from other threads. Appending is quick (one lock, no
I/O), so the receiver can answer ZEGO at once; listeners are called later on
the log's own dispatcher thread, one event at a time and in arrival order, so
a slow listener (a widget redrawing) never delays an HTTP answer.

ZEGO retries a callback it thinks failed (reference §6.5), so the same event
can arrive several times. :meth:`EventLog.append` recognises it by
``(AgentInstanceId, Event, Sequence)``, or by ``Nonce`` when there is no
Sequence, and keeps it once.

    >>> log = EventLog()
    >>> unsubscribe = log.subscribe(lambda event: print(event.event))
    >>> log.exceptions()          # every Exception event so far
    []
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator

from ..i18n import _
from .events import CallbackEvent, Latency, latency_of

logger = logging.getLogger(__name__)

Listener = Callable[[CallbackEvent], None]

_STOP = object()


class EventLog:
    """The last ``max_events`` callbacks, oldest first.

    ``dedup_window`` is how many event identities are remembered for
    de-duplication; keep it larger than ``max_events`` so a late retry of an
    event that was already evicted is still recognised.
    """

    def __init__(self, max_events: int = 2000, dedup_window: int = 20000) -> None:
        if max_events < 1 or dedup_window < 1:
            raise ValueError(_("max_events and dedup_window must be at least 1"))
        self.max_events = max_events
        self._cond = threading.Condition()
        self._events: deque[CallbackEvent] = deque(maxlen=max_events)
        self._seen: OrderedDict[tuple, None] = OrderedDict()
        self._dedup_window = dedup_window
        self._listeners: list[Listener] = []
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None
        #: Retries that were recognised and not logged again.
        self.duplicates = 0
        #: Events pushed out because the log was full.
        self.evicted = 0

    # --- writing ---------------------------------------------------------------------------

    def append(self, event: CallbackEvent) -> bool:
        """Record ``event``; return ``False`` (and record nothing) if it is a duplicate."""
        key = event.dedup_key
        with self._cond:
            if key is not None:
                if key in self._seen:
                    self.duplicates += 1
                    return False
                self._seen[key] = None
                if len(self._seen) > self._dedup_window:
                    self._seen.popitem(last=False)
            if len(self._events) == self.max_events:
                self.evicted += 1
            self._events.append(event)
            if self._listeners:
                self._queue.put(event)  # under the lock, so listeners see arrival order
            self._cond.notify_all()
        return True

    def clear(self) -> None:
        """Forget every event (and every identity remembered for de-duplication)."""
        with self._cond:
            self._events.clear()
            self._seen.clear()
            self.duplicates = self.evicted = 0

    # --- live updates ----------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` for every new event; returns a function that unsubscribes.

        Listeners run on the log's dispatcher thread, not on the caller's. An
        exception in a listener is logged and does not stop the others.
        """
        with self._cond:
            self._listeners.append(listener)
            if self._dispatcher is None or not self._dispatcher.is_alive():
                self._dispatcher = threading.Thread(
                    target=self._dispatch, name="zego-callbacks-listeners", daemon=True
                )
                self._dispatcher.start()

        def unsubscribe() -> None:
            with self._cond:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def close(self) -> None:
        """Stop the dispatcher thread (listeners get no more events)."""
        with self._cond:
            self._listeners.clear()
            thread, self._dispatcher = self._dispatcher, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout=5)

    def wait_for(
        self, predicate: Callable[[CallbackEvent], bool], timeout: float = 10.0
    ) -> CallbackEvent | None:
        """Block until an event matching ``predicate`` is in the log; ``None`` after ``timeout`` s.

        Handy in a notebook: ``log.wait_for(lambda e: e.event == "AgentInstanceCreated")``.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = next((e for e in self._events if predicate(e)), None)
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0:
                    return found
                self._cond.wait(remaining)

    def _dispatch(self) -> None:
        while True:
            event = self._queue.get()
            if event is _STOP:
                return
            with self._cond:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(event)
                except Exception:
                    logger.exception("A callback-event listener failed on a %s event", event.event)

    # --- reading ---------------------------------------------------------------------------

    def events(
        self, instance_id: str | None = None, event: str | None = None
    ) -> list[CallbackEvent]:
        """A snapshot of the events, oldest first, optionally for one instance and/or event name."""
        with self._cond:
            snapshot = list(self._events)
        return [
            e
            for e in snapshot
            if (instance_id is None or e.agent_instance_id == instance_id)
            and (event is None or e.event == event)
        ]

    def exceptions(self, instance_id: str | None = None) -> list[CallbackEvent]:
        """Every ``Exception`` event (the usual reason an agent is silent)."""
        return self.events(instance_id, "Exception")

    def instances(self) -> list[str]:
        """The AgentInstanceIds seen, in order of first appearance."""
        ids = (e.agent_instance_id for e in self.events() if e.agent_instance_id)
        return list(dict.fromkeys(ids))

    def latency_of(self, instance_id: str) -> Latency | None:
        """The LatencyData from the instance's ``AgentInstanceDeleted`` event, if it arrived."""
        deleted = self.events(instance_id, "AgentInstanceDeleted")
        return latency_of(deleted[-1]) if deleted else None

    def __len__(self) -> int:
        with self._cond:
            return len(self._events)

    def __iter__(self) -> Iterator[CallbackEvent]:
        return iter(self.events())

    def __repr__(self) -> str:
        return (
            f"EventLog({len(self)} events, {self.duplicates} duplicates ignored, "
            f"max {self.max_events})"
        )
