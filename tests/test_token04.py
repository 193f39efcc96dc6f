"""Token04: what we generate decodes to the right fields, in both layouts, by two decoders."""

from __future__ import annotations

import base64
import json
import struct

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zego_helpers.errors import ValidationError
from zego_helpers.token04 import decode_token04, generate_token04, privilege_payload

APP_ID = 1234567890
SECRET = "9193cc662a4c0ec135ec71fb57194b38"
OTHER_SECRET = "00000000000000000000000000000000"
NOW = 1_700_000_000


def independent_decode(token: str, secret: str) -> tuple[dict, str, bytes]:
    """Decode a Token04 straight from the byte layout in reference §8.2/§8.3.

    Written separately from zego_helpers.token04 so that a shared mistake in the
    layout cannot pass unnoticed. Returns (plaintext fields, mode, raw bytes).
    """
    assert token[:2] == "04"
    raw = base64.b64decode(token[2:])
    expire = int.from_bytes(raw[0:8], "big", signed=True)
    iv_len = int.from_bytes(raw[8:10], "big")
    iv = raw[10 : 10 + iv_len]
    pos = 10 + iv_len
    enc_len = int.from_bytes(raw[pos : pos + 2], "big")
    encrypted = raw[pos + 2 : pos + 2 + enc_len]
    tail = raw[pos + 2 + enc_len :]
    key = secret.encode()
    if tail == b"\x01":
        mode = "gcm"
        plain = AESGCM(key).decrypt(iv, encrypted, None)
    else:
        assert tail == b""
        mode = "cbc"
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(encrypted) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
    fields = json.loads(plain)
    assert fields["expire"] == expire
    return fields, mode, raw


def plaintext_bytes(token: str) -> bytes:
    """The compact JSON that was encrypted (key order as generated)."""
    fields = {k: v for k, v in decode_token04(token, SECRET).items() if k != "mode"}
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("mode", ["gcm", "cbc"])
def test_round_trip_fields(mode):
    token = generate_token04(APP_ID, "user_1", SECRET, 600, mode=mode, now=NOW)

    fields = decode_token04(token, SECRET)

    assert fields["mode"] == mode
    assert fields["app_id"] == APP_ID
    assert fields["user_id"] == "user_1"
    assert fields["ctime"] == NOW
    assert fields["expire"] == NOW + 600
    assert fields["payload"] == ""
    assert 1 <= fields["nonce"] <= 2**31 - 1
    assert set(fields) == {"app_id", "user_id", "nonce", "ctime", "expire", "payload", "mode"}


def test_default_mode_is_gcm_and_time_is_now():
    import time

    before = int(time.time())
    fields = decode_token04(generate_token04(APP_ID, "u", SECRET), SECRET)
    after = int(time.time())
    assert fields["mode"] == "gcm"
    assert before <= fields["ctime"] <= after
    assert fields["expire"] == fields["ctime"] + 3600


@pytest.mark.parametrize("mode", ["gcm", "cbc"])
def test_independent_decoder_agrees(mode):
    payload = privilege_payload("room_1", ["user_stream_1"])
    token = generate_token04(APP_ID, "用户_1", SECRET, 3600, payload, mode=mode, now=NOW)

    fields, found_mode, _ = independent_decode(token, SECRET)

    assert found_mode == mode
    assert fields["app_id"] == APP_ID
    assert fields["user_id"] == "用户_1"
    assert fields["ctime"] == NOW
    assert fields["expire"] == NOW + 3600
    assert json.loads(fields["payload"]) == {
        "room_id": "room_1",
        "privilege": {"1": 1, "2": 1},
        "stream_id_list": ["user_stream_1"],
    }


def test_gcm_layout():
    token = generate_token04(APP_ID, "user_1", SECRET, now=NOW)
    raw = base64.b64decode(token[2:])
    expire, nonce_len = struct.unpack(">qh", raw[:10])
    (enc_len,) = struct.unpack(">h", raw[22:24])
    assert (expire, nonce_len) == (NOW + 3600, 12)
    assert len(raw) == 25 + enc_len
    assert raw[-1] == 1
    assert enc_len == len(plaintext_bytes(token)) + 16  # ciphertext || 16-byte tag


