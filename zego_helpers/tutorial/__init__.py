"""What only the notebooks need, on top of the core.

* :mod:`~zego_helpers.tutorial.handoffs`: how the numbered notebooks hand
  work to each other (the shared agent id, the tutorial instance notebook 02
  hands off); its functions are importable from here, ``from
  zego_helpers.tutorial import tutorial_agent_id``;
* :mod:`~zego_helpers.tutorial.form_logic`: the plain functions behind the forms;
* :mod:`~zego_helpers.tutorial.progress`: the progress checklist;
* :mod:`~zego_helpers.tutorial.exercises`: the exercise checks;
* :mod:`~zego_helpers.tutorial.troubleshooting`: notebook 06's drills;
* :mod:`~zego_helpers.tutorial.local_llm` and :mod:`~zego_helpers.tutorial.turns`:
  notebook 07's LLM server in the kernel, and what became of an LLM turn;
* :mod:`~zego_helpers.tutorial.marks`: state marks that need no emoji font;
* :mod:`~zego_helpers.tutorial.workshop`: helpers for a room full of people.

The arrows point inward: widgets use this package, this package uses the
core, and neither the core nor this package imports a widget.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from ..agent_defaults import default_agent_config
from .handoffs import (
    HandedOff,
    call_ids_of,
    delete_previous_try,
    hand_off,
    handed_off,
    instance_status,
    register_if_missing,
    server_secret_for,
    take_back,
    tutorial_agent_id,
    tutorial_agent_name,
    tutorial_instance,
)

__all__ = [
    "HandedOff",
    "call_ids_of",
    "default_agent_config",
    "delete_previous_try",
    "hand_off",
    "handed_off",
    "instance_status",
    "register_if_missing",
    "server_secret_for",
    "take_back",
    "tutorial_agent_id",
    "tutorial_agent_name",
    "tutorial_instance",
]

#: Names that moved out of this package: old name -> module that has it now.
_MOVED = {"call_widget_for": "zego_helpers.widgets.tutorial_call"}


def __getattr__(name: str) -> Any:
    """``zego_helpers.tutorial.call_widget_for`` still works for one release, with a warning.

    (The widget layer sits above this one, so the function moved to
    :mod:`zego_helpers.widgets.tutorial_call`; it is loaded only when asked for.)
    """
    new_home = _MOVED.get(name)
    if new_home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"zego_helpers.tutorial.{name} moved to {new_home}.{name}; "
        "the old name goes away in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    value = getattr(importlib.import_module(new_home), name)
    globals()[name] = value  # warn once: ``from ... import`` asks twice
    return value
