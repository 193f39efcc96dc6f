"""connect(): the one call a notebook makes to get a working client, in either mode.

* **real** mode: a client for ``settings.api_base_url`` with your AppID and
  ServerSecret.
* **sandbox** mode: the kit starts its local emulator (once per kernel, on a
  free loopback port, stopped when the kernel exits) and returns a client for
  it. Its state is kept under the kit home, so the instance that notebook 02
  creates is still there when notebook 03 talks to it.

Both clients keep the same ledger of live instances, under the kit home.

:func:`signing_credentials` is the one place that decides which AppID and
ServerSecret sign in a mode; the client, the ``token`` command, the Token04
of the call widget and the callback receiver all ask it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .settings import Secret

if TYPE_CHECKING:
    from .client import AIAgentClient
    from .settings import Settings

class Credentials(NamedTuple):
    """The AppID and ServerSecret that sign requests in one mode (the secret stays wrapped)."""

    app_id: int
    server_secret: Secret


def signing_credentials(settings: Settings) -> Credentials:
    """Which credentials sign in this mode: yours (real), or the embedded sandbox's (sandbox).

    The sandbox's are made up on first use and kept in
    ``<kit home>/sandbox-credentials.json``, so they stay the same across
    kernels; reading them does not start the sandbox.
    """
    if not settings.is_sandbox:
        if settings.app_id is None or settings.server_secret is None:
            from .errors import ConfigError
            from .i18n import _

            raise ConfigError(
                "ZEGO_APP_ID / ZEGO_SERVER_SECRET",
                _("real mode needs both"),
                _("set both, or neither to use the sandbox"),
            )
        return Credentials(settings.app_id, settings.server_secret)
    from .kit_home import ensure_kit_home
    from .sandbox.embedded import CREDENTIALS_FILE, load_or_create_credentials

    home = ensure_kit_home(settings.kit_home)
    app_id, secret = load_or_create_credentials(home / CREDENTIALS_FILE)
    return Credentials(app_id, Secret(secret))


def connect(settings: Settings | None = None, **client_options: Any) -> AIAgentClient:
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
    base_url = settings.api_base_url
    if settings.is_sandbox:  # started first: it makes the credentials file on first use
        from .sandbox import ensure_embedded_sandbox

        base_url = ensure_embedded_sandbox(settings.kit_home).base_url
    credentials = signing_credentials(settings)
    return AIAgentClient(
        credentials.app_id,
        credentials.server_secret.reveal(),
        base_url,
        ledger=ledger,
        **client_options,
    )
