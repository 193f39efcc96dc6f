"""Keeping API keys out of the sandbox's state file in plain text.

Agents and instances hold the LLM and TTS configs they were given, keys
included, and the sandbox really needs those keys: it calls a custom
``LLM.Url`` with ``LLM.ApiKey``, possibly from another kernel than the one
that registered the agent (notebook 02 registers, notebook 03 talks). So the
keys cannot simply be dropped from the shared state file; they are *sealed*
there instead::

    "ApiKey": "sealed:v1:Qm9i..."     # in the file
    "ApiKey": "sk-live-..."           # in memory, after loading

A sealed value is the JSON of the original value encrypted with **AES-SIV**
(from ``cryptography``), under a key derived (HKDF-SHA256) from the
sandbox's own ServerSecret. Every kernel sharing a state file shares that
secret (``sandbox-credentials.json``, mode 0600), so each can unseal.

What it protects against, honestly: the state file on its own (copied into a
bug report, synced, shown on a projector) no longer reveals a key. Someone
who can read the kit home can read the credentials file too, and with it
unseal; that is no worse than the ``.env`` file the keys came from.

AES-SIV is *deterministic*: the same key always seals to the same text, so an
unchanged state saves to an unchanged file (the store skips the write, and
other kernels skip the reload). The one thing that leaks is whether two
sealed values are equal.

Which values are sealed: those under secret-looking keys
(:func:`zego_helpers.secrets_mask.is_secret_key`: ``ApiKey``, ``token``,
``secret``...), inside the places that hold vendor configs (see
:data:`SEALED_PLACES`) and the settings (``callback_secret``).
"""

from __future__ import annotations

import base64
import json
import logging
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..secrets_mask import MASK, is_secret_key

log = logging.getLogger("zego_helpers.sandbox")

PREFIX = "sealed:v1:"
#: The same few keys come back on every save: remember which are secret.
_is_secret_key = lru_cache(maxsize=1024)(is_secret_key)
_JSON = json.JSONEncoder(ensure_ascii=False)
#: Fields of a stored agent or instance that hold vendor configs (and so, keys).
SEALED_PLACES = ("llm", "tts", "asr")


class Sealer:
    """Seals and unseals secret values with a key derived from ``server_secret``."""

    def __init__(self, server_secret: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=64,  # AES-SIV with AES-256 takes a 512-bit key
            salt=b"zego-kit sandbox state",
            info=b"AES-SIV key for secrets in the sandbox state file, v1",
        ).derive(server_secret.encode("utf-8"))
        self._cipher = AESSIV(key)
        #: One string sealed, cached: an unchanged state seals without any cipher work.
        self.seal_value = lru_cache(maxsize=4096)(self._seal_value)
        self._open = lru_cache(maxsize=4096)(self._open_sealed)

    # --- whole entries ----------------------------------------------------------------------

    def seal_entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A copy of a stored agent/instance with its vendor configs' secrets sealed."""
        return {
            name: self.seal_tree(value) if name in SEALED_PLACES else value
            for name, value in entry.items()
        }

    def unseal_entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        return {
            name: self.unseal_tree(value) if name in SEALED_PLACES else value
            for name, value in entry.items()
        }

    # --- any nest of dicts and lists --------------------------------------------------------

    def seal_tree(self, value: Any) -> Any:
        """A copy of ``value`` with the values of secret-looking keys sealed (never in place)."""
        if isinstance(value, dict):
            return {
                key: self._seal_json(item) if _is_secret_key(key) else self.seal_tree(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.seal_tree(item) for item in value]
        return value

    def unseal_tree(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: self.unseal_value(item) if _is_secret_key(key) else self.unseal_tree(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.unseal_tree(item) for item in value]
        return value

    # --- one value --------------------------------------------------------------------------

    def _seal_json(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):  # the common case: cached by value, no JSON needed
            return self.seal_value(value)
        return self._seal_text(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def _seal_value(self, text: str) -> str:
        return self._seal_text(_JSON.encode(text))

    def _seal_text(self, json_text: str) -> str:
        sealed = self._cipher.encrypt(json_text.encode("utf-8"), None)
        return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")

    def unseal_value(self, value: Any) -> Any:
        """The original value; a value that is not sealed, or cannot be unsealed, is masked.

        An unsealable value (sealed under other credentials, or damaged) becomes
        ``"****"``: the entry stays usable, and a call with that key fails with
        the vendor's "wrong key" answer instead of the sandbox failing.
        """
        if value is None:
            return None
        if isinstance(value, str) and value.startswith(PREFIX):
            try:
                opened = self._open(value)
            except (InvalidTag, ValueError, UnicodeError):
                pass
            else:  # a str as is (immutable); a fresh copy of anything else
                return opened if not isinstance(opened, bytes) else json.loads(opened)
        log.warning("a key in the sandbox state file could not be unsealed; it is masked")
        return MASK

    def _open_sealed(self, value: str) -> str | bytes:
        """A sealed str's value, or the JSON bytes of anything else (cached: every load of
        the file unseals the same values again)."""
        sealed = base64.urlsafe_b64decode(value[len(PREFIX) :].encode("ascii"))
        text = self._cipher.decrypt(sealed, None)
        decoded = json.loads(text)
        return decoded if isinstance(decoded, str) else text
