"""The ledger: a small file that remembers every agent instance you created and have not deleted.

ZEGO has no "list my instances" call, and an account may run only 10 instances
at once. If a kernel crashes between create and delete, the instance keeps
running (until the 120 s idle rule catches it) and keeps a slot busy. The
ledger lets ``.venv/bin/zego-kit cleanup`` delete what was left behind.

It is a JSON file under the kit home (``~/.zego_kit/ledger.json`` by default),
written atomically (write a temporary file, then rename it over the old one),
so a crash never leaves half a file. Each entry records where the instance
lives (API base URL and AppID) so cleanup only touches instances of the
service you are connected to.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LEDGER_FILE_NAME = "ledger.json"


@dataclass(frozen=True)
class LedgerEntry:
    """One live instance: enough to delete it and to tell whose it is."""

    agent_instance_id: str
    app_id: int
    api_base_url: str
    agent_id: str = ""
    room_id: str = ""
    user_id: str = ""
    user_stream_id: str = ""
    agent_user_id: str = ""
    agent_stream_id: str = ""
    created_at: float = field(default_factory=time.time)


class Ledger:
    """Record of live instances, kept in one JSON file.

    Safe to use from several threads of one process; across processes, each
    write replaces the whole file atomically (the last writer wins, and an
    entry is never half-written).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def in_home(cls, kit_home: str | Path) -> Ledger:
        """The ledger kept in the kit home directory."""
        return cls(Path(kit_home) / LEDGER_FILE_NAME)

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged ledger must not stop the kit: start afresh, keep the old file aside.
            self.path.replace(self.path.with_suffix(".damaged.json"))
            return {}
        return data.get("instances", {}) if isinstance(data, dict) else {}

    def _write(self, instances: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ledger-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "instances": instances}, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def record(self, entry: LedgerEntry) -> None:
        """Remember a newly created instance."""
        with self._lock:
            instances = self._read()
            instances[entry.agent_instance_id] = asdict(entry)
            self._write(instances)

    def forget(self, agent_instance_id: str) -> None:
        """Drop an instance that was deleted (or is known to be gone)."""
        with self._lock:
            instances = self._read()
            if instances.pop(agent_instance_id, None) is not None:
                self._write(instances)

    def entries(
        self,
        *,
        app_id: int | None = None,
        api_base_url: str | None = None,
        prefix: str | None = None,
    ) -> list[LedgerEntry]:
        """Live instances, oldest first, optionally only those of one service or id prefix.

        ``prefix`` matches the room, user or agent user id, which all carry
        the attendee's namespace in a workshop.
        """
        with self._lock:
            raw = self._read()
        known = set(LedgerEntry.__dataclass_fields__)
        result = [
            LedgerEntry(**{k: v for k, v in item.items() if k in known}) for item in raw.values()
        ]
        if app_id is not None:
            result = [e for e in result if e.app_id == app_id]
        if api_base_url is not None:
            result = [e for e in result if e.api_base_url == api_base_url]
        if prefix:
            result = [
                e
                for e in result
                if any(x.startswith(prefix) for x in (e.room_id, e.user_id, e.agent_user_id))
            ]
        return sorted(result, key=lambda e: e.created_at)

    def latest(
        self, *, app_id: int | None = None, api_base_url: str | None = None
    ) -> LedgerEntry | None:
        """The most recently created live instance, or ``None``."""
        found = self.entries(app_id=app_id, api_base_url=api_base_url)
        return found[-1] if found else None
