"""Solution to the exercise of notebook 04 (for the trainer).

Leave nothing running: delete every instance of yours the ledger remembers
and, in a sandbox, every live one in your namespace (the sandbox can list
them; ZEGO cannot). The same as ``.venv/bin/zego-kit cleanup``.

``python solutions/04_delete_instance.py``
"""

from __future__ import annotations

from zego_helpers import AIAgentClient, Settings, load_settings
from zego_helpers.cli.cleanup import CleanupResult, cleanup_ledger, cleanup_sandbox
from zego_helpers.connect import connect
from zego_helpers.sandbox_control import SandboxControl
from zego_helpers.tutorial.exercises import check_nothing_left
from zego_helpers.tutorial.progress import track


def solve(client: AIAgentClient, settings: Settings) -> list[CleanupResult]:
    """Delete what is yours; returns one result per instance."""
    mine = settings.attendee  # None without a name: then everything here is yours
    results = cleanup_ledger(client, prefix=mine, any_url=settings.is_sandbox)
    # A shared sandbox holds everybody's instances: sweep it only within your namespace.
    if (mine or settings.is_sandbox) and SandboxControl(client).is_sandbox():
        results += cleanup_sandbox(client, prefix=mine)
    return results


if __name__ == "__main__":
    settings = load_settings()
    client = track(connect(settings))
    for result in solve(client, settings):
        print(result.line())
    print(check_nothing_left(client))
