"""The ledger's file on disk: one JSON object per line, replaced whole, read whatever befell it.

:mod:`zego_helpers.ledger` decides *what* the entries mean; this module only
moves them between memory and the file, and has three rules:

* **One entry per line** (JSON lines). Damage to one line costs one entry:
  every other line is still read. A line that is not one JSON object (junk
  glued to an entry, two entries whose newline was lost) is searched for
  entries that are still whole (:func:`salvage`).
* **Replace, never edit.** A new version is written to a temporary file beside
  the ledger (``.ledger.jsonl.<random>.tmp``), flushed to disk, and renamed over
  the old one: a reader sees the old file or the new one, never half of one.
  A writer killed before its rename leaves its temporary file behind; the
  next writer finds it with :func:`..atomic_file.leftover_temporary_files` (see the
  ledger for what it does with it).
* **Damage is kept.** :func:`set_aside` keeps the damaged file under a name of
  its own (``ledger.jsonl.damaged-<UTC time>-<random>``), never overwriting an
  earlier copy, before the ledger is rewritten with what could be read.

It also reads the kit's first ledger format (one JSON document,
``{"version": 1, "instances": {...}}``), so an older kit's ledger is carried over.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic_file import replace_file

#: A line longer than this is not an entry (one is about 500 bytes): it is skipped
#: without reading it into memory whole.
MAX_LINE_BYTES = 64 * 1024
#: The first format was one JSON document; anything bigger than this is not a ledger.
MAX_LEGACY_BYTES = 16 * 1024 * 1024
#: Where an entry starts, for searching damaged text (every entry the kit writes starts so).
_ENTRY_START = re.compile(r'\{\s*"(?:key|agent_instance_id)"')
#: The first format starts with its version or its instances.
_LEGACY_START = re.compile(rb'^\s*\{\s*"(?:version|instances)"')
_DECODER = json.JSONDecoder()


@dataclass
class ReadResult:
    """What a read found: the JSON objects that may be entries, and how damaged the file was."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    #: Lines (or, in the first format, the document) that were not read as written.
    damaged: int = 0
    #: Of those, the ones in which no entry at all could be found.
    lost: int = 0
    #: There is no file at all.
    missing: bool = False
    #: Something other than a regular file (a folder, a pipe...) is in its place.
    not_a_file: bool = False
    #: The file is in the first format (one JSON document).
    legacy: bool = False


def read_objects(path: Path) -> ReadResult:
    """Every JSON object in ``path`` that may be an entry; never raises for damage.

    Raises :class:`OSError` only when the file exists but cannot be opened
    (permissions): that is not damage, and the caller says how to fix it.
    """
    try:
        # O_NONBLOCK: a named pipe in the ledger's place must not hang the kernel.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return ReadResult(missing=True)
    except IsADirectoryError:
        return ReadResult(not_a_file=True)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return ReadResult(not_a_file=True)
    with os.fdopen(fd, "rb") as handle:
        if _LEGACY_START.match(handle.read(256)):
            handle.seek(0)
            return _read_legacy(handle.read(MAX_LEGACY_BYTES + 1))
        handle.seek(0)
        return _read_lines(handle)


def _read_lines(handle: Any) -> ReadResult:
    result = ReadResult()
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return result
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            result.damaged += 1
            result.lost += 1
            while line and not line.endswith(b"\n"):  # skip the rest of the long line
                line = handle.readline(MAX_LINE_BYTES)
            continue
        found, clean = parse_line(line)
        result.objects.extend(found)
        result.damaged += not clean
        result.lost += not clean and not found


def parse_line(line: bytes) -> tuple[list[dict[str, Any]], bool]:
    """The objects on one line, and whether the line was exactly one clean JSON object."""
    stripped = line.strip()
    if not stripped:
        return [], True
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError:
        # Keep the undecodable bytes as lone surrogates: entries around them can still be
        # read, and a field holding one is refused by the ledger when it checks the entry.
        return salvage(stripped.decode("utf-8", "surrogateescape")), False
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return salvage(text), False
    if isinstance(value, dict):
        return [value], True
    return [], False


def salvage(text: str) -> list[dict[str, Any]]:
    """Whole entries found in damaged text: at each place an entry starts, try to read one."""
    found: list[dict[str, Any]] = []
    position = 0
    while (match := _ENTRY_START.search(text, position)) is not None:
        try:
            value, end = _DECODER.raw_decode(text, match.start())
        except (ValueError, RecursionError):
            position = match.start() + 1
            continue
        if isinstance(value, dict):
            found.append(value)
        position = end
    return found


def _read_legacy(raw: bytes) -> ReadResult:
    result = ReadResult(legacy=True)
    if len(raw) > MAX_LEGACY_BYTES:
        result.damaged = result.lost = 1
        return result
    text = raw.decode("utf-8", "surrogateescape")
    try:
        document = json.loads(text)
        instances = document["instances"]
        if not isinstance(instances, dict):
            raise TypeError("instances is not an object")
    except (ValueError, RecursionError, TypeError, KeyError):
        result.objects = salvage(text)
        result.damaged = 1
        result.lost = int(not result.objects)
        return result
    result.objects = [value for value in instances.values() if isinstance(value, dict)]
    result.damaged = result.lost = len(instances) - len(result.objects)
    return result


def write_lines(path: Path, objects: Iterable[dict[str, Any]]) -> None:
    """Replace ``path`` with one JSON line per object, all at once (:mod:`..atomic_file`)."""
    payload = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")
    replace_file(path, payload)


def set_aside(path: Path) -> Path:
    """Keep the damaged ``path`` under a new, unique name; returns that name.

    A regular file is hard-linked (or copied), so ``path`` stays until the
    caller replaces it with the repaired ledger: a crash in between loses
    nothing. Anything else (a folder...) is renamed out of the way. An earlier
    copy is never overwritten.
    """
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    while True:
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{secrets.token_hex(3)}")
        if aside.exists() or aside.is_symlink():
            continue
        if not path.is_file():
            os.rename(path, aside)
            return aside
        try:
            os.link(path, aside)
        except FileExistsError:
            continue
        except OSError:  # a filesystem without hard links: copy
            try:
                with path.open("rb") as source, aside.open("xb") as copy:
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
            except FileExistsError:
                continue
        return aside
