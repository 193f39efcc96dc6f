"""connect(): the one call a notebook makes to get a working client, in either mode.

* **real** mode: a client for ``settings.api_base_url`` with your AppID and
  ServerSecret.
* **sandbox** mode: the kit starts its local emulator (once per kernel, on a
  free loopback port, stopped when the kernel exits) and returns a client for
  it. Its state is kept under the kit home, so the instance that notebook 02
  creates is still there when notebook 03 talks to it.

Both clients keep the same ledger of live instances, under the kit home.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import AIAgentClient
    from .settings import Settings


def connect(settings: Settings | None = None, **client_options: object) -> AIAgentClient:
    """A ready client for the mode the settings choose (see :func:`load_settings`).

    (The imports are inside the function so that ``import zego_helpers``, which
    imports this module to expose ``connect``, stays fast.)
    """
    from .client import AIAgentClient
    from .kit_home import ensure_kit_home
    from .ledger import Ledger
    from .settings import load_settings

    settings = settings or load_settings()
    ledger = Ledger.in_home(ensure_kit_home(settings.kit_home))
    if settings.is_sandbox:
        from .sandbox import ensure_embedded_sandbox

        sandbox = ensure_embedded_sandbox(settings.kit_home)
        return AIAgentClient(
            sandbox.app_id,
            sandbox.server_secret,
            sandbox.base_url,
            ledger=ledger,
            **client_options,  # type: ignore[arg-type]
        )
    assert settings.app_id is not None and settings.server_secret is not None
    return AIAgentClient(
        settings.app_id,
        settings.server_secret.reveal(),
        settings.api_base_url,
        ledger=ledger,
        **client_options,  # type: ignore[arg-type]
    )
