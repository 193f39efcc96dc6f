"""A corpus of ways a ledger file gets damaged, each holding three live instances.

Each :class:`Damage` changes the ledger file (``damage(path, ids)``, with
``ids`` the three instance ids in the order they were created) the way a
full disk, a crash on a filesystem without ordered writes, a stray editor, a
sync tool or a script gone wrong would. The damage is located by where each
instance id sits in the file, so it applies to any ledger format (the
benchmark measures an older one too).

``readable`` says which of the three entries are still intact *in the
kit's one-entry-per-line format* (indexes into ``ids``): cleanup must
delete exactly those. ``kept`` says whether the kit must keep a copy of the
damaged file (it must, whenever something in it could not be read as
written; an empty file or a missing final newline holds nothing to keep).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Damage:
    name: str
    apply: Callable[[Path, list[str]], None]
    readable: frozenset[int]
    kept: bool = True


def _bytes(change: Callable[[bytes, list[bytes]], bytes]) -> Callable[[Path, list[str]], None]:
    def apply(path: Path, ids: list[str]) -> None:
        path.write_bytes(change(path.read_bytes(), [i.encode() for i in ids]))

    return apply


def _line_span(raw: bytes, needle: bytes) -> tuple[int, int]:
    """Start and end (after its newline) of the line holding ``needle``."""
    at = raw.index(needle)
    start = raw.rfind(b"\n", 0, at) + 1
    end = raw.find(b"\n", at)
    return start, (len(raw) if end < 0 else end + 1)


def _replace_line(raw: bytes, needle: bytes, new: bytes) -> bytes:
    start, end = _line_span(raw, needle)
    return raw[:start] + new + raw[end:]


def _after(raw: bytes, needle: bytes, pattern: bytes, new: bytes) -> bytes:
    """Replace the first match of ``pattern`` after ``needle``."""
    at = raw.index(needle)
    match = re.compile(pattern).search(raw, at)
    assert match is not None, pattern
    return raw[: match.start()] + new + raw[match.end() :]


def _junk(size: int, seed: int) -> bytes:
    """Binary junk without newlines: NULs, invalid UTF-8, braces and quotes among them."""
    rng = random.Random(seed)
    return bytes(
        rng.choice([0, 0xFF, 0xFE, 0xC3, ord("{"), ord('"'), rng.randrange(14, 256)])
        for _ in range(size)
    ).replace(b"\n", b"\x00")


def _directory(path: Path, ids: list[str]) -> None:
    path.unlink()
    path.mkdir()
    (path / "note.txt").write_text("a folder where the ledger file should be\n")


CORPUS: tuple[Damage, ...] = (
    Damage("empty file", _bytes(lambda raw, ids: b""), frozenset(), kept=False),
    Damage(
        "truncated inside the 2nd entry",
        _bytes(lambda raw, ids: raw[: raw.index(ids[1]) + 4]),
        frozenset({0}),
    ),
    Damage(
        "truncated inside the 3rd entry",
        _bytes(lambda raw, ids: raw[: raw.index(ids[2]) + 4]),
        frozenset({0, 1}),
    ),
    Damage(
        "last byte cut off",
        _bytes(lambda raw, ids: raw[:-1]),
        frozenset({0, 1, 2}),
        kept=False,
    ),
    Damage(
        "2nd entry is a JSON array",
        _bytes(lambda raw, ids: _replace_line(raw, ids[1], b"[1, 2, 3]\n")),
        frozenset({0, 2}),
    ),
    Damage(
        "2nd entry's AppID is a string",
        _bytes(lambda raw, ids: _after(raw, ids[1], rb'"app_id":\s*\d+', b'"app_id": "abc"')),
        frozenset({0, 2}),
    ),
    Damage(
        "1st entry's room id is a number",
        _bytes(lambda raw, ids: _after(raw, ids[0], rb'"room_id":\s*"[^"]*"', b'"room_id": 5')),
        frozenset({0, 1, 2}),
    ),
    Damage(
        "the whole file is a JSON string",
        _bytes(lambda raw, ids: b'"not a ledger"\n'),
        frozenset(),
    ),
    Damage(
        "binary junk over the 2nd entry's id",
        _bytes(
            lambda raw, ids: (
                raw[: raw.index(ids[1]) - 8] + _junk(48, 1) + raw[raw.index(ids[1]) + 40 :]
            )
        ),
        frozenset({0, 2}),
    ),
    Damage(
        "binary junk after the last entry",
        _bytes(lambda raw, ids: raw.rstrip(b"\n") + _junk(64, 2) + b"\n"),
        frozenset({0, 1, 2}),
    ),
    Damage(
        "non-UTF-8 bytes in the 2nd entry's room id",
        _bytes(lambda raw, ids: _after(raw, ids[1], rb'"room_id":\s*"', b'"room_id": "\xff\xfe')),
        frozenset({0, 1, 2}),
    ),
    Damage(
        "the 2nd entry's line is all NUL bytes",
        _bytes(
            lambda raw, ids: _replace_line(
                raw, ids[1], b"\x00" * (_line_span(raw, ids[1])[1] - _line_span(raw, ids[1])[0])
            )
        ),
        frozenset({0, 2}),
    ),
    Damage("a folder in its place", _directory, frozenset()),
    Damage(
        "a 5 MB line before the 2nd entry",
        _bytes(
            lambda raw, ids: (
                raw[: _line_span(raw, ids[1])[0]]
                + b"x" * 5_000_000
                + b"\n"
                + raw[_line_span(raw, ids[1])[0] :]
            )
        ),
        frozenset({0, 1, 2}),
    ),
    Damage(
        "the 2nd entry three times",
        _bytes(
            lambda raw, ids: (
                raw[: _line_span(raw, ids[1])[1]]
                + raw[slice(*_line_span(raw, ids[1]))] * 2
                + raw[_line_span(raw, ids[1])[1] :]
            )
        ),
        frozenset({0, 1, 2}),
    ),
    Damage(
        "two entries on one line (a newline lost)",
        _bytes(
            lambda raw, ids: (
                raw[: _line_span(raw, ids[0])[1] - 1] + raw[_line_span(raw, ids[0])[1] :]
            )
        ),
        frozenset({0, 1, 2}),
    ),
)
