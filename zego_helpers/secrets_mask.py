"""Hide secrets before anything is printed, logged or shown in a notebook.

This module is the one place where the kit hides secrets. Four functions:

* :func:`mask` hides one value.
* :func:`mask_secrets` returns a deep copy of a request body (or any nest of
  dicts and lists) with the values of secret-looking keys masked. Notebooks use
  it to preview a body before it is sent, and log lines use it for anything
  that might hold a key::

      >>> mask_secrets({"LLM": {"ApiKey": "sk-live-1234567890ab", "Model": "gpt-4o-mini"}})
      {'LLM': {'ApiKey': '****ab', 'Model': 'gpt-4o-mini'}}

* :func:`mask_url` hides the credentials a URL may carry: ``user:password@``
  and secret-looking query parameters (``?api_key=...``, ``?key=...``).
* :func:`mask_text` hides known secrets inside free text, such as an error
  page an LLM sent back, *in any letter case* and URL-encoded, because a
  server that echoes your key often changes it on the way (``SK-ABC...``,
  ``sk%2Dabc``). It applies :func:`mask_url` too::

      >>> mask_text("bad key SK-LIVE-1234567890AB at https://bob:pw@x.io", "sk-live-1234567890ab")
      'bad key **** at https://****@x.io'

How a value is masked (``mask``):

* ``"zego_test"`` stays visible. It is ZEGO's public trial key, printed in the
  official docs, and seeing it tells a learner that the trial is in use.
* An empty string stays empty, so a preview shows that a key is *missing*.
* A value of 12 or more characters becomes ``"****"`` plus its last 2
  characters: enough to tell two keys apart ("is this the new key?"), too
  little to guess anything (a 32-character ServerSecret keeps 8 of its 128 bits).
* Anything shorter becomes plain ``"****"``: on a short value even two
  characters would give away too much.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, quote_plus

#: Values that are public and stay readable. ``zego_test`` is the trial key.
PUBLIC_VALUES = frozenset({"zego_test"})
#: The shortest value that keeps its last characters visible.
MIN_LENGTH_TO_SHOW_TAIL = 12
#: How many trailing characters stay visible on long values.
VISIBLE_TAIL = 2
MASK = "****"

#: Secret-looking keys, compared after lowercasing and dropping ``_`` and ``-``,
#: so ``ApiKey``, ``api_key`` and ``API-KEY`` all match ``apikey``.
#: Identifiers that are not secret (``appid``, ``group_id``, ``resource_id``,
#: ``AgentId``...) are deliberately absent.
SECRET_KEYS = frozenset(
    {
        "apikey",  # LLM.ApiKey, TTS app.api_key (CosyVoice, MiniMax)
        "token",  # ByteDance app.token, Token04
        "akid",  # Aliyun AccessKey ID
        "akkey",  # Aliyun AccessKey secret
        "appkey",  # Aliyun app_key
        "serversecret",
        "callbacksecret",
        "secret",
        "signature",  # request / callback signatures
        "password",
        "accesstoken",
        "authorization",
    }
)
#: Any key *ending* in one of these is masked too (``x_api_key``, ``zego_server_secret``).
SECRET_KEY_SUFFIXES = ("secret", "apikey", "token", "password")


def is_secret_key(key: object) -> bool:
    """True when a dict key names something secret (case-insensitive)."""
    if not isinstance(key, str):
        return False
    normal = key.lower().replace("_", "").replace("-", "")
    return normal in SECRET_KEYS or normal.endswith(SECRET_KEY_SUFFIXES)


def mask(value: str) -> str:
    """Hide one secret value (see the module docstring for the rule)."""
    if not isinstance(value, str):
        return MASK
    if value == "" or value in PUBLIC_VALUES:
        return value
    if len(value) >= MIN_LENGTH_TO_SHOW_TAIL:
        return MASK + value[-VISIBLE_TAIL:]
    return MASK


#: ``scheme://userinfo@``: the userinfo (``user:password``) is hidden whole.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]+@")
#: ``?name=value`` / ``&name=value`` in a URL.
_QUERY_PARAMETER = re.compile(r"([?&;])([^=&#\s]+)=([^&#\s]*)")
#: Query parameter names that carry a key though :func:`is_secret_key` says no.
SECRET_QUERY_NAMES = frozenset({"key", "sig"})
#: Shorter known secrets are not searched for in text: they would hide ordinary
#: words, and a value that short protects nothing anyway.
MIN_LENGTH_TO_SEARCH = 6


def mask_url(text: str) -> str:
    """``text`` with URL credentials hidden: ``https://u:p@h`` -> ``https://****@h``, and
    the values of secret-looking query parameters (``?api_key=...`` -> ``?api_key=****``)."""

    def query(match: re.Match[str]) -> str:
        sep, name, value = match.groups()
        if value and (is_secret_key(name) or name.lower() in SECRET_QUERY_NAMES):
            return f"{sep}{name}={MASK}"
        return match.group(0)

    text = _URL_USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    return _QUERY_PARAMETER.sub(query, text)


def _reveal(secret: object) -> str:
    value = secret.reveal() if hasattr(secret, "reveal") else secret
    return value if isinstance(value, str) else ""


def text_variants(secret: str) -> set[str]:
    """The forms of ``secret`` that :func:`mask_text` looks for (each in any letter case)."""
    variants = {secret, secret.casefold(), quote(secret, safe=""), quote_plus(secret)}
    return {variant for variant in variants if variant}


def mask_text(text: str, *secrets: object) -> str:
    """``text`` with every occurrence of each secret replaced by ``****``, then :func:`mask_url`.

    A secret is a string or anything with ``reveal()`` (a
    :class:`~zego_helpers.settings.Secret`); ``None`` and ``""`` are skipped,
    and so are public values (``zego_test``) and values shorter than
    :data:`MIN_LENGTH_TO_SEARCH`. Matching ignores letter case and also
    finds the URL-encoded forms; the longest forms are replaced first.
    """
    if not isinstance(text, str):
        text = str(text)
    forms: set[str] = set()
    for secret in secrets:
        value = _reveal(secret)
        if len(value) >= MIN_LENGTH_TO_SEARCH and value not in PUBLIC_VALUES:
            forms |= text_variants(value)
    if forms:
        pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        text = re.sub(pattern, MASK, text, flags=re.IGNORECASE)
    return mask_url(text)


def secret_values(settings: Any) -> list[object]:
    """Every secret a :class:`~zego_helpers.settings.Settings` holds, for :func:`mask_text`."""
    llm, tts = getattr(settings, "llm", None), getattr(settings, "tts", None)
    return [
        getattr(settings, "server_secret", None),
        getattr(settings, "callback_secret", None),
        getattr(llm, "api_key", None),
        getattr(tts, "api_key", None),
        getattr(tts, "bytedance_token", None),
    ]


def mask_secrets(obj: Any) -> Any:
    """A deep copy of ``obj`` with the values of secret-looking keys masked.

    ``obj`` may be a dict, list or tuple nested to any depth, or one of the kit's
    model objects (anything with a ``to_api()`` method, which is called first).
    The original is never modified. ``None`` stays ``None`` (so you can see a
    field is unset); any other non-string secret value becomes ``"****"``.
    """
    if hasattr(obj, "to_api") and callable(obj.to_api):
        obj = obj.to_api()
    if isinstance(obj, dict):
        return {key: _mask_entry(key, value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(mask_secrets(item) for item in obj)
    return obj


def _mask_entry(key: object, value: Any) -> Any:
    if not is_secret_key(key):
        return mask_secrets(value)
    if value is None:
        return None
    if isinstance(value, (dict, list, tuple)):
        # e.g. {"secret": {"value": ...}}: hide the whole structure.
        return MASK
    return mask(value) if isinstance(value, str) else MASK
