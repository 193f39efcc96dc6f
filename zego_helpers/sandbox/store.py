"""Where the sandbox state lives: in memory, or in files shared between processes.

Each notebook runs in its own kernel (its own process), and each kernel runs
its own embedded sandbox. Notebook 02 creates an instance, notebook 03 talks
to it, notebook 04 deletes it: three processes, one emulated ZEGO account.
They agree through files::

    with store.transaction() as state:   # lock; catch up with other processes
        state.register_agent(...)        # change it
                                          # write what changed; unlock

Three files sit side by side (for ``sandbox-state.json``):

* ``sandbox-state.json``: agents, instances, presence, settings, as JSON
  lines: a header line (format, AppId, settings, presence, sequence), then
  one line per agent and one per instance, so damage to one line costs one
  entry. Small; it is replaced atomically (written to a temporary file, then
  renamed), so a reader never sees half of it. API keys in it are sealed
  (:mod:`.sealing`), never in plain text.
* ``sandbox-state.events.jsonl``: the event log, one JSON object per line,
  only ever appended to (events are most of the data, so they are not
  rewritten on every change). When it grows past twice
  :data:`~zego_helpers.sandbox.state.MAX_EVENTS` lines it is rewritten with
  the newest ones, under a new *epoch* that tells other processes to re-read it.
* ``sandbox-state.json.lock``: ``fcntl.flock`` on it serialises transactions.
  Each save writes a new random *generation* token into it, so a process
  reloads only when another one saved since (an unchanged state costs a
  read of a few bytes).

A damaged state or events file (a half-written line, junk, a wrong type) is
repaired where it is read: every readable entry is kept, the damaged file is
kept too under a new name, and a warning says so (:mod:`.recovery`). A
transaction whose result cannot be saved, or whose work failed with an
unexpected error, is rolled back: the next one reloads what the file holds,
so one bad request never poisons the next.

Without a path (a standalone trainer sandbox, benchmarks) the state stays in
memory and a transaction costs nothing.
"""

from __future__ import annotations

import copy
import fcntl
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..atomic_file import replace_file
from . import recovery
from .envelope import SandboxError
from .sealing import Sealer
from .state import MAX_EVENTS, SandboxState

log = logging.getLogger("zego_helpers.sandbox")

#: Bumped when the file layout changes; a file in another format is set aside, and the
#: state starts afresh.
STATE_FORMAT = 3
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
#: Header fields that are the store's, not the state's.
_STORE_FIELDS = ("Format", "EventsEpoch")


