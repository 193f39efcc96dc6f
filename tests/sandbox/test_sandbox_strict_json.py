"""Strict JSON parsing, the sandbox's first line against hostile bodies and damaged files."""

from __future__ import annotations

import re

import pytest

from zego_helpers.sandbox.strict_json import (
    MAX_JSON_DEPTH,
    StrictJSONError,
    loads_strict,
    nesting_depth,
)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("{}", 1),
        ('[{"a": [1, {"b": []}]}]', 5),
        ('{"a": "[[[[{{{{"}', 1),  # brackets inside strings do not count
        ('{"a": "\\"[[[", "b": ["\\\\"]}', 2),  # nor after escaped quotes
        ('[[["unterminated [[[[[[', 3),  # the scan ends where the parser would fail
    ],
)
def test_nesting_depth_counts_only_structure(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


def test_the_depth_limit_is_exact() -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads_strict(at_limit) is not None
    with pytest.raises(StrictJSONError, match=f"nested {MAX_JSON_DEPTH + 1} levels"):
        loads_strict("[" + at_limit + "]")
    with pytest.raises(StrictJSONError, match="nested 1000000 levels"):
        loads_strict(b"{" * 1_000_000)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b'{"Text": "a\\ud800b"}', "Text holds a lone surrogate"),
        (b'{"A": [{"B": "\\udfff"}]}', "A[0].B holds a lone surrogate"),
        (b'{"\\ud800": 1}', "holds a lone surrogate"),
        ('"raw \ud800 surrogate"', "lone surrogate"),
        (b'"\xed\xa0\x80"', "not UTF-8 text (byte 1 is 0xed)"),
        (b"\xff", "not UTF-8 text (byte 0 is 0xff)"),
        (b'\xef\xbb\xbf{"a": 1}', "byte order mark"),
        (b"NaN", "NaN is not a JSON number"),
        (b"[-Infinity]", "-Infinity is not a JSON number"),
        (b"1e400", "too large for a 64-bit float"),
        (b"1" * 5000, "not valid JSON"),
        (b'{"a": 1,}', "not valid JSON"),
    ],
)
def test_what_is_not_strict_json_is_refused_with_a_reason(data, says: str) -> None:
    with pytest.raises(StrictJSONError, match=re.escape(says)):
        loads_strict(data)


def test_valid_unicode_and_escaped_backslashes_are_fine() -> None:
    assert loads_strict('{"a": "\\ud83d\\ude00 Zoë"}'.encode()) == {"a": "\U0001f600 Zoë"}
    assert loads_strict(b'{"a": "\\\\ud800"}') == {"a": "\\ud800"}  # text, not an escape
    assert loads_strict(b'{"n": 1.5e3, "i": 12345678901234567890}') == {
        "n": 1500.0,
        "i": 12345678901234567890,
    }
