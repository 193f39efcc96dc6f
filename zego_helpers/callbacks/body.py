"""Decode the bytes of a callback request into a dict, whatever the encoding.

The docs say the body is "JSON, UrlDecode it" without saying how it is
encoded (reference §10.9). ZEGO's own sample backend reads it as plain JSON,
which is by far the likely case, but this decoder also accepts:

* the whole JSON percent-encoded (``%7B%22AppId%22...``);
* a form (``application/x-www-form-urlencoded``) whose single field holds the JSON;
* a form with one field per envelope key (``AppId=1&Event=...&Data=%7B...%7D``).

Anything else is refused with a :class:`BodyError` that says what was wrong.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from ..i18n import _


class BodyError(ValueError):
    """The request body is not a callback: the message says why (it becomes the 400 reply)."""


def decode_body(body: bytes) -> dict[str, Any]:
    """Return the callback body as a dict, or raise :class:`BodyError`."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise BodyError(
            _("the body is not UTF-8 text (byte {position} is invalid)").format(position=exc.start)
        ) from None
    if not text:
        raise BodyError(_("the body is empty; ZEGO sends a JSON object"))
    if text[0] in "{[":
        return _json_object(text)
    if "=" in text:  # a form: percent-encoded JSON has its own "=" written as %3D
        return _form(text)
    if text[:3].upper() == "%7B":
        return _json_object(unquote_plus(text))
    raise BodyError(
        _(
            "the body is neither JSON nor a form (it starts with {start}); ZEGO sends a JSON object"
        ).format(start=repr(text[:20]))
    )


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BodyError(_("the body is not valid JSON: {error}").format(error=exc)) from None
    if not isinstance(value, dict):
        raise BodyError(
            _("the body is JSON but a {type}, not an object").format(type=type(value).__name__)
        )
    return value


def _form(text: str) -> dict[str, Any]:
    pairs = parse_qsl(text, keep_blank_values=True)
    if not pairs:
        raise BodyError(_("the body looks like a form but has no fields"))
    if len(pairs) == 1:
        key, value = pairs[0]
        # One field carrying the whole JSON: either as the value (body=...) or, when the
        # sender forgot the name, as the key with an empty value.
        for candidate in (value, key):
            if candidate.lstrip().startswith("{"):
                return _json_object(candidate)
    fields: dict[str, Any] = dict(pairs)
    if isinstance(fields.get("Data"), str) and fields["Data"].lstrip().startswith("{"):
        fields["Data"] = _json_object(fields["Data"])
    return fields
