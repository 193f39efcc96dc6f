"""The sandbox under hostile input: each bad request gets a clear answer, and the next one works.

Requests are signed by hand (``helpers.Api``) or sent raw with ``requests``.
Every test ends with a valid request that must succeed, and the sandbox's log
must hold no traceback (a bug answered "410000001" would leave one).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.child_process import (
    lines_until_ready,
    printed_settings,
    sigint_ignored_as_in_a_background_job,
    start_kit,
    watchdog,
)
from zego_helpers.sandbox.server import DRAIN_BYTES, MAX_BODY_BYTES
from zego_helpers.sandbox.strict_json import MAX_JSON_DEPTH

from .helpers import Api, api_for, trial_tts

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_traceback(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if the sandbox logged an exception (a traceback) while it ran."""
    caplog.set_level(logging.INFO, logger="zego_helpers.sandbox")
    yield
    crashes = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not crashes, [r.getMessage() for r in crashes]


@pytest.fixture(params=["in memory", "state file"])
def hostile_api(request, start, tmp_path: Path) -> Api:
    """A sandbox in memory, and one persisting to a state file (the embedded mode)."""
    options = {"state_path": tmp_path / "state.json"} if request.param == "state file" else {}
    return api_for(start(**options))


def raw_post(api: Api, data: bytes, action: str = "SandboxInfo", **overrides) -> dict:
    response = api.session.post(
        api.base_url + "/", params=api.query(action, **overrides), data=data, timeout=10
    )
    return response.json()


def still_works(api: Api) -> None:
    """The request after a hostile one: a write and a read that must both succeed."""
    agent = f"after_{time.monotonic_ns()}"
    api.register(agent)
    assert api.ok("QueryAgents", {"AgentIds": [agent]})["Agents"][0]["AgentId"] == agent


# --- lone surrogates and other text that is not text ----------------------------------------


def test_a_lone_surrogate_is_refused_and_does_not_poison_the_next_request(
    hostile_api: Api,
) -> None:
    api = hostile_api
    api.register()
    instance = api.create()
    body = b'{"AgentInstanceId": "%s", "Text": "a\\ud800b"}' % instance.encode()
    answer = raw_post(api, body, "SendAgentInstanceTTS")
    assert answer["Code"] == 410000004
    assert "Text" in answer["Message"] and "lone surrogate" in answer["Message"]
    for _ in range(3):  # before the fix, every later call failed with 410000001
        assert api.status(instance) in ("IDLE", "LISTENING")
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "a\U0001f600b"})
    assert api.history(instance)[-1]["Content"] == "a\U0001f600b"
    still_works(api)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"Prefix": "\xed\xa0\x80"}', "not UTF-8"),  # a surrogate encoded in UTF-8 bytes
        (b'{"Prefix": "\xff\xfe"}', "not UTF-8"),
        (b'{"\\udc00": 1}', "lone surrogate"),  # in a key
        (b'\xef\xbb\xbf{"Prefix": "x"}', "BOM"),
        (b'{"Prefix": NaN}', "NaN"),
        (b'{"Prefix": 1e999}', "too large"),
        (b'{"Prefix": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'{"Prefix": "x"', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
    ],
)
def test_bodies_that_are_not_strict_json_get_410000004_naming_the_problem(
    hostile_api: Api, body: bytes, says: str
) -> None:
    answer = raw_post(hostile_api, body, "SandboxListInstances")
    assert answer["Code"] == 410000004, answer
    assert says in answer["Message"]
    still_works(hostile_api)


