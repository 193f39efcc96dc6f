"""How one signed request travels: pacing, retries and turning failures into clear errors.

The client (``client.py``) decides *what* to send; this module decides *how*:

1. **Pacing.** ZEGO allows 10 requests per second per action. A
   :class:`ActionPacer` makes a loop wait instead of going over.
2. **Signing.** Every attempt is signed afresh (new nonce and timestamp), so a
   retry never reuses an expired or already-seen signature.
3. **Retries, only when safe.** Transport failures and a few codes are
   retried with exponential backoff. Actions that create something or make the
   agent speak are retried only when the request certainly did not take effect
   (the connection was never made, or the gateway refused it before the
   service saw it). ``CreateAgentInstance`` is never repeated after a timeout:
   the instance may exist, and a second one would take another slot.
4. **One envelope parser.** ``Code != 0`` raises :class:`ZegoAPIError`, even
   with HTTP 200; a non-2xx status or a body that is not JSON raises
   :class:`HTTPStatusError`; a network failure raises :class:`TransportError`
   with a hint about DNS, proxies or timeouts.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import requests

from .errors import HTTPStatusError, TransportError, ZegoAPIError, api_error
from .secrets_mask import mask_url
from .signing import signed_query

log = logging.getLogger("zego_helpers.client")

#: Actions that must not run twice: a repeat would create a second instance,
#: make the agent answer or speak twice, or add messages twice.
NOT_IDEMPOTENT = frozenset(
    {
        "CreateAgentInstance",
        "CreateDigitalHumanAgentInstance",
        "CreateLiveDigitalHumanAgentInstance",
        "SendAgentInstanceLLM",
        "SendAgentInstanceTTS",
        "AddAgentInstanceMsg",
    }
)

#: Codes meaning "the gateway refused the request before the service saw it":
#: retrying is safe even for actions that are not idempotent.
GATEWAY_RETRY_CODES = frozenset({100000004, 100000015})
#: "Signature expired": one fresh signature can help (a timestamp that aged in
#: transit); if the clock itself is off, more retries cannot, so only one.
SIGNATURE_EXPIRED = 100000004
#: HTTP statuses worth a retry (the request was refused or the server was busy).
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class ActionPacer:
    """Keeps each action at or below ``per_second`` requests in any one-second window."""

    def __init__(self, per_second: int | None = 10) -> None:
        self.per_second = per_second
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, action: str) -> None:
        """Block until sending ``action`` now keeps within the limit, then count it."""
        if not self.per_second:
            return
        while True:
            with self._lock:
                now = time.monotonic()
                sent = self._sent.setdefault(action, deque())
                while sent and now - sent[0] >= 1.0:
                    sent.popleft()
                if len(sent) < self.per_second:
                    sent.append(now)
                    return
                delay = 1.0 - (now - sent[0])
            time.sleep(delay)


class _RedactSignature(logging.Filter):
    """Hide the ``Signature`` query parameter in urllib3's debug lines.

    A signature is not the secret, but it is valid for any action for up to
    10 minutes, so it does not belong in a log either.
    """

    _pattern = re.compile(r"(Signature=)[0-9a-fA-F]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self._pattern.sub(r"\1****", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = self._pattern.sub(r"\1****", record.msg)
        return True


_redactor = _RedactSignature()
logging.getLogger("urllib3.connectionpool").addFilter(_redactor)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. ``max_retries=0`` disables retries."""

    max_retries: int = 2
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 4.0

    def delay(self, attempt: int) -> float:
        return min(self.backoff_seconds * (2**attempt), self.max_backoff_seconds)


