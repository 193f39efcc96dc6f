"""The layers, enforced: which package may import which.

* the **core** (top-level modules of ``zego_helpers``) imports no Jupyter, no
  Tornado and none of the layer packages around it; it may start the sandbox
  only from inside a function (``connect()``), never on import;
* the **sandbox** never imports the client, so the two can disagree and a test
  can catch either;
* **widgets** import no command; **tutorial** imports no widget or command;
  the **callbacks** package imports no client, tutorial, widget or command.

Two checks: a static scan of every import statement in every module (also
those inside functions), and a fresh interpreter that imports the whole core
and then looks at ``sys.modules``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "zego_helpers"
UI_LIBRARIES = ("ipywidgets", "IPython", "anywidget", "traitlets", "tornado")
LAYERS = ("tutorial", "widgets", "cli", "sandbox", "callbacks")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(absolute module name, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        at_top = id(node) in top_level
        if isinstance(node, ast.Import):
            found += [(alias.name, at_top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, at_top))
            # ``from . import x`` and ``from .. import x`` import the submodules x
            if not node.module:
                found += [(f"{target}.{alias.name}", at_top) for alias in node.names]
    return found


def layer_of(name: str) -> str:
    parts = name.split(".")
    if parts[0] != "zego_helpers":
        return "outside"
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "core"


def modules(layer: str) -> list[Path]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if name == "zego_helpers.__main__":  # the command-line entry point belongs to cli
            continue
        if layer_of(name) == layer:
            found.append(path)
    return found


def test_the_scan_sees_every_module_and_every_layer():
    assert len(modules("core")) >= 15
    for layer in LAYERS:
        assert modules(layer), layer
    client_imports = dict(imports_of(PACKAGE / "client.py"))
    assert "zego_helpers.transport" in client_imports  # relative imports are resolved


def _starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_core_imports_no_jupyter_no_tornado_and_no_layer_around_it():
    outer = ("tutorial", "widgets", "cli")
    banned = UI_LIBRARIES + tuple(f"zego_helpers.{layer}" for layer in outer)
    on_import_only = ("zego_helpers.sandbox", "zego_helpers.callbacks")  # fine inside a function
    problems = []
    for path in modules("core"):
        for target, at_top in imports_of(path):
            if _starts(target, banned) or (at_top and _starts(target, on_import_only)):
                problems.append(f"{module_name(path)} imports {target}")
    assert problems == []


@pytest.mark.parametrize(
    ("layer", "banned"),
    [
        ("sandbox", ("zego_helpers.client", "zego_helpers.transport", "zego_helpers.workflows")),
        ("widgets", ("zego_helpers.cli",)),
        ("tutorial", ("zego_helpers.widgets", "zego_helpers.cli") + UI_LIBRARIES),
        (
            "callbacks",
            ("zego_helpers.client", "zego_helpers.tutorial", "zego_helpers.widgets")
            + ("zego_helpers.cli", "ipywidgets", "anywidget"),
        ),
        ("cli", ("zego_helpers.widgets", "zego_helpers.tutorial") + UI_LIBRARIES[:4]),
    ],
)
def test_each_layer_points_inward_only(layer, banned):
    problems = [
        f"{module_name(path)} imports {target}"
        for path in modules(layer)
        for target, _ in imports_of(path)
        if _starts(target, banned)
    ]
    assert problems == []


def test_importing_the_whole_core_loads_no_jupyter_tornado_or_layer_package():
    core = [module_name(p) for p in modules("core")]
    code = textwrap.dedent(
        f"""
        import importlib, json, sys
        for name in {core!r}:
            importlib.import_module(name)
        print(json.dumps(sorted(sys.modules)))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    banned = UI_LIBRARIES + tuple(f"zego_helpers.{layer}" for layer in LAYERS)
    assert [m for m in loaded if _starts(m, banned)] == []
    assert "zego_helpers.transport" in loaded and "zego_helpers.diagnostics" in loaded


def test_the_front_door_loads_neither_requests_nor_cryptography():
    code = "import sys, zego_helpers; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
        "('requests', 'urllib3', 'cryptography', 'dotenv', 'psutil')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- old import paths, kept for one release --------------------------------------------------


def test_every_old_path_still_imports_the_moved_module_with_a_deprecation_warning(tmp_path):
    from zego_helpers._moved import MOVED

    lines = ["import importlib, json, sys, warnings", "report = {}"]
    for old, new in MOVED.items():  # one plain import statement per old path, as a user wrote it
        lines += [
            "with warnings.catch_warnings(record=True) as caught:",
            "    warnings.simplefilter('always')",
            f"    import {old}",
            f"report[{old!r}] = [sys.modules[{old!r}] is importlib.import_module({new!r}),",
            "    [(str(w.message), w.filename) for w in caught",
            "     if w.category is DeprecationWarning]]",
        ]
    lines += [
        "with warnings.catch_warnings(record=True) as caught:",
        "    warnings.simplefilter('always')",
        "    from zego_helpers.tutorial import call_widget_for",
        "from zego_helpers.widgets.tutorial_call import call_widget_for as moved",
        "report['call_widget_for'] = [call_widget_for is moved,",
        "    [(str(w.message), w.filename) for w in caught",
        "     if w.category is DeprecationWarning]]",
        "print(json.dumps(report))",
    ]
    script = tmp_path / "old_imports.py"
    script.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    report = json.loads(out.stdout)
    expected = {**MOVED, "call_widget_for": "zego_helpers.widgets.tutorial_call"}
    for old, new in expected.items():
        same, warned = report[old]
        assert same, old
        assert len(warned) == 1, (old, warned)
        message, filename = warned[0]
        assert new in message and "next release" in message
        # the warning points at the user's import line, not at the import machinery
        assert filename == str(script), (old, filename)


def test_the_cli_package_keeps_the_old_entry_points():
    code = "import warnings; warnings.simplefilter('error'); from zego_helpers.cli import main"
    subprocess.run([sys.executable, "-c", code], check=True)
    help_text = subprocess.run(
        [sys.executable, "-m", "zego_helpers", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("doctor", "token", "agents", "cleanup", "sandbox", "callbacks", "preflight"):
        assert command in help_text
