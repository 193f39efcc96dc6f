"""Reading the sandbox's files when they may be damaged, and keeping what was damaged.

The state and events files are written carefully (atomic replace, whole
lines under a lock), but a process killed mid-append, a full disk, a sync
tool or a curious learner can still leave a half-written line, junk bytes,
NULs, a wrong type or a file cut short. Each such file used to stop the
embedded sandbox in *every* new kernel with a raw ``JSONDecodeError``.

Now a damaged file is handled the same way everywhere:

1. **Read line by line, strictly** (:func:`read_lines`): each line is parsed
   on its own with :func:`~.strict_json.loads_strict`, so one bad line costs
   that line only. A last line without its newline is half-written: damaged.
2. **Check every entry** that parsed: its fields have the types the
   dataclasses declare (:func:`fits`), and a throwaway state built from it
   survives what requests will do with it (:func:`usable`): list it, save it,
   let time pass, delete it. An entry that fails is dropped, alone.
3. **Keep a copy** of the damaged file (:func:`set_aside`) under a new unique
   name beside it, ``<name>.damaged-<UTC time>-<random>``, created with
   ``O_EXCL`` so no earlier copy is ever overwritten.
4. **Rewrite** the file with what was recovered, and say so in the log
   (a warning naming the copy and what was kept), never with a traceback.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import os
import secrets
import time
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import RUNTIME_SETTINGS
from .state import Agent, Instance, SandboxState
from .strict_json import MAX_JSON_DEPTH, StrictJSONError, loads_strict

#: A stored entry wraps request objects in a few levels of its own (line, instance,
#: config), so files may nest deeper than a request body.
MAX_FILE_DEPTH = 2 * MAX_JSON_DEPTH

_SETTING_CHECKS = {name: check for name, check in RUNTIME_SETTINGS.values()}


@dataclass
class Lines:
    """The lines of one file that parsed, and what was wrong with the others."""

    values: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    damaged: int = 0

    def note(self, problem: str) -> None:
        self.damaged += 1
        if len(self.problems) < 3:  # enough to say what happened, not a flood
            self.problems.append(problem)


def read_lines(raw: bytes) -> Lines:
    """Parse each line of ``raw`` strictly; blank lines are skipped, damaged ones noted.

    A last line without its newline is noted as damaged even when it parses
    (it is kept then): the next append would otherwise be glued onto it.
    """
    lines = Lines()
    chunks = raw.split(b"\n")
    for number, chunk in enumerate(chunks, start=1):
        last = number == len(chunks)
        if not chunk.strip():
            continue
        try:
            lines.values.append(loads_strict(chunk, max_depth=MAX_FILE_DEPTH))
        except StrictJSONError as error:
            lines.note(f"line {number}: {'half-written; ' if last else ''}{error}")
            continue
        if last:
            lines.note(f"line {number}: no newline at the end")
    return lines


def set_aside(path: Path, content: bytes) -> Path:
    """Keep ``content`` (what ``path`` held) in a new file beside it; return its path.

    The name is unique (UTC time, process id and random hex) and the file is
    created with ``O_EXCL``, so an earlier set-aside copy is never overwritten.
    Mode 0600: the content may hold sealed keys.
    """
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    while True:
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        return aside


# --- types ----------------------------------------------------------------------------------


def fits(value: Any, hint: Any) -> bool:
    """True when ``value`` matches the type hint ``hint`` (the subset the state uses).

    Handles ``str``/``int``/``float``/``bool``, ``X | None``, ``list[X]``,
    ``dict[K, V]`` and dataclasses (field by field). ``bool`` is not an ``int``
    here, and an ``int`` is a fine ``float``, as in JSON.
    """
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arm) for arm in typing.get_args(hint))
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is list or hint is list:
        if not isinstance(value, list):
            return False
        args = typing.get_args(hint)
        return not args or all(fits(item, args[0]) for item in value)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            return False
        args = typing.get_args(hint)
        return not args or all(fits(k, args[0]) and fits(v, args[1]) for k, v in value.items())
    if dataclasses.is_dataclass(hint):
        return isinstance(value, hint) and all(
            fits(getattr(value, name), field_hint) for name, field_hint in _hints(hint).items()
        )
    return isinstance(value, hint)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def usable(data: dict[str, Any], now: float) -> bool:
    """True when a state built from ``data`` survives what requests will do with it.

    Works on a deep copy: ``data`` itself is not touched.
    """
    try:
        state = SandboxState.from_dict(copy.deepcopy(data))
        if not all(fits(a, Agent) and a.agent_id == key for key, a in state.agents.items()):
            return False
        if not all(
            fits(i, Instance) and i.instance_id == key for key, i in state.instances.items()
        ):
            return False
        _saveable(state)
        state.list_agents(10, "")
        state.query_agents(sorted(state.agents)[:10])
        for instance in state.instances.values():
            state.status_of(instance, now)
            _ = instance.walkie_talkie
        state.list_instances("", now)
        state.next_deadline()
        state.advance(now)
        for instance_id in list(state.instances):
            state.delete_instance(instance_id, graceful=False, timeout=30, now=now)
        _saveable(state)
    except Exception:  # noqa: BLE001 - any failure means "not usable", which is the answer
        return False
    return True


def _saveable(state: SandboxState) -> None:
    json.dumps(state.to_dict(), ensure_ascii=False, allow_nan=False).encode("utf-8")


def clean_settings(raw: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """Each runtime setting from ``raw`` if it passes its check, else its default."""
    settings = dict(defaults)
    if isinstance(raw, dict):
        for name, value in raw.items():
            check = _SETTING_CHECKS.get(name)
            if check is None:
                continue
            try:
                check(name, value)
            except ValueError:
                continue
            settings[name] = value
    return settings


def clean_presence(raw: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """The readable ``room -> user -> {"InRoom": bool, "Since": seconds}`` entries of ``raw``."""
    presence: dict[str, dict[str, dict[str, Any]]] = {}
    if not isinstance(raw, dict):
        return presence
    for room, users in raw.items():
        if not isinstance(users, dict):
            continue
        for user, seen in users.items():
            if (
                isinstance(seen, dict)
                and isinstance(seen.get("InRoom"), bool)
                and fits(seen.get("Since"), float)
            ):
                presence.setdefault(room, {})[user] = {
                    "InRoom": seen["InRoom"],
                    "Since": seen["Since"],
                }
    return presence


# --- events ---------------------------------------------------------------------------------


def valid_event(record: Any) -> bool:
    """True for an event record the state can use: ``{"callback": bool, "body": {...}}``."""
    if not isinstance(record, dict) or not isinstance(record.get("callback"), bool):
        return False
    body = record.get("body")
    return (
        isinstance(body, dict)
        and fits(body.get("Sequence"), int)
        and isinstance(body.get("AgentInstanceId"), str)
        and isinstance(body.get("Event"), str)
    )