def describe_request_failure(
    exc: requests.RequestException, base_url: str
) -> tuple[str, str, bool]:
    """(problem, hint, certainly_not_sent) for a ``requests`` failure."""
    base_url = mask_url(base_url)  # a password inside the URL must not reach the message
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return (
            "timed out while connecting",
            f"Is {base_url} reachable from here? Check your network, VPN or proxy "
            "(HTTPS_PROXY) settings.",
            True,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return (
            "timed out waiting for the answer",
            "The server may still have processed the request. Retry later; "
            "raise the client's timeout if your network is slow.",
            False,
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return (
            "the proxy refused the connection",
            "Check HTTP_PROXY / HTTPS_PROXY / NO_PROXY in your environment.",
            True,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "the TLS handshake failed",
            "A corporate proxy may be intercepting HTTPS; set REQUESTS_CA_BUNDLE to its "
            "certificate.",
            True,
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        resolved = "NameResolutionError" in text or "Name or service not known" in text
        if resolved or "getaddrinfo" in text or "nodename nor servname" in text:
            return (
                "the host name could not be resolved (DNS)",
                f"Check ZEGO_API_BASE_URL ({base_url}), your internet connection and DNS; "
                "behind a proxy set HTTPS_PROXY.",
                True,
            )
        refused = "Connection refused" in text or "NewConnectionError" in text
        if refused:
            return (
                "the connection was refused",
                f"Nothing is listening at {base_url}. Check ZEGO_API_BASE_URL; for a local "
                "sandbox, check that it is running.",
                True,
            )
        return (
            "the connection failed",
            f"Check your network and ZEGO_API_BASE_URL ({base_url}).",
            False,
        )
    return ("the request failed", "Check your network and retry.", False)


class SignedTransport:
    """Sends signed actions to one endpoint and returns the envelope's ``Data``."""

    def __init__(
        self,
        app_id: int,
        server_secret: str,
        base_url: str,
        *,
        timeout: float | tuple[float, float] = (3.05, 15.0),
        retry: RetryPolicy | None = None,
        requests_per_second: int | None = 10,
        session: requests.Session | None = None,
    ) -> None:
        self.app_id = app_id
        self._server_secret = server_secret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.pacer = ActionPacer(requests_per_second)
        self.session = session or requests.Session()
        self.session.headers.setdefault("Content-Type", "application/json")

    def __repr__(self) -> str:
        return f"SignedTransport(app_id={self.app_id}, base_url={mask_url(self.base_url)!r})"

    def close(self) -> None:
        self.session.close()

    def call(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send ``action`` with ``body``; return ``Data`` (``{}`` when ZEGO sends none)."""
        payload = body or {}
        safe_to_repeat = action not in NOT_IDEMPOTENT
        attempt = 0
        while True:
            try:
                return self._attempt(action, payload)
            except (TransportError, ZegoAPIError) as error:
                if attempt >= self.retry.max_retries or not self._retryable(
                    error, safe_to_repeat, attempt
                ):
                    raise
                delay = self.retry.delay(attempt)
                log.info("%s: %s; retrying in %.1f s", action, type(error).__name__, delay)
                time.sleep(delay)
                attempt += 1

    @staticmethod
    def _retryable(error: Exception, safe_to_repeat: bool, attempt: int) -> bool:
        if isinstance(error, ZegoAPIError):
            if error.code == SIGNATURE_EXPIRED:
                return attempt == 0
            if error.code in GATEWAY_RETRY_CODES:
                return True
            return safe_to_repeat and error.retryable
        if isinstance(error, HTTPStatusError):
            return error.status in RETRY_STATUSES and (safe_to_repeat or error.status == 429)
        if isinstance(error, TransportError):
            return safe_to_repeat or error.certainly_not_sent
        return False

    def _attempt(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.pacer.wait(action)
        query = signed_query(action, self.app_id, self._server_secret)
        started = time.perf_counter()
        try:
            response = self.session.post(
                self.base_url + "/", params=query, json=payload, timeout=self.timeout
            )
        except requests.RequestException as exc:
            problem, hint, not_sent = describe_request_failure(exc, self.base_url)
            log.warning("%s: %s", action, problem)
            raise TransportError(action, problem, hint, certainly_not_sent=not_sent) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        return self._parse(action, response, elapsed_ms)

    def _parse(self, action: str, response: requests.Response, elapsed_ms: float) -> dict[str, Any]:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "Code" not in envelope:
            excerpt = response.text[:200].strip()
            hint = (
                "This is not a ZEGO AI Agent endpoint answer: check ZEGO_API_BASE_URL."
                if response.ok
                else "The server or a proxy refused the request; check ZEGO_API_BASE_URL "
                "and retry later."
            )
            raise HTTPStatusError(action, response.status_code, excerpt, hint)
        try:
            code = int(envelope.get("Code"))
        except (TypeError, ValueError):
            raise HTTPStatusError(
                action, response.status_code, response.text[:200], "The Code field is not a number."
            ) from None
        request_id = str(envelope.get("RequestId") or "")
        message = str(envelope.get("Message") or "")
        log.debug(
            "%s -> HTTP %s, Code %s, RequestId %s (%.0f ms)",
            action,
            response.status_code,
            code,
            request_id,
            elapsed_ms,
        )
        if code != 0:
            raise api_error(action, code, message, request_id)
        if not response.ok:
            raise HTTPStatusError(
                action, response.status_code, response.text[:200], "Unexpected HTTP status."
            )
        data = envelope.get("Data")
        return data if isinstance(data, dict) else {}