def test_cbc_layout():
    token = generate_token04(APP_ID, "user_1", SECRET, mode="cbc", now=NOW)
    raw = base64.b64decode(token[2:])
    expire, iv_len = struct.unpack(">qh", raw[:10])
    iv = raw[10:26]
    (ct_len,) = struct.unpack(">h", raw[26:28])
    assert (expire, iv_len) == (NOW + 3600, 16)
    assert iv.decode("ascii").isalnum() and iv.decode("ascii") == iv.decode("ascii").lower()
    assert len(raw) == 28 + ct_len
    assert ct_len == (len(plaintext_bytes(token)) // 16 + 1) * 16  # PKCS#7 always pads


def test_tokens_differ_each_time():
    tokens = {generate_token04(APP_ID, "u", SECRET, now=NOW) for _ in range(20)}
    assert len(tokens) == 20


def test_wrong_secret_fails_cleanly_for_both_modes():
    for mode in ("gcm", "cbc"):
        token = generate_token04(APP_ID, "user_1", SECRET, mode=mode)
        with pytest.raises(ValueError, match="could not be decrypted") as info:
            decode_token04(token, OTHER_SECRET)
        assert SECRET not in str(info.value) and OTHER_SECRET not in str(info.value)
        assert info.value.field == "token"


def b64_token(raw: bytes) -> str:
    return "04" + base64.b64encode(raw).decode()


HEADER = struct.pack(">qh", 1, 12) + b"n" * 12  # expire, nonce length, 12-byte nonce


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("03AAAA", "must be a string starting with '04'"),
        ("04***", "not valid Base64"),
        (b64_token(b"\x00\x01"), "too short"),
        (b64_token(HEADER + struct.pack(">h", 50) + b"abc"), "truncated"),
        (b64_token(HEADER + struct.pack(">h", 1) + b"a\x01\x02"), "unexpected bytes"),
        (b64_token(HEADER + struct.pack(">h", 1) + b"a\x07"), "unknown mode byte"),
    ],
)
def test_malformed_tokens(token, problem):
    with pytest.raises(ValidationError, match=problem):
        decode_token04(token, SECRET)


def test_tampered_gcm_token_is_refused():
    raw = bytearray(base64.b64decode(generate_token04(APP_ID, "u", SECRET)[2:]))
    raw[30] ^= 0x01  # flip a bit in the ciphertext
    with pytest.raises(ValidationError, match="could not be decrypted"):
        decode_token04("04" + base64.b64encode(bytes(raw)).decode(), SECRET)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"app_id": 0}, "app_id"),
        ({"app_id": 2**32}, "app_id"),
        ({"app_id": "123"}, "app_id"),
        ({"app_id": True}, "app_id"),
        ({"user_id": ""}, "user_id"),
        ({"server_secret": SECRET[:-1]}, "server_secret"),
        ({"server_secret": SECRET + "0"}, "server_secret"),
        ({"server_secret": "é" * 32}, "server_secret"),
        ({"effective_seconds": 0}, "effective_seconds"),
        ({"effective_seconds": -5}, "effective_seconds"),
        ({"effective_seconds": 1.5}, "effective_seconds"),
        ({"payload": {"room_id": "r"}}, "payload"),
        ({"mode": "ecb"}, "mode"),
    ],
)
def test_invalid_inputs_name_the_argument_and_hide_the_secret(kwargs, field):
    args = {"app_id": APP_ID, "user_id": "u", "server_secret": SECRET} | kwargs
    with pytest.raises(ValueError) as info:
        generate_token04(**args)
    assert info.value.field == field
    assert SECRET[:-1] not in str(info.value)


def test_valid_edge_inputs_are_accepted():
    for app_id in (1, 2**32 - 1):
        assert decode_token04(generate_token04(app_id, "u", SECRET, 1), SECRET)["app_id"] == app_id


def test_privilege_payload_shape():
    assert json.loads(privilege_payload("room_1")) == {
        "room_id": "room_1",
        "privilege": {"1": 1, "2": 1},
        "stream_id_list": None,
    }
    assert privilege_payload("room_1", ["s1", "s2"], can_publish=False) == (
        '{"room_id":"room_1","privilege":{"1":1,"2":0},"stream_id_list":["s1","s2"]}'
    )
    assert json.loads(privilege_payload("r", "s1", can_login=False)) == {
        "room_id": "r",
        "privilege": {"1": 0, "2": 1},
        "stream_id_list": ["s1"],
    }


@pytest.mark.parametrize(
    ("args", "field"),
    [(("",), "room_id"), (("room 1",), "room_id"), (("r", ["ok", "bad id"]), "stream_ids[1]")],
)
def test_privilege_payload_validates_ids(args, field):
    with pytest.raises(ValidationError) as info:
        privilege_payload(*args)
    assert info.value.field == field
