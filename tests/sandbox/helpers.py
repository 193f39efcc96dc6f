"""Helpers for testing the sandbox on its own, with hand-signed HTTP requests.

Nothing here uses the kit's client or signing module: the signature is
computed with ``hashlib`` right here, so a misunderstanding shared by the
client and the sandbox cannot hide.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application

from zego_helpers.sandbox import RunningSandbox
from zego_helpers.sandbox.state import VOICE, Instance, SandboxState

TRIAL_URL = "https://ark.cn-beijing.volces.com/api/v3/chat/completions"
TRIAL_MODEL = "doubao-1-5-lite-32k-250115"

#: Fast defaults for tests: short thinking and speaking, no rate limit, quick sweeps.
FAST = {
    "think_ms": 5,
    "speech_ms_per_char": 1.0,
    "rate_limit_per_action": None,
    "sweep_interval": 0.02,
    "callback_backoff_scale": 0.01,
}


def trial_llm(**extra: Any) -> dict[str, Any]:
    return {"Url": TRIAL_URL, "ApiKey": "zego_test", "Model": TRIAL_MODEL, **extra}


def trial_tts(**extra: Any) -> dict[str, Any]:
    params = {"app": {"appid": "zego_test", "token": "zego_test"}}
    return {"Vendor": "ByteDanceV3", "Params": params, **extra}


def rtc(tag: str) -> dict[str, str]:
    return {
        "RoomId": f"room_{tag}",
        "AgentStreamId": f"agent_stream_{tag}",
        "AgentUserId": f"agent_{tag}",
        "UserStreamId": f"user_stream_{tag}",
    }


def create_voice_instance(
    state: SandboxState,
    *,
    agent_id: str,
    user_id: str,
    rtc: dict[str, str],
    limit: int,
    now: float,
    advanced: dict[str, Any] | None = None,
) -> Instance:
    """A voice call created straight in ``state`` (no HTTP), as plain as CreateAgentInstance
    allows: the agent's own LLM, TTS and ASR, no messages (window 10), no callbacks, no notes.

    ``limit``: the instance limit to check against; ``advanced``: its AdvancedConfig.
    """
    return state.create_instance(
        kind=VOICE,
        agent_id=agent_id,
        user_id=user_id,
        rtc=rtc,
        llm=None,
        tts=None,
        asr=None,
        messages=[],
        window_size=10,
        callback_config={},
        advanced={} if advanced is None else advanced,
        notes=[],
        limit=limit,
        now=now,
    )


def sign(app_id: int, nonce: str, secret: str, timestamp: int) -> str:
    return hashlib.md5(f"{app_id}{nonce}{secret}{timestamp}".encode()).hexdigest()


def wait_until(check: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class Api:
    """Hand-signed calls to one sandbox."""

    def __init__(self, base_url: str, app_id: int, secret: str) -> None:
        self.base_url = base_url
        self.app_id = app_id
        self.secret = secret
        self.session = requests.Session()

    def query(self, action: str, **overrides: Any) -> dict[str, Any]:
        """Signed query parameters; ``overrides`` replace (or with None, drop) any of them."""
        nonce = overrides.pop("nonce", secrets.token_hex(8))
        timestamp = overrides.pop("timestamp", int(time.time()))
        secret = overrides.pop("secret", self.secret)
        app_id = overrides.pop("app_id", self.app_id)
        query = {
            "Action": action,
            "AppId": str(app_id),
            "SignatureNonce": nonce,
            "Timestamp": str(timestamp),
            "Signature": sign(app_id, nonce, secret, timestamp),
            "SignatureVersion": "2.0",
        }
        query.update(overrides)
        return {k: v for k, v in query.items() if v is not None}

    def post(self, action: str, body: Any = None, *, data: bytes | None = None, **overrides):
        params = self.query(action, **overrides)
        if data is not None:
            return self.session.post(self.base_url + "/", params=params, data=data, timeout=10)
        return self.session.post(self.base_url + "/", params=params, json=body or {}, timeout=10)

    def call(self, action: str, body: Any = None, **overrides: Any) -> dict[str, Any]:
        """The envelope; checks its shape on every answer."""
        response = self.post(action, body, **overrides)
        envelope = response.json()
        assert set(envelope) == {"Code", "Message", "RequestId", "Data"}, envelope
        assert envelope["RequestId"].isdigit(), envelope
        return envelope

    def ok(self, action: str, body: Any = None) -> Any:
        envelope = self.call(action, body)
        assert envelope["Code"] == 0, envelope
        return envelope["Data"]

    def fails(self, action: str, body: Any, code: int, **overrides: Any) -> str:
        """Assert that ``action`` fails with ``code``; return the Message."""
        envelope = self.call(action, body, **overrides)
        assert envelope["Code"] == code, envelope
        assert envelope["Data"] is None
        return envelope["Message"]

    # conveniences
    def register(self, agent_id: str = "agent_1", **extra: Any) -> str:
        body = {"AgentId": agent_id, "Name": "Tester", "LLM": trial_llm(), "TTS": trial_tts()}
        self.ok("RegisterAgent", {**body, **extra})
        return agent_id

    def create(self, tag: str = "1", agent_id: str = "agent_1", **extra: Any) -> str:
        body = {
            "AgentId": agent_id,
            "UserId": f"user_{tag}",
            "RTC": rtc(tag),
            "MessageHistory": {"SyncMode": 1, "Messages": [], "WindowSize": 10},
        }
        return self.ok("CreateAgentInstance", {**body, **extra})["AgentInstanceId"]

    def status(self, instance_id: str) -> str:
        return self.ok("QueryAgentInstanceStatus", {"AgentInstanceId": instance_id})["Status"]

    def history(self, instance_id: str) -> list[dict[str, str]]:
        data = self.ok("GetAgentInstanceMsgList", {"AgentInstanceId": instance_id})
        assert data["Total"] == len(data["MessageList"])
        return data["MessageList"]

    def events(self, instance_id: str | None = None, name: str | None = None) -> list[dict]:
        body = {"AgentInstanceId": instance_id} if instance_id else {}
        events = self.ok("SandboxGetEvents", body)["Events"]
        return [e for e in events if name is None or e["Event"] == name]

    def wait_event(self, instance_id: str | None, name: str, timeout: float = 5.0) -> dict:
        return wait_until(
            lambda: next(iter(self.events(instance_id, name)), None), timeout, f"event {name}"
        )


def api_for(sandbox: RunningSandbox) -> Api:
    return Api(sandbox.base_url, sandbox.app_id, sandbox.server_secret)


class LocalServer:
    """A throwaway Tornado app on 127.0.0.1 in its own thread (fake LLMs, callback receivers)."""

    def __init__(self, handlers: list) -> None:
        sockets = bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self.base_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)

            async def setup() -> None:
                self._server = HTTPServer(Application(handlers))
                self._server.add_sockets(sockets)

            loop.run_until_complete(setup())
            self._loop = loop
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait()

    def stop(self) -> None:
        async def shutdown() -> None:
            self._server.stop()
            await self._server.close_all_connections()
            asyncio.get_running_loop().stop()

        self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(shutdown()))
        self._thread.join(5)
        assert not self._thread.is_alive()
