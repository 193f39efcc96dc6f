"""local_url: the URL that reaches a server on this machine, whatever address it listens on."""

from __future__ import annotations

import pytest
import requests

from zego_helpers.cli.room import endpoint
from zego_helpers.local_url import local_url
from zego_helpers.sandbox import SandboxConfig, start_sandbox
from zego_helpers.sandbox.room_file import Room, save_room


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("", "http://127.0.0.1:80"),
        ("0.0.0.0", "http://127.0.0.1:80"),
        ("::", "http://[::1]:80"),
        ("127.0.0.1", "http://127.0.0.1:80"),
        ("::1", "http://[::1]:80"),
        ("[::1]", "http://[::1]:80"),
        ("fe80::1", "http://[fe80::1]:80"),
        ("room.example", "http://room.example:80"),
    ],
)
def test_every_interface_is_reached_on_loopback_and_ipv6_goes_in_brackets(host, url):
    assert local_url(host, 80) == url


def test_a_room_sandbox_listening_on_every_ipv6_interface_is_reached_by_the_room_commands(
    tmp_path,
):
    """``::`` is bound IPv6-only: the room commands must ask ::1, not 127.0.0.1."""
    config = SandboxConfig.with_random_credentials(host="::", room=True)
    sandbox = start_sandbox(config)
    try:
        room_file = tmp_path / "room.json"
        room = Room(
            app_id=config.app_id,
            server_secret=config.server_secret,
            host="::",
            port=sandbox.port,
            trainer_token="t" * 32,
        )
        save_room(room_file, room)
        reached = endpoint(None, room_file)
        assert reached.url == f"http://[::1]:{sandbox.port}" == sandbox.base_url
        requests.post(sandbox.base_url, timeout=10)  # answers (an unsigned request: refused)
    finally:
        sandbox.stop()
