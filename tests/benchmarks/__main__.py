"""Run the benchmarks: ``python -m tests.benchmarks`` (or ``make bench``) runs every one;
``python -m tests.benchmarks sandbox_room client`` runs only those named (``bench_`` dropped)."""

import importlib
import pkgutil
import sys

import tests.benchmarks as package

available = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
available = [name for name in available if name.startswith("bench_")]
wanted = [name if name.startswith("bench_") else f"bench_{name}" for name in sys.argv[1:]]
unknown = sorted(set(wanted) - set(available))
if unknown:
    names = ", ".join(name.removeprefix("bench_") for name in available)
    raise SystemExit(f"no benchmark named {', '.join(unknown)}; choose from: {names}")
for module in wanted or available:
    print(f"\n=== {module} ===")
    importlib.import_module(f"tests.benchmarks.{module}").main()