def test_a_hostile_llm_answer_with_a_lone_surrogate_cannot_poison_the_state(
    start, tmp_path: Path
) -> None:
    from .test_sandbox_llm import FakeLLM, own_llm

    fake = FakeLLM()
    try:
        fake.pieces = ["Hi \ud800", " there."]  # json.dumps writes "\\ud800": a lone surrogate
        api = api_for(start(state_path=tmp_path / "state.json"))
        llm = own_llm(fake.url)
        api.ok("RegisterAgent", {"AgentId": "own", "LLM": llm, "TTS": trial_tts()})
        instance = api.create(agent_id="own")
        api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
        # A chunk that is not valid text breaks the stream format: no answer, an Exception
        # and a note naming the rule, and the state (saved to a file) stays readable.
        event = api.wait_event(instance, "Exception")["Data"]
        assert event["Code"] == 2201 and "chunk-json" in event["Message"]
        assert "lone surrogate" in api.wait_event(instance, "SandboxNote")["Data"]["Message"]
        assert api.history(instance) == []
        still_works(api)
    finally:
        fake.stop()


# --- deep JSON ------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_refused_before_parsing(hostile_api: Api) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    answer = raw_post(hostile_api, b'{"Prefix": ' + deep + b"}", "SandboxListInstances")
    assert answer["Code"] == 410000004
    assert f"at most {MAX_JSON_DEPTH}" in answer["Message"]
    still_works(hostile_api)


def test_the_depth_limit_is_exact_and_ignores_brackets_inside_strings(hostile_api: Api) -> None:
    def nested(levels: int) -> bytes:  # the body object itself is level 1
        inner = b"[" * (levels - 1) + b"]" * (levels - 1)
        return b'{"LLM": {"Params": ' + inner + b'}, "Note": "[[[[[[[[[[{{{{{{{{"}'

    # Depth 64 is read (SandboxListInstances ignores the fields); depth 65 is refused.
    allowed = raw_post(hostile_api, nested(MAX_JSON_DEPTH - 1), "SandboxListInstances")
    assert allowed["Code"] == 0, allowed
    refused = raw_post(hostile_api, nested(MAX_JSON_DEPTH), "SandboxListInstances")
    assert refused["Code"] == 410000004
    assert f"nested {MAX_JSON_DEPTH + 1} levels" in refused["Message"]
    still_works(hostile_api)


# --- unicode digits and other odd query strings ---------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value", "code"),
    [
        ("AppId", "12²", 100000001),
        ("AppId", "١٢٣", 100000001),  # int() would read this as 123
        ("AppId", "9" * 5000, 100000001),  # int() refuses more than 4300 digits
        ("AppId", " 123", 100000001),
        ("Timestamp", "12²", 100000003),
        ("Timestamp", "١٧٠٠٠٠٠٠٠٠", 100000003),
        ("Timestamp", "9" * 5000, 100000003),
        ("Timestamp", "1.5", 100000003),
    ],
)
def test_numbers_in_the_query_are_ascii_digits(
    hostile_api: Api, parameter: str, value: str, code: int
) -> None:
    answer = hostile_api.call("SandboxInfo", **{parameter: value})
    assert answer["Code"] == code, answer
    assert parameter in answer["Message"] and "ASCII digits" in answer["Message"]
    assert len(answer["Message"]) < 300  # a 5000-digit value is not echoed in full
    still_works(hostile_api)


def test_a_query_value_that_is_not_utf8_is_named(hostile_api: Api) -> None:
    query = "&".join(f"{k}={v}" for k, v in hostile_api.query("SandboxInfo").items())
    url = f"{hostile_api.base_url}/?{query}".replace("SignatureNonce=", "SignatureNonce=%FF")
    answer = requests.post(url, json={}, timeout=10).json()
    assert answer["Code"] == 100000008
    assert "SignatureNonce is not UTF-8" in answer["Message"]
    still_works(hostile_api)


def test_a_signature_with_non_ascii_characters_is_just_wrong(hostile_api: Api) -> None:
    answer = hostile_api.call("SandboxInfo", Signature="é" * 32)
    assert answer["Code"] == 100000005
    still_works(hostile_api)


# --- oversized bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, DRAIN_BYTES])
def test_a_body_over_the_limit_is_dropped_and_answered_clearly(hostile_api: Api, size) -> None:
    big = b" " * size
    response = hostile_api.post("SandboxInfo", data=big)
    assert response.status_code == 413
    answer = response.json()
    assert answer["Code"] == 100000012
    assert str(MAX_BODY_BYTES) in answer["Message"] and "Nothing was executed" in answer["Message"]
    still_works(hostile_api)


