"""Receive ZEGO's callbacks, check them, and see what your agent is doing.

A created instance reports what happens to it only through callbacks: the
user's words (``ASRResult``), the LLM's answer (``LLMResult``), its status,
and above all ``Exception`` events, the only clue when an agent stays silent
(2203: the LLM rejected its key). The pieces, each in its own small module:

* ``events.py``      :class:`CallbackEvent`, lenient parsing, :func:`short_meaning`
* ``body.py``        decoding the HTTP body (JSON, or URL-encoded JSON)
* ``verify.py``      the signature check: callback secret, else ServerSecret
* ``event_log.py``   :class:`EventLog`: de-duplicated, bounded, with live listeners
* ``receiver.py``    :class:`CallbackReceiver`: the HTTP endpoint, in a background thread
* ``exception_table.py``  every exception code with its meaning and fix
* ``cli.py``         ``.venv/bin/zego-kit callbacks``

The receiver loads Tornado, so it is imported only when first used.
"""

from __future__ import annotations

from typing import Any

from .event_log import EventLog
from .events import CallbackEvent, Latency, format_line, latency_of, parse_callback, short_meaning
from .verify import CallbackRejected, CallbackSecrets, CallbackVerifier

__all__ = [
    "CallbackEvent",
    "CallbackReceiver",
    "CallbackRejected",
    "CallbackSecrets",
    "CallbackVerifier",
    "EventLog",
    "Latency",
    "format_line",
    "latency_of",
    "parse_callback",
    "short_meaning",
]


def __getattr__(name: str) -> Any:
    if name == "CallbackReceiver":
        from .receiver import CallbackReceiver

        return CallbackReceiver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
