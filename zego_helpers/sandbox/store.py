"""Where the sandbox state lives: in memory, or in a JSON file shared between processes.

Each notebook runs in its own kernel (its own process), and each kernel runs
its own embedded sandbox. Notebook 02 creates an instance, notebook 03 talks
to it, notebook 04 deletes it: three processes, one emulated ZEGO account.
They agree through one state file::

    with store.transaction() as state:   # lock; reload if another process saved
        state.register_agent(...)        # change it
                                          # save if it changed; unlock

The lock is ``fcntl.flock`` on a separate ``<state>.lock`` file, so readers
never see a half-written state: the state file itself is replaced atomically
(written to a temporary file, then renamed). Each save also writes a new
random *generation* token into the lock file; a process reloads the state
only when the token differs from the one it last saw, so an unchanged file
is not read again.

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

from .state import SandboxState

log = logging.getLogger("zego_helpers.sandbox")

#: Bumped when the file layout changes; a file with another format is started afresh.
STATE_FORMAT = 1


class StateStore:
    """Holds one :class:`SandboxState`, optionally mirrored in ``path``."""

    def __init__(self, path: Path | None, new_state: Callable[[], SandboxState]) -> None:
        self.path = path
        self._new_state = new_state
        self.state = new_state()
        self._thread_lock = threading.RLock()
        self._lock_fd: int | None = None
        self._generation: str | None = None
        self._saved_text: str | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock_path = path.with_name(path.name + ".lock")
            self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def transaction(self) -> Iterator[SandboxState]:
        """Lock, bring the state up to date, yield it, and save it if it changed.

        Never ``await`` inside a transaction: other processes wait for the lock.
        """
        with self._thread_lock:
            if self._lock_fd is None:
                yield self.state
                return
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                if self._read_generation() != self._generation or self._generation is None:
                    self._load()
                try:
                    yield self.state
                finally:
                    self._save_if_changed()
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

    # --- internals -------------------------------------------------------------------------

    def _read_generation(self) -> str:
        assert self._lock_fd is not None
        return os.pread(self._lock_fd, 64, 0).decode("ascii", "replace").strip()

    def _load(self) -> None:
        assert self.path is not None
        self._generation = self._read_generation()
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._saved_text = None
            return  # nothing saved yet: keep the current state
        try:
            data = json.loads(text)
            if data.get("Format") != STATE_FORMAT or data["State"]["AppId"] != self.state.app_id:
                raise ValueError("saved for another sandbox or format")
            self.state = SandboxState.from_dict(data["State"])
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignoring sandbox state in %s (%s); starting afresh", self.path, error)
            self.state = self._new_state()
            self._saved_text = None
            return
        self._saved_text = text

    def _save_if_changed(self) -> None:
        assert self.path is not None and self._lock_fd is not None
        text = json.dumps(
            {"Format": STATE_FORMAT, "State": self.state.to_dict()}, ensure_ascii=False
        )
        if text == self._saved_text:
            return
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, self.path)
        self._saved_text = text
        self._generation = secrets.token_hex(8)
        os.ftruncate(self._lock_fd, 0)
        os.pwrite(self._lock_fd, self._generation.encode("ascii"), 0)
