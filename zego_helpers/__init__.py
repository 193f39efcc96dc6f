"""zego_helpers: a small, readable toolkit for ZEGO's real-time AI Agent server API.

Start here::

    from zego_helpers import connect
    client = connect()          # real service with credentials, local sandbox without
    client.list_agents()

The names below are plain imports, so an editor and a type checker see each
one as what it is. ``import zego_helpers`` stays fast anyway: the HTTP and
crypto libraries (``requests``, ``cryptography``) load only when a request is
sent or a token made.

The top level of the package is the protocol core (no Jupyter, no Tornado);
notebook helpers live in :mod:`zego_helpers.tutorial`, widgets in
:mod:`zego_helpers.widgets`, commands in :mod:`zego_helpers.cli`.
"""

from __future__ import annotations

from . import _moved
from .client import AIAgentClient
from .connect import connect, signing_credentials
from .errors import (
    AlreadyExistsError,
    APITimeoutError,
    ConfigError,
    HTTPStatusError,
    LimitReachedError,
    NotFoundError,
    SignatureError,
    TransportError,
    ValidationError,
    ZegoAPIError,
    ZegoError,
)
from .ids import CallIds, make_agent_id, make_call_ids, namespace_prefix
from .ledger import Ledger
from .models import (
    ASR,
    LLM,
    RTC,
    TTS,
    VAD,
    AdvancedConfig,
    CallbackConfig,
    DigitalHuman,
    Message,
    MessageHistory,
)
from .secrets_mask import mask_secrets
from .settings import Settings, load_settings
from .token04 import decode_token04, generate_token04, privilege_payload
from .transport import Clock, FakeClock, MockTransport, Transport
from .workflows import AgentSession, ask, ensure_agent

_moved.install()

__all__ = [
    "AIAgentClient",
    "APITimeoutError",
    "ASR",
    "AdvancedConfig",
    "AgentSession",
    "AlreadyExistsError",
    "CallIds",
    "CallbackConfig",
    "Clock",
    "ConfigError",
    "DigitalHuman",
    "FakeClock",
    "HTTPStatusError",
    "LLM",
    "Ledger",
    "LimitReachedError",
    "Message",
    "MessageHistory",
    "MockTransport",
    "NotFoundError",
    "RTC",
    "Settings",
    "SignatureError",
    "TTS",
    "Transport",
    "TransportError",
    "VAD",
    "ValidationError",
    "ZegoAPIError",
    "ZegoError",
    "ask",
    "connect",
    "decode_token04",
    "ensure_agent",
    "generate_token04",
    "load_settings",
    "make_agent_id",
    "make_call_ids",
    "mask_secrets",
    "namespace_prefix",
    "privilege_payload",
    "signing_credentials",
]
