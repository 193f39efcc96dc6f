"""Decide whether a callback really comes from ZEGO (reference §6.4).

ZEGO signs each callback with ``sha1(sorted([secret, Timestamp, Nonce]))``
(see :func:`zego_helpers.signing.callback_signature`). Which secret it uses
for AI Agent is not spelled out: the shared snippet says the console's
*CallbackSecret*, a sibling product's page says the *ServerSecret*
(reference §10.9). So the verifier tries the callback secret first, then the
ServerSecret, and reports which one matched; the event view shows it, so you
learn the answer from your first real callback.

Two weaknesses of the scheme are worth knowing:

* the signature covers only the Timestamp and Nonce, not the body, so a
  captured signature could be replayed with another body. A freshness window
  on the Timestamp (5 minutes by default) limits how long that is possible;
* ZEGO retries a callback for about a minute (2+4+8+16+32 s), so the window
  must stay well above that, and a retry of an event already received is
  answered 200 but not logged twice (that part is the event log's job).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigError
from ..i18n import _
from ..signing import verify_callback_signature

CALLBACK_SECRET = "callback_secret"
SERVER_SECRET = "server_secret"

#: Default freshness window: longer than ZEGO's retry schedule (62 s), short enough
#: that a captured callback is useless soon after.
DEFAULT_MAX_AGE_SECONDS = 300.0


class CallbackRejected(Exception):
    """A callback that must not be accepted. ``status`` is the HTTP answer, ``reason`` says why.

    The reason never contains a secret or the received Signature.
    """

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"HTTP {status}: {reason}")


class CallbackSecrets:
    """The secrets a callback may be signed with. Their values never appear in a repr.

    Each may be a plain string, an object with ``.reveal()`` (a settings
    ``Secret``) or ``None``; empty strings count as unset.
    """

    __slots__ = ("_callback_secret", "_server_secret")

    def __init__(self, callback_secret: Any = None, server_secret: Any = None) -> None:
        self._callback_secret = _reveal(callback_secret)
        self._server_secret = _reveal(server_secret)

    @classmethod
    def from_settings(cls, settings: Any) -> CallbackSecrets:
        """Take ``.callback_secret`` and ``.server_secret`` from a ``Settings`` object."""
        return cls(
            getattr(settings, "callback_secret", None), getattr(settings, "server_secret", None)
        )

    def candidates(self) -> list[tuple[str, str]]:
        """``(name, secret)`` pairs in the order they are tried: callback secret first."""
        pairs = [(CALLBACK_SECRET, self._callback_secret), (SERVER_SECRET, self._server_secret)]
        return [(name, secret) for name, secret in pairs if secret]

    def __repr__(self) -> str:
        have = ", ".join(name for name, _ in self.candidates()) or "none"
        return f"CallbackSecrets(set: {have})"


def callback_secrets_for(settings: Any) -> CallbackSecrets:
    """The secrets a callback for these settings may be signed with.

    Real mode: your ``ZEGO_CALLBACK_SECRET`` (if set) and ``ZEGO_SERVER_SECRET``.
    Sandbox mode: the sandbox signs its callbacks with its own ServerSecret
    (:func:`~zego_helpers.connect.signing_credentials`), so that one replaces
    yours; a callback secret you set is still tried first.
    """
    if not getattr(settings, "is_sandbox", False):
        return CallbackSecrets.from_settings(settings)
    from ..connect import signing_credentials

    return CallbackSecrets(settings.callback_secret, signing_credentials(settings).server_secret)


class CallbackVerifier:
    """Checks the Signature and, optionally, the freshness of a decoded callback body.

    ``max_age_seconds=None`` turns the freshness check off (e.g. for replaying
    recorded callbacks in a lesson).
    """

    def __init__(
        self,
        secrets: CallbackSecrets,
        *,
        max_age_seconds: float | None = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secrets.candidates():
            raise ConfigError(
                "ZEGO_CALLBACK_SECRET",
                _(
                    "neither a callback secret nor a ServerSecret is set, so no callback can be "
                    "verified"
                ),
                _("set ZEGO_CALLBACK_SECRET (console: project info) or ZEGO_SERVER_SECRET in .env"),
            )
        if max_age_seconds is not None and max_age_seconds <= 0:
            raise ValueError(_("max_age_seconds must be positive (or None to turn the check off)"))
        self.secrets = secrets
        self.max_age_seconds = max_age_seconds
        self._clock = clock

    def verify(self, body: Mapping[str, Any]) -> str:
        """Return which secret signed ``body`` (``"callback_secret"`` or ``"server_secret"``).

        Raises :class:`CallbackRejected` (status 401) when the body is unsigned,
        the signature matches no configured secret, or the Timestamp is stale.
        """
        signature = body.get("Signature")
        timestamp = _wire_string(body.get("Timestamp"))
        nonce = _wire_string(body.get("Nonce"))
        fields = {"Signature": signature, "Timestamp": timestamp, "Nonce": nonce}
        missing = [name for name, value in fields.items() if not value]
        if missing:
            raise CallbackRejected(
                401, _("unsigned: the body has no {fields}").format(fields=" / ".join(missing))
            )
        if not isinstance(signature, str):
            raise CallbackRejected(401, _("forged: the Signature is not a string"))
        matched = next(
            (
                name
                for name, secret in self.secrets.candidates()
                if verify_callback_signature(secret, timestamp, nonce, signature)
            ),
            None,
        )
        if matched is None:
            tried = _(" and ").join(
                _("the callback secret") if name == CALLBACK_SECRET else _("the ServerSecret")
                for name, _secret in self.secrets.candidates()
            )
            raise CallbackRejected(
                401, _("bad signature: tried {secrets}, none matches").format(secrets=tried)
            )
        self._check_fresh(timestamp)
        return matched

    def _check_fresh(self, timestamp: str) -> None:
        if self.max_age_seconds is None:
            return
        try:
            value = int(timestamp)
        except ValueError:
            raise CallbackRejected(401, _("the Timestamp is not a whole number")) from None
        sent = value / 1000 if value > 10**11 else value  # ms (AI Agent) or seconds (old docs)
        age = self._clock() - sent
        if abs(age) > self.max_age_seconds:
            when = (_("{seconds} s old") if age > 0 else _("{seconds} s in the future")).format(
                seconds=f"{abs(age):.0f}"
            )
            raise CallbackRejected(
                401,
                _(
                    "stale: the Timestamp is {when} (limit {limit} s); an old callback replayed, "
                    "or this machine's clock is off"
                ).format(when=when, limit=f"{self.max_age_seconds:.0f}"),
            )


def _reveal(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "reveal"):
        value = value.reveal()
    return str(value) or None


def _wire_string(value: Any) -> str:
    """A field exactly as it was sent, as the string that went into the signature."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
