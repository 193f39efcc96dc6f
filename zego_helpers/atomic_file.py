"""Replacing a file all at once: a reader sees the old content or the new, never half.

Every file the kit writes for itself (the ledger, the hand-off record, the
progress checklist, the installed Web SDK, the sandbox's shared state, the
room file and the attendees' settings a room sandbox writes) is written the
same way::

    .ledger.jsonl.k2x9a1.tmp   <- 1. the new content goes to a temporary file beside it
    ledger.jsonl               <- 2. which is renamed over the old file in one step

A rename within one folder is atomic on every filesystem the kit runs on, so
a crash, a Ctrl-C or a SIGKILL at any moment leaves either the old file or the
new one. The temporary file is readable by its owner only (mode 0600, as
:func:`tempfile.mkstemp` makes it), and removed if writing fails. Only a
process killed between steps 1 and 2 leaves one behind; its name,
``.<file name>.<random>.tmp``, is what :func:`leftover_temporary_files` looks
for.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from glob import escape as glob_escape
from pathlib import Path


def replace_file(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path``'s content with ``data`` (see the module docstring).

    ``durable`` also flushes the file and the folder to disk before returning,
    so that a power cut right after keeps the new content. That costs a few
    milliseconds; the sandbox's state file, rewritten on every request and
    rebuilt at the next start anyway, does without.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:  # also Ctrl-C: never leave the temporary file behind
        with suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        _sync_folder(path.parent)


def leftover_temporary_files(path: Path) -> list[Path]:
    """Temporary files that writers of ``path`` killed before their rename left behind."""
    return sorted(path.parent.glob(f".{glob_escape(path.name)}.*.tmp"))


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; elsewhere the rename is all we can do)."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
