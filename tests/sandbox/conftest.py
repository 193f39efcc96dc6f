"""Fixtures for the sandbox tests: fast sandboxes, stopped (threads gone) after each test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox

from .helpers import FAST, Api, api_for


@pytest.fixture
def start() -> Iterator[Callable[..., RunningSandbox]]:
    """``start(**config)`` starts a sandbox (fast test defaults); all are stopped afterwards."""
    started: list[RunningSandbox] = []

    def _start(**options: Any) -> RunningSandbox:
        options = {**FAST, **options}
        if "app_id" in options:
            config = SandboxConfig(**options)
        else:
            config = SandboxConfig.with_random_credentials(**options)
        sandbox = start_sandbox(config)
        started.append(sandbox)
        return sandbox

    yield _start
    for sandbox in started:
        sandbox.stop()
    names = {f"zego-sandbox-{sandbox.port}" for sandbox in started}
    assert not [t for t in threading.enumerate() if t.name in names], "a sandbox thread lingers"


@pytest.fixture
def sandbox(start: Callable[..., RunningSandbox]) -> RunningSandbox:
    return start()


@pytest.fixture
def api(sandbox: RunningSandbox) -> Api:
    return api_for(sandbox)


@pytest.fixture
def agent(api: Api) -> str:
    return api.register()


@pytest.fixture
def instance(api: Api, agent: str) -> str:
    return api.create()
