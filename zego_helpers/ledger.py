"""The ledger: every agent instance the kit created, or was creating, and has not deleted.

ZEGO has no "list my instances" call, and an account may run only 10
instances at once. If a kernel dies between create and delete, the instance
keeps running and keeps a slot busy. The ledger lets
``.venv/bin/zego-kit cleanup`` find and end what was left behind.

**Written ahead.** The client records a create *before* the request leaves:
a *pending* entry with the AppID, the base URL, the RTC room, user, agent
user and stream ids, the time and the MaxIdleTime. When the answer comes, the
entry is *resolved* (it gets its AgentInstanceId); when ZEGO certainly refused
the request, it is dropped. So a kernel killed, interrupted or timed out while
the request is in flight leaves a pending entry, never nothing: cleanup knows
the room and agent user of an instance that may be running, and when ZEGO's
idle rule will end it (see :mod:`zego_helpers.cli.cleanup`).

**One writer at a time.** Every change is read, modified and written back
while holding a lock file beside the ledger (``ledger.jsonl.lock``, with the
`filelock <https://py-filelock.readthedocs.io>`_ library: ``flock`` on Unix,
``msvcrt`` locking on Windows). The system releases the lock when its process
dies, so a killed kernel never leaves it held. Without the lock, two kernels
writing at once each rewrite the file from what they read, and the last one
wins: entries vanish and deleted ones come back.

**One entry per line** (``~/.zego_kit/ledger.jsonl``; the format is in
:mod:`zego_helpers.ledger_file`), replaced whole by a rename, so a crash never
leaves half a file. Why not sqlite3 in WAL mode? It would serialise writers
just as well, but SQLite's own documentation says WAL does not work on a
network filesystem (JupyterHub homes often are one), and a damaged page takes
many rows with it, which Python's ``sqlite3`` module cannot recover. A damaged
line costs one entry, and a learner can read the file.

**Damage never stops the kit.** Every entry that can still be read is kept;
the damaged file is kept too, under a name of its own (see :attr:`Ledger.repairs`).
A temporary file left by a writer killed mid-write is read by the next
writer (an instance id it was about to record is kept) and removed.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import ledger_file
from .atomic_file import leftover_temporary_files
from .constants import (
    DEFAULT_LIVE_MAX_IDLE_TIME,
    DEFAULT_MAX_IDLE_TIME,
    IDLE_DEADLINE_MARGIN,
    MAX_APP_ID,
    MAX_CREATE_IN_FLIGHT_SECONDS,
    MIN_APP_ID,
)
from .errors import ValidationError, ZegoError
from .i18n import N_, _, ngettext
from .secrets_mask import mask_url

if TYPE_CHECKING:
    from filelock import FileLock

log = logging.getLogger(__name__)

LEDGER_FILE_NAME = "ledger.jsonl"
#: The first format's file (one JSON document); its entries are carried over.
LEGACY_FILE_NAME = "ledger.json"
#: How long to wait for another process's write (one takes milliseconds).
LOCK_TIMEOUT_SECONDS = 30.0
CREATE_ACTION = "CreateAgentInstance"
LIVE_DIGITAL_HUMAN_ACTION = "CreateLiveDigitalHumanAgentInstance"
#: Longest text field the ledger accepts back from its file (ids are at most 128 bytes).
_MAX_TEXT = 2048
#: An older kit's temporary files younger than this may belong to a kernel still writing.
_LEGACY_TEMP_AGE_SECONDS = 60.0
_TEXT_FIELDS = (
    "agent_id",
    "room_id",
    "user_id",
    "user_stream_id",
    "agent_user_id",
    "agent_stream_id",
    "action",
    "host",
    "key",
)


class LedgerError(ZegoError):
    """The ledger file cannot be used at all (locked for too long, or not readable)."""


@dataclass(frozen=True)
class LedgerEntry:
    """One instance: enough to delete it, to tell whose it is, and to find it without its id.

    ``agent_instance_id`` is empty while the create's answer has not come
    (:attr:`pending`); the RTC ids then say which room and agent user to look for.
    ``api_base_url`` is kept with any credentials in it masked (``https://****@host``).
    ``max_idle_time`` is the create's ``AdvancedConfig.MaxIdleTime`` (``None``:
    ZEGO's default). ``host`` and ``pid`` name the process that sent the create
    (see :meth:`in_flight`). ``key`` is the ledger's own id of the entry.
    """

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
    max_idle_time: int | None = None
    action: str = CREATE_ACTION
    host: str = ""
    pid: int = 0
    key: str = ""

    @property
    def pending(self) -> bool:
        """True while the create's answer has not come: the instance id is unknown."""
        return not self.agent_instance_id

    def in_flight(self, now: float | None = None) -> bool:
        """True if the create's answer may still come: its process runs, and not for too long.

        Cleanup leaves such a create alone: ending its instance would pull it
        from under the kernel that is about to use it. A process killed,
        interrupted or gone is no longer waiting for anything.
        """
        now = time.time() if now is None else now
        if not self.pending or now - self.created_at > MAX_CREATE_IN_FLIGHT_SECONDS:
            return False
        return self.host == socket.gethostname() and process_is_running(self.pid)

    @property
    def idle_deadline(self) -> float:
        """When ZEGO's idle rule ends the instance at the latest, if its user never joined.

        ZEGO deletes an instance whose user (UserId) has not been in the room
        for MaxIdleTime (default 120 s; a live digital human: 900 s since the
        last SendAgentInstanceTTS), with exception 1202:
        https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-agent-instance
        (``AdvancedConfig.MaxIdleTime``). Counted from when the request left,
        plus a margin for its transit and for the clocks.
        """
        default = (
            DEFAULT_LIVE_MAX_IDLE_TIME
            if self.action == LIVE_DIGITAL_HUMAN_ACTION
            else DEFAULT_MAX_IDLE_TIME
        )
        return self.created_at + (self.max_idle_time or default) + IDLE_DEADLINE_MARGIN

    def to_json(self) -> dict[str, Any]:
        """The entry as one line of the file (the key first, so damaged text can be searched)."""
        data = asdict(self)
        return {"key": data.pop("key"), **data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> tuple[LedgerEntry | None, bool]:
        """``(entry, clean)`` from one line: ``None`` when the entry cannot be used.

        An entry needs a text instance id (empty while pending), an AppID and a
        base URL. A wrong type in any other field is replaced by its default
        (the entry is still used, ``clean`` is False); unknown fields, from a
        newer kit, are ignored.
        """
        instance_id = data.get("agent_instance_id", "")
        app_id = data.get("app_id")
        base_url = data.get("api_base_url")
        if not (_is_text(instance_id) and _is_text(base_url) and base_url):
            return None, False
        if isinstance(app_id, bool) or not isinstance(app_id, int):
            return None, False
        if not MIN_APP_ID <= app_id <= MAX_APP_ID:
            return None, False
        clean = True
        values: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            value = data.get(name, "")
            if not _is_text(value):
                value, clean = "", False
            values[name] = value
        values["action"] = values["action"] or CREATE_ACTION
        if not values["key"]:
            values["key"] = f"i:{instance_id}" if instance_id else new_key()
            clean = clean and "key" not in data and bool(instance_id)
        created_at = data.get("created_at")
        if (
            isinstance(created_at, bool)
            or not isinstance(created_at, (int, float))
            or not (math.isfinite(created_at) and created_at >= 0)
        ):
            created_at, clean = time.time(), False  # unknown: the idle deadline starts now
        max_idle = data.get("max_idle_time")
        if max_idle is not None and not _is_int(max_idle, 1, 86400):
            max_idle, clean = None, False
        pid = data.get("pid", 0)
        if not _is_int(pid, 0, 2**31):
            pid, clean = 0, False
        entry = cls(
            instance_id,
            app_id,
            mask_url(base_url),  # an older kit kept a URL's password: never write it again
            created_at=float(created_at),
            max_idle_time=max_idle,
            pid=pid,
            **values,
        )
        return entry, clean


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def process_is_running(pid: int) -> bool:
    """True if process ``pid`` runs on this machine (a zombie, dead but not reaped, does not).

    psutil asks the operating system the same way on Linux, macOS and Windows (where
    ``os.kill(pid, 0)`` would not ask but end the process).
    """
    if pid <= 0:
        return False
    import psutil  # here, not at the top: 15 ms that only a cleanup with pending creates needs

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # it exists, but is not ours to look at
        return True


def _is_text(value: Any) -> bool:
    """A string the file can hold and a request can carry: UTF-8, printable, not huge."""
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: undecodable bytes in the file
        return False
    return value.isprintable()


def new_key() -> str:
    """A fresh entry key (random: two kernels never make the same)."""
    return f"c:{secrets.token_hex(8)}"


@dataclass(frozen=True)
class LedgerRepair:
    """What was done about a damaged ledger file: kept where, how much was saved."""

    path: Path
    kept_as: Path
    recovered: int
    unreadable: int
    #: What was wrong (English, marked with ``N_()``; ``str()`` shows it translated).
    what: str

    def __str__(self) -> str:
        recovered = ngettext(
            "{count} entry recovered", "{count} entries recovered", self.recovered
        ).format(count=self.recovered)
        return _(
            "The ledger {path} was damaged ({what}): {recovered}, {unreadable} unreadable; the "
            "damaged file is kept as {kept_as}. An instance whose entry was unreadable is not "
            "cleaned up by the kit: delete it by id if you know it (it may be in the kept "
            "file), or let ZEGO's idle rule end it."
        ).format(
            path=self.path,
            what=_(self.what),
            recovered=recovered,
            unreadable=self.unreadable,
            kept_as=self.kept_as,
        )


Entries = dict[str, LedgerEntry]


class Ledger:
    """The instances the kit created (or was creating), kept in one JSON-lines file.

    Safe to use from several threads and several processes at once: each
    method reads, changes and writes the file under the lock. ``repairs``
    lists what this object did about a damaged file (also logged as a warning).
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        from filelock import FileLock  # here, so that `import zego_helpers` stays quick

        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._lock: FileLock = FileLock(str(self.path) + ".lock", timeout=lock_timeout)
        self.repairs: list[LedgerRepair] = []

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r})"

    @classmethod
    def in_home(cls, kit_home: str | Path) -> Ledger:
        """The ledger kept in the kit home directory."""
        return cls(Path(kit_home) / LEDGER_FILE_NAME)

    # ----- a create, written ahead ------------------------------------------------------------

    def record_pending(self, entry: LedgerEntry) -> str:
        """Record a create *before* its request leaves; returns the key to resolve it with.

        The entry is stamped with this process (host and pid), so that a
        cleanup elsewhere can tell a create still in flight from an abandoned one.
        """
        key = new_key()
        pending = replace(
            _without_secrets(entry),
            agent_instance_id="",
            key=key,
            host=socket.gethostname(),
            pid=os.getpid(),
        )

        def change(entries: Entries) -> bool:
            entries[key] = pending
            return True

        self._change(change)
        return key

    def resolve(self, key: str, agent_instance_id: str) -> None:
        """The create's answer came: the pending entry ``key`` gets its instance id."""

        def change(entries: Entries) -> bool:
            entry = entries.get(key)
            if entry is None:  # settled meanwhile: a cleanup found and ended the instance
                return False
            _drop_instance(entries, agent_instance_id)
            entries[key] = replace(entry, agent_instance_id=agent_instance_id)
            return True

        self._change(change)

    def drop_pending(self, key: str) -> None:
        """Forget a pending create: ZEGO refused it, or cleanup settled it."""
        self._change(lambda entries: entries.pop(key, None) is not None)

    # ----- live instances ---------------------------------------------------------------------

    def record(self, entry: LedgerEntry) -> None:
        """Remember an instance that exists (its id known)."""
        if entry.pending:
            raise ValidationError(
                "agent_instance_id",
                _(
                    "is empty: record() is for an instance that exists; a create still waiting "
                    "for its answer is recorded with record_pending()"
                ),
            )
        key = entry.key or new_key()

        def change(entries: Entries) -> bool:
            _drop_instance(entries, entry.agent_instance_id)
            entries[key] = replace(_without_secrets(entry), key=key)
            return True

        self._change(change)

    def forget(self, agent_instance_id: str) -> None:
        """Drop an instance that was deleted (or is known to be gone)."""
        self._change(lambda entries: _drop_instance(entries, agent_instance_id))

    # ----- reading ----------------------------------------------------------------------------

    def entries(
        self,
        *,
        app_id: int | None = None,
        api_base_url: str | None = None,
        prefix: str | None = None,
    ) -> list[LedgerEntry]:
        """Live instances (id known), oldest first, optionally of one service or id prefix.

        ``prefix`` matches the room, user or agent user id, which all carry
        the attendee's namespace in a workshop.
        """
        return self._select(False, app_id, api_base_url, prefix)

    def pending_creates(
        self,
        *,
        app_id: int | None = None,
        api_base_url: str | None = None,
        prefix: str | None = None,
    ) -> list[LedgerEntry]:
        """Creates whose answer never came (instance id unknown), oldest first."""
        return self._select(True, app_id, api_base_url, prefix)

    def latest(
        self, *, app_id: int | None = None, api_base_url: str | None = None
    ) -> LedgerEntry | None:
        """The most recently created live instance, or ``None``."""
        found = self.entries(app_id=app_id, api_base_url=api_base_url)
        return found[-1] if found else None

    def _select(
        self, pending: bool, app_id: int | None, api_base_url: str | None, prefix: str | None
    ) -> list[LedgerEntry]:
        result = [e for e in self._read() if e.pending == pending]
        if app_id is not None:
            result = [e for e in result if e.app_id == app_id]
        if api_base_url is not None:
            result = [e for e in result if e.api_base_url == mask_url(api_base_url)]
        if prefix:
            result = [
                e
                for e in result
                if any(x.startswith(prefix) for x in (e.room_id, e.user_id, e.agent_user_id))
            ]
        return sorted(result, key=lambda e: e.created_at)

    # ----- the file, under the lock -----------------------------------------------------------

    def _read(self) -> list[LedgerEntry]:
        with self._locked():
            entries = self._load()
        return list(entries.values())

    def _change(self, change: Callable[[Entries], bool]) -> None:
        with self._locked():
            entries = self._load()
            if change(entries):
                self._save(entries)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        from filelock import Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock:
                yield
        except Timeout:
            raise LedgerError(
                _(
                    "The ledger {path} has been locked by another process for {seconds} s (its "
                    "lock file is {lock_file}). A write takes milliseconds, and the system "
                    "releases the lock of a process that died, so a live process holds it: let "
                    "it finish, or stop that kernel or command, and try again."
                ).format(
                    path=self.path,
                    seconds=f"{self.lock_timeout:g}",
                    lock_file=self._lock.lock_file,
                )
            ) from None
        except OSError as error:
            raise LedgerError(
                _(
                    "The ledger {path} cannot be used: {error}. Fix: make sure ZEGO_KIT_HOME is "
                    "a folder of yours that you can write to."
                ).format(path=self.path, error=error.strerror or error)
            ) from None

    def _save(self, entries: Entries) -> None:
        ordered = sorted(entries.values(), key=lambda e: e.created_at)
        ledger_file.write_lines(self.path, (e.to_json() for e in ordered))

    def _load(self) -> Entries:
        """The entries, after repairing whatever needs it (call with the lock held).

        In order: the file itself (damage set aside and rewritten), entries an
        older kit left (its ``ledger.json`` and temporary files), and temporary
        files of writers that were killed. What was merged in is written back
        before the files it came from are removed, so a crash in between loses nothing.
        """
        try:
            found = ledger_file.read_objects(self.path)
        except OSError as error:
            raise LedgerError(
                _(
                    "The ledger {path} cannot be read: {error}. Fix: give yourself read and "
                    "write access ({command})."
                ).format(
                    path=self.path, error=error.strerror or error, command=f"chmod 600 {self.path}"
                )
            ) from None
        entries, unusable, repaired = _entries_from(found.objects)
        damaged = found.not_a_file or bool(found.damaged or unusable or repaired)
        rewrite = damaged or found.legacy
        if damaged:
            what = (
                N_("not a file")
                if found.not_a_file
                else N_("lines or fields not as the kit wrote them")
            )
            self._note_repair(
                self.path,
                ledger_file.set_aside(self.path),
                len(entries),
                found.lost + unusable,
                what,
            )
        # A live writer holds the lock while it has a temporary file: these are leftovers.
        leftovers = [*leftover_temporary_files(self.path), *self._legacy_files()]
        for leftover in leftovers:
            rewrite |= self._merge(entries, leftover)
        if rewrite:
            self._save(entries)
        for leftover in leftovers:
            with suppress(OSError):
                leftover.unlink()
        return entries

    def _note_repair(
        self, path: Path, kept_as: Path, recovered: int, unreadable: int, what: str
    ) -> None:
        repair = LedgerRepair(path, kept_as, recovered, unreadable, what)
        self.repairs.append(repair)
        log.warning("%s", repair)

    def _legacy_files(self) -> list[Path]:
        """An older kit's ledger beside this one, and the temporary files it left.

        (A temporary file younger than a minute may be an older kernel's write
        in progress: it is left for later.)
        """
        if self.path.name != LEDGER_FILE_NAME:
            return []
        legacy = self.path.with_name(LEGACY_FILE_NAME)
        now = time.time()
        found = []
        for temporary in sorted(self.path.parent.glob(".ledger-*.tmp")):
            with suppress(OSError):
                if now - temporary.stat().st_mtime > _LEGACY_TEMP_AGE_SECONDS:
                    found.append(temporary)
        return [legacy, *found] if legacy.is_file() else found

    def _merge(self, entries: Entries, source: Path) -> bool:
        """Add the instances ``source`` knows and ``entries`` does not; True if any was added.

        ``source`` is an older kit's ledger, or a temporary file of a writer
        killed before its rename: that writer was recording what its temporary
        file holds beyond the ledger. Only instances whose id is known are
        taken: a pending create that never reached the ledger never left either.
        """
        try:
            found = ledger_file.read_objects(source)
        except OSError:
            return False
        known = {e.agent_instance_id for e in entries.values() if not e.pending}
        added = False
        for data in found.objects:
            entry, _clean = LedgerEntry.from_json(data)
            if entry is None or entry.pending or entry.agent_instance_id in known:
                continue
            current = entries.get(entry.key)
            if current is not None and not current.pending:
                continue
            entries[entry.key] = entry
            known.add(entry.agent_instance_id)
            added = True
        if found.damaged and source.name == LEGACY_FILE_NAME:
            self._note_repair(
                source,
                ledger_file.set_aside(source),
                len(found.objects),
                found.lost,
                N_("an older kit's ledger, damaged"),
            )
        return added


def _without_secrets(entry: LedgerEntry) -> LedgerEntry:
    """The entry as the file keeps it: a base URL's credentials (``user:password@``) masked.

    The file must hold no secret; entries are matched by the masked URL too.
    """
    return replace(entry, api_base_url=mask_url(entry.api_base_url))


def _entries_from(objects: list[dict[str, Any]]) -> tuple[Entries, int, int]:
    """(entries by key, objects that are no usable entry, entries repaired or duplicated).

    A later line wins over an earlier one with the same key or instance id.
    """
    entries: Entries = {}
    unusable = repaired = 0
    for data in objects:
        entry, clean = LedgerEntry.from_json(data)
        if entry is None:
            unusable += 1
            continue
        duplicate = entry.key in entries or (
            not entry.pending and _drop_instance(entries, entry.agent_instance_id)
        )
        repaired += duplicate or not clean
        entries[entry.key] = entry
    return entries, unusable, repaired


def _drop_instance(entries: Entries, agent_instance_id: str) -> bool:
    """Remove every entry of ``agent_instance_id``; True if there was one."""
    keys = [k for k, e in entries.items() if e.agent_instance_id == agent_instance_id]
    for key in keys:
        del entries[key]
    return bool(keys)
