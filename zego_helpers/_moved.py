"""Old import paths of modules that moved into a layer package, kept for one release.

``import zego_helpers.form_logic`` (and the other paths in :data:`MOVED`)
still works: it gives the module at its new home, *the same module object*,
and warns with a :class:`DeprecationWarning` that names the new path. No file
is left at the old path; an import hook answers for it, so a reader browsing
the package sees only the current layout.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # importlib.abc costs 20 ms to import; the hook needs only its shape
    from importlib.abc import Loader

#: old dotted path -> new dotted path
MOVED = {
    "zego_helpers.form_logic": "zego_helpers.tutorial.form_logic",
    "zego_helpers.progress": "zego_helpers.tutorial.progress",
    "zego_helpers.exercises": "zego_helpers.tutorial.exercises",
    "zego_helpers.troubleshooting": "zego_helpers.tutorial.troubleshooting",
    "zego_helpers.workshop": "zego_helpers.tutorial.workshop",
    "zego_helpers.doctor": "zego_helpers.diagnostics",
    "zego_helpers.cleanup": "zego_helpers.cli.cleanup",
    "zego_helpers.workshop_cli": "zego_helpers.cli.preflight",
    "zego_helpers.sandbox.cli": "zego_helpers.cli.sandbox",
    "zego_helpers.callbacks.cli": "zego_helpers.cli.callbacks",
}


class _AliasLoader:
    """Loads an old path by handing out the module at its new path."""

    def __init__(self, new_name: str) -> None:
        self.new_name = new_name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # a placeholder module; exec_module swaps in the real one

    def exec_module(self, module: ModuleType) -> None:
        old_name = module.__name__
        warnings.warn(
            f"{old_name} moved to {self.new_name}; import it from there "
            "(the old path goes away in the next release)",
            DeprecationWarning,
            # warnings skips the import machinery's frames: 2 is the user's import line
            stacklevel=2,
        )
        # The import system hands out whatever sys.modules holds once this returns.
        sys.modules[old_name] = importlib.import_module(self.new_name)


class _MovedModuleFinder:
    """A ``sys.meta_path`` finder that knows only the old paths."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        new_name = MOVED.get(fullname)
        if new_name is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, cast("Loader", _AliasLoader(new_name)))


def install() -> None:
    """Answer for the old paths (idempotent)."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MovedModuleFinder())
