"""Which service answers: the embedded sandbox, a workshop's room sandbox, or ZEGO.

The settings decide the *mode* (:attr:`Settings.mode`): ``sandbox`` without
credentials, ``real`` with them. In a workshop the "real" credentials often
point at the trainer's **room sandbox** (``ZEGO_API_BASE_URL=http://<trainer>:8123``),
which is not ZEGO: it has its own limits, no RTC room, and it is shared by
everyone in the room. :func:`which_service` tells the three apart:

* sandbox mode: the embedded sandbox, without asking anything;
* one of ZEGO's own endpoints (``*.zegotech.cn``, :attr:`AIAgentClient.talks_to_zego`):
  ZEGO, without asking;
* any other URL: asked once with ``SandboxInfo``
  (:class:`~zego_helpers.sandbox_control.SandboxControl`): a sandbox started
  as the room's (``Room: true``) is the room sandbox; anything else plays ZEGO.

If that question cannot be answered (the network is down, the secret is
wrong), the answer is "ZEGO", with a ``note`` saying why we could not tell;
the doctor then explains the failure itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .client import AIAgentClient
from .errors import ZegoError
from .i18n import _
from .sandbox_control import SandboxControl, SandboxInfo
from .secrets_mask import mask_url
from .settings import Settings

ServiceKind = Literal["sandbox", "room", "zego"]


@dataclass(frozen=True)
class Service:
    """The service a client talks to.

    ``kind`` is ``"sandbox"`` (the kit's embedded sandbox), ``"room"`` (a
    workshop's room sandbox, shared with the room) or ``"zego"``. ``sandbox``
    holds what a sandbox said about itself (its limits), ``note`` why the kind
    could not be asked, if so.
    """

    kind: ServiceKind
    base_url: str
    sandbox: SandboxInfo | None = None
    note: str = ""

    @property
    def is_any_sandbox(self) -> bool:
        """True for the embedded and the room sandbox: no RTC room, no ZEGO account used."""
        return self.kind in ("sandbox", "room")

    @property
    def where(self) -> str:
        """``http://host:port`` (secrets in the URL masked)."""
        return mask_url(self.base_url)

    def describe(self) -> str:
        """One sentence: which service, where, and (for a sandbox) its limits."""
        if self.kind == "sandbox":
            return _("the embedded sandbox on this machine")
        if self.kind == "room":
            text = _("the room sandbox at {where}, run by your trainer").format(where=self.where)
            return text + (f" ({self.sandbox.limits_text()})" if self.sandbox else "")
        text = _("ZEGO at {where}").format(where=self.where)
        return text + (f" ({self.note})" if self.note else "")


def which_service(settings: Settings, client: AIAgentClient) -> Service:
    """Tell the embedded sandbox, a room sandbox and ZEGO apart (see the module docstring)."""
    if settings.is_sandbox:
        return Service("sandbox", client.base_url)
    if client.talks_to_zego:
        return Service("zego", client.base_url)
    try:
        info = SandboxControl(client).info()
    except ZegoError as error:
        note = _("could not ask whether it is a sandbox: {error}").format(
            error=type(error).__name__
        )
        return Service("zego", client.base_url, note=note)
    if info is not None and info.room:
        return Service("room", client.base_url, info)
    return Service("zego", client.base_url)
