"""The in-kernel LLM server of notebook 07, and the check of URLs ZEGO's cloud cannot call."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests

from zego_helpers.errors import ValidationError
from zego_helpers.sandbox.llm_contract import DONE_LAST, EARLY_FINISH, check_stream
from zego_helpers.settings import load_settings
from zego_helpers.tutorial.local_llm import LocalLLM, reachable_by_zego
from zego_helpers.validation import private_url_problem

KEY = "local-test-key-9876"
CHAT = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi there"}]}


@pytest.fixture
def server():
    with LocalLLM() as running:
        yield running
    assert not running.running


def post(server: LocalLLM, body: object = CHAT, path: str = "/v1/chat/completions"):
    url = f"http://{server.host}:{server.port}{path}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(url, data=data, headers={"Authorization": f"Bearer {KEY}"}, timeout=5)


def test_its_stream_follows_zegos_contract_and_every_request_is_recorded(server):
    answer = post(server)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/event-stream"
    report = check_stream(answer.text)
    assert report.compliant, report.explain()
    assert report.text.startswith('You asked: "Hi there".')
    [call] = server.calls
    assert call.body == CHAT and call.headers["Authorization"] == "Bearer ****76"
    assert KEY not in call.describe() and "answered HTTP 200" in call.describe()


@pytest.mark.parametrize(("how", "rule"), [("early_finish", EARLY_FINISH), ("no_done", DONE_LAST)])
def test_each_misbehaviour_breaks_exactly_its_rule(server, how, rule):
    server.misbehave(how)
    report = check_stream(post(server).text)
    assert [breach.rule for breach in report.breaches] == [rule]
    server.behave()
    assert check_stream(post(server).text).compliant


def test_bad_requests_get_a_clear_http_answer(server):
    server.misbehave("unauthorized")
    assert post(server).status_code == 401
    server.behave()
    assert post(server, b"not json").status_code == 400
    assert post(server, {"model": "m"}).status_code == 400  # no messages
    assert post(server, path="/v1/embeddings").status_code == 404
    assert requests.get(server.url, timeout=5).status_code == 405
    with pytest.raises(ValidationError, match="early_finish"):
        server.misbehave("slow")


def test_a_custom_reply_function_answers_many_requests_at_once():
    with LocalLLM(reply=lambda messages: f"{len(messages)} message(s).") as server:
        results: list[str] = []
        threads = [threading.Thread(target=lambda: results.append(post(server).text))
                   for _ in range(8)]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 8 and all(check_stream(r).text == "1 message(s)." for r in results)


def test_a_failing_reply_function_is_an_http_500_that_says_why():
    def broken(messages):
        raise KeyError("no such document")

    with LocalLLM(reply=broken) as server:
        answer = post(server)
        assert answer.status_code == 500 and "KeyError" in answer.json()["error"]["message"]
        server.reply = lambda messages: None
        assert "returned NoneType" in post(server).json()["error"]["message"]


def test_stop_frees_the_port_and_can_be_called_twice():
    server = LocalLLM().start()
    port = server.port
    server.stop()
    server.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:8000/v1/chat/completions", "loopback"),
        ("http://localhost/v1", "this machine"),
        ("http://[::1]:8000/v1", "loopback"),
        ("http://10.1.2.3/v1", "private-network"),
        ("http://192.168.1.20:11434/v1/chat/completions", "private-network"),
        ("http://172.16.0.5/v1", "private-network"),
        ("http://[fd00::1]/v1", "private-network"),
        ("http://169.254.1.1/v1", "link-local"),
        ("http://0.0.0.0:8000/v1", "unspecified"),
        ("http://my-box.local/v1", "local network name"),
        ("http://host.docker.internal:8000/v1", "local network name"),
    ],
)
def test_urls_zegos_cloud_cannot_call_are_named(url, says):
    problem = private_url_problem(url)
    assert problem is not None and says in problem and "cannot reach" in problem


@pytest.mark.parametrize(
    "url", ["https://api.openai.com/v1/chat/completions", "https://8.8.8.8/v1", "https://x.ngrok.app/v1"]
)
def test_public_urls_pass(url):
    assert private_url_problem(url) is None


def test_reachability_depends_on_the_mode():
    sandbox = load_settings(env={})
    real = load_settings(env={"ZEGO_APP_ID": "1234567", "ZEGO_SERVER_SECRET": "a" * 32})
    url = "http://127.0.0.1:9/v1/chat/completions"
    assert reachable_by_zego(sandbox, url)[0] is True
    ready, why = reachable_by_zego(real, url)
    assert ready is False and "tunnel" in why and "loopback" in why
    assert reachable_by_zego(real, "https://llm.example.com/v1/chat/completions")[0] is True
