"""Fixtures for the browser tests: one Playwright driver and one headless Chromium for all."""

from __future__ import annotations

import pytest
from browser_support import FAKE_MEDIA_ARGS, INSECURE_HOST_ARGS, chromium, playwright_session


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's driver; other browsers (other flags) are launched from it too."""
    with playwright_session() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """A headless Chromium (Playwright ``Browser``) with a fake microphone."""
    with chromium(
        playwright_driver, extra_args=(*FAKE_MEDIA_ARGS, *INSECURE_HOST_ARGS)
    ) as launched:
        yield launched
