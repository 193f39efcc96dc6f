"""The kit's client never reuses a SignatureNonce, not even when it retries.

A nonce used twice is a replay to a strict server (the sandbox refuses it), so
every attempt must carry a fresh one. Checked against a scripted server that
records every query, and against the sandbox with injected failures.
"""

from __future__ import annotations

import hashlib
import re

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers.sandbox import SandboxConfig, start_sandbox
from zego_helpers.transport import RetryPolicy, SignedTransport

APP_ID = 1234567
SECRET = "0123456789abcdef0123456789abcdef"
FAST_RETRIES = RetryPolicy(max_retries=4, backoff_seconds=0.001, max_backoff_seconds=0.001)


def test_every_attempt_has_its_own_nonce_and_a_signature_made_with_it() -> None:
    with FakeZego() as server:
        # Each call: an "expired" signature (re-signed once), a gateway error, an HTTP 503,
        # then success.
        for _ in range(30):
            server.script += [
                Reply(body=envelope(code=100000004, message="signature expired")),
                Reply(body=envelope(code=100000015, message="gateway busy")),
                Reply(status=503, body={"error": "busy"}),
                Reply(),
            ]
        transport = SignedTransport(
            APP_ID, SECRET, server.url, retry=FAST_RETRIES, requests_per_second=None
        )
        for _ in range(30):
            transport.call("ListAgents", {})
        transport.close()
    queries = [r.query for r in server.requests]
    assert len(queries) == 120  # every retry really happened
    nonces = [q["SignatureNonce"] for q in queries]
    assert len(set(nonces)) == len(nonces)
    for query in queries:
        assert re.fullmatch(r"[0-9a-f]{16}", query["SignatureNonce"])
        material = f"{APP_ID}{query['SignatureNonce']}{SECRET}{query['Timestamp']}"
        assert query["Signature"] == hashlib.md5(material.encode()).hexdigest()


def test_the_client_is_never_refused_as_a_replay_by_the_sandbox() -> None:
    config = SandboxConfig.with_random_credentials(
        failure_rate=0.3, random_seed=7, rate_limit_per_action=None
    )
    sandbox = start_sandbox(config)
    try:
        transport = SignedTransport(
            sandbox.app_id,
            sandbox.server_secret,
            sandbox.base_url,
            retry=RetryPolicy(max_retries=20, backoff_seconds=0.001, max_backoff_seconds=0.001),
            requests_per_second=None,
        )
        for _ in range(100):  # about 43 injected failures, each retried with a new nonce
            transport.call("ListAgents", {})
        transport.close()
        assert len(sandbox._server.replay_guard) > 100  # the guard saw every attempt
    finally:
        sandbox.stop()
