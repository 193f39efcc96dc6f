"""The answer every action gets, and the error that produces a failed one.

ZEGO answers every request, successful or not, with the same JSON envelope::

    {"Code": 0, "Message": "Succeed", "RequestId": "1843985617336143872", "Data": {...}}

``Code`` 0 means success; anything else is an error from the code table
(:mod:`zego_helpers.codes`). Business errors come with HTTP 200, which is why a
client must look at ``Code`` and not only at the HTTP status.

Inside the sandbox, a rule that refuses a request raises :class:`SandboxError`
with ZEGO's code and a message naming what was wrong; the server turns it
into an envelope.
"""

from __future__ import annotations

import secrets
from typing import Any

SUCCESS_MESSAGE = "Succeed"


class SandboxError(Exception):
    """A request refused with ZEGO's ``code``; ``message`` names the field or rule.

    ``http_status`` is 200 for everything ZEGO documents (business errors come
    with HTTP 200); the sandbox uses another status only where ZEGO documents
    nothing (rate limit: 429; wrong method: 405; wrong path: 404).
    """

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


def new_numeric_id() -> str:
    """A 19-digit numeric string, the shape of ZEGO's RequestId and AgentInstanceId."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


def envelope(code: int, message: str, request_id: str, data: Any = None) -> dict[str, Any]:
    """The JSON answer. ``Data`` is ``null`` on errors and for actions with no output."""
    return {"Code": code, "Message": message, "RequestId": request_id, "Data": data}
