"""Reading JSON that a hostile peer (or a damaged file) may have written.

Python's :func:`json.loads` is lenient where the sandbox cannot afford it:

* it decodes bytes with ``surrogatepass`` and accepts ``"\\ud800"`` escapes, so
  a *lone surrogate* can reach the state; the next save (UTF-8) then fails, and
  with it every later request;
* it accepts ``NaN``, ``Infinity`` and ``1e999`` (which becomes infinity), none
  of which is JSON;
* it recurses once per nesting level, so ``[[[[...]]]]`` 100 000 levels deep
  raises :class:`RecursionError` (not a :class:`ValueError`) from deep inside.

:func:`loads_strict` closes all three: strict UTF-8, a nesting limit checked
*before* parsing (a cheap scan of the brackets outside strings), finite
numbers only, and no lone surrogate in any string or key. Whatever it
refuses raises :class:`StrictJSONError`, whose message names the problem and,
for a surrogate, the field path.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

#: The deepest nesting a request body may have. The documented bodies need at most 5
#: levels (``VAD.VoiceDetectConfig.SensitiveConfig.Level``); 64 leaves room for vendor
#: ``Params`` of any reasonable shape and stays far below Python's recursion limit (1000).
MAX_JSON_DEPTH = 64

#: A JSON string: a quote, runs of anything but a quote or backslash, escape pairs, a quote.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class StrictJSONError(ValueError):
    """The text is not strict JSON; the message says why (and where, when it can)."""


def loads_strict(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse ``data`` as strict JSON (see the module docstring); or :class:`StrictJSONError`."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise StrictJSONError(
                f"it is not UTF-8 text (byte {error.start} is {data[error.start]:#04x})"
            ) from None
    elif not _is_utf8(data):  # a str may hold raw surrogates, not only escapes
        raise StrictJSONError("it holds a lone surrogate, which is not text: send valid Unicode")
    else:
        text = data
    if text.startswith("\ufeff"):
        raise StrictJSONError("it starts with a byte order mark (BOM): send UTF-8 without one")
    # Each check has a cheap test first: fewer brackets than the limit cannot nest deeper,
    # and without a "\\uD800".."\\uDFFF" escape (strict UTF-8 has no surrogates) there
    # is no lone surrogate.
    if text.count("[") + text.count("{") > max_depth:
        depth = nesting_depth(text)
        if depth > max_depth:
            raise StrictJSONError(
                f"it is nested {depth} levels deep; at most {max_depth} are allowed"
            )
    try:
        value = _DECODER.decode(text)
    except StrictJSONError:
        raise
    except ValueError as error:  # JSONDecodeError, and a too-long integer literal
        raise StrictJSONError(f"it is not valid JSON ({error})") from None
    where = lone_surrogate_path(value) if _SURROGATE_ESCAPE.search(text) else None
    if where is not None:
        raise StrictJSONError(
            f"{where or 'the value'} holds a lone surrogate (an unpaired \\ud800-\\udfff "
            "escape), which is not text: send valid Unicode"
        )
    return value


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings don't count).

    Runs at C speed (two regular expressions and :func:`itertools.accumulate`), so
    it costs little next to the parse it protects. An unterminated string ends
    the scan: the parser stops there too.
    """
    outside = _STRING.sub("", text)
    stray_quote = outside.find('"')
    if stray_quote >= 0:
        outside = outside[:stray_quote]
    brackets = _NOT_A_BRACKET.sub("", outside)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def lone_surrogate_path(value: Any) -> str | None:
    """The field path of the first string or key holding a lone surrogate, else ``None``.

    ``""`` means the value itself. The common case (nothing wrong) is one
    C-speed encode; only a failing value is walked to name the field.
    """
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if not _is_utf8(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                if not _is_utf8(key):
                    return f"{path}.{ascii(key)}" if path else ascii(key)
                stack.append((f"{path}.{key}" if path else key, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return ""  # unreachable when json.dumps failed, but keep the answer truthful


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise StrictJSONError(f"the number {literal[:40]} is too large for a 64-bit float")
    return value


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
