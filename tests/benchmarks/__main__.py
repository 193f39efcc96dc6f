"""Run every benchmark: ``python -m tests.benchmarks`` (or ``make bench``)."""

import importlib
import pkgutil

import tests.benchmarks as package

for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
    if module.startswith("bench_"):
        print(f"\n=== {module} ===")
        importlib.import_module(f"tests.benchmarks.{module}").main()
