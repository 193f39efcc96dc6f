"""Hide secrets before anything is printed, logged or shown in a notebook.

Two functions:

* :func:`mask` hides one value.
* :func:`mask_secrets` returns a deep copy of a request body (or any nest of
  dicts and lists) with the values of secret-looking keys masked. Notebooks use
  it to preview a body before it is sent, and log lines use it for anything
  that might hold a key::

      >>> mask_secrets({"LLM": {"ApiKey": "sk-live-1234567890ab", "Model": "gpt-4o-mini"}})
      {'LLM': {'ApiKey': '****ab', 'Model': 'gpt-4o-mini'}}

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

from typing import Any

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
