"""Signing requests to ZEGO and checking the signature of ZEGO's callbacks.

**Requests** (SignatureVersion 2.0)::

    Signature = md5(str(AppId) + SignatureNonce + ServerSecret + str(Timestamp)), lowercase hex

The signature covers neither the Action nor the body, and the ServerSecret
never goes on the wire. ZEGO accepts a Timestamp at most 10 minutes away from
its clock, so every request gets a fresh nonce and timestamp.

**Callbacks**: ZEGO signs each callback with
``sha1("".join(sorted([secret, str(Timestamp), str(Nonce)])))``; the three
strings are sorted as plain strings, and ``Timestamp`` is used exactly as it
arrived (AI Agent callbacks send milliseconds).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from .constants import MAX_CLOCK_SKEW_SECONDS as MAX_CLOCK_SKEW_SECONDS

SIGNATURE_VERSION = "2.0"


def request_signature(app_id: int, nonce: str, server_secret: str, timestamp: int) -> str:
    """Return the 32-character lowercase MD5 signature of one request."""
    material = f"{app_id}{nonce}{server_secret}{timestamp}"
    return hashlib.md5(material.encode("utf-8")).hexdigest()


def new_nonce() -> str:
    """A fresh SignatureNonce: 16 lowercase hex characters (8 random bytes), as the docs ask."""
    return secrets.token_hex(8)


def signed_query(
    action: str,
    app_id: int,
    server_secret: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The query parameters of one request: ``Action`` plus the five public parameters.

    ``timestamp`` and ``nonce`` default to now and a fresh random nonce; pass
    them only to reproduce a known signature in a test.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    nonce = new_nonce() if nonce is None else nonce
    return {
        "Action": action,
        "AppId": str(app_id),
        "SignatureNonce": nonce,
        "Timestamp": str(ts),
        "Signature": request_signature(app_id, nonce, server_secret, ts),
        "SignatureVersion": SIGNATURE_VERSION,
    }


def callback_signature(secret: str, timestamp: int | str, nonce: int | str) -> str:
    """The SHA-1 signature ZEGO puts on a callback (40 lowercase hex characters)."""
    parts = sorted([secret, str(timestamp), str(nonce)])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def verify_callback_signature(
    secret: str, timestamp: int | str, nonce: int | str, signature: str
) -> bool:
    """True when ``signature`` is what ``secret`` produces for this timestamp and nonce.

    The comparison takes constant time, so a forger learns nothing from timing.
    """
    expected = callback_signature(secret, timestamp, nonce)
    return hmac.compare_digest(expected, str(signature).lower())
