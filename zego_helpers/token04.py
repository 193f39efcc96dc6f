"""ZEGO Token04: the token a client passes to ``loginRoom`` to join an RTC room.

Your server makes it from the AppId and the 32-character ServerSecret; the
browser never sees the secret. The ``user_id`` inside the token must be the
``userID`` the client logs in with, which is also the ``UserId`` you pass to
CreateAgentInstance.

What is inside: a small JSON object ::

    {"app_id": 1234567890, "user_id": "u1", "nonce": 12345, "ctime": 1700000000,
     "expire": 1700003600, "payload": ""}

encrypted with AES-256 (the key is the ServerSecret's 32 bytes as they are,
not hex-decoded), then packed big-endian and Base64-encoded behind ``"04"``.
Two layouts exist:

* **GCM** (current, recommended; the default here)::

      int64 expire | int16 12 | nonce (12 bytes) | int16 n | ciphertext||tag (n bytes) | uint8 1

  25 + n bytes, the last byte (1) says "GCM".

* **CBC** (the original, deprecated, still accepted)::

      int64 expire | int16 16 | iv (16 ASCII chars) | int16 n | ciphertext (n bytes)

  28 + n bytes, PKCS#7 padding, no trailing mode byte.

ZEGO accepts both. There is no official test vector (the nonce and the time
are random), so the tests decode what we produce, with an independent decoder.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
import struct
import time
from typing import Any

from .constants import MAX_APP_ID, SERVER_SECRET_LENGTH
from .errors import ValidationError
from .i18n import _
from .validation import check_room_or_stream_id

TOKEN_PREFIX = "04"
MODES = ("gcm", "cbc")
#: The trailing byte of a GCM token (Go/Node/Java call it ``AesEncryptModeGCM``).
GCM_MODE_BYTE = 1
GCM_NONCE_BYTES = 12
CBC_IV_CHARS = 16
SECRET_LENGTH = SERVER_SECRET_LENGTH
MAX_UINT32 = MAX_APP_ID
#: JSON ``nonce`` range: positive int32, which every official sample accepts.
NONCE_RANGE = (1, 2**31 - 1)
#: Lengths are packed as int16, so the encrypted part must stay below this.
MAX_ENCRYPTED_BYTES = 2**15 - 1
#: Privilege keys inside a privilege payload.
PRIVILEGE_LOGIN = "1"
PRIVILEGE_PUBLISH = "2"


def generate_token04(
    app_id: int,
    user_id: str,
    server_secret: str,
    effective_seconds: int = 3600,
    payload: str = "",
    mode: str = "gcm",
    *,
    now: int | None = None,
) -> str:
    """Make a Token04 for ``user_id``, valid for ``effective_seconds`` from ``now``.

    ``payload`` is ``""`` for a basic token, or the JSON string from
    :func:`privilege_payload` to pin the room (and the streams) the user may use.
    ``mode`` is ``"gcm"`` (recommended) or ``"cbc"`` (legacy). ``now`` (Unix
    seconds) is for tests; it defaults to the current time.

    Raises :class:`~zego_helpers.errors.ValidationError` (a ``ValueError``)
    naming the bad argument; the message never contains the secret.
    """
    _check_app_id(app_id)
    if not isinstance(user_id, str) or not user_id:
        raise ValidationError("user_id", _("must be a non-empty string (the loginRoom userID)"))
    key = _secret_key(server_secret)
    if isinstance(effective_seconds, bool) or not isinstance(effective_seconds, int):
        raise ValidationError(
            "effective_seconds", _("must be a whole number of seconds, e.g. 3600")
        )
    if effective_seconds <= 0:
        raise ValidationError(
            "effective_seconds",
            _("is {value}; it must be greater than 0 (e.g. 3600)").format(value=effective_seconds),
        )
    if not isinstance(payload, str):
        raise ValidationError(
            "payload", _("must be a string: '' or the JSON text from privilege_payload()")
        )
    if mode not in MODES:
        raise ValidationError(
            "mode",
            _("is {value}; use 'gcm' (recommended) or 'cbc' (legacy)").format(value=repr(mode)),
        )

    created = int(time.time()) if now is None else int(now)
    low, high = NONCE_RANGE
    plaintext = {
        "app_id": app_id,
        "user_id": user_id,
        "nonce": low + secrets.randbelow(high - low + 1),
        "ctime": created,
        "expire": created + effective_seconds,
        "payload": payload,
    }
    data = json.dumps(plaintext, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    # cryptography loads here, on the first token, so that importing the kit stays fast
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if mode == "gcm":
        iv = secrets.token_bytes(GCM_NONCE_BYTES)
        encrypted = AESGCM(key).encrypt(iv, data, None)  # ciphertext || 16-byte tag
        trailer = bytes([GCM_MODE_BYTE])
    else:
        alphabet = string.digits + string.ascii_lowercase
        iv = "".join(secrets.choice(alphabet) for _position in range(CBC_IV_CHARS)).encode("ascii")
        padder = padding.PKCS7(algorithms.AES.block_size).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        encrypted = encryptor.update(padded) + encryptor.finalize()
        trailer = b""

    if len(encrypted) > MAX_ENCRYPTED_BYTES:
        raise ValidationError(
            "payload",
            _("makes the token too large ({count} encrypted bytes); shorten it").format(
                count=len(encrypted)
            ),
        )
    packed = (
        struct.pack(">qh", plaintext["expire"], len(iv))
        + iv
        + struct.pack(">h", len(encrypted))
        + encrypted
        + trailer
    )
    return TOKEN_PREFIX + base64.b64encode(packed).decode("ascii")


def privilege_payload(
    room_id: str,
    stream_ids: list[str] | tuple[str, ...] | str | None = None,
    can_login: bool = True,
    can_publish: bool = True,
) -> str:
    """The JSON ``payload`` of a privilege ("strong") token.

    The token then only logs into ``room_id``; with ``stream_ids`` it may only
    publish those stream ids (``None`` means no stream check). A single string
    is taken as a one-item list. For the kit's calls, allow publishing the
    user's ``UserStreamId``.

    >>> privilege_payload("room_1", ["user_stream_1"])
    '{"room_id":"room_1","privilege":{"1":1,"2":1},"stream_id_list":["user_stream_1"]}'
    """
    check_room_or_stream_id("room_id", room_id)
    if isinstance(stream_ids, str):
        stream_ids = [stream_ids]
    if stream_ids is not None:
        stream_ids = list(stream_ids)
        for i, stream_id in enumerate(stream_ids):
            check_room_or_stream_id(f"stream_ids[{i}]", stream_id)
    body = {
        "room_id": room_id,
        "privilege": {
            PRIVILEGE_LOGIN: int(bool(can_login)),
            PRIVILEGE_PUBLISH: int(bool(can_publish)),
        },
        "stream_id_list": stream_ids,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def decode_token04(token: str, server_secret: str) -> dict[str, Any]:
    """Decrypt a Token04 (GCM or CBC) and return its fields plus ``"mode"``.

    Returns ``{"app_id", "user_id", "nonce", "ctime", "expire", "payload",
    "mode"}``. Useful to check what a token says, e.g. why a login fails.
    Raises :class:`~zego_helpers.errors.ValidationError` (a ``ValueError``) when
    the token is malformed or the secret does not decrypt it.
    """
    key = _secret_key(server_secret)
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        raise ValidationError(
            "token", _("is not a Token04: it must be a string starting with '04'")
        )
    try:
        packed = base64.b64decode(token[len(TOKEN_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("token", _("is not valid Base64 after the '04' prefix")) from None

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    expire, iv, encrypted, trailer = _unpack(packed)
    if trailer == bytes([GCM_MODE_BYTE]):
        mode = "gcm"
        try:
            data = AESGCM(key).decrypt(iv, encrypted, None)
        except (InvalidTag, ValueError):
            raise _cannot_decrypt() from None
    elif trailer in (b"", b"\x00"):
        mode = "cbc"
        try:
            decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
            padded = decryptor.update(encrypted) + decryptor.finalize()
            unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
            data = unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise _cannot_decrypt() from None
    else:
        raise ValidationError("token", _("has an unknown mode byte after the encrypted part"))

    try:
        fields = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _cannot_decrypt() from None
    if not isinstance(fields, dict) or fields.get("expire") != expire:
        raise ValidationError("token", _("is corrupted: its header and its content disagree"))
    fields["mode"] = mode
    return fields


def _unpack(packed: bytes) -> tuple[int, bytes, bytes, bytes]:
    """Split the binary token into (expire, iv, encrypted, trailing bytes)."""
    try:
        expire, iv_len = struct.unpack_from(">qh", packed, 0)
        offset = 10
        iv = packed[offset : offset + iv_len]
        offset += iv_len
        (enc_len,) = struct.unpack_from(">h", packed, offset)
        offset += 2
    except struct.error:
        raise ValidationError("token", _("is too short to be a Token04")) from None
    encrypted = packed[offset : offset + enc_len]
    if iv_len <= 0 or enc_len <= 0 or len(iv) != iv_len or len(encrypted) != enc_len:
        raise ValidationError("token", _("is truncated or corrupted (lengths do not add up)"))
    trailer = packed[offset + enc_len :]
    if len(trailer) > 1:
        raise ValidationError("token", _("has unexpected bytes after the encrypted part"))
    return expire, iv, encrypted, trailer


def _check_app_id(app_id: object) -> None:
    if isinstance(app_id, bool) or not isinstance(app_id, int) or not 0 < app_id <= MAX_UINT32:
        raise ValidationError(
            "app_id",
            _("must be your numeric AppId (a positive integer below 2**32) from the console"),
        )


def _secret_key(server_secret: object) -> bytes:
    """The AES-256 key: the secret's 32 ASCII characters as bytes (not hex-decoded)."""
    if not isinstance(server_secret, str):
        raise ValidationError(
            "server_secret", _("must be the ServerSecret string from the console")
        )
    if len(server_secret) != SECRET_LENGTH or not server_secret.isascii():
        raise ValidationError(
            "server_secret",
            _(
                "must be exactly {length} ASCII characters (the ServerSecret from the ZEGO "
                "console); the value given has {count} characters"
            ).format(length=SECRET_LENGTH, count=len(server_secret)),
        )
    return server_secret.encode("ascii")


def _cannot_decrypt() -> ValidationError:
    return ValidationError(
        "token",
        _(
            "could not be decrypted with this server_secret: the secret is wrong "
            "(another project's?) or the token was changed"
        ),
    )
