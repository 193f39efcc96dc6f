"""A sandbox whose state is a file, and kit clients of it that keep a ledger in a kit home.

This is how notebooks meet the embedded sandbox: its state lives in a file, so a second
"kernel" (another sandbox on the same file, or another client with its own kit home)
sees the same agents and instances. The notebook-level tests
(``tests/test_handoffs.py``, ``tests/test_forms_talk.py``) stand on these two pieces.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox


@contextmanager
def file_sandbox(state_path: Path, **settings: Any) -> Iterator[RunningSandbox]:
    """A sandbox (random credentials) keeping its state in ``state_path``, for the block.

    ``settings``: any other ``SandboxConfig`` field, e.g. ``think_ms=5``.
    """
    running = start_sandbox(
        SandboxConfig.with_random_credentials(state_path=state_path, **settings)
    )
    try:
        yield running
    finally:
        running.stop()
