"""How long ``import zego_helpers`` takes in a fresh interpreter (aim: < 0.3 s).

Run: ``python -m tests.benchmarks.bench_import``

Baseline in the same run: a fresh interpreter that imports nothing (``pass``),
so the ratio and the difference show the package's own cost.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7


def _fresh(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> dict[str, float]:
    baseline = statistics.median(_fresh("pass") for _ in range(RUNS))
    package = statistics.median(_fresh("import zego_helpers") for _ in range(RUNS))
    first_use = statistics.median(
        _fresh("import zego_helpers; zego_helpers.AIAgentClient") for _ in range(RUNS)
    )
    print(f"Interpreter start, median of {RUNS}:        {baseline * 1000:7.1f} ms")
    print(f"... + import zego_helpers:                 {package * 1000:7.1f} ms")
    print(f"... + first use of AIAgentClient:          {first_use * 1000:7.1f} ms")
    print(f"  import cost = {(package - baseline) * 1000:.1f} ms  (aim < 300 ms)")
    print(f"  ratio import / bare interpreter = {package / baseline:.2f}")
    return {"import_seconds": package - baseline, "client_import_seconds": first_use - baseline}


if __name__ == "__main__":
    main()