class StateStore:
    """Holds one :class:`SandboxState`, optionally mirrored in files under ``path``."""

    def __init__(
        self,
        path: Path | None,
        new_state: Callable[[], SandboxState],
        *,
        server_secret: str | None = None,
    ) -> None:
        """``server_secret`` derives the key that seals API keys in the file (see
        :mod:`.sealing`); every process sharing ``path`` must pass the same one. Without
        it, a random key is used: keys then stay readable by this process only."""
        self.path = path
        self._new_state = new_state
        self.state = new_state()
        self._sealer = Sealer(server_secret or secrets.token_hex(16))
        self._checked_deeply = False  # the first load checks every entry
        #: (list name, id) -> (a snapshot of the entry, its line in the file)
        self._lines: dict[tuple[str, Any], tuple[dict[str, Any], str]] = {}
        self._thread_lock = threading.RLock()
        self._lock_fd: int | None = None
        self._generation: str | None = None  # the token of the last save we have seen
        self._saved_text: str | None = None  # the state file as we last read or wrote it
        self._epoch = ""  # which incarnation of the events file we have read
        self._events_offset = 0  # bytes of the events file already read
        self._events_lines = 0
        self._saved_sequence = 0  # events up to this Sequence are in the events file
        self._rewrite_events = False  # the events file is stale: rewrite it at the next save
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._events_path = path.with_name(path.stem + ".events.jsonl")
            lock_path = path.with_name(path.name + ".lock")
            self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def transaction(self) -> Iterator[SandboxState]:
        """Lock, catch up with other processes, yield the state, write what changed.

        Never ``await`` inside a transaction: other processes wait for the lock.
        """
        with self._thread_lock:
            if self._lock_fd is None:
                yield self.state
                return
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                if self._generation is None or self._read_generation() != self._generation:
                    self._load()
                try:
                    yield self.state
                except SandboxError:  # a refused request changed nothing: save as usual
                    self._save_or_roll_back()
                    raise
                except BaseException:  # a bug half-way through: keep none of it
                    self._roll_back()
                    raise
                self._save_or_roll_back()
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _save_or_roll_back(self) -> None:
        try:
            self._save()
        except BaseException:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        """Forget the in-memory state: the next transaction reloads the files as saved."""
        log.warning("a sandbox transaction failed; its changes are dropped (state reloaded)")
        self.state = self._new_state()
        self._generation = None
        self._epoch, self._events_offset, self._events_lines = "", 0, 0
        self._saved_text = None

    def changed_elsewhere(self) -> bool:
        """True when another process saved since we last loaded (cheap: reads a few bytes)."""
        return self._lock_fd is not None and self._read_generation() != self._generation

    def close(self) -> None:
        with self._thread_lock:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    # --- loading ---------------------------------------------------------------------------

    def _read_generation(self) -> str:
        assert self._lock_fd is not None
        return os.pread(self._lock_fd, 64, 0).decode("ascii", "replace").strip()

    def _load(self) -> None:
        assert self.path is not None
        self._generation = self._read_generation()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self._set_aside_events("there is no state file it belongs to")
            self._start_afresh(self.state)  # nothing saved yet: keep the current state
            return
        deep, self._checked_deeply = not self._checked_deeply, True
        events = self.state.events
        loaded = self._parse_state(raw, deep)
        if loaded is None:
            self._start_afresh(self._new_state())
            return
        state, epoch = loaded
        if epoch != self._epoch:
            self._epoch, self._events_offset, self._events_lines = epoch, 0, 0
            events = []
        state.events = events
        self._read_new_events(state)
        self.state = state
        self._saved_sequence = state.sequence

    def _parse_state(self, raw: bytes, deep: bool) -> tuple[SandboxState, str] | None:
        """The state in ``raw`` and its events epoch, repaired if need be; ``None``: afresh.

        The common case (a file another kernel just wrote) costs a parse per line and
        one ``from_dict``. ``deep`` (the first load of this process) also checks every
        entry (:func:`.recovery.usable`); a damaged file is always checked.
        """
        lines = recovery.read_lines(raw)
        first = lines.values[0] if lines.values else None
        header = first if isinstance(first, dict) and "Format" in first else {}
        entries = lines.values[1:] if header else lines.values
        if header and header["Format"] != STATE_FORMAT:
            self._set_aside_afresh(raw, f"format {header['Format']!r}, expected {STATE_FORMAT}")
            return None
        if "AppId" in header and header["AppId"] != self.state.app_id:
            self._set_aside_afresh(raw, f"it belongs to a sandbox with AppId {header['AppId']!r}")
            return None
        if header and not lines.damaged:
            data = self._assemble(header, entries)
            if data is not None and (not deep or recovery.usable(data, time.time())):
                try:
                    state = SandboxState.from_dict(data)
                except (ValueError, KeyError, TypeError, AttributeError):
                    pass
                else:
                    if not _duplicates(state, data):
                        self._saved_text = raw.decode("utf-8")
                        return state, str(header.get("EventsEpoch", ""))
        return self._salvage(raw, lines.problems, header, entries)

    def _assemble(self, header: dict[str, Any], entries: list[Any]) -> dict[str, Any] | None:
        """The ``to_dict`` shape from a header and entry lines (unsealed); None if malformed."""
        data = {k: v for k, v in header.items() if k not in _STORE_FIELDS}
        for name, default in self._template().items():
            if isinstance(default, list):
                data[name] = []
            else:
                data.setdefault(name, default)
        for entry in entries:
            parts = _entry_parts(entry, data)
            if parts is None:
                return None
            data[parts[0]].append(self._sealer.unseal_entry(parts[1]))
        return data

    def _salvage(
        self, raw: bytes, problems: list[str], header: dict[str, Any], entries: list[Any]
    ) -> tuple[SandboxState, str] | None:
        """Keep every readable entry of a damaged state file, and a copy of the file."""
        assert self.path is not None
        now = time.time()
        template = self._template()
        data: dict[str, Any] = {}
        for name, default in template.items():
            if isinstance(default, list):
                data[name] = []
            elif name == "settings":
                data[name] = recovery.clean_settings(header.get(name), default)
            elif name == "presence":
                data[name] = recovery.clean_presence(header.get(name))
            elif name in header and recovery.usable({**template, name: header[name]}, now):
                data[name] = header[name]
            else:
                data[name] = default
        if not recovery.fits(data["sequence"], int) or data["sequence"] < 0:
            data["sequence"] = 0
        problems = list(problems) + ([] if header else ["no readable header line"])
        dropped = 0
        for entry in entries:
            parts = _entry_parts(entry, data)
            value = self._sealer.unseal_entry(parts[1]) if parts else None
            if parts and recovery.usable({**data, parts[0]: [value]}, now):
                data[parts[0]].append(value)
            else:
                dropped += 1
        if dropped:
            problems.append(f"{dropped} entries of the wrong shape or types")
        if not recovery.usable(data, now):  # entries that clash with each other
            self._set_aside_afresh(raw, "; ".join(problems) or "entries that clash")
            return None
        state = SandboxState.from_dict(data)
        duplicates = _duplicates(state, data)
        if duplicates:
            problems.append(f"{duplicates} entries twice (kept once)")
        aside = recovery.set_aside(self.path, raw)
        log.warning(
            "the sandbox state file %s was damaged (%s); kept %d agents and %d instances, "
            "and the damaged file as %s",
            self.path,
            "; ".join(problems) or "entries that do not fit together",
            len(state.agents),
            len(state.instances),
            aside.name,
        )
        self._saved_text = None  # rewrite it
        epoch = header.get("EventsEpoch")
        if not isinstance(epoch, str) or not epoch:
            # No readable epoch: read the events file from its start, then rewrite it.
            epoch = "unknown"
            self._rewrite_events = True
        return state, epoch

    def _set_aside_afresh(self, raw: bytes, reason: str) -> None:
        assert self.path is not None
        aside = recovery.set_aside(self.path, raw)
        log.warning(
            "not using the sandbox state in %s (%s); it is kept as %s, and the sandbox starts "
            "afresh",
            self.path,
            reason,
            aside.name,
        )
        self._set_aside_events("it belongs to the state that was set aside")

    def _template(self) -> dict[str, Any]:
        data = self._new_state().to_dict()
        del data["events"]
        return data

    def _start_afresh(self, state: SandboxState) -> None:
        """Use ``state``; whatever events file exists belongs to an older state."""
        self.state = state
        self._saved_text = None
        self._saved_sequence = 0
        self._rewrite_events = True

    def _set_aside_events(self, reason: str) -> None:
        """Keep a copy of a non-empty events file that is about to be rewritten."""
        try:
            raw = self._events_path.read_bytes()
        except FileNotFoundError:
            return
        if raw.strip():
            aside = recovery.set_aside(self._events_path, raw)
            log.warning(
                "sandbox events file %s kept as %s (%s)", self._events_path, aside.name, reason
            )

    def _read_new_events(self, state: SandboxState) -> None:
        """Append the events other processes wrote since our last read; repair damage."""
        try:
            with open(self._events_path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size < self._events_offset:
                    # Shortened behind our back: read it all again (events are merged by
                    # Sequence below, so nothing is counted twice).
                    self._events_offset, self._events_lines = 0, 0
                    self._rewrite_events = True
                handle.seek(self._events_offset)
                new = handle.read()
        except FileNotFoundError:
            return
        lines = recovery.read_lines(new)
        last = state.events[-1]["body"]["Sequence"] if state.events else 0
        wrong = 0
        for record in lines.values:
            if recovery.valid_event(record) and record["body"]["Sequence"] > last:
                state.events.append(record)
                last = record["body"]["Sequence"]
            else:
                wrong += 1
        del state.events[:-MAX_EVENTS]
        state.sequence = max(state.sequence, last)  # events saved by a process that then died
        self._events_offset += len(new)
        self._events_lines += len(lines.values)
        if lines.damaged or wrong:
            problems = lines.problems + (
                [f"{wrong} events of the wrong shape or order"] if wrong else []
            )
            aside = recovery.set_aside(self._events_path, self._events_path.read_bytes())
            log.warning(
                "the sandbox events file %s was damaged (%s); kept every readable event, and "
                "the damaged file as %s",
                self._events_path,
                "; ".join(problems),
                aside.name,
            )
            self._rewrite_events = True

    # --- saving ----------------------------------------------------------------------------

    def _save(self) -> None:
        assert self.path is not None and self._lock_fd is not None
        changed = self._append_new_events()
        text = self._state_text()
        if text != self._saved_text:
            replace_file(self.path, text.encode("utf-8"), durable=False)
            self._saved_text = text
            changed = True
        if changed:
            self._generation = secrets.token_hex(8)
            os.ftruncate(self._lock_fd, 0)
            os.pwrite(self._lock_fd, self._generation.encode("ascii"), 0)

    def _state_text(self) -> str:
        """The state file's content: a header line, then one line per agent and instance."""
        data = self.state.to_dict()
        del data["events"]  # they live in the events file
        header: dict[str, Any] = {"Format": STATE_FORMAT, "EventsEpoch": self._epoch}
        lines: list[str] = []
        seen: set[tuple[str, Any]] = set()
        for name, value in data.items():
            if isinstance(value, list):
                lines += (self._entry_line(name, item, seen) for item in value)
            elif name == "settings":
                header[name] = self._sealer.seal_tree(value)
            else:
                header[name] = value
        for key in set(self._lines) - seen:  # entries that are gone
            del self._lines[key]
        text = _ENCODER.encode(header) + "\n" + "".join(lines)
        text.encode("utf-8")  # refuse (and roll back) what UTF-8 cannot hold, before writing
        return text

    def _entry_line(self, name: str, item: dict[str, Any], seen: set[tuple[str, Any]]) -> str:
        """One entry's line, sealed; reused while the entry is unchanged.

        Most saves change one or two entries out of many: comparing an entry with a
        snapshot of it (at C speed) is far cheaper than sealing and encoding it again.
        """
        first = next(iter(item.values()), None)  # the id: agent_id, instance_id
        key = (name, first if isinstance(first, str) else id(item))
        seen.add(key)
        cached = self._lines.get(key)
        if cached is not None and cached[0] == item:
            return cached[1]
        line = _ENCODER.encode({name: self._sealer.seal_entry(item)}) + "\n"
        self._lines[key] = (copy.deepcopy(item), line)
        return line

    def _append_new_events(self) -> bool:
        new = self.state.events_since(self._saved_sequence)  # from the end: the new ones only
        self._saved_sequence = self.state.sequence
        if not new and not self._rewrite_events:
            return False
        if self._rewrite_events or self._events_lines + len(new) > 2 * MAX_EVENTS:
            # Start a new epoch with only the newest events; readers notice the new epoch.
            self._epoch = secrets.token_hex(4)
            self._rewrite_events = False
            payload = _json_lines(self.state.events)
            replace_file(self._events_path, payload, durable=False)
            self._events_offset, self._events_lines = len(payload), len(self.state.events)
            return True
        payload = _json_lines(new)
        fd = os.open(self._events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "ab") as handle:
            handle.write(payload)
        self._events_offset += len(payload)
        self._events_lines += len(new)
        return True


def _duplicates(state: SandboxState, data: dict[str, Any]) -> int:
    """How many entry lines ``from_dict`` folded into others (the same id twice)."""
    return sum(
        len(items) - len(getattr(state, name))
        for name, items in data.items()
        if isinstance(items, list) and isinstance(getattr(state, name, None), Mapping)
    )


def _entry_parts(entry: Any, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """``(list name, item)`` of an entry line such as ``{"agents": {...}}``, or None."""
    if not isinstance(entry, dict) or len(entry) != 1:
        return None
    [(name, value)] = entry.items()
    if not isinstance(data.get(name), list) or not isinstance(value, dict):
        return None
    return name, value


def _json_lines(records: list[dict[str, Any]]) -> bytes:
    lines = (json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records)
    return "".join(line + "\n" for line in lines).encode("utf-8")
