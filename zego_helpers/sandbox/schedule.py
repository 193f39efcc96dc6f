"""When each instance next has something due: due work is found, not searched for.

A room sandbox holds hundreds of instances, and time makes things due on them:
an LLM turn that never got its answer, a speech that ends, a graceful shutdown
that completes, the idle rule. Checking every instance on every request would make
a request cost more the fuller the room. Instead :class:`DueTimes` remembers, per
instance, the one time at which it next needs a look, in a heap
(:mod:`heapq`) ordered by time::

    due = DueTimes()
    due.set("inst_a", 1000.0)   # inst_a needs a look at 1000.0
    due.set("inst_b", 990.0)
    due.set("inst_a", 995.0)    # changed its mind: the 1000.0 entry is now stale
    due.pop_due(999.0)          # -> ["inst_b", "inst_a"] (in time order)
    due.earliest()              # -> inf: nothing left

Changing an instance's time pushes a new entry and leaves the old one in the
heap, *stale*: it is recognised (it no longer matches :meth:`time_of`) and
skipped when it reaches the top. That keeps :meth:`set` at O(log n); the heap
is rebuilt from the live entries when stale ones outnumber them.

:class:`InstanceSchedule` keeps one for the live instances of a
:class:`~zego_helpers.sandbox.state.SandboxState`. It learns what changed from
the instances a request *touched* (:class:`~.indexes.LiveInstances`: looked up
by id or index), so an instance is asked when it is next due only after a change.
:meth:`SandboxState.advance <zego_helpers.sandbox.state.SandboxState.advance>`
then visits what is due plus what was touched, and nothing else: a request
costs the same in a room of ten and in a room of a thousand.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .indexes import LiveInstances
    from .state import Instance

#: Rebuild the heap when it holds more than this many entries per live one (plus a margin).
_STALE_FACTOR = 2
_STALE_MARGIN = 64


class DueTimes:
    """The next due time of each key (an AgentInstanceId), earliest first."""

    def __init__(self) -> None:
        self._time: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._time)

    def time_of(self, key: str) -> float:
        """When ``key`` is due (``inf``: never)."""
        return self._time.get(key, math.inf)

    def set(self, key: str, when: float) -> None:
        """``key`` is next due at ``when``; ``inf`` means never (forget it)."""
        if when == math.inf:
            self._time.pop(key, None)
            return
        if self._time.get(key) == when:
            return
        self._time[key] = when
        heapq.heappush(self._heap, (when, key))
        if len(self._heap) > _STALE_FACTOR * len(self._time) + _STALE_MARGIN:
            self._heap = [(t, k) for k, t in self._time.items()]
            heapq.heapify(self._heap)

    def discard(self, key: str) -> None:
        self._time.pop(key, None)

    def clear(self) -> None:
        self._time.clear()
        self._heap.clear()

    def earliest(self) -> float:
        """The earliest due time of any key (``inf``: nothing is due, ever)."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else math.inf

    def pop_due(self, now: float) -> list[str]:
        """The keys due by ``now``, earliest first; they are forgotten (set them again)."""
        due = []
        while self._drop_stale() and self._heap[0][0] <= now:
            _, key = heapq.heappop(self._heap)
            del self._time[key]
            due.append(key)
        return due

    def _drop_stale(self) -> bool:
        """Pop stale entries off the top; True when a live one is left on top."""
        heap = self._heap
        while heap and self._time.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return bool(heap)


class InstanceSchedule:
    """Which live instances :meth:`SandboxState.advance` must visit, and when.

    Two kinds of instance need a visit: those *due* (their time in the heap has
    come) and those *touched* since the last visit (a request looked them up and
    may have changed them, say finished the LLM turn an instance was waiting for
    before its graceful shutdown). A touched instance is rescheduled as soon as
    the schedule hears of it (:meth:`catch_up`) and is visited at the next
    advance, whether due or not, exactly as if every instance had been visited.

    ``rules`` are the settings every due time depends on (the idle rule and its
    time scale): when they change, every instance is touched and rescheduled.
    """

    def __init__(self) -> None:
        self._times = DueTimes()
        self._to_visit: set[str] = set()
        self._rules: Hashable = None

    def catch_up(
        self, instances: LiveInstances, rules: Hashable, next_due: Callable[[Instance], float]
    ) -> None:
        """Reschedule the touched instances (every instance, if ``rules`` changed)."""
        if rules != self._rules:
            self._rules = rules
            self._times.clear()
            instances.touch_all()
        for instance in instances.take_touched():
            self._to_visit.add(instance.instance_id)
            self._times.set(instance.instance_id, next_due(instance))

    def earliest(self) -> float:
        """When the earliest instance is due (``inf``: none, ever); call :meth:`catch_up` first."""
        return self._times.earliest()

    def take_visits(self, instances: LiveInstances, now: float) -> list[Instance]:
        """The instances due by ``now`` or touched, oldest first; reschedule each after it."""
        ids = self._times.pop_due(now)
        ids.extend(self._to_visit)
        self._to_visit.clear()
        return instances.oldest_first(ids)

    def reschedule(self, instance_id: str, when: float) -> None:
        self._times.set(instance_id, when)

    def forget(self, instance_id: str) -> None:
        """``instance_id`` is gone: nothing will be due on it."""
        self._times.discard(instance_id)
        self._to_visit.discard(instance_id)
