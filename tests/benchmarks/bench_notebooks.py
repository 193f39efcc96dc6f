"""How long *Run All* takes for the numbered notebooks (sandbox mode), against kernel starts.

Run: ``python -m tests.benchmarks.bench_notebooks [rounds]``

* **suite**: every numbered notebook in order, each in a fresh kernel, sharing one fresh kit
  home (no credentials, no ``.env``), as ``make test`` runs them;
* **baseline**: as many empty notebooks (one ``pass`` cell), run the same way, so
  the cost of starting and stopping that many kernels.

Rounds are interleaved so machine noise hits both alike. The aim is a suite
under 60 s on a 2-core machine; the ratio says how much of it is the
notebooks' own work rather than kernel start-up.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tests.notebook_runs import NOTEBOOK_DIR, NOTEBOOKS, notebook_client, notebook_env

AIM_SECONDS = 60.0


def _run(notebook: nbformat.NotebookNode) -> float:
    started = time.perf_counter()
    notebook_client(notebook).execute()
    return time.perf_counter() - started


def _with_clean_env(kit_home: Path) -> dict[str, str]:
    """Switch this process's environment (kernels inherit it) to a clean sandbox setup."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(notebook_env(kit_home))
    return saved


def run_suite() -> dict[str, float]:
    """Seconds per notebook for one Run All of each, in order, with a fresh kit home."""
    with tempfile.TemporaryDirectory() as home:
        saved = _with_clean_env(Path(home))
        try:
            return {
                name: _run(nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4))
                for name in NOTEBOOKS
            }
        finally:
            os.environ.clear()
            os.environ.update(saved)


def run_baseline(count: int = len(NOTEBOOKS)) -> float:
    """Seconds to run ``count`` empty notebooks (kernel start and stop), as many as the suite."""
    with tempfile.TemporaryDirectory() as home:
        saved = _with_clean_env(Path(home))
        try:
            empty = new_notebook(cells=[new_code_cell("pass")])
            empty.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
            return sum(_run(nbformat.from_dict(empty)) for _ in range(count))
        finally:
            os.environ.clear()
            os.environ.update(saved)


def main(rounds: int = 3) -> dict[str, float]:
    suites: list[dict[str, float]] = []
    baselines: list[float] = []
    run_baseline(1)  # warm-up, not counted: the first kernel start pays for cold caches
    for _ in range(rounds):
        baselines.append(run_baseline())
        suites.append(run_suite())
    totals = [sum(s.values()) for s in suites]
    suite, baseline = statistics.median(totals), statistics.median(baselines)
    print(f"rounds: {rounds} (medians below)")
    for name in NOTEBOOKS:
        print(f"  {name:<22} {statistics.median(s[name] for s in suites):6.2f} s")
    print(f"suite, {len(NOTEBOOKS)} notebooks:      {suite:6.2f} s   (aim: < {AIM_SECONDS:.0f} s)")
    print(f"baseline ({len(NOTEBOOKS)} empty kernels): {baseline:6.2f} s")
    print(f"ratio suite / baseline:    {suite / baseline:6.2f}x")
    print(f"notebooks' own work:       {suite - baseline:6.2f} s")
    return {"suite_seconds": suite, "baseline_seconds": baseline, "ratio": suite / baseline}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
