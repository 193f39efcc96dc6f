"""The kit's client of a sandbox running in this process, as most tests hold it.

Unpaced (``requests_per_second=None``: a test has no quota to respect); with a kit
home, it keeps that home's ledger, as a notebook kernel does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zego_helpers.client import AIAgentClient
from zego_helpers.ledger import Ledger
from zego_helpers.sandbox import RunningSandbox


def sandbox_client(
    sandbox: RunningSandbox, home: Path | None = None, **options: Any
) -> AIAgentClient:
    """A client of ``sandbox``; with ``home``, keeping that kit home's ledger.

    ``options``: other client options, e.g. ``max_retries=0`` (every failure counts).
    """
    return AIAgentClient(
        sandbox.app_id,
        sandbox.server_secret,
        sandbox.base_url,
        requests_per_second=None,
        ledger=Ledger.in_home(home) if home is not None else None,
        **options,
    )
