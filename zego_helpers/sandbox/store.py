"""Where the sandbox state lives: in memory, or in files shared between processes.

Each notebook runs in its own kernel (its own process), and each kernel runs
its own embedded sandbox. Notebook 02 creates an instance, notebook 03 talks
to it, notebook 04 deletes it: three processes, one emulated ZEGO account.
They agree through files::

    with store.transaction() as state:   # lock; catch up with other processes
        state.register_agent(...)        # change it
                                          # write what changed; unlock

Three files sit side by side (for ``sandbox-state.json``):

* ``sandbox-state.json``: agents, instances, presence, settings. Small; it is
  replaced atomically (written to a temporary file, then renamed), so a
  reader never sees half of it.
* ``sandbox-state.events.jsonl``: the event log, one JSON object per line,
  only ever appended to (events are most of the data, so they are not
  rewritten on every change). When it grows past twice
  :data:`~zego_helpers.sandbox.state.MAX_EVENTS` lines it is rewritten with
  the newest ones, under a new *epoch* that tells other processes to re-read it.
* ``sandbox-state.json.lock``: ``fcntl.flock`` on it serialises transactions.
  Each save writes a new random *generation* token into it, so a process
  reloads only when another one saved since (an unchanged state costs a
  read of a few bytes).

Without a path (a standalone trainer sandbox, benchmarks) the state stays in
memory and a transaction costs nothing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .state import MAX_EVENTS, SandboxState

log = logging.getLogger("zego_helpers.sandbox")

#: Bumped when the file layout changes; files in another format are started afresh.
STATE_FORMAT = 2


class StateStore:
    """Holds one :class:`SandboxState`, optionally mirrored in files under ``path``."""

    def __init__(self, path: Path | None, new_state: Callable[[], SandboxState]) -> None:
        self.path = path
        self._new_state = new_state
        self.state = new_state()
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
                finally:
                    self._save()
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

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
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._start_afresh(self.state)  # nothing saved yet: keep the current state
            return
        try:
            document = json.loads(text)
            if document.get("Format") != STATE_FORMAT:
                raise ValueError(f"format {document.get('Format')!r}, expected {STATE_FORMAT}")
            if document["State"]["AppId"] != self.state.app_id:
                raise ValueError("it belongs to a sandbox with another AppId")
            events = self.state.events
            state = SandboxState.from_dict(document["State"])
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignoring sandbox state in %s (%s); starting afresh", self.path, error)
            self._start_afresh(self._new_state())
            return
        if document.get("EventsEpoch") != self._epoch:
            self._epoch, self._events_offset, self._events_lines = document["EventsEpoch"], 0, 0
            events = []
        state.events = events
        self._read_new_events(state)
        self.state = state
        self._saved_text = text
        self._saved_sequence = state.sequence

    def _start_afresh(self, state: SandboxState) -> None:
        """Use ``state``; whatever events file exists belongs to an older state."""
        self.state = state
        self._saved_text = None
        self._saved_sequence = 0
        self._rewrite_events = True

    def _read_new_events(self, state: SandboxState) -> None:
        try:
            with open(self._events_path, "rb") as handle:
                handle.seek(self._events_offset)
                new = handle.read()
        except FileNotFoundError:
            return
        self._events_offset += len(new)
        lines = new.splitlines()
        self._events_lines += len(lines)
        state.events.extend(json.loads(line) for line in lines if line.strip())
        del state.events[:-MAX_EVENTS]

    # --- saving ----------------------------------------------------------------------------

    def _save(self) -> None:
        assert self.path is not None and self._lock_fd is not None
        changed = self._append_new_events()
        data = self.state.to_dict()
        del data["events"]  # they live in the events file
        document = {"Format": STATE_FORMAT, "EventsEpoch": self._epoch, "State": data}
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        if text != self._saved_text:
            _replace(self.path, text)
            self._saved_text = text
            changed = True
        if changed:
            self._generation = secrets.token_hex(8)
            os.ftruncate(self._lock_fd, 0)
            os.pwrite(self._lock_fd, self._generation.encode("ascii"), 0)

    def _append_new_events(self) -> bool:
        new = [e for e in self.state.events if e["body"]["Sequence"] > self._saved_sequence]
        self._saved_sequence = self.state.sequence
        if not new and not self._rewrite_events:
            return False
        if self._rewrite_events or self._events_lines + len(new) > 2 * MAX_EVENTS:
            # Start a new epoch with only the newest events; readers notice the new epoch.
            self._epoch = secrets.token_hex(4)
            self._rewrite_events = False
            payload = _json_lines(self.state.events)
            _replace(self._events_path, payload.decode("utf-8"))
            self._events_offset, self._events_lines = len(payload), len(self.state.events)
            return True
        payload = _json_lines(new)
        fd = os.open(self._events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "ab") as handle:
            handle.write(payload)
        self._events_offset += len(payload)
        self._events_lines += len(new)
        return True


def _json_lines(records: list[dict[str, Any]]) -> bytes:
    lines = (json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _replace(path: Path, text: str) -> None:
    """Write ``path`` atomically (temporary file + rename), readable by its owner only."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)
