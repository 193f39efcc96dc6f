"""The API's documented limits, checked before a request leaves your machine.

ZEGO would reject these requests too (usually with 410000003, "invalid
parameter"), but a check here names the field and the rule at once, before
anything is sent. The same functions are used by the sandbox, so it rejects
exactly what ZEGO documents.

These field rules and the models' ``validate()`` methods are the only place
rules live: the client, the notebook forms and plain dicts all reach them
through :meth:`ApiModel.coerce <zego_helpers.models.ApiModel.coerce>` and
:mod:`zego_helpers.request_bodies`. Error messages show a bad value through
:func:`shown`, which hides anything that looks like a key.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .docs import page_for_reader
from .errors import ValidationError
from .i18n import N_, _, ngettext
from .secrets_mask import mask

#: RTC ids and user ids: digits, ASCII letters, ``_`` and ``-``. (The RTC schema
#: also allows ``.``, the general rule does not; we use the stricter one.)
RTC_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
#: AgentId allows a wider set of punctuation.
AGENT_ID_PATTERN = re.compile(r"^[0-9A-Za-z!#$%&()+\-:;<=.>?@\[\]^_{}|~,]+$")

MAX_USER_ID_BYTES = 32  # UserId, AgentUserId
MAX_ROOM_OR_STREAM_ID_BYTES = 128  # RoomId, AgentStreamId, UserStreamId
MAX_AGENT_ID_CHARS = 128
MAX_AGENT_NAME_BYTES = 256  # RegisterAgent.Name (register-agent API page)
#: UpdateAgent's spec gives ``Name`` maxLength 64, unlike 256 on Register
#: (https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-configuration-management/update-agent).
MAX_UPDATED_AGENT_NAME_CHARS = 64
#: SendAgentInstanceLLM.Text has no documented limit
#: (https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-control/send-agent-instance-llm).
#: Our choice: a spoken user turn is a few sentences; 4000 characters leaves
#: room for pasted context while refusing a runaway 10 MB string before it is sent.
#: The same limit applies to history message contents (also undocumented).
MAX_LLM_TEXT_CHARS = 4000
#: LLM.SystemPrompt has no documented limit either; our choice, generous for
#: role-play prompts.
MAX_SYSTEM_PROMPT_CHARS = 20000
MAX_STREAM_EXTRA_INFO_BYTES = 1024
MAX_TTS_TEXT_CHARS = 300
MAX_HISTORY_MESSAGES = 100
MAX_QUERY_AGENT_IDS = 10
LIST_AGENTS_LIMIT_RANGE = (0, 10)
#: MessageHistory.WindowSize: the API schema allows 0-500
#: (https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-agent-instance);
#: the short-term-memory guide, EN and ZH, says 0-100
#: (https://www.zegocloud.com/docs/aiagent-server/advanced/ai-short-term-memory,
#: https://doc-zh.zego.im/aiagent-server/advanced/ai-short-term-memory). Tolerant side:
#: refuse above 500, warn above 100.
WINDOW_SIZE_RANGE = (0, 500)
WINDOW_SIZE_GUIDE_MAX = 100
#: AdvancedConfig.MaxIdleTime of a voice or digital-human instance (default 120 s).
MAX_IDLE_TIME_RANGE = (10, 1800)
#: AdvancedConfig.MaxIdleTime of a *live* digital human: 30-86400 s, default 900, counted
#: from the last SendAgentInstanceTTS
#: (https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-live-digital-human-agent-instance).
LIVE_MAX_IDLE_TIME_RANGE = (30, 86400)
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


# ---------------------------------------------------------------------------
# Showing a bad value without leaking a secret
# ---------------------------------------------------------------------------

#: Prefixes of well-known key formats (OpenAI-style ``sk-``, GitHub, Slack, AWS, JWT).
_SECRET_PREFIXES = ("sk-", "sk_", "pk-", "rk-", "ghp_", "xox", "AKIA", "eyJ")
_HEX_TOKEN = re.compile(r"^[0-9a-fA-F]{32,}$")
_TOKEN_PART = re.compile(r"[A-Za-z0-9_\-+=]{16,}")  # URLs split at / and .
#: Longest text echoed in an error message; longer text is cut.
MAX_SHOWN_CHARS = 60


def _entropy_bits_per_char(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_like_secret(text: str) -> bool:
    """True when ``text`` holds something shaped like a key or token.

    A heuristic that would rather hide too much than too little: a known key
    prefix (``sk-``...), 32 or more hex digits (a ServerSecret), or a run of
    20+ characters mixing upper case, lower case and digits (or, without
    ``-``/``_``, letters and digits of high entropy). Model names such as
    ``doubao-1-5-lite-32k-250115`` and the kit's RTC ids stay visible.
    """
    for token in _TOKEN_PART.findall(text):
        if token.startswith(_SECRET_PREFIXES) or _HEX_TOKEN.match(token):
            return True
        letters_digits = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        mixed_case = any(c.isupper() for c in token) and any(c.islower() for c in token)
        if len(token) >= 20 and letters_digits and mixed_case:
            return True
        if len(token) >= 24 and mixed_case and _entropy_bits_per_char(token) >= 4.2:
            return True  # letters only, but random (CamelCase names stay below 4.0)
        # Word-like ids ("ada_agent_stream_eae4912456a6") split into short parts.
        for part in re.split(r"[-_]", token):
            has_both = any(c.isdigit() for c in part) and any(c.isalpha() for c in part)
            if len(part) >= 20 and has_both and _entropy_bits_per_char(part) >= 3.8:
                return True
    return False


def shown(value: object) -> str:
    """``value`` as an error message may show it: ``repr``, masked if it looks secret, cut if long.

    A key pasted into the wrong box must not reappear in an error (and from
    there in a notebook's saved output), so ``LLM.Temperature`` with a pasted
    key reads ``'****Xy' (a 51-character value that looks like a key, hidden)``.
    """
    if isinstance(value, str):
        if looks_like_secret(value):
            return _("{masked} (a {count}-character value that looks like a key, hidden)").format(
                masked=repr(mask(value)), count=len(value)
            )
        if len(value) > MAX_SHOWN_CHARS:
            return _("{start}... ({count} characters)").format(
                start=repr(value[:MAX_SHOWN_CHARS]), count=len(value)
            )
        return repr(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, (bool, int)) or value is None:
        return repr(value)
    return type_name(value)


def type_name(value: object) -> str:
    """What kind of value ``value`` is, for a message: ``a dict`` (``dict 类型的值``)."""
    return _("a {type}").format(type=type(value).__name__)


def _number(value: object) -> str:
    """3.0 -> '3', 0.25 -> '0.25': a form's "3" and a script's 3 read the same."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return repr(value)


def _see(doc: str | None) -> str:
    return _(" (documented at {page})").format(page=page_for_reader(doc)) if doc else ""


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def check_rtc_id(field: str, value: object, max_bytes: int) -> str:
    """Check an RTC id (room, user or stream id): charset ``[A-Za-z0-9_-]`` and byte length."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, _("must be a non-empty string"))
    if not RTC_ID_PATTERN.match(value):
        raise ValidationError(
            field,
            _("{value} may only contain letters, digits, '_' and '-'").format(value=shown(value)),
        )
    size = len(value.encode("utf-8"))
    if size > max_bytes:
        problem = _("is {size} bytes long; the limit is {limit}")
        raise ValidationError(field, problem.format(size=size, limit=max_bytes))
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
        raise ValidationError(field, _("must be a non-empty string"))
    if len(value) > MAX_AGENT_ID_CHARS:
        raise ValidationError(
            field,
            _("is {count} characters; the limit is {limit}").format(
                count=len(value), limit=MAX_AGENT_ID_CHARS
            ),
        )
    if not AGENT_ID_PATTERN.match(value):
        raise ValidationError(field, _first_bad_character(value))
    return value


#: How an error names the characters people type into an id by mistake.
_CHARACTER_NAMES = {
    " ": N_("a space"),
    "\t": N_("a tab"),
    "\n": N_("a line break"),
    "/": N_("a slash"),
    "'": N_("a quote"),
    '"': N_("a quote"),
    "*": N_("an asterisk"),
}


def _first_bad_character(value: str) -> str:
    """Which character of an id is the problem, in words, with an id that would work."""
    position, char = next((i, c) for i, c in enumerate(value) if not AGENT_ID_PATTERN.match(c))
    named = _CHARACTER_NAMES.get(char)
    what = _(named) if named else _("the character {char}").format(char=repr(char))
    return _(
        "{value} contains {what} (character {position}), which an id cannot hold; ids allow "
        "letters, digits and {allowed}, e.g. {example}"
    ).format(
        value=shown(value),
        what=what,
        position=position + 1,
        allowed="!#$%&()+-:;<=.>?@[]^_{}|~,",
        example=repr(re.sub(r"[^0-9A-Za-z!#$%&()+\-:;<=.>?@\[\]^_{}|~,]", "_", value)),
    )


def check_unicode(field: str, value: str) -> str:
    """Text that UTF-8 can carry: a lone surrogate (``"\\ud800"``) is not text, and refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValidationError(
            field,
            _(
                "has an invalid character at position {position} (a lone surrogate such as "
                "{example}, often from a broken copy/paste or a bad decode); remove it"
            ).format(position=error.start, example="'\\ud800'"),
        ) from None
    return value


def check_non_empty_text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, _("must be a non-empty string"))
    return check_unicode(field, value)


