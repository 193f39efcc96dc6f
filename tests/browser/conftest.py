"""Fixtures for the browser tests: one headless Chromium for the whole session."""

from __future__ import annotations

import pytest
from browser_support import FAKE_MEDIA_ARGS, INSECURE_HOST_ARGS, chromium


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Playwright ``Browser``) with a fake microphone."""
    with chromium(extra_args=(*FAKE_MEDIA_ARGS, *INSECURE_HOST_ARGS)) as launched:
        yield launched
