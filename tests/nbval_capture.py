"""An nbval plugin that keeps each cell's fresh outputs (``-p tests.nbval_capture``).

nbval compares only the cells tagged ``nbval-check-output`` and keeps the
outputs to itself (``item.test_outputs``). This hook appends them, one JSON
line per cell with the notebook's path, to the file named by
``ZEGO_TEST_NBVAL_OUTPUTS``, so that the notebook tests can read what every
cell showed (see :func:`tests.notebook_runs.make_sandbox_run`). Without that
variable it does nothing.
"""

from __future__ import annotations

import json
import os
from typing import Any

CAPTURE_ENV = "ZEGO_TEST_NBVAL_OUTPUTS"


def pytest_runtest_makereport(item: Any, call: Any) -> None:
    path = os.environ.get(CAPTURE_ENV)
    outputs = getattr(item, "test_outputs", None)
    if call.when != "call" or not path or outputs is None:
        return
    record = {"file": str(item.fspath), "cell": item.name, "outputs": outputs}
    with open(path, "a", encoding="utf-8") as capture:
        capture.write(json.dumps(record) + "\n")