def check_text_length(field: str, value: str, limit: int, why: str = "") -> str:
    """``value`` has at most ``limit`` characters (``why``, translated: where the limit is from)."""
    if len(value) > limit:
        note = _(" ({why})").format(why=why) if why else ""
        problem = _("has {count} characters; the limit is {limit}").format(
            count=len(value), limit=limit
        )
        raise ValidationError(field, problem + note)
    return value


def check_optional_text(field: str, value: object, limit: int, why: str = "") -> str | None:
    """``None`` or a string of at most ``limit`` characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(
            field, _("must be a string, not {type}").format(type=type(value).__name__)
        )
    return check_text_length(field, check_unicode(field, value), limit, why)


def check_bool(field: str, value: object) -> bool:
    """``True`` or ``False`` (not ``1``, not ``"yes"``)."""
    if not isinstance(value, bool):
        raise ValidationError(
            field, _("must be True or False, not {value}").format(value=shown(value))
        )
    return value


def check_tts_text(field: str, value: object) -> str:
    """SendAgentInstanceTTS.Text: non-empty, at most 300 characters."""
    check_non_empty_text(field, value)
    assert isinstance(value, str)
    if len(value) > MAX_TTS_TEXT_CHARS:
        raise ValidationError(
            field,
            _("has {count} characters; the limit is {limit}").format(
                count=len(value), limit=MAX_TTS_TEXT_CHARS
            ),
        )
    return value


def check_int_range(
    field: str, value: object, low: int, high: int, *, doc: str | None = None
) -> int:
    """An integer within ``low..high`` (inclusive). Booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        problem = _("must be an integer between {low} and {high}, not {value}").format(
            low=low, high=high, value=shown(value)
        )
        raise ValidationError(field, problem + _see(doc))
    if not low <= value <= high:
        problem = _("is {value}; it must be between {low} and {high}").format(
            value=value, low=low, high=high
        )
        raise ValidationError(field, problem + _see(doc))
    return value


