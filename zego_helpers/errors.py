"""The exceptions the kit raises, so a failure always says what went wrong and how to fix it.

The family, from the most general::

    ZegoError
    ├── ConfigError          a setting (env var / .env) is missing or malformed
    ├── ValidationError      a request field is invalid; caught *before* sending
    ├── TransportError       the request never got an answer (DNS, refused, proxy, TLS)
    │   └── APITimeoutError  ... because it timed out (also a built-in ``TimeoutError``)
    ├── HTTPStatusError      an answer came, but not a JSON envelope with HTTP 2xx
    └── ZegoAPIError         ZEGO answered with Code != 0 (even on HTTP 200)
        ├── SignatureError       100000004 / 100000005
        ├── NotFoundError        410001002 / 410001009
        ├── AlreadyExistsError   410001008
        └── LimitReachedError    410000011 / 410001031

Every API error carries the ``action``, the ZEGO ``code`` with its meaning,
the server's ``message``, the ``request_id`` to quote to support and a ``hint``.
A status error and a transport error are different things (as in openai-python's
``APIStatusError`` and ``APIConnectionError``): after a status error the server
*did* answer, so it may have acted on the request.
No error ever contains a secret: messages are built from codes, names and
server text only.

Messages come in the language in use when the error is made (English or
Chinese, :mod:`zego_helpers.i18n`); the attributes a program reads (``code``,
``variable``, ``field``, ``request_id``) are the same in both.
"""

from __future__ import annotations

from .codes import describe_return_code
from .i18n import _


class ZegoError(Exception):
    """Base class of every error raised by ``zego_helpers``."""


class ConfigError(ZegoError):
    """A setting is missing or malformed. The message names the variable and the fix."""

    def __init__(self, variable: str, problem: str, fix: str) -> None:
        self.variable = variable
        self.problem = problem
        self.fix = fix
        super().__init__(
            _("{variable}: {problem}. Fix: {fix}").format(
                variable=variable, problem=problem, fix=fix
            )
        )


class ValidationError(ZegoError, ValueError):
    """A request field is invalid. Raised before anything is sent, naming the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(_("{field}: {problem}").format(field=field, problem=problem))


class TransportError(ZegoError):
    """The request did not produce an answer (network, DNS, proxy, TLS, timeout).

    ``certainly_not_sent`` is true when the request never reached the server
    (DNS failure, refused connection): repeating it is then always safe.
    """

    def __init__(
        self, action: str, problem: str, hint: str, *, certainly_not_sent: bool = False
    ) -> None:
        self.action = action
        self.problem = problem
        self.hint = hint
        self.certainly_not_sent = certainly_not_sent
        super().__init__(
            _("{action}: {problem}. {hint}").format(action=action, problem=problem, hint=hint)
        )


class APITimeoutError(TransportError, TimeoutError):
    """The request timed out: while connecting (never sent) or waiting for the answer.

    It is also a built-in :class:`TimeoutError`, so ``except TimeoutError`` catches it.
    """


class HTTPStatusError(ZegoError):
    """The server answered, but not with HTTP 2xx and a JSON envelope.

    ``status`` is the HTTP status, ``body_excerpt`` the first 200 characters
    of what came back, ``retry_after`` the seconds a ``Retry-After`` header
    asked for (``None`` without one), ``request_id`` the ``X-Request-Id``
    header if the server sent one.
    """

    def __init__(
        self,
        action: str,
        status: int,
        body_excerpt: str,
        hint: str,
        *,
        retry_after: float | None = None,
        request_id: str = "",
    ) -> None:
        self.action = action
        self.status = status
        self.body_excerpt = body_excerpt
        self.hint = hint
        self.retry_after = retry_after
        self.request_id = request_id
        self.problem = (
            _("HTTP {status} with body {body}").format(status=status, body=repr(body_excerpt))
            if body_excerpt
            else f"HTTP {status}"
        )
        super().__init__(
            _("{action}: {problem}. {hint}").format(action=action, problem=self.problem, hint=hint)
        )


class ZegoAPIError(ZegoError):
    """ZEGO answered with a non-zero ``Code``."""

    def __init__(
        self,
        action: str,
        code: int,
        message: str,
        request_id: str = "",
        hint: str | None = None,
    ) -> None:
        info = describe_return_code(code)
        self.action = action
        self.code = code
        self.meaning = info.meaning
        self.message = message
        self.request_id = request_id
        self.hint = info.hint if hint is None else hint
        self.retryable = info.retryable
        #: Seconds the server asked us to wait (a ``Retry-After`` header), if it said.
        self.retry_after: float | None = None
        #: The HTTP status the envelope came with (ZEGO answers errors with 200, usually).
        self.http_status: int = 200
        text = _("{action} failed with code {code} ({meaning})").format(
            action=action, code=code, meaning=info.meaning
        )
        if message:
            text += _(": {message}").format(message=message)
        if request_id:
            text += _(" [RequestId {request_id}]").format(request_id=request_id)
        if self.hint:
            text += _(". Fix: {hint}").format(hint=self.hint)
        super().__init__(text)


class SignatureError(ZegoAPIError):
    """The request signature was rejected: wrong secret (100000005) or clock skew (100000004)."""


class NotFoundError(ZegoAPIError):
    """The agent (410001009) or instance (410001002) does not exist."""


class AlreadyExistsError(ZegoAPIError):
    """An agent with this AgentId is already registered (410001008)."""


class LimitReachedError(ZegoAPIError):
    """The account's concurrent-instance limit is reached (410000011 / 410001031)."""


_SUBCLASS_BY_CODE: dict[int, type[ZegoAPIError]] = {
    100000004: SignatureError,
    100000005: SignatureError,
    410001002: NotFoundError,
    410001009: NotFoundError,
    410001008: AlreadyExistsError,
    410000011: LimitReachedError,
    410001031: LimitReachedError,
}


def api_error(action: str, code: int, message: str, request_id: str = "") -> ZegoAPIError:
    """Build the most specific :class:`ZegoAPIError` subclass for ``code``."""
    cls = _SUBCLASS_BY_CODE.get(code, ZegoAPIError)
    return cls(action, code, message, request_id)
