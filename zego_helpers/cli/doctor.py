"""``python -m zego_helpers doctor``: print the checklist of :mod:`zego_helpers.diagnostics`.

The checks themselves live in the core (``diagnostics.py``, no printing), so
notebook 00's setup table and this command show the same results.
"""

from __future__ import annotations

from ..diagnostics import run_doctor
from ..settings import Settings


def print_doctor(settings: Settings | None = None) -> int:
    """Run the checks, print one line each (with the fix when one fails); 0 when all pass."""
    checks = run_doctor(settings)
    for check in checks:
        print(check.line())
    return 0 if all(c.ok for c in checks) else 1
