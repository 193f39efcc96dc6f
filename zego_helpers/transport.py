"""How one signed request travels: pacing, retries and turning failures into clear errors.

The client (``client.py``) decides *what* to send; this module decides *how*:

1. **Local checks first.** A base URL that cannot work (``ftp://x``, no host,
   port 99999) and a body that is not JSON (``NaN``) are refused before any
   network attempt, naming the setting or field.
2. **Pacing.** ZEGO allows 10 requests per second per action. A
   :class:`ActionPacer` makes a loop wait instead of going over.
3. **Signing.** Every attempt is signed afresh (new nonce and timestamp), so a
   retry never reuses an expired or already-seen signature.
4. **Retries, only when safe.** Transport failures and a few codes are
   retried with exponential backoff and full jitter (a random wait up to the
   backoff, so a room of clients does not retry in step), or after what a
   ``Retry-After`` header asks. Actions that create something or make the
   agent speak are retried only when the request certainly did not take effect
   (the connection was never made, the signature had expired, or HTTP 429 said
   "too many requests"). ``CreateAgentInstance`` is never repeated after a
   timeout or a 100000015 ("internal gateway error", which does not say whether
   the request ran): the instance may exist, and a second one would take another slot.
5. **One envelope parser.** ``Code != 0`` raises :class:`ZegoAPIError`, even
   with HTTP 200; a non-2xx status or a body that is not JSON raises
   :class:`HTTPStatusError`; a network failure raises :class:`TransportError`
   (:class:`APITimeoutError` for a timeout) with a hint about DNS, proxies or timeouts.

**Two seams** make all of this testable without patching anything:

* ``http``: the :class:`Transport` that moves bytes. :class:`RequestsTransport`
  (the default) uses ``requests``; :class:`MockTransport` calls your function
  instead, like httpx's ``MockTransport``::

      def handler(request):
          return json_response({"Code": 0, "Message": "Succeed", "Data": {}})
      client = AIAgentClient(1, "0" * 32, transport=MockTransport(handler))

* ``clock``: the :class:`Clock` that says what time it is and how to wait.
  :class:`FakeClock` makes every wait instant (and records it);
  :class:`ShiftedClock` signs as if this machine's clock were off.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from .constants import (
    API_URL_SCHEMES,
    DEFAULT_API_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER_SECONDS,
    MAX_RETRY_DELAY,
)
from .errors import (
    APITimeoutError,
    ConfigError,
    HTTPStatusError,
    TransportError,
    ValidationError,
    ZegoAPIError,
    api_error,
)
from .i18n import _
from .secrets_mask import mask_url
from .signing import signed_query

if TYPE_CHECKING:  # requests loads on the first real request, not on import
    import requests

log = logging.getLogger(__name__)

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

#: "Signature expired": the gateway refused the request before the service saw it
#: (https://www.zegocloud.com/docs/aiagent-server/api-reference/return-codes), so one
#: fresh signature is safe for any action and can help (a timestamp that aged in
#: transit); if the clock itself is off, more retries cannot, so only one.
SIGNATURE_EXPIRED = 100000004
#: "Internal gateway error. Please contact ZEGOCLOUD technical support" (same page).
#: Nothing says the request was *not* processed, so it is retried like any
#: retryable code: only for actions that are safe to repeat. A create is never
#: repeated on it (a second instance would take a second slot), unless the answer
#: also came with HTTP 429, which by definition refuses the request (RFC 6585).
GATEWAY_INTERNAL_ERROR = 100000015
#: HTTP statuses worth a retry (the request was refused or the server was busy).
RETRY_STATUSES = frozenset({429, 502, 503, 504})

Timeout = float | tuple[float, float]


# --- the clock seam --------------------------------------------------------------------------


class Clock:
    """What time it is and how to wait. The transport reads time only through one of these."""

    def time(self) -> float:
        """Seconds since the epoch: the ``Timestamp`` requests are signed with."""
        return time.time()

    def monotonic(self) -> float:
        """A clock that never jumps: for pacing."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ShiftedClock(Clock):
    """The real clock, ``offset_seconds`` ahead (negative: behind); waits are real.

    Sign with it to see what ZEGO answers a machine whose clock is off.
    """

    def __init__(self, offset_seconds: float) -> None:
        self.offset_seconds = offset_seconds

    def time(self) -> float:
        return time.time() + self.offset_seconds


