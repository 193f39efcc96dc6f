"""Notebook widgets (ipywidgets / anywidget) for the tutorial kit.

Everything here is imported lazily, so ``import zego_helpers`` never loads
ipywidgets or anywidget: only using a widget does. To add a widget, add its
name and module to ``_EXPORTS``.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module (in this package) that defines it
_EXPORTS = {
    "CallWidget": "call_widget",
    "CallWidgetError": "call_widget",
    "call_widget_for": "tutorial_call",
    "CredentialsForm": "forms",
    "LLMForm": "forms",
    "TTSForm": "forms",
    "ASRForm": "forms",
    "RegisterPanel": "forms",
    "InstanceForm": "forms",
    "ChatPanel": "chat",
    "StatusIndicator": "status",
    "ProgressWidget": "progress",
    "show_progress": "progress",
    "mode_banner": "setup",
    "doctor_checklist": "setup",
    "checks_summary": "setup",
    "EventView": "event_view",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'zego_helpers.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
