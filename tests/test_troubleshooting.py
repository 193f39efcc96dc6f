"""The troubleshooting helpers of notebook 05, and the whole callback path end to end.

The end-to-end test is the flow a learner watches: a sandbox instance created with
callbacks opted in, a conversation, an LLM that rejects its key, a delete; every event
must reach the receiver once, signed and verified.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from zego_helpers import (
    LLM,
    TTS,
    AIAgentClient,
    CallbackConfig,
    MessageHistory,
    SignatureError,
    ZegoError,
    ask,
    load_settings,
    make_call_ids,
    signing,
)
from zego_helpers.callbacks import CallbackReceiver, parse_callback
from zego_helpers.cli import callbacks as callbacks_cli
from zego_helpers.codes import EXCEPTION_CODES, RETURN_CODES
from zego_helpers.errors import ValidationError, api_error
from zego_helpers.sandbox import ensure_embedded_sandbox
from zego_helpers.sandbox_control import SandboxControl
from zego_helpers.signing import callback_signature
from zego_helpers.transport import (
    HTTPRequest,
    HTTPResponse,
    MockTransport,
    ShiftedClock,
    json_response,
)
from zego_helpers.tutorial.troubleshooting import (
    EXPLANATIONS,
    REJECTION,
    DrillSandbox,
    callback_secrets_for,
    diagnose,
    drills_run_here,
    outline,
    reproduce_clock_skew,
    start_drill_sandbox,
    start_rejecting_llm,
)

REAL_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def sandbox_settings(kit_home: Path, **extra: str):
    return load_settings(env={"ZEGO_KIT_HOME": str(kit_home), **extra}, dotenv_path="")


def real_settings(kit_home: Path, **extra: str):
    env = {"ZEGO_APP_ID": "1234567890", "ZEGO_SERVER_SECRET": REAL_SECRET, **extra}
    return sandbox_settings(kit_home, **env)


def sandbox_secret(kit_home: Path) -> str:
    return json.loads((kit_home / "sandbox-credentials.json").read_text())["ServerSecret"]


def event(name: str, data: dict, sequence: int = 1, **fields) -> object:
    body = {"Event": name, "AgentInstanceId": "inst_1", "Sequence": sequence, "Data": data}
    return parse_callback({**body, **fields})


def wait_until(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail("timed out")


# --- diagnose -----------------------------------------------------------------------------


def test_every_explained_code_is_a_documented_code():
    assert set(EXPLANATIONS) <= set(RETURN_CODES) | set(EXCEPTION_CODES)


def test_an_api_error_is_diagnosed_from_its_code_without_request_id_or_server_text():
    error = api_error("ListAgents", 100000005, "server text with details", "7301234567890")
    diagnosis = diagnose(error)
    assert diagnosis.title == "Signature wrong [code 100000005 from ListAgents]"
    assert diagnosis.explanation == EXPLANATIONS[100000005]
    assert diagnosis.fix == RETURN_CODES[100000005].hint
    text = str(diagnosis)
    assert text.startswith("Diagnosis: Signature wrong")
    assert "7301234567890" not in text and "server text" not in text


def test_an_exception_callback_is_diagnosed_with_its_round_but_not_its_message():
    callback = event("Exception", {"Code": 2203, "Round": 3, "Message": "http://127.0.0.1:1/x"})
    diagnosis = diagnose(callback)
    assert diagnosis.title == "LLM authentication failed [Exception 2203, round 3]"
    assert diagnosis.explanation == EXPLANATIONS[2203]
    assert diagnosis.fix == EXCEPTION_CODES[2203].hint
    assert "127.0.0.1" not in str(diagnosis)


def test_a_destroyed_instance_is_diagnosed_from_its_deleted_event():
    callback = event("AgentInstanceDeleted", {"Code": 1202})
    assert diagnose(callback).title.startswith(EXCEPTION_CODES[1202].meaning)
    assert "[AgentInstanceDeleted 1202]" in diagnose(callback).title


def test_a_validation_error_says_nothing_was_sent_and_keeps_urls_whole():
    long_url = "https://ark.cn-beijing.volces.com/api/v3/chat/completions"
    error = ValidationError("LLM.Url", f"use one of: {long_url}, {long_url}")
    text = str(diagnose(error))
    assert "refused by the kit before sending [LLM.Url]" in text
    assert "Nothing was sent" in text
    assert text.count(long_url) == 2  # not broken at a hyphen or mid-word
    assert all(len(line) <= 100 for line in text.splitlines() if long_url not in line)


def test_no_event_at_all_is_a_diagnosis_too():
    diagnosis = diagnose(None)
    assert diagnosis.title == "no callback arrived"
    assert "last_rejections" in diagnosis.fix


def test_unknown_codes_still_get_a_readable_diagnosis():
    assert "Read the event's Message" in str(diagnose(event("Exception", {"Code": 9999})))
    assert "Read the error's message" in str(diagnose(api_error("X", 410000001, "")))


# --- outline, sandbox_only, callback_secrets_for -------------------------------------------


def test_outline_orders_by_sequence_and_leaves_out_times_ids_and_latencies():
    deleted = event(
        "AgentInstanceDeleted",
        {"Code": 0, "LatencyData": {"TotalCost": 231, "LLMTTFT": 151}},
        sequence=3,
        Timestamp=1745502313000,
    )
    created = event("AgentInstanceCreated", {}, sequence=1)
    status = event("AgentInstanceStatus", {"Status": "THINKING", "Round": 1}, sequence=2)
    text = outline([deleted, status, created])
    assert text.splitlines() == [
        "AgentInstanceCreated   Agent joined the room and is publishing its stream",
        "AgentInstanceStatus    Status THINKING (round 1)",
        "AgentInstanceDeleted   Deleted through the API",
    ]
    assert "inst_1" not in text and "231" not in text


def test_drills_run_on_any_sandbox_and_are_skipped_on_zego_with_a_reason(capsys):
    from zego_helpers.service import Service

    for kind in ("sandbox", "room"):  # the room sandbox too: the drills then run privately
        assert drills_run_here(Service(kind, "http://127.0.0.1:8123"), "the drill") is True
    assert capsys.readouterr().out == ""
    zego = Service("zego", "https://aigc-aiagent-api.zegotech.cn")
    assert drills_run_here(zego, "the drill") is False
    out = capsys.readouterr().out
    assert out.startswith("Skipped in real mode: the drill runs only against the sandbox")


def test_in_a_room_sandbox_the_drill_sandbox_signs_like_the_room(tmp_path):
    """The receiver checks with the room's secret (the settings'): the drill sandbox uses it."""
    room_secret = "abcdef0123456789abcdef0123456789"
    settings = load_settings(
        env={"ZEGO_KIT_HOME": str(tmp_path), "ZEGO_APP_ID": "1234567",
             "ZEGO_SERVER_SECRET": room_secret, "ZEGO_API_BASE_URL": "http://10.0.0.2:8123"},
        dotenv_path="",
    )  # fmt: skip
    drill = start_drill_sandbox(settings)
    try:
        assert drill.sandbox.server_secret == room_secret and drill.client.app_id == 1234567
        assert callback_secrets_for(settings).candidates() == [("server_secret", room_secret)]
        assert not (tmp_path / "sandbox-credentials.json").exists()  # no embedded sandbox
        assert drill.control.info().room is False  # private: nobody else's
    finally:
        drill.stop()


def test_callback_secrets_in_sandbox_mode_are_the_sandboxs_own(tmp_path):
    home = tmp_path / "new_home"  # does not exist yet: made on first use
    secrets = callback_secrets_for(sandbox_settings(home))
    assert secrets.candidates() == [("server_secret", sandbox_secret(home))]
    assert callback_secrets_for(sandbox_settings(home)).candidates() == secrets.candidates()
    with_callback_secret = callback_secrets_for(
        sandbox_settings(home, ZEGO_CALLBACK_SECRET="console-callback-secret")
    )
    assert [name for name, _ in with_callback_secret.candidates()] == [
        "callback_secret",
        "server_secret",
    ]


def test_callback_secrets_in_real_mode_come_from_the_settings(tmp_path):
    secrets = callback_secrets_for(real_settings(tmp_path))
    assert secrets.candidates() == [("server_secret", REAL_SECRET)]
    assert not (tmp_path / "sandbox-credentials.json").exists()


# --- the drill sandbox, the wrong clock ----------------------------------------------------


@pytest.fixture
def drill(isolated_kit: Path) -> Iterator[DrillSandbox]:
    sandbox = start_drill_sandbox(sandbox_settings(isolated_kit), think_ms=5)
    yield sandbox
    sandbox.stop()


def test_drill_sandbox_shares_the_kit_credentials_but_not_its_state(isolated_kit, drill):
    # From the module: once another test imports zego_helpers.connect, the submodule
    # shadows the package's lazy export of the function.
    from zego_helpers.connect import connect

    assert drill.sandbox.server_secret == sandbox_secret(isolated_kit)
    drill.client.register_agent("drill_only_agent", llm=LLM.trial(), tts=TTS.trial())
    drill.control.configure(instance_limit=1)
    try:
        with connect(sandbox_settings(isolated_kit)) as kit_client:
            assert kit_client.app_id == drill.client.app_id
            assert kit_client.get_agent("drill_only_agent") is None
            assert SandboxControl(kit_client).info().instance_limit == 10
    finally:
        ensure_embedded_sandbox(isolated_kit).stop()  # it would outlive the test
    assert sandbox_secret(isolated_kit) not in repr(drill)


def test_drill_sandbox_stop_ends_its_thread_and_removes_its_ledger(isolated_kit):
    drill = start_drill_sandbox(sandbox_settings(isolated_kit))
    ledger_file = drill.client.ledger.path
    ids = make_call_ids()
    drill.client.register_agent("a", llm=LLM.trial(), tts=TTS.trial())
    drill.client.create_agent_instance("a", ids.user_id, ids.to_rtc())
    assert ledger_file.is_file()
    drill.stop()
    drill.stop()  # harmless twice
    assert not ledger_file.parent.exists()
    name = f"zego-sandbox-{drill.sandbox.port}"
    assert not [t for t in threading.enumerate() if t.name == name]


def test_a_shifted_clock_moves_only_the_timestamps_of_the_transport_that_uses_it():
    seen: list[int] = []

    def handler(request: HTTPRequest) -> HTTPResponse:
        seen.append(int(request.params["Timestamp"]))
        return json_response({"Code": 0, "Message": "Succeed", "Data": {}})

    client = AIAgentClient(1234567890, REAL_SECRET, transport=MockTransport(handler))
    skewed = client.transport.with_clock(ShiftedClock(660))
    before = time.time()
    skewed.call("ListAgents", {"Limit": 1})
    client.list_agents()
    assert 655 <= seen[0] - before <= 665  # the twin signs 11 minutes fast
    assert abs(seen[1] - before) < 5  # the client itself keeps the true time
    assert abs(int(signing.signed_query("ListAgents", 1, "s")["Timestamp"]) - time.time()) < 5


def test_clock_skew_is_refused_with_100000004_and_a_correct_clock_is_not(drill):
    sandbox = drill.sandbox
    client = AIAgentClient(sandbox.app_id, sandbox.server_secret, sandbox.base_url, max_retries=0)
    with client:
        error = reproduce_clock_skew(client)
        assert isinstance(error, SignatureError) and error.code == 100000004
        assert reproduce_clock_skew(client, offset_seconds=-660).code == 100000004
        with pytest.raises(ZegoError, match="was accepted"):
            reproduce_clock_skew(client, offset_seconds=0)


# --- the rejecting LLM ---------------------------------------------------------------------


def test_rejecting_llm_answers_401_like_a_provider_and_never_echoes_the_key():
    llm = start_rejecting_llm()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1/chat/completions", llm.url)
        response = requests.post(
            llm.url,
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": "Bearer sk-secret-key-1234"},
            timeout=5,
        )
        assert response.status_code == 401
        assert response.json() == REJECTION
        assert "sk-secret-key-1234" not in response.text
    finally:
        llm.stop()
    llm.stop()  # harmless twice
    with pytest.raises(requests.ConnectionError):
        requests.post(llm.url, json={}, timeout=2)
    assert not [t for t in threading.enumerate() if t.name == "zego-rejecting-llm"]


def test_rejecting_llm_stops_by_itself_after_its_lifetime():
    llm = start_rejecting_llm(lifetime_seconds=0.2)
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == "zego-rejecting-llm"])
    with pytest.raises(requests.ConnectionError):
        requests.post(llm.url, json={}, timeout=2)


# --- end to end: sandbox -> receiver --------------------------------------------------------


def test_sandbox_callbacks_reach_the_receiver_signed_verified_and_once(isolated_kit, drill):
    client = drill.client
    receiver = CallbackReceiver(callback_secrets_for(sandbox_settings(isolated_kit))).start()
    rejecting = start_rejecting_llm()
    try:
        drill.control.configure(callback_url=receiver.url)
        client.register_agent("e2e_agent", llm=LLM.trial(), tts=TTS.trial())
        ids = make_call_ids()
        instance = client.create_agent_instance(
            "e2e_agent",
            ids.user_id,
            ids.to_rtc(),
            message_history=MessageHistory(),
            callback_config=CallbackConfig(llm_result=True, agent_instance_status=True),
        )["AgentInstanceId"]
        drill.control.user_joined(ids.room_id, ids.user_id)
        assert "(sandbox reply)" in ask(client, instance, "Hello!").text

        bad = LLM(url=rejecting.url, api_key="sk-rejected-e2e-key", model="gpt-4o-mini")
        client.update_agent_instance(instance, llm=bad)
        assert client.send_agent_instance_llm(instance, "Still there?")["Round"] == 2
        log = receiver.log
        exception = log.wait_for(lambda e: e.event == "Exception", timeout=10)
        client.delete_agent_instance(instance)
        deleted = log.wait_for(lambda e: e.event == "AgentInstanceDeleted", timeout=10)

        # what the learner sees
        assert exception is not None and exception.code == 2203 and exception.round == 2
        assert "sk-rejected-e2e-key" not in json.dumps(exception.raw)
        assert deleted is not None and deleted.code == 0
        latency = log.latency_of(instance)
        assert latency is not None and latency.total_ms and latency.llm_ttft_ms
        names = {e.event for e in log.events(instance)}
        assert {
            "AgentInstanceCreated",
            "AgentInstanceStatus",
            "LLMResult",
            "Exception",
            "AgentInstanceDeleted",
        } <= names

        # every callback the sandbox sent arrived, once, verified with the sandbox's secret
        sent = drill.control.events(instance)
        flagged = {"AgentInstanceCreated", "AgentInstanceStatus", "LLMResult", "Exception",
                   "AgentInstanceDeleted"}  # fmt: skip
        expected = sorted(e["Sequence"] for e in sent if e["Event"] in flagged)
        wait_until(lambda: len(log.events(instance)) >= len(expected))
        received = log.events(instance)
        assert sorted(e.sequence for e in received) == expected  # none lost, none twice
        assert {e.verified_by for e in received} == {"server_secret"}
        stats = receiver.stats()
        assert stats["duplicates"] == 0 and stats["rejected"] == {}
    finally:
        rejecting.stop()
        receiver.stop()


# --- the callbacks command in sandbox mode -------------------------------------------------


def test_callbacks_command_in_sandbox_mode_verifies_the_kit_sandboxs_callbacks(isolated_kit):
    import argparse

    parser = argparse.ArgumentParser()
    callbacks_cli.add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["callbacks", "--port", "0"])
    settings = sandbox_settings(isolated_kit)  # no credentials at all
    out, stop, codes = io.StringIO(), threading.Event(), []
    thread = threading.Thread(
        target=lambda: codes.append(callbacks_cli.run(args, settings=settings, stop=stop, out=out))
    )
    thread.start()
    try:
        url = wait_until(lambda: re.search(r"on (http://\S+) ", out.getvalue())).group(1)
        secret = sandbox_secret(isolated_kit)
        ts, nonce = int(time.time() * 1000), "cli-nonce"
        body = {
            "Event": "AgentInstanceCreated",
            "AgentInstanceId": "inst_cli",
            "Sequence": 1,
            "Timestamp": ts,
            "Nonce": nonce,
            "Signature": callback_signature(secret, ts, nonce),
            "Data": {},
        }
        assert requests.post(url, json=body, timeout=10).status_code == 200
        wait_until(lambda: "inst_cli" in out.getvalue())
    finally:
        stop.set()
        thread.join(timeout=10)
    text = out.getvalue()
    assert codes == [0]
    assert "SandboxControl(client).configure(callback_url=" in text and "[server_secret]" in text
    assert secret not in text and body["Signature"] not in text


def test_a_status_error_and_a_timeout_are_diagnosed_by_their_own_kind():
    from zego_helpers.errors import APITimeoutError, HTTPStatusError

    status = diagnose(HTTPStatusError("ListAgents", 502, "<html>", "retry later"))
    assert status.title.startswith("an answer that is not ZEGO's [HTTP 502 from ListAgents]")
    timeout = diagnose(APITimeoutError("ListAgents", "timed out while connecting", "check VPN"))
    assert timeout.title == "no answer from the service [ListAgents]"