class FakeClock(Clock):
    """A clock that only moves when something waits: every ``sleep`` is instant and recorded.

    For tests and notebooks that show retries and pacing without waiting.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += max(0.0, seconds)


# --- the HTTP seam ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HTTPRequest:
    """One request as it goes on the wire (the query holds the signature)."""

    action: str
    url: str
    params: Mapping[str, str]
    content: bytes
    timeout: Timeout = DEFAULT_TIMEOUT
    headers: Mapping[str, str] = field(
        default_factory=lambda: {"Content-Type": "application/json"}
    )

    def json(self) -> Any:
        """The body, decoded."""
        return json.loads(self.content)


@dataclass(frozen=True)
class HTTPResponse:
    """What came back: status, headers and the raw body."""

    status_code: int
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def header(self, name: str) -> str | None:
        """A header's value, whatever its case; ``None`` when absent."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


def json_response(
    body: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> HTTPResponse:
    """An :class:`HTTPResponse` whose body is ``body`` as JSON (for :class:`MockTransport`)."""
    return HTTPResponse(
        status_code,
        json.dumps(body).encode("utf-8"),
        {"Content-Type": "application/json", **(headers or {})},
    )


class Transport(Protocol):
    """Moves one request and brings back its response; raises :class:`TransportError`."""

    def send(self, request: HTTPRequest) -> HTTPResponse: ...

    def close(self) -> None: ...


class MockTransport:
    """A transport that answers with ``handler(request)`` and sends nothing anywhere.

    The handler may also raise :class:`TransportError` (or
    :class:`APITimeoutError`) to play a network failure.
    """

    def __init__(self, handler: Callable[[HTTPRequest], HTTPResponse]) -> None:
        self.handler = handler

    def send(self, request: HTTPRequest) -> HTTPResponse:
        return self.handler(request)

    def close(self) -> None:
        pass


class RequestsTransport:
    """The real transport: a keep-alive ``requests`` session.

    ``requests`` is imported when the transport is made, not when the kit is
    imported, so ``import zego_helpers`` stays fast.
    """

    def __init__(self, session: requests.Session | None = None) -> None:
        import requests

        self.session = session or requests.Session()

    def send(self, request: HTTPRequest) -> HTTPResponse:
        import requests

        try:
            response = self.session.post(
                request.url,
                params=dict(request.params),
                data=request.content,
                headers=dict(request.headers),
                timeout=request.timeout,
            )
        except requests.RequestException as exc:
            raise request_failure(request.action, exc, _origin(request.url)) from None
        return HTTPResponse(response.status_code, response.content, dict(response.headers))

    def close(self) -> None:
        self.session.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- errors in words -------------------------------------------------------------------------


def describe_request_failure(
    exc: requests.RequestException, base_url: str
) -> tuple[str, str, bool]:
    """(problem, hint, certainly_not_sent) for a ``requests`` failure."""
    import requests

    base_url = mask_url(base_url)  # a password inside the URL must not reach the message
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return (
            _("timed out while connecting"),
            _(
                "Is {url} reachable from here? Check your network, VPN or proxy "
                "(HTTPS_PROXY) settings."
            ).format(url=base_url),
            True,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return (
            _("timed out waiting for the answer"),
            _(
                "The server may still have processed the request. Retry later; "
                "raise the client's timeout if your network is slow."
            ),
            False,
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return (
            _("the proxy refused the connection"),
            _("Check HTTP_PROXY / HTTPS_PROXY / NO_PROXY in your environment."),
            True,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            _("the TLS handshake failed"),
            _(
                "A corporate proxy may be intercepting HTTPS; set REQUESTS_CA_BUNDLE to its "
                "certificate."
            ),
            True,
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        resolved = "NameResolutionError" in text or "Name or service not known" in text
        if resolved or "getaddrinfo" in text or "nodename nor servname" in text:
            return (
                _("the host name could not be resolved (DNS)"),
                _(
                    "Check ZEGO_API_BASE_URL ({url}), your internet connection and DNS; "
                    "behind a proxy set HTTPS_PROXY."
                ).format(url=base_url),
                True,
            )
        refused = "Connection refused" in text or "NewConnectionError" in text
        if refused:
            return (
                _("the connection was refused"),
                _(
                    "Nothing is listening at {url}. Check ZEGO_API_BASE_URL; for a local "
                    "sandbox, check that it is running."
                ).format(url=base_url),
                True,
            )
        return (
            _("the connection failed"),
            _("Check your network and ZEGO_API_BASE_URL ({url}).").format(url=base_url),
            False,
        )
    return (_("the request failed"), _("Check your network and retry."), False)


def request_failure(action: str, exc: requests.RequestException, base_url: str) -> TransportError:
    """The kit's error for a ``requests`` failure: :class:`APITimeoutError` for a timeout."""
    import requests

    problem, hint, not_sent = describe_request_failure(exc, base_url)
    log.warning("%s: %s", action, problem)
    kind = APITimeoutError if isinstance(exc, requests.exceptions.Timeout) else TransportError
    return kind(action, problem, hint, certainly_not_sent=not_sent)


def check_base_url(base_url: str, variable: str = "ZEGO_API_BASE_URL") -> str:
    """``base_url`` without a trailing slash, or a :class:`ConfigError` saying what is wrong.

    Catches locally what would otherwise fail three times on the network:
    another scheme (``ftp://``), no host (``nohost``), a port outside 1-65535.
    """
    fix = _("use e.g. {default}, or {sandbox} for a local sandbox").format(
        default=DEFAULT_API_BASE_URL, sandbox="http://127.0.0.1:8123"
    )
    text = str(base_url).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in API_URL_SCHEMES:
        problem = (
            _("{value} has scheme {scheme}; the API speaks http(s) only")
            if parts.scheme
            else _("{value} has no http:// or https://; the API speaks http(s) only")
        )
        raise ConfigError(
            variable, problem.format(value=repr(text), scheme=repr(parts.scheme)), fix
        )
    if not parts.hostname:
        raise ConfigError(variable, _("{value} has no host name").format(value=repr(text)), fix)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        problem = _("{value} has a port outside 1-65535").format(value=repr(text))
        raise ConfigError(variable, problem, fix)
    return text.rstrip("/")


def encode_body(action: str, payload: Mapping[str, Any]) -> bytes:
    """The JSON body of a request; a value JSON cannot carry is a :class:`ValidationError`.

    ``NaN`` and infinities are not JSON (RFC 8259), so they are refused here,
    naming the field, instead of reaching the server as invalid JSON.
    """
    try:
        return json.dumps(payload, allow_nan=False).encode("utf-8")
    except ValueError:
        where = _non_finite_path(payload) or "body"
        raise ValidationError(
            where, _("is NaN or infinite, which JSON cannot carry; use a finite number")
        ) from None
    except TypeError as error:
        raise ValidationError(
            f"{action} body", _("cannot be sent as JSON ({reason})").format(reason=error)
        ) from None


def _non_finite_path(value: Any, path: str = "") -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return path or None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _non_finite_path(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _non_finite_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def retry_after_seconds(response: HTTPResponse, clock: Clock) -> float | None:
    """What a ``Retry-After`` header asks for (seconds or an HTTP date); ``None`` without one."""
    value = (response.header("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime  # rare; email.utils is slow to import

        try:
            seconds = parsedate_to_datetime(value).timestamp() - clock.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


# --- pacing and retries ----------------------------------------------------------------------


class ActionPacer:
    """Keeps each action at or below ``per_second`` requests in any one-second window."""

    def __init__(self, per_second: int | None = 10, clock: Clock | None = None) -> None:
        self.per_second = per_second
        self.clock = clock or Clock()
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, action: str) -> None:
        """Block until sending ``action`` now keeps within the limit, then count it."""
        if not self.per_second:
            return
        while True:
            with self._lock:
                now = self.clock.monotonic()
                sent = self._sent.setdefault(action, deque())
                while sent and now - sent[0] >= 1.0:
                    sent.popleft()
                if len(sent) < self.per_second:
                    sent.append(now)
                    return
                delay = 1.0 - (now - sent[0])
            self.clock.sleep(delay)


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

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_seconds: float = INITIAL_RETRY_DELAY
    max_backoff_seconds: float = MAX_RETRY_DELAY

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt`` (0-based): exponential, capped."""
        return min(self.backoff_seconds * 2.0**attempt, self.max_backoff_seconds)

    def delay(self, attempt: int, fraction: float) -> float:
        """Full jitter: ``fraction`` (0..1, random) of :meth:`ceiling`.

        See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
        """
        return self.ceiling(attempt) * min(max(fraction, 0.0), 1.0)


class SignedTransport:
    """Sends signed actions to one endpoint and returns the envelope's ``Data``.

    ``http`` moves the bytes (default :class:`RequestsTransport`), ``clock``
    tells the time and waits (default the real :class:`Clock`), ``rng`` gives
    the random fraction for jitter (default :func:`random.random`).
    """

    def __init__(
        self,
        app_id: int,
        server_secret: str,
        base_url: str,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        requests_per_second: int | None = 10,
        session: requests.Session | None = None,
        http: Transport | None = None,
        clock: Clock | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.app_id = app_id
        self._server_secret = server_secret
        self.base_url = check_base_url(base_url)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.clock = clock or Clock()
        self.rng = rng
        self.pacer = ActionPacer(requests_per_second, self.clock)
        self.http: Transport = http if http is not None else RequestsTransport(session)

    def __repr__(self) -> str:
        return f"SignedTransport(app_id={self.app_id}, base_url={mask_url(self.base_url)!r})"

    def close(self) -> None:
        self.http.close()

    def with_clock(self, clock: Clock, *, max_retries: int | None = None) -> SignedTransport:
        """A transport like this one (same endpoint, credentials and HTTP seam) on ``clock``."""
        twin = SignedTransport.__new__(SignedTransport)
        twin.__dict__.update(self.__dict__)
        twin.clock = clock
        twin.pacer = ActionPacer(self.pacer.per_second, clock)
        if max_retries is not None:
            twin.retry = replace(self.retry, max_retries=max_retries)
        return twin

    def call(self, action: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Send ``action`` with ``body``; return ``Data`` (``{}`` when ZEGO sends none)."""
        content = encode_body(action, body or {})
        safe_to_repeat = action not in NOT_IDEMPOTENT
        attempt = 0
        while True:
            try:
                return self._attempt(action, content)
            except (TransportError, HTTPStatusError, ZegoAPIError) as error:
                if attempt >= self.retry.max_retries or not self._retryable(
                    error, safe_to_repeat, attempt
                ):
                    raise
                delay = self._delay(error, attempt)
                if delay is None:
                    raise
                log.info("%s: %s; retrying in %.1f s", action, type(error).__name__, delay)
                self.clock.sleep(delay)
                attempt += 1

    def _delay(self, error: Exception, attempt: int) -> float | None:
        """Seconds to wait before the next try; ``None``: a Retry-After too long to wait for."""
        asked = getattr(error, "retry_after", None)
        if asked is not None:
            return asked if asked <= MAX_RETRY_AFTER_SECONDS else None
        return self.retry.delay(attempt, self.rng())

    @staticmethod
    def _retryable(error: Exception, safe_to_repeat: bool, attempt: int) -> bool:
        if isinstance(error, ZegoAPIError):
            if error.code == SIGNATURE_EXPIRED:
                return attempt == 0
            if error.http_status == 429:  # "too many requests": refused, not executed
                return True
            return safe_to_repeat and error.retryable
        if isinstance(error, HTTPStatusError):
            return error.status in RETRY_STATUSES and (safe_to_repeat or error.status == 429)
        if isinstance(error, TransportError):
            return safe_to_repeat or error.certainly_not_sent
        return False

    def _attempt(self, action: str, content: bytes) -> dict[str, Any]:
        self.pacer.wait(action)
        query = signed_query(
            action, self.app_id, self._server_secret, timestamp=int(self.clock.time())
        )
        request = HTTPRequest(action, self.base_url + "/", query, content, self.timeout)
        started = time.perf_counter()
        response = self.http.send(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return self._parse(action, response, elapsed_ms)

    def _parse(self, action: str, response: HTTPResponse, elapsed_ms: float) -> dict[str, Any]:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        header_id = response.header("X-Request-Id") or ""
        if not isinstance(envelope, dict) or "Code" not in envelope:
            excerpt = response.text[:200].strip()
            hint = (
                _("This is not a ZEGO AI Agent endpoint answer: check ZEGO_API_BASE_URL.")
                if response.ok
                else _(
                    "The server or a proxy refused the request; check ZEGO_API_BASE_URL "
                    "and retry later."
                )
            )
            raise HTTPStatusError(
                action,
                response.status_code,
                excerpt,
                hint,
                retry_after=retry_after_seconds(response, self.clock),
                request_id=header_id,
            )
        try:
            code = int(envelope["Code"])
        except (TypeError, ValueError):
            raise HTTPStatusError(
                action,
                response.status_code,
                response.text[:200],
                _("The Code field is not a number."),
                request_id=header_id,
            ) from None
        request_id = str(envelope.get("RequestId") or header_id)
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
            error = api_error(action, code, message, request_id)
            # A gateway that throttles (HTTP 429) says how long to wait: honour it.
            error.retry_after = retry_after_seconds(response, self.clock)
            error.http_status = response.status_code
            raise error
        if not response.ok:
            raise HTTPStatusError(
                action,
                response.status_code,
                response.text[:200],
                _("Unexpected HTTP status."),
                retry_after=retry_after_seconds(response, self.clock),
                request_id=request_id,
            )
        data = envelope.get("Data")
        return data if isinstance(data, dict) else {}
