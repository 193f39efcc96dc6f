"""Sending callbacks the way ZEGO does: signed POSTs, retried until a 2xx answer.

Each event becomes a JSON POST to the callback URL. The body is the event
(``AppId``, ``Event``, ``Timestamp`` in **milliseconds**, ``AgentInstanceId``,
``Sequence``, ``Data``, ...) plus ``Nonce`` and ``Signature``::

    Signature = sha1("".join(sorted([callback_secret, str(Timestamp), Nonce])))

(:func:`zego_helpers.signing.callback_signature`). A receiver acknowledges
with any 2xx status. Anything else, or no answer, is retried up to 5 times,
2, 4, 8, 16 and 32 s after the previous attempt; the sandbox multiplies these
delays by ``backoff_scale`` so that a test does not wait a minute. Retries
resend the same body (same Nonce), so a receiver can deduplicate on it.

``Sequence`` increases with every event of the sandbox, so it increases per
instance too; deliveries may arrive out of order, and a receiver sorts by it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ..signing import callback_signature

log = logging.getLogger("zego_helpers.sandbox")

#: ZEGO's documented retry schedule, in seconds after the previous attempt.
RETRY_DELAYS = (2, 4, 8, 16, 32)


def signed_callback(event: dict[str, Any], secret: str) -> dict[str, Any]:
    """The callback body for ``event``: the event plus a fresh Nonce and its Signature."""
    nonce = str(secrets.randbelow(10**10))
    signature = callback_signature(secret, event["Timestamp"], nonce)
    return {**event, "Nonce": nonce, "Signature": signature}


@dataclass
class DeliveryStats:
    """How deliveries went in this process (visible in tests and the server log)."""

    delivered: int = 0
    retried: int = 0
    dropped: int = 0


class CallbackSender:
    """Delivers callback bodies with ZEGO's retry schedule."""

    def __init__(self, http: AsyncHTTPClient, backoff_scale: float, timeout: float = 5.0) -> None:
        self.http = http
        self.backoff_scale = backoff_scale
        self.timeout = timeout
        self.stats = DeliveryStats()

    async def deliver(self, url: str, body: dict[str, Any]) -> bool:
        """POST ``body`` until a 2xx answer or the retries run out; True when delivered."""
        payload = json.dumps(body, ensure_ascii=False)
        for attempt in range(len(RETRY_DELAYS) + 1):
            if attempt:
                self.stats.retried += 1
                await asyncio.sleep(RETRY_DELAYS[attempt - 1] * self.backoff_scale)
            outcome = await self._post(url, payload)
            if outcome is None:
                self.stats.delivered += 1
                return True
            log.info("callback %s #%s to %s: %s", body["Event"], body["Sequence"], url, outcome)
        self.stats.dropped += 1
        log.warning("callback %s #%s dropped after retries", body["Event"], body["Sequence"])
        return False

    async def _post(self, url: str, payload: str) -> str | None:
        """One attempt; None on success, else what went wrong."""
        request = HTTPRequest(
            url,
            method="POST",
            body=payload,
            headers={"Content-Type": "application/json"},
            connect_timeout=self.timeout,
            request_timeout=self.timeout,
        )
        try:
            response = await self.http.fetch(request, raise_error=False)
        except (HTTPClientError, OSError) as error:
            return f"no answer ({error})"
        if 200 <= response.code < 300:
            return None
        return f"HTTP {response.code}"
