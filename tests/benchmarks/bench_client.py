"""Client overhead per call, against raw ``requests`` to the same local server, in one run.

Run: ``python -m tests.benchmarks.bench_client``

Three ways to send the same signed ListAgents request to a local server:

* ``requests.post``: a bare call, new connection each time (what a quick script does);
* ``Session.post``: a bare call on a keep-alive session (the fairest baseline);
* ``client``: ``AIAgentClient.list_agents`` (validation, fresh signature,
  envelope parsing, logging; pacing off so that the loop measures overhead only).

The three are interleaved in rounds so machine noise hits them alike, and the
medians are compared as ratios.
"""

from __future__ import annotations

import statistics
import time

import requests

from tests.fake_zego import FakeZego, Reply, envelope
from zego_helpers.client import AIAgentClient
from zego_helpers.signing import signed_query

APP_ID = 1234567890
SECRET = "fedcba9876543210fedcba9876543210"
ROUNDS = 15
CALLS_PER_ROUND = 40


def _time_calls(fn) -> float:
    started = time.perf_counter()
    for _ in range(CALLS_PER_ROUND):
        fn()
    return (time.perf_counter() - started) / CALLS_PER_ROUND


def main() -> dict[str, float]:
    reply = Reply(body=envelope({"Total": 0, "Agents": [], "Cursor": ""}))
    with FakeZego(lambda _r: reply) as server:
        url = server.url + "/"
        body = {"Limit": 10, "Cursor": ""}
        session = requests.Session()
        client = AIAgentClient(APP_ID, SECRET, server.url, requests_per_second=None)

        def bare_post():
            q = signed_query("ListAgents", APP_ID, SECRET)
            requests.post(url, params=q, json=body, timeout=5).json()

        def session_post():
            q = signed_query("ListAgents", APP_ID, SECRET)
            session.post(url, params=q, json=body, timeout=5).json()

        def client_call():
            client.list_agents()

        samples: dict[str, list[float]] = {"requests.post": [], "Session.post": [], "client": []}
        for fn in (bare_post, session_post, client_call):  # warm up
            fn()
        for _ in range(ROUNDS):
            samples["requests.post"].append(_time_calls(bare_post))
            samples["Session.post"].append(_time_calls(session_post))
            samples["client"].append(_time_calls(client_call))
        client.close()
        session.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"Client overhead, {ROUNDS} rounds x {CALLS_PER_ROUND} calls, medians per call:")
    for name, value in medians.items():
        print(f"  {name:14s} {value * 1000:7.3f} ms")
    ratio_session = medians["client"] / medians["Session.post"]
    ratio_post = medians["client"] / medians["requests.post"]
    print(f"  ratio client / Session.post  = {ratio_session:.3f}  (aim <= 1.10)")
    print(f"  ratio client / requests.post = {ratio_post:.3f}")
    return {"client_vs_session": ratio_session, "client_vs_post": ratio_post}


if __name__ == "__main__":
    main()