def check_number_range(
    field: str,
    value: object,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    doc: str | None = None,
) -> float:
    """A finite number (int or float) within ``low..high``. Booleans are refused.

    ``low_open`` excludes ``low`` itself, as in MiniMax's volume range (0, 10].
    """
    allowed = (
        _("above {low} and at most {high}") if low_open else _("between {low} and {high}")
    ).format(low=_number(low), high=_number(high))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problem = _("must be a number {allowed}, not {value}").format(
            allowed=allowed, value=shown(value)
        )
        raise ValidationError(field, problem + _see(doc))
    if not (low < value if low_open else low <= value) or value > high:
        problem = _("is {value}; it must be {allowed}").format(
            value=_number(value), allowed=allowed
        )
        raise ValidationError(field, problem + _see(doc))
    return value


def check_url(field: str, value: object, schemes: Sequence[str] = ("http", "https")) -> str:
    """An absolute URL with one of ``schemes`` and a host, e.g. ``https://api.example.com/v1``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, _("must be a non-empty URL"))
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc or value != value.strip():
        allowed = _(" or ").join(f"{scheme}://" for scheme in schemes)
        raise ValidationError(
            field,
            _("{value} is not a full URL; it must start with {allowed} and name a host").format(
                value=shown(value), allowed=allowed
            ),
        )
    return value


def check_choice(field: str, value: object, choices: Sequence[object]) -> object:
    """``value`` is one of ``choices`` (``True`` never counts as ``1``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (str, int, float, type(None)))
        or value not in choices
    ):
        allowed = ", ".join(repr(c) for c in choices)
        raise ValidationError(
            field, _("is {value}; use one of {allowed}").format(value=shown(value), allowed=allowed)
        )
    return value


def check_messages(field: str, messages: object) -> list[dict[str, Any]]:
    """A list of ``{"Role": "user"|"assistant", "Content": str}``, at most 100 items."""
    if not isinstance(messages, list):
        raise ValidationError(field, _("must be a list of {Role, Content} objects"))
    if len(messages) > MAX_HISTORY_MESSAGES:
        raise ValidationError(
            field,
            _("has {count} messages; the limit is {limit}").format(
                count=len(messages), limit=MAX_HISTORY_MESSAGES
            ),
        )
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ValidationError(f"{field}[{i}]", _("must be an object with Role and Content"))
        check_choice(f"{field}[{i}].Role", message.get("Role"), MESSAGE_ROLES)
        if not isinstance(message.get("Content"), str):
            raise ValidationError(f"{field}[{i}].Content", _("must be a string"))
        content = check_unicode(f"{field}[{i}].Content", message["Content"])
        check_text_length(f"{field}[{i}].Content", content, MAX_LLM_TEXT_CHARS)
    return messages


