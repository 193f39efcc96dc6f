"""``python -m zego_helpers callbacks``: one readable line per event, never a secret."""

from __future__ import annotations

import io
import re
import threading
import time

import requests

from zego_helpers.cli import callbacks as cli
from zego_helpers.signing import callback_signature

SECRET = "srv-secret-for-the-cli-test"


class _Secret:
    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value


class FakeSettings:
    callback_secret = None
    server_secret = _Secret(SECRET)


def parse(argv):
    import argparse

    parser = argparse.ArgumentParser()
    cli.add_cli(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def signed_body(secret: str = SECRET) -> dict:
    ts, nonce = int(time.time() * 1000), "cli-nonce"
    return {
        "Event": "AgentInstanceStatus",
        "AgentInstanceId": "inst_cli",
        "Sequence": 1,
        "Timestamp": ts,
        "Nonce": nonce,
        "Signature": callback_signature(secret, ts, nonce),
        "Data": {"Status": "THINKING", "Round": 2},
    }


def wait_until(predicate, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_command_is_registered_in_the_kit_cli():
    from zego_helpers.cli.main import build_parser

    args = build_parser().parse_args(["callbacks", "--port", "0", "--path", "/cb"])
    assert args.func is cli.run and args.port == 0 and args.path == "/cb"


def test_prints_each_event_and_each_rejection_without_secrets():
    out, stop = io.StringIO(), threading.Event()
    args = parse(["callbacks", "--port", "0"])
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(cli.run(args, settings=FakeSettings(), stop=stop, out=out))
    )
    thread.start()
    try:
        assert wait_until(lambda: "Receiving ZEGO callbacks on" in out.getvalue())
        url = re.search(r"on (http://\S+) ", out.getvalue()).group(1)
        good, forged = signed_body(), signed_body("forged")
        assert requests.post(url, json=good, timeout=10).status_code == 200
        assert requests.post(url, json=forged, timeout=10).status_code == 401
        assert wait_until(lambda: "Status THINKING (round 2)" in out.getvalue())
        assert wait_until(lambda: "REJECTED" in out.getvalue())
    finally:
        stop.set()
        thread.join(timeout=10)
    text = out.getvalue()
    assert result == [0]
    assert "inst_cli" in text and "[server_secret]" in text
    assert "Stopped. 1 event," in text
    for secret in (SECRET, good["Signature"], forged["Signature"]):
        assert secret not in text


def test_without_any_secret_it_says_which_setting_to_fill(capsys):
    class NoSecrets:
        callback_secret = None
        server_secret = None

    assert cli.run(parse(["callbacks", "--port", "0"]), settings=NoSecrets()) == 2
    assert "ZEGO_CALLBACK_SECRET" in capsys.readouterr().err
