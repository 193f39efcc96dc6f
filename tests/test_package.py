"""The package's public surface: names resolve to what they say, and importing it stays light."""

import subprocess
import sys

import zego_helpers


def test_connect_is_the_function_even_after_its_module_was_imported():
    import zego_helpers.connect  # noqa: F401  (what cli.py and doctor.py do)
    from zego_helpers import connect

    assert callable(connect) and connect.__module__ == "zego_helpers.connect"


def test_every_public_name_resolves():
    for name in zego_helpers.__all__:
        assert getattr(zego_helpers, name) is not None, name


def test_import_loads_no_http_crypto_or_widget_library():
    code = (
        "import sys, zego_helpers; "
        "print(sorted(m for m in ('requests', 'cryptography', 'ipywidgets', 'tornado', 'dotenv') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_widget_name_resolves_to_its_module():
    import importlib

    import zego_helpers.widgets as widgets

    for name, module in widgets._EXPORTS.items():
        defined = getattr(importlib.import_module(f"zego_helpers.widgets.{module}"), name)
        assert getattr(widgets, name) is defined, name
    assert {"show_progress", "ProgressWidget", "ChatPanel"} <= set(widgets.__all__)