def check_agent_user_differs(user_id: str, rtc: Mapping[str, object]) -> None:
    """The agent's RTC user must not be the real user: they would log into one room as one."""
    if rtc.get("AgentUserId") == user_id:
        raise ValidationError("RTC.AgentUserId", _("must differ from UserId (the real user)"))


def check_trial_llm(url: str, api_key: str, model: str, field: str = "LLM") -> None:
    """Refuse a ``zego_test`` key with a URL/model that the trial does not allow (410001047)."""
    if api_key != TRIAL_API_KEY:
        return
    allowed_models = TRIAL_LLM_PAIRS.get(url)
    if allowed_models is None:
        raise ValidationError(
            f"{field}.Url",
            _(
                "{url} cannot be used with ApiKey 'zego_test' (ZEGO would answer 410001047); "
                "use one of: {allowed}"
            ).format(url=shown(url), allowed=", ".join(TRIAL_LLM_PAIRS)),
        )
    if model not in allowed_models:
        raise ValidationError(
            f"{field}.Model",
            _("{model} is not a trial model for {url}; use one of: {allowed}").format(
                model=shown(model), url=url, allowed=", ".join(allowed_models)
            ),
        )


#: Host names that always mean "this machine" or "this local network".
_LOCAL_HOST_NAMES = ("localhost", "localhost.localdomain", "host.docker.internal")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def private_url_problem(url: str) -> str | None:
    """Why ZEGO's cloud cannot call ``url``, or ``None`` when nothing local is obvious.

    ZEGO's servers call ``LLM.Url`` (and a callback URL) from the internet
    (https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm: "the
    URL that can be called by AI Agent"). A loopback address (``127.0.0.1``,
    ``localhost``), a private network (``10.x``, ``192.168.x``, ``172.16-31.x``,
    ``fd00::/8``), a link-local one or a ``.local`` name points at *your* side
    of the internet: it works with the local sandbox, never with ZEGO. Only
    the text of the URL is read; no DNS lookup is made.
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return _("{url} names no host").format(url=shown(url))
    unreachable = _("{host} is {kind}: ZEGO's servers cannot reach it")
    if host in _LOCAL_HOST_NAMES or host.endswith(_LOCAL_SUFFIXES):
        kind = _("this machine") if "localhost" in host else _("a local network name")
        return unreachable.format(host=host, kind=kind)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a public-looking name; whether it resolves is not checked here
    for test, kind in (
        (address.is_loopback, _("a loopback address (this machine)")),
        (address.is_unspecified, _("the unspecified address")),
        (address.is_link_local, _("a link-local address")),
        (address.is_private, _("a private-network address")),
        (address.is_reserved or address.is_multicast, _("a reserved address")),
    ):
        if test:
            return unreachable.format(host=host, kind=kind)
    return None


#: AppID is an unsigned 32-bit number; the ServerSecret is 32 characters
#: (https://www.zegocloud.com/docs/aiagent-server/api-reference/accessing-server-apis).
#: The same numbers live in settings.py; a constants module will hold them once.
APP_ID_RANGE = (1, 2**32 - 1)
SERVER_SECRET_LENGTH = 32
MAX_RETRIES_RANGE = (0, 10)
REQUESTS_PER_SECOND_RANGE = (1, 1000)
TIMEOUT_RANGE_S = (0.001, 600.0)


def check_client_arguments(
    app_id: object,
    server_secret: object,
    base_url: object,
    timeout: object,
    max_retries: object,
    requests_per_second: object,
) -> None:
    """``AIAgentClient(...)``'s arguments, checked before any connection (secret never shown)."""
    check_int_range("app_id", app_id, *APP_ID_RANGE)
    if not isinstance(server_secret, str) or len(server_secret) != SERVER_SECRET_LENGTH:
        got = (
            ngettext("{count} character", "{count} characters", len(server_secret)).format(
                count=len(server_secret)
            )
            if isinstance(server_secret, str)
            else type_name(server_secret)
        )
        raise ValidationError(
            "server_secret",
            _(
                "must be the {length}-character ServerSecret from the ZEGO console, "
                "got {got} (not the AppSign)"
            ).format(length=SERVER_SECRET_LENGTH, got=got),
        )
    if not isinstance(base_url, str):  # its form is checked by the transport (ConfigError)
        raise ValidationError(
            "base_url", _("must be a URL string, not {type}").format(type=type(base_url).__name__)
        )
    parts = timeout if isinstance(timeout, tuple) else (timeout,)
    if not 1 <= len(parts) <= 2:
        raise ValidationError("timeout", _("must be seconds, or a (connect, read) pair of seconds"))
    for part in parts:
        check_number_range("timeout", part, *TIMEOUT_RANGE_S)
    check_int_range("max_retries", max_retries, *MAX_RETRIES_RANGE)
    if requests_per_second is not None:
        check_int_range("requests_per_second", requests_per_second, *REQUESTS_PER_SECOND_RANGE)
