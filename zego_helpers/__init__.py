"""zego_helpers: a small, readable toolkit for ZEGO's real-time AI Agent server API.

Start here::

    from zego_helpers import connect
    client = connect()          # real service with credentials, local sandbox without
    client.list_agents()

Names are imported lazily so that ``import zego_helpers`` stays fast: the
HTTP and crypto libraries load only when you first use something that needs
them.
"""

from __future__ import annotations

import importlib
from typing import Any

# ``connect`` shares its name with its module, so it is bound eagerly: a lazy
# name would be shadowed by the submodule once anything imports
# ``zego_helpers.connect``. The module itself imports nothing heavy.
from .connect import connect as connect

# public name -> module that defines it
_EXPORTS = {
    "load_settings": "settings",
    "Settings": "settings",
    "AIAgentClient": "client",
    "AgentSession": "workflows",
    "ensure_agent": "workflows",
    "ask": "workflows",
    "Ledger": "ledger",
    "LLM": "models",
    "TTS": "models",
    "ASR": "models",
    "RTC": "models",
    "VAD": "models",
    "Message": "models",
    "MessageHistory": "models",
    "CallbackConfig": "models",
    "AdvancedConfig": "models",
    "DigitalHuman": "models",
    "CallIds": "ids",
    "make_call_ids": "ids",
    "make_agent_id": "ids",
    "namespace_prefix": "ids",
    "generate_token04": "token04",
    "decode_token04": "token04",
    "mask_secrets": "secrets_mask",
    "privilege_payload": "token04",
    "ZegoError": "errors",
    "ZegoAPIError": "errors",
    "ConfigError": "errors",
    "ValidationError": "errors",
    "TransportError": "errors",
    "SignatureError": "errors",
    "NotFoundError": "errors",
    "AlreadyExistsError": "errors",
    "LimitReachedError": "errors",
}

__all__ = sorted([*_EXPORTS, "connect"])


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'zego_helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
