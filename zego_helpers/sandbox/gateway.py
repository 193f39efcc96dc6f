"""The gateway's checks, run on every request before any action sees it.

ZEGO's gateway reads ``Action`` and the five public query parameters, checks
the signature and only then hands the JSON body to the AI Agent service. The
sandbox does the same, in this order, with ZEGO's codes:

==========================================  ==========
Problem                                     Code
==========================================  ==========
``Action`` missing                          100000006
``AppId`` missing or not a uint32           100000001
``Timestamp`` missing                       100000002
``Timestamp`` not integer seconds           100000003
``SignatureNonce`` missing                  100000008
``Signature`` missing                       100000009
``SignatureVersion`` missing                100000013
``SignatureVersion`` is not ``2.0``         100000014
``AppId`` is not this sandbox's             100000010
``Timestamp`` more than 10 minutes off      100000004
``Signature`` wrong                         100000005
``Action`` unknown                          100000007
==========================================  ==========

The signature is ``md5(AppId + SignatureNonce + ServerSecret + Timestamp)`` in
lowercase hex (:func:`zego_helpers.signing.request_signature`). It covers
neither the Action nor the body.

:class:`RateLimiter` enforces ZEGO's documented default of 10 requests per
second per action.
"""

from __future__ import annotations

import hmac
from collections import deque
from collections.abc import Collection, Mapping

from ..signing import MAX_CLOCK_SKEW_SECONDS, SIGNATURE_VERSION, request_signature
from .config import MAX_APP_ID
from .envelope import SandboxError

#: Timestamps above this are not seconds (10**11 s is the year 5138): most likely milliseconds.
_MAX_PLAUSIBLE_SECONDS = 10**11

#: (parameter, code when it is missing), in the order the gateway checks them.
_REQUIRED = (
    ("Action", 100000006),
    ("AppId", 100000001),
    ("Timestamp", 100000002),
    ("SignatureNonce", 100000008),
    ("Signature", 100000009),
    ("SignatureVersion", 100000013),
)


def authenticate(
    query: Mapping[str, str],
    *,
    app_id: int,
    server_secret: str,
    now: float,
    known_actions: Collection[str],
) -> str:
    """Check the query string of one request; return its Action or raise :class:`SandboxError`."""
    for name, code in _REQUIRED:
        if not query.get(name):
            raise SandboxError(code, f"{name} is missing from the query string")

    raw_app_id = query["AppId"]
    if not raw_app_id.isdigit() or not 0 < int(raw_app_id) <= MAX_APP_ID:
        raise SandboxError(100000001, f"AppId {raw_app_id!r} is not a uint32 number")

    raw_ts = query["Timestamp"]
    if not raw_ts.isdigit():
        raise SandboxError(100000003, f"Timestamp {raw_ts!r} is not an integer of Unix seconds")
    timestamp = int(raw_ts)
    if timestamp > _MAX_PLAUSIBLE_SECONDS:
        raise SandboxError(
            100000003,
            f"Timestamp {raw_ts} looks like milliseconds; send Unix seconds (int(time.time()))",
        )

    version = query["SignatureVersion"]
    if version != SIGNATURE_VERSION:
        raise SandboxError(
            100000014, f"SignatureVersion {version!r} is not supported; send {SIGNATURE_VERSION}"
        )

    if int(raw_app_id) != app_id:
        raise SandboxError(
            100000010, f"AppId {raw_app_id} is unknown here: this sandbox serves AppId {app_id}"
        )

    skew = timestamp - now
    if abs(skew) > MAX_CLOCK_SKEW_SECONDS:
        raise SandboxError(
            100000004,
            f"Timestamp is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} server time; "
            f"at most {MAX_CLOCK_SKEW_SECONDS} s is accepted (sign each request afresh)",
        )

    expected = request_signature(app_id, query["SignatureNonce"], server_secret, timestamp)
    if not hmac.compare_digest(expected, query["Signature"]):
        raise SandboxError(
            100000005,
            "Signature does not match: it must be lowercase hex "
            "md5(AppId + SignatureNonce + ServerSecret + Timestamp), computed with the same "
            "nonce and timestamp as in the query and this sandbox's ServerSecret",
        )

    action = query["Action"]
    if action not in known_actions:
        raise SandboxError(100000007, f"Action {action!r} is not supported")
    return action


class RateLimiter:
    """A sliding one-second window per key (here: per action).

    ZEGO documents a default of 10 requests per second per action, but no
    return code for going over it. The sandbox's choice is documented where
    the server uses it (:mod:`zego_helpers.sandbox.server`).
    """

    def __init__(self) -> None:
        self._recent: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float, per_second: int) -> bool:
        """Count one request for ``key`` at ``now``; False when it is over the limit."""
        recent = self._recent.setdefault(key, deque())
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= per_second:
            return False
        recent.append(now)
        return True
