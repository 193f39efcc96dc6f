"""Shared fixtures. Every test runs with a private kit home and no ZEGO settings from the
developer's environment, so a real .env or ledger on this machine can never leak in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: ZEGO's worked examples (signatures), each with the doc page it comes from. Kept in the
#: repository so a plain clone tests itself: no test reads anything beside the checkout.
KNOWN_ANSWERS = REPO_ROOT / "tests" / "data" / "known_answers.json"

_SETTING_PREFIXES = ("ZEGO_", "NEXT_PUBLIC_ZEGO_", "LLM_", "TTS_")
#: Variables that steer the tests themselves, not the kit: kept.
_TEST_CONTROLS = ("ZEGO_REQUIRE_BROWSER", "ZEGO_UPDATE_SCREENSHOTS")


@pytest.fixture(autouse=True)
def isolated_kit(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """A clean environment: no ZEGO/LLM/TTS variables, kit home in a temporary directory.

    Messages are in English whatever this machine's locale (``LANG=zh_CN.UTF-8`` would
    otherwise turn them Chinese); the tests of the Chinese set ``ZEGO_LANG`` themselves.
    A test that switched the language with ``set_language`` (or ``set_configured_language``,
    as ``start_notebook`` and the command line do) is switched back afterwards.
    """
    import os

    from zego_helpers import i18n

    for name in list(os.environ):
        if name.startswith(_SETTING_PREFIXES) and name not in _TEST_CONTROLS:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("kit_home")
    monkeypatch.setenv("ZEGO_KIT_HOME", str(home))
    monkeypatch.setenv("ZEGO_LANG", "en")
    yield home
    i18n.set_language(None)
    i18n.set_configured_language(None)


@pytest.fixture
def fresh_sandbox_info() -> Iterator[None]:
    """No remembered answer to "is this a sandbox?" before the test, nor after it.

    ``SandboxControl`` asks a service once and remembers (``forget_cached_info``); a test of
    that, or of what depends on it, starts and ends clean. Its modules ask for it with
    ``pytestmark = pytest.mark.usefixtures("fresh_sandbox_info")``.
    """
    from zego_helpers.sandbox_control import forget_cached_info

    forget_cached_info()
    yield
    forget_cached_info()


@pytest.fixture(scope="session")
def known_answers() -> dict[str, dict]:
    """The official worked examples from ``tests/data/known_answers.json``, by id."""
    return {item["id"]: item for item in json.loads(KNOWN_ANSWERS.read_text(encoding="utf-8"))}


# The notebook runs (sandbox under nbval, a stand-in for ZEGO, a room sandbox): made once per
# session when a test asks for one, and shared by tests/test_notebooks*.py.
from tests.notebook_runs import (  # noqa: E402, F401
    real_notebooks,
    real_notebooks_zh,
    room_notebooks,
    sandbox_notebooks,
    sandbox_notebooks_zh,
)
