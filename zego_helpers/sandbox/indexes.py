"""The sandbox's agents and instances, indexed the ways requests look for them.

A room sandbox serves a whole workshop: hundreds of agents and instances. A
request names one or two of them, and must cost the same whether the room holds
ten or a thousand. So besides the id, every question a request asks is a dict
lookup here, never a walk through the room:

* :class:`LiveInstances`: which instance uses this AgentUserId (a second login
  kicks out the first), which one publishes this AgentStreamId, which belong to
  this user in this room (presence), how many of each kind run (the limit);
* :class:`AgentDirectory`: the AgentIds in order, so that ListAgents finds the
  page after a cursor by bisection instead of sorting every agent.

Both behave as plain dicts (``state.instances[id]``, ``.get``, ``in``,
``.values()``), and keep their indexes up to date on every insertion and removal.
The indexed fields never change once an instance exists (UpdateAgentInstance
changes only LLM, TTS, ASR and UserStreamId).
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import ItemsView, Iterable, Iterator, KeysView, MutableMapping, ValuesView
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .state import Agent, Instance

K = TypeVar("K")


V = TypeVar("V")


class _ById(MutableMapping[str, V]):
    """The read side of a dict kept in ``self._by_id``: membership, length, iteration, views.

    Iterating and the views hand out the stored objects without marking anything
    (see :class:`LiveInstances` for why that matters).
    """

    _by_id: dict[str, V]

    def __contains__(self, key: object) -> bool:
        return key in self._by_id

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def keys(self) -> KeysView[str]:
        return self._by_id.keys()

    def values(self) -> ValuesView[V]:
        return self._by_id.values()

    def items(self) -> ItemsView[str, V]:
        return self._by_id.items()


class LiveInstances(_ById["Instance"]):
    """The live instances by AgentInstanceId, with the indexes requests need.

    **Touched instances.** Whoever looks an instance up (by id, or through an
    index) may change it: start an LLM turn, speak, shut it down, and so change
    when it next has something due. So every instance handed out by a lookup is
    marked *touched*, and :meth:`SandboxState.advance
    <zego_helpers.sandbox.state.SandboxState.advance>` re-examines the touched
    ones and asks when each is due next (:mod:`.schedule`). Iterating
    (``values()``, ``items()``) touches nothing: iterate to read, and look an
    instance up by id to change it.
    """

    def __init__(self, instances: Iterable[Instance] = ()) -> None:
        self._by_id: dict[str, Instance] = {}
        self._created: dict[str, int] = {}  # id -> rank in creation order
        self._ranks = itertools.count()
        self._by_agent_user: dict[str, dict[str, Instance]] = {}
        self._by_agent_stream: dict[str, dict[str, Instance]] = {}
        self._by_user_in_room: dict[tuple[str, str], dict[str, Instance]] = {}
        self._kinds: Counter[str] = Counter()
        self._touched: set[str] = set()
        for instance in instances:
            self[instance.instance_id] = instance

    # --- the dict interface ----------------------------------------------------------------

    def __getitem__(self, instance_id: str) -> Instance:
        instance = self._by_id[instance_id]
        self._touched.add(instance_id)
        return instance

    def get(self, instance_id: str, default: Any = None) -> Any:
        instance = self._by_id.get(instance_id)
        if instance is None:
            return default
        self._touched.add(instance_id)
        return instance

    def __setitem__(self, instance_id: str, instance: Instance) -> None:
        if instance.instance_id != instance_id:
            raise KeyError(f"instance {instance.instance_id} filed as {instance_id}")
        if instance_id in self._by_id:
            self._unindex(self._by_id[instance_id])
        else:
            self._created[instance_id] = next(self._ranks)
        self._by_id[instance_id] = instance
        _file(self._by_agent_user, instance.agent_user_id, instance)
        _file(self._by_agent_stream, instance.agent_stream_id, instance)
        _file(self._by_user_in_room, (instance.room_id, instance.user_id), instance)
        self._kinds[instance.kind] += 1
        self._touched.add(instance_id)

    def __delitem__(self, instance_id: str) -> None:
        instance = self._by_id.pop(instance_id)
        del self._created[instance_id]
        self._unindex(instance)
        self._touched.discard(instance_id)

    def __repr__(self) -> str:
        return f"LiveInstances({len(self)} instances)"

    # --- lookups ---------------------------------------------------------------------------

    def with_agent_user_id(self, agent_user_id: str) -> list[Instance]:
        """The instances logged in as ``agent_user_id``, oldest first."""
        return self._hand_out(self._by_agent_user.get(agent_user_id))

    def with_agent_stream_id(self, agent_stream_id: str) -> list[Instance]:
        """The instances publishing ``agent_stream_id``, oldest first."""
        return self._hand_out(self._by_agent_stream.get(agent_stream_id))

    def of_user_in_room(self, room_id: str, user_id: str) -> list[Instance]:
        """The instances serving ``user_id`` in ``room_id``, oldest first."""
        return self._hand_out(self._by_user_in_room.get((room_id, user_id)))

    def count_kind(self, kind: str) -> int:
        """How many live instances are of ``kind`` (voice, digital_human, ...)."""
        return self._kinds[kind]

    def oldest_first(self, instance_ids: Iterable[str]) -> list[Instance]:
        """The live ones among ``instance_ids``, in creation order (untouched)."""
        live = [i for i in set(instance_ids) if i in self._by_id]
        return [self._by_id[i] for i in sorted(live, key=self._created.__getitem__)]

    # --- touched instances -----------------------------------------------------------------

    def take_touched(self) -> list[Instance]:
        """The live instances touched since the last call; they are no longer marked."""
        touched, self._touched = self._touched, set()
        return [self._by_id[i] for i in touched if i in self._by_id]

    def touch_all(self) -> None:
        self._touched.update(self._by_id)

    # --- internals -------------------------------------------------------------------------

    def _hand_out(self, found: dict[str, Instance] | None) -> list[Instance]:
        if not found:
            return []
        self._touched.update(found)
        return list(found.values())

    def _unindex(self, instance: Instance) -> None:
        _unfile(self._by_agent_user, instance.agent_user_id, instance)
        _unfile(self._by_agent_stream, instance.agent_stream_id, instance)
        _unfile(self._by_user_in_room, (instance.room_id, instance.user_id), instance)
        self._kinds[instance.kind] -= 1
        if not self._kinds[instance.kind]:
            del self._kinds[instance.kind]


def _file(index: dict[K, dict[str, Instance]], key: K, instance: Instance) -> None:
    index.setdefault(key, {})[instance.instance_id] = instance


def _unfile(index: dict[K, dict[str, Instance]], key: K, instance: Instance) -> None:
    found = index[key]
    del found[instance.instance_id]
    if not found:
        del index[key]


class AgentDirectory(_ById["Agent"]):
    """The registered agents by AgentId, with the ids also kept in order (for ListAgents)."""

    def __init__(self, agents: Iterable[Agent] = ()) -> None:
        self._by_id: dict[str, Agent] = {}
        self._ordered: list[str] = []
        for agent in agents:
            self[agent.agent_id] = agent

    def __getitem__(self, agent_id: str) -> Agent:
        return self._by_id[agent_id]

    def get(self, agent_id: str, default: Any = None) -> Any:
        return self._by_id.get(agent_id, default)

    def __setitem__(self, agent_id: str, agent: Agent) -> None:
        if agent.agent_id != agent_id:
            raise KeyError(f"agent {agent.agent_id!r} filed as {agent_id!r}")
        if agent_id not in self._by_id:
            bisect.insort(self._ordered, agent_id)
        self._by_id[agent_id] = agent

    def __delitem__(self, agent_id: str) -> None:
        del self._by_id[agent_id]
        del self._ordered[bisect.bisect_left(self._ordered, agent_id)]

    def __repr__(self) -> str:
        return f"AgentDirectory({len(self)} agents)"

    def ids_after(self, after: str | None, limit: int) -> tuple[list[str], bool]:
        """Up to ``limit`` AgentIds after ``after`` (``None``: from the first), in order,
        and whether more follow."""
        start = 0 if after is None else bisect.bisect_right(self._ordered, after)
        page = self._ordered[start : start + limit]
        return page, start + limit < len(self._ordered)