def test_a_body_of_exactly_the_limit_is_read(hostile_api: Api) -> None:
    prefix = b'{"Prefix": "'
    body = prefix + b"x" * (MAX_BODY_BYTES - len(prefix) - 2) + b'"}'
    assert len(body) == MAX_BODY_BYTES
    answer = raw_post(hostile_api, body, "SandboxListInstances")
    assert answer["Code"] == 0 and answer["Data"] == {"Instances": []}


def test_a_chunked_body_is_counted_while_it_is_read(hostile_api: Api) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: requests sends it chunked
        for _ in range(40):
            yield b" " * 65536

    response = hostile_api.session.post(
        hostile_api.base_url + "/", params=hostile_api.query("SandboxInfo"), data=chunks()
    )
    assert response.status_code == 413
    assert response.json()["Code"] == 100000012
    assert "grew past the limit" in response.json()["Message"]
    small = hostile_api.session.post(
        hostile_api.base_url + "/",
        params=hostile_api.query("SandboxInfo"),
        data=iter([b"{", b"}"]),
    )
    assert small.json()["Code"] == 0
    still_works(hostile_api)


def test_other_paths_do_not_read_big_bodies_either(hostile_api: Api) -> None:
    # Tornado itself refuses there (the HTTPServer's max_body_size): a bare 400, then close.
    response = requests.post(hostile_api.base_url + "/v1/x", data=b" " * (5 * MAX_BODY_BYTES))
    assert response.status_code == 400
    small = requests.post(hostile_api.base_url + "/v1/x", data=b"{}", timeout=10)
    assert small.status_code == 404 and "no such path" in small.json()["Message"]
    still_works(hostile_api)


def _memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"{field} not in /proc/{pid}/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_twenty_unsigned_99_mb_bodies_at_once_leave_memory_bounded() -> None:
    """The standalone sandbox as a real process; its peak RSS stays within +100 MB.

    Before the limit, the same 20 bodies took it from 36 MB to 2.3 GB (peak).
    """
    # Started as in `make test &` (SIGINT inherited ignored): the Ctrl-C at the end must still
    # stop it, so the child gets SIGINT's default handler back, as in a terminal.
    with sigint_ignored_as_in_a_background_job():
        process = start_kit(
            "sandbox",
            "--rate-limit",
            "0",
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            new_session=False,
        )
    with watchdog(process, 120):
        settings = printed_settings(lines_until_ready(process))
        api = Api(
            settings["ZEGO_API_BASE_URL"],
            int(settings["ZEGO_APP_ID"]),
            settings["ZEGO_SERVER_SECRET"],
        )
        api.ok("SandboxInfo")
        before = _memory_mb(process.pid, "VmRSS")
        body = b"x" * (99 * 1024 * 1024)
        answers: list[object] = []

        def send(path: str) -> None:
            try:
                answers.append(
                    requests.post(api.base_url + path, data=body, timeout=60).status_code
                )
            except requests.RequestException as error:
                answers.append(type(error).__name__)

        paths = ["/?Action=RegisterAgent"] * 15 + ["/some/other/path"] * 5  # all unsigned
        senders = [threading.Thread(target=send, args=(path,)) for path in paths]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        peak = _memory_mb(process.pid, "VmHWM")
        after = _memory_mb(process.pid, "VmRSS")
        print(f"RSS before {before:.0f} MB, after {after:.0f} MB, peak {peak:.0f} MB")
        # Bodies this big are answered at once and not read: the client, still sending,
        # may see the answer (413, or Tornado's 400 on the other path) or only a reset.
        assert set(answers) <= {413, 400, "ConnectionError"}, answers
        assert peak - before < 100, (before, peak)
        assert after - before < 100, (before, after)
        api.ok("SandboxInfo")  # and it still answers
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        assert "Traceback" not in process.stderr.read()  # type: ignore[union-attr]
