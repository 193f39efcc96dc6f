"""The API's documented limits, checked before a request leaves your machine.

ZEGO would reject these requests too (usually with 410000003, "invalid
parameter"), but a check here names the field and the rule at once, before
anything is sent. The same functions are used by the sandbox, so it rejects
exactly what ZEGO documents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from .errors import ValidationError

#: RTC ids and user ids: digits, ASCII letters, ``_`` and ``-``. (The RTC schema
#: also allows ``.``, the general rule does not; we use the stricter one.)
RTC_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
#: AgentId allows a wider set of punctuation.
AGENT_ID_PATTERN = re.compile(r"^[0-9A-Za-z!#$%&()+\-:;<=.>?@\[\]^_{}|~,]+$")

MAX_USER_ID_BYTES = 32  # UserId, AgentUserId
MAX_ROOM_OR_STREAM_ID_BYTES = 128  # RoomId, AgentStreamId, UserStreamId
MAX_AGENT_ID_CHARS = 128
MAX_AGENT_NAME_BYTES = 256
MAX_STREAM_EXTRA_INFO_BYTES = 1024
MAX_TTS_TEXT_CHARS = 300
MAX_HISTORY_MESSAGES = 100
MAX_QUERY_AGENT_IDS = 10
LIST_AGENTS_LIMIT_RANGE = (0, 10)
WINDOW_SIZE_RANGE = (0, 500)
MAX_IDLE_TIME_RANGE = (10, 1800)
GRACEFUL_TIMEOUT_RANGE = (1, 120)
MESSAGE_ROLES = ("user", "assistant")
PRIORITIES = ("Low", "Medium", "High")
SAME_PRIORITY_OPTIONS = ("ClearAndInterrupt", "Enqueue")

#: The trial key. It only works with these LLM URL -> allowed models pairs;
#: any other URL gives 410001047.
TRIAL_API_KEY = "zego_test"
TRIAL_LLM_PAIRS: dict[str, tuple[str, ...]] = {
    "https://ark.cn-beijing.volces.com/api/v3/chat/completions": (
        "doubao-1-5-pro-32k-250115",
        "doubao-1-5-lite-32k-250115",
    ),
    "https://api.minimax.chat/v1/text/chatcompletion_v2": ("MiniMax-Text-01",),
    "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions": ("qwen-plus",),
    "https://api.stepfun.com/v1/chat/completions": ("step-2-16k",),
}


def check_rtc_id(field: str, value: object, max_bytes: int) -> str:
    """Check an RTC id (room, user or stream id): charset ``[A-Za-z0-9_-]`` and byte length."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "must be a non-empty string")
    if not RTC_ID_PATTERN.match(value):
        raise ValidationError(field, f"{value!r} may only contain letters, digits, '_' and '-'")
    size = len(value.encode("utf-8"))
    if size > max_bytes:
        raise ValidationError(field, f"is {size} bytes long; the limit is {max_bytes}")
    return value


def check_user_id(field: str, value: object) -> str:
    """UserId and AgentUserId: at most 32 bytes."""
    return check_rtc_id(field, value, MAX_USER_ID_BYTES)


def check_room_or_stream_id(field: str, value: object) -> str:
    """RoomId, AgentStreamId, UserStreamId: at most 128 bytes."""
    return check_rtc_id(field, value, MAX_ROOM_OR_STREAM_ID_BYTES)


def check_agent_id(field: str, value: object) -> str:
    """AgentId: at most 128 characters from the documented set."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "must be a non-empty string")
    if len(value) > MAX_AGENT_ID_CHARS:
        raise ValidationError(field, f"is {len(value)} characters; the limit is 128")
    if not AGENT_ID_PATTERN.match(value):
        raise ValidationError(
            field,
            f"{value!r} has a character outside letters, digits and !#$%&()+-:;<=.>?@[]^_{{}}|~,",
        )
    return value


def check_non_empty_text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "must be a non-empty string")
    return value


def check_tts_text(field: str, value: object) -> str:
    """SendAgentInstanceTTS.Text: non-empty, at most 300 characters."""
    check_non_empty_text(field, value)
    assert isinstance(value, str)
    if len(value) > MAX_TTS_TEXT_CHARS:
        raise ValidationError(
            field, f"has {len(value)} characters; the limit is {MAX_TTS_TEXT_CHARS}"
        )
    return value


def check_int_range(field: str, value: object, low: int, high: int) -> int:
    """An integer within ``low..high`` (inclusive). Booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be an integer between {low} and {high}")
    if not low <= value <= high:
        raise ValidationError(field, f"is {value}; it must be between {low} and {high}")
    return value


def check_number_range(field: str, value: object, low: float, high: float) -> float:
    """A number (int or float) within ``low..high`` (inclusive). Booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"must be a number between {low} and {high}")
    if not low <= value <= high:
        raise ValidationError(field, f"is {value}; it must be between {low} and {high}")
    return value


def check_url(field: str, value: object, schemes: Sequence[str] = ("http", "https")) -> str:
    """An absolute URL with one of ``schemes`` and a host, e.g. ``https://api.example.com/v1``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "must be a non-empty URL")
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc or value != value.strip():
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValidationError(
            field, f"{value!r} is not a full URL; it must start with {allowed} and name a host"
        )
    return value


def check_choice(field: str, value: object, choices: Sequence[object]) -> object:
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValidationError(field, f"is {value!r}; use one of {allowed}")
    return value


def check_messages(field: str, messages: object) -> list[dict]:
    """A list of ``{"Role": "user"|"assistant", "Content": str}``, at most 100 items."""
    if not isinstance(messages, list):
        raise ValidationError(field, "must be a list of {Role, Content} objects")
    if len(messages) > MAX_HISTORY_MESSAGES:
        raise ValidationError(
            field, f"has {len(messages)} messages; the limit is {MAX_HISTORY_MESSAGES}"
        )
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ValidationError(f"{field}[{i}]", "must be an object with Role and Content")
        check_choice(f"{field}[{i}].Role", message.get("Role"), MESSAGE_ROLES)
        if not isinstance(message.get("Content"), str):
            raise ValidationError(f"{field}[{i}].Content", "must be a string")
    return messages


def check_trial_llm(url: str, api_key: str, model: str, field: str = "LLM") -> None:
    """Refuse a ``zego_test`` key with a URL/model that the trial does not allow (410001047)."""
    if api_key != TRIAL_API_KEY:
        return
    allowed_models = TRIAL_LLM_PAIRS.get(url)
    if allowed_models is None:
        raise ValidationError(
            f"{field}.Url",
            f"{url!r} cannot be used with ApiKey 'zego_test' (ZEGO would answer 410001047); "
            f"use one of: {', '.join(TRIAL_LLM_PAIRS)}",
        )
    if model not in allowed_models:
        raise ValidationError(
            f"{field}.Model",
            f"{model!r} is not a trial model for {url}; use one of: {', '.join(allowed_models)}",
        )
