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
``SignatureNonce`` used before (replay)     100000004
``Action`` unknown                          100000007
==========================================  ==========

Numbers are ASCII digits only: ``str.isdigit`` also accepts ``"12²"`` and
``"١٢٣"`` (and :func:`int` turns the latter into 123), which ZEGO's gateway
would not read as a number.

The signature is ``md5(AppId + SignatureNonce + ServerSecret + Timestamp)`` in
lowercase hex (:func:`zego_helpers.signing.request_signature`). It covers
neither the Action nor the body.

:class:`RateLimiter` enforces ZEGO's documented default of 10 requests per
second per action, and :class:`ReplayGuard` refuses a signed query string
sent a second time.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import logging
import re
from collections import deque
from collections.abc import Collection, Mapping

from ..signing import MAX_CLOCK_SKEW_SECONDS, SIGNATURE_VERSION, request_signature
from .config import MAX_APP_ID
from .envelope import SandboxError

log = logging.getLogger("zego_helpers.sandbox")

#: Timestamps above this are not seconds (10**11 s is the year 5138): most likely milliseconds.
_MAX_PLAUSIBLE_SECONDS = 10**11
#: A number is ASCII digits, and short enough to convert without effort (a uint32 has 10
#: digits; a millisecond Timestamp 13).
_ASCII_NUMBER = re.compile(r"[0-9]{1,20}", re.ASCII)

#: (parameter, code when it is missing), in the order the gateway checks them.
_REQUIRED = (
    ("Action", 100000006),
    ("AppId", 100000001),
    ("Timestamp", 100000002),
    ("SignatureNonce", 100000008),
    ("Signature", 100000009),
    ("SignatureVersion", 100000013),
)


def decode_query(arguments: Mapping[str, list[bytes]]) -> dict[str, str]:
    """The query parameters as text (the last value of each), decoded as strict UTF-8.

    A required parameter that is not UTF-8 is refused with the code of a missing
    one (the gateway cannot read it); any other such parameter is left out.
    """
    query: dict[str, str] = {}
    codes = dict(_REQUIRED)
    for name, values in arguments.items():
        try:
            query[name] = values[-1].decode("utf-8")
        except UnicodeDecodeError:
            if name in codes:
                raise SandboxError(
                    codes[name],
                    f"{name} is not UTF-8 text: percent-encode the UTF-8 bytes of its value",
                ) from None
    return query


def _is_number(raw: str) -> bool:
    return _ASCII_NUMBER.fullmatch(raw) is not None


def authenticate(
    query: Mapping[str, str],
    *,
    app_id: int,
    server_secret: str,
    now: float,
    known_actions: Collection[str],
    replay_guard: ReplayGuard | None = None,
) -> str:
    """Check the query string of one request; return its Action or raise :class:`SandboxError`."""
    for name, code in _REQUIRED:
        if not query.get(name):
            raise SandboxError(code, f"{name} is missing from the query string")

    raw_app_id = query["AppId"]
    if not _is_number(raw_app_id) or not 0 < int(raw_app_id) <= MAX_APP_ID:
        raise SandboxError(
            100000001,
            f"AppId {raw_app_id[:40]!r} is not a uint32 number (ASCII digits 0-9, at most "
            f"{MAX_APP_ID})",
        )

    raw_ts = query["Timestamp"]
    if not _is_number(raw_ts):
        raise SandboxError(
            100000003,
            f"Timestamp {raw_ts[:40]!r} is not an integer of Unix seconds in ASCII digits "
            "(int(time.time()))",
        )
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
    # Bytes, not str: compare_digest refuses str with non-ASCII characters (a TypeError).
    if not hmac.compare_digest(expected.encode(), query["Signature"].encode()):
        raise SandboxError(
            100000005,
            "Signature does not match: it must be lowercase hex "
            "md5(AppId + SignatureNonce + ServerSecret + Timestamp), computed with the same "
            "nonce and timestamp as in the query and this sandbox's ServerSecret",
        )

    if replay_guard is not None:
        replay_guard.check(app_id, query["SignatureNonce"], timestamp, now)

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


class ReplayGuard:
    """Refuses a ``SignatureNonce`` that already came with a valid signature (a replay).

    ZEGO documents no such check (its docs only ask clients for a fresh nonce
    per request), so here the sandbox is **stricter than ZEGO**: the signature
    covers neither the Action nor the body, so one captured query string would
    otherwise sign *any* request for 10 minutes, RegisterAgent and
    SandboxConfigure included.

    A replay is answered with **100000004** ("signature expired"): the nonce is
    spent, and the fix is the same as for an expired signature, sign afresh.
    The kit's client re-signs and retries once on that code, so a client that
    reused a nonce by mistake recovers; a replayed query string cannot be
    re-signed without the secret.

    Memory stays bounded: a nonce is remembered only while its Timestamp is
    within the accepted window (``Timestamp + MAX_CLOCK_SKEW_SECONDS``; later the
    Timestamp check refuses the request anyway), as a 16-byte digest, and at most
    :attr:`max_entries` of them (an AppID holder flooding the sandbox with signed
    requests past that makes the oldest nonces forgettable, with a warning).
    The memory is per sandbox process: two kernels sharing a state file each
    keep their own.
    """

    def __init__(self, window_seconds: int = MAX_CLOCK_SKEW_SECONDS, max_entries: int = 200_000):
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._expiry: dict[bytes, float] = {}
        self._by_expiry: list[tuple[float, bytes]] = []  # a heap of (expiry, key)
        self._warned = False

    def __len__(self) -> int:
        return len(self._expiry)

    def check(self, app_id: int, nonce: str, timestamp: int, now: float) -> None:
        """Remember ``nonce`` for ``app_id``, or raise 100000004 if it is remembered already."""
        self._forget_expired(now)
        key = hashlib.blake2b(f"{app_id}:{nonce}".encode(), digest_size=16).digest()
        if key in self._expiry:
            raise SandboxError(
                100000004,
                f"SignatureNonce {nonce[:40]!r} was already used with a valid signature in "
                f"the last {self.window_seconds} s: a replayed request is refused (the sandbox "
                "is stricter than ZEGO here). Sign every request with a fresh nonce and "
                "timestamp",
            )
        if len(self._expiry) >= self.max_entries:
            if not self._warned:
                log.warning(
                    "sandbox replay guard full (%d nonces): forgetting the oldest early",
                    self.max_entries,
                )
                self._warned = True
            _, oldest = heapq.heappop(self._by_expiry)
            del self._expiry[oldest]
        expiry = timestamp + self.window_seconds  # after that, the Timestamp check refuses it
        self._expiry[key] = expiry
        heapq.heappush(self._by_expiry, (expiry, key))

    def _forget_expired(self, now: float) -> None:
        while self._by_expiry and self._by_expiry[0][0] < now:
            _, key = heapq.heappop(self._by_expiry)
            del self._expiry[key]
