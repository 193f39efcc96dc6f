"""The plain functions behind the notebook forms: values in, models and request bodies out.

The forms in :mod:`zego_helpers.widgets.forms` only show inputs and call these
functions, so everything a form decides can be tested (and reused in a
script) without Jupyter:

* **defaults**: what a form shows before you touch it, taken from your
  settings (``LLM_*``, ``TTS_*``); with nothing set, ZEGO's trial values, so
  *Run All* works without a click;
* **values -> model**: :func:`llm_form_values_to_model`,
  :func:`tts_form_values_to_model`, :func:`asr_form_values_to_model`,
  :func:`instance_form_values_to_models`; each raises
  :class:`~zego_helpers.errors.ValidationError` naming the API field;
* **model -> body**: :func:`build_register_body`, :func:`build_create_body`
  and :func:`preview_json`, the masked preview a notebook shows.

A secret that comes from your settings (say ``LLM_API_KEY`` in ``.env``) is
never copied into a form: widget values travel to the browser and can be
saved inside the notebook file. The form's password box stays empty and
says where the key comes from; :func:`resolve_secret` adds it back at the
last moment, in the kernel.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ValidationError
from .ids import CallIds
from .models import (
    ASR,
    DEFAULT_SYSTEM_PROMPT,
    LLM,
    LLM_PRESETS,
    TTS,
    TTS_VENDOR_FIELDS,
    AdvancedConfig,
    FieldSpec,
    MessageHistory,
    llm_from_fields,
    to_api_value,
    tts_from_fields,
)
from .secrets_mask import mask_secrets, mask_url
from .settings import (
    DEFAULT_API_BASE_URL,
    REGIONS,
    SERVER_SECRET_LENGTH,
    UINT32_MAX,
    Secret,
    Settings,
    is_ascii_number,
    region_base_url,
)
from .validation import (
    MAX_AGENT_NAME_BYTES,
    PRIORITIES,
    SAME_PRIORITY_OPTIONS,
    TRIAL_API_KEY,
    check_agent_id,
    check_choice,
    check_tts_text,
)

# ---------------------------------------------------------------------------
# Defaults from settings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormDefaults:
    """What a form starts with.

    ``choice`` is the preset (LLM form) or vendor (TTS form); ``values`` the
    inputs by field name; ``secrets`` maps a secret field left empty in the
    form to ``(variable name, Secret)``: the value used when the box stays empty.
    """

    choice: str
    values: dict[str, Any]
    secrets: dict[str, tuple[str, Secret]] = field(default_factory=dict)


#: The preset the LLM form starts with when no ``LLM_*`` setting is given.
DEFAULT_LLM_PRESET = next(iter(LLM_PRESETS))
CUSTOM_LLM_PRESET = "Custom"
#: The TTS vendor the form starts with when ``TTS_VENDOR`` is not set.
DEFAULT_TTS_VENDOR = "ByteDanceV3"


def llm_preset_values(preset: str) -> dict[str, Any]:
    """The LLM form's values for one of :data:`~zego_helpers.models.LLM_PRESETS`."""
    check_choice("LLM preset", preset, tuple(LLM_PRESETS))
    return dict(LLM_PRESETS[preset])


def llm_form_defaults(settings: Settings) -> FormDefaults:
    """The LLM form's starting values: ``LLM_*`` settings, else the default trial preset.

    The preset shown is the one matching ``LLM_BASE_URL`` and ``LLM_MODEL``
    (so a trial pair is recognised), otherwise "Custom".
    """
    llm = settings.llm
    prompt = llm.system_prompt or DEFAULT_SYSTEM_PROMPT
    if not (llm.base_url or llm.model or llm.api_key):
        return FormDefaults(
            DEFAULT_LLM_PRESET, {**llm_preset_values(DEFAULT_LLM_PRESET), "system_prompt": prompt}
        )
    key = llm.api_key.reveal() if llm.api_key else ""
    preset = next(
        (
            name
            for name, values in LLM_PRESETS.items()
            if values["url"] == llm.base_url and values["model"] == llm.model
        ),
        CUSTOM_LLM_PRESET,
    )
    values = {"url": llm.base_url, "model": llm.model, "system_prompt": prompt, "api_key": ""}
    secrets: dict[str, tuple[str, Secret]] = {}
    if key == TRIAL_API_KEY:
        values["api_key"] = key  # the public trial key may be shown
    elif llm.api_key:
        secrets["api_key"] = ("LLM_API_KEY", llm.api_key)
    return FormDefaults(preset, values, secrets)


def _tts_setting_overrides(settings: Settings, vendor: str) -> tuple[dict, dict]:
    """(values, secrets) that ``TTS_*`` settings give one vendor's fields."""
    tts = settings.tts
    plain: dict[str, str] = {}
    secret: dict[str, tuple[str, Secret | None]] = {}
    if vendor in ("MiniMax", "CosyVoice"):
        voice_field = "voice_id" if vendor == "MiniMax" else "voice"
        plain = {"model": tts.model, voice_field: tts.voice_id}
        if vendor == "MiniMax":
            plain["group_id"] = tts.group_id
        secret = {"api_key": ("TTS_API_KEY", tts.api_key)}
    elif vendor in ("ByteDanceV3", "ByteDanceFlowing"):
        plain = {"appid": tts.bytedance_app_id, "speaker": tts.voice_id}
        secret = {"token": ("TTS_BYTEDANCE_TOKEN", tts.bytedance_token)}
    elif vendor == "ByteDance":
        plain = {
            "appid": tts.bytedance_app_id,
            "cluster": tts.bytedance_cluster,
            "voice_type": tts.bytedance_voice_type,
        }
        secret = {"token": ("TTS_BYTEDANCE_TOKEN", tts.bytedance_token)}
    elif vendor == "Aliyun":
        plain = {"voice": tts.voice_id}
    return (
        {name: value for name, value in plain.items() if value},
        {name: pair for name, pair in secret.items() if pair[1]},
    )


def tts_form_defaults(settings: Settings, vendor: str | None = None) -> FormDefaults:
    """The TTS form's starting values for ``vendor`` (default: ``TTS_VENDOR`` or ByteDanceV3).

    Every vendor starts from its trial defaults (``zego_test`` credentials);
    the ``TTS_*`` settings fill in the vendor that ``TTS_VENDOR`` names.
    """
    chosen = vendor or settings.tts.vendor or DEFAULT_TTS_VENDOR
    if chosen not in TTS_VENDOR_FIELDS:
        raise ValidationError(
            "TTS_VENDOR" if vendor is None else "TTS.Vendor",
            f"{chosen!r} is not a TTS vendor; use one of {', '.join(TTS_VENDOR_FIELDS)}",
        )
    values = {spec.name: spec.default for spec in TTS_VENDOR_FIELDS[chosen]}
    secrets: dict[str, tuple[str, Secret]] = {}
    if chosen == (settings.tts.vendor or DEFAULT_TTS_VENDOR):
        plain, secret = _tts_setting_overrides(settings, chosen)
        values.update(plain)
        for name, pair in secret.items():
            values[name] = ""
            secrets[name] = pair
    return FormDefaults(chosen, values, secrets)


def resolve_secret(typed: str, fallback: tuple[str, Secret] | None) -> str:
    """The secret to send: what was typed, else the one from settings, else ``""``."""
    typed = (typed or "").strip()
    if typed or fallback is None:
        return typed
    return fallback[1].reveal()


#: Where a key typed in a form comes from once the form has moved it out of its box.
TYPED_SECRET_SOURCE = "the key you typed earlier (kept in this kernel only)"


def keep_typed_secrets(
    typed: Mapping[str, str], secrets: Mapping[str, tuple[str, Secret]] | None
) -> dict[str, tuple[str, Secret]]:
    """``secrets`` plus the keys typed in a form's password boxes, for the kernel to keep.

    After Register the forms empty their password boxes (a box's value is
    widget state, which travels to the browser and is saved inside the
    ``.ipynb``) and keep what was typed here instead, in the kernel's memory,
    so a second Register still sends the same key. The public trial key
    (``zego_test``) stays in its box: it is no secret.
    """
    kept = dict(secrets or {})
    for name, value in typed.items():
        value = (value or "").strip()
        if value and value != TRIAL_API_KEY:
            kept[name] = (TYPED_SECRET_SOURCE, Secret(value))
    return kept


def _with_secrets(
    values: Mapping[str, Any], secrets: Mapping[str, tuple[str, Secret]] | None
) -> dict[str, Any]:
    merged = dict(values)
    for name, pair in (secrets or {}).items():
        merged[name] = resolve_secret(str(merged.get(name) or ""), pair)
    return merged


# ---------------------------------------------------------------------------
# Values -> models
# ---------------------------------------------------------------------------


def parse_json_object(text: str, field_name: str) -> dict[str, Any] | None:
    """Parse a JSON object typed in a form; ``""`` gives ``None`` (leave the field out)."""
    if not text or not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            field_name,
            f"is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); "
            'write an object such as {"max_tokens": 256}',
        ) from None
    if not isinstance(value, dict):
        raise ValidationError(
            field_name,
            f'must be a JSON object such as {{"max_tokens": 256}}, not {type(value).__name__}',
        )
    return value


def llm_form_values_to_model(
    values: Mapping[str, Any],
    *,
    params_json: str = "",
    secrets: Mapping[str, tuple[str, Secret]] | None = None,
) -> LLM:
    """The LLM form -> a validated :class:`~zego_helpers.models.LLM`.

    ``values`` uses the names of :data:`~zego_helpers.models.LLM_FIELDS`
    (numbers may be text; empty optional values are left out, so ZEGO's
    default applies). ``params_json`` is the "extra params" box, passed to
    the vendor as ``LLM.Params``.
    """
    llm = llm_from_fields(_with_secrets(values, secrets))
    llm.params = parse_json_object(params_json, "LLM.Params")
    return llm.validate()


def tts_form_values_to_model(
    vendor: str,
    values: Mapping[str, Any],
    *,
    secrets: Mapping[str, tuple[str, Secret]] | None = None,
) -> TTS:
    """The TTS form (one vendor's fields) -> a validated :class:`~zego_helpers.models.TTS`."""
    return tts_from_fields(vendor, _with_secrets(values, secrets))


#: Where each ASR vendor takes its language in ``ASR.Params`` (reference §4.4).
ASR_LANGUAGE_PARAMS: dict[str, tuple[str, ...]] = {
    "Tencent": ("engine_model_type",),
    "AliyunParaformer": ("payload", "parameters", "language_hints"),
    "AliyunFunASR": ("payload", "parameters", "language_hints"),
    "AliyunQwenASR": ("session", "input_audio_transcription", "language"),
    "Microsoft": ("language",),
}
#: Language examples shown next to the ASR form's language box.
ASR_LANGUAGE_EXAMPLES = {
    "Tencent": "16k_zh (default), 16k_en, 16k_zh_en",
    "AliyunParaformer": "zh, en",
    "AliyunFunASR": "zh, en",
    "AliyunQwenASR": "zh, en",
    "Microsoft": "en-US, zh-CN",
}
#: Vendors whose hot words this form can set, and the ``Params`` key they go to.
ASR_HOT_WORD_PARAMS = {"Tencent": "hotword_list", "Microsoft": "phrase_list"}


def parse_hot_words(text: str) -> dict[str, int]:
    """Hot words as typed -> ``{word: weight}``.

    Accepts ``"ZEGOCLOUD|10, agent|5"``, ``ZEGOCLOUD:10`` or one word per line.

    A word without a weight gets 10. The weight rules (1..11) are checked by
    :meth:`ASR.validate`.
    """
    words: dict[str, int] = {}
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        word, _, weight = item.replace(":", "|").partition("|")
        word, weight = word.strip(), weight.strip() or "10"
        if not is_ascii_number(weight):
            raise ValidationError(
                "ASR.Params.hotword_list", f"the weight of {word!r} must be a whole number 1..11"
            )
        words[word] = int(weight)
    return words


def _set_nested(params: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        params = params.setdefault(key, {})
    params[path[-1]] = value


def asr_form_values_to_model(
    enabled: bool, vendor: str = "Tencent", language: str = "", hot_words: str = ""
) -> ASR | None:
    """The optional ASR form -> an :class:`~zego_helpers.models.ASR`, or ``None`` when off.

    Off (the default) sends no ``ASR`` object, so ZEGO uses Tencent with
    Chinese (``16k_zh``).
    """
    if not enabled:
        return None
    language = language.strip()
    params: dict[str, Any] = {}
    if language:
        path = ASR_LANGUAGE_PARAMS.get(vendor)
        if path is None:
            raise ValidationError(
                "ASR.Params",
                f"this form cannot set the language for {vendor}; pass ASR(params=...) in code",
            )
        _set_nested(params, path, [language] if path[-1] == "language_hints" else language)
    words = parse_hot_words(hot_words)
    if words:
        key = ASR_HOT_WORD_PARAMS.get(vendor)
        if key is None:
            raise ValidationError(
                "ASR.Params",
                f"this form sets hot words for {' and '.join(ASR_HOT_WORD_PARAMS)} only; "
                f"for {vendor}, pass ASR(params=...) in code",
            )
        if key == "hotword_list":
            params[key] = ",".join(f"{word}|{weight}" for word, weight in words.items())
        else:
            params[key] = list(words)
    return ASR(vendor=vendor, params=params or None).validate()


#: Defaults of the instance form in notebook 02. 600 s instead of ZEGO's 120 s
#: gives a learner time to read before joining the room.
TUTORIAL_MAX_IDLE_TIME = 600
TUTORIAL_WINDOW_SIZE = 10


def instance_form_values_to_models(
    interrupt_mode: Any = 0,
    max_idle_time: Any = TUTORIAL_MAX_IDLE_TIME,
    window_size: Any = TUTORIAL_WINDOW_SIZE,
    greeting: str = "",
) -> tuple[AdvancedConfig, MessageHistory]:
    """The instance form of notebook 02 -> validated ``AdvancedConfig`` and ``MessageHistory``.

    ``greeting`` (optional) starts the history with one assistant message, as if
    the agent had already said it: the LLM then sees it as context.
    """
    advanced = AdvancedConfig(
        interrupt_mode=_as_int(interrupt_mode, "AdvancedConfig.InterruptMode"),
        max_idle_time=_as_int(max_idle_time, "AdvancedConfig.MaxIdleTime"),
    ).validate()
    messages = [{"Role": "assistant", "Content": greeting.strip()}] if greeting.strip() else []
    history = MessageHistory(
        messages=messages, window_size=_as_int(window_size, "MessageHistory.WindowSize")
    ).validate()
    return advanced, history


def _as_int(value: Any, field_name: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(field_name, "must be a whole number")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not is_ascii_number(text.removeprefix("-")):
        raise ValidationError(field_name, f"{text!r} is not a whole number")
    return int(text)


# ---------------------------------------------------------------------------
# Models -> request bodies and previews
# ---------------------------------------------------------------------------


def build_register_body(
    agent_id: str,
    *,
    llm: Any,
    tts: Any,
    asr: Any = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The RegisterAgent body for these settings, exactly as the client sends it.

    LLM and TTS are required here: ZEGO's spec marks them optional, but an
    agent without them cannot talk (reference §3.1).
    """
    check_agent_id("AgentId", agent_id)
    if name is not None and len(name.encode("utf-8")) > MAX_AGENT_NAME_BYTES:
        raise ValidationError("Name", f"must be at most {MAX_AGENT_NAME_BYTES} bytes")
    body: dict[str, Any] = {"AgentId": agent_id}
    if name:
        body["Name"] = name
    for key, value in (("LLM", llm), ("TTS", tts), ("ASR", asr)):
        if value is None:
            if key != "ASR":
                raise ValidationError(key, "is required: an agent needs an LLM and a TTS voice")
            continue
        if hasattr(value, "validate"):
            value.validate()
        body[key] = to_api_value(value)
    return body


def build_create_body(
    agent_id: str,
    ids: CallIds,
    *,
    advanced_config: Any = None,
    message_history: Any = None,
) -> dict[str, Any]:
    """The CreateAgentInstance body for a tutorial call (for the preview in notebook 02)."""
    check_agent_id("AgentId", agent_id)
    body: dict[str, Any] = {
        "AgentId": agent_id,
        "UserId": ids.validate().user_id,
        "RTC": ids.to_rtc().to_api(),
    }
    if message_history is not None:
        body["MessageHistory"] = to_api_value(message_history)
    if advanced_config is not None:
        body["AdvancedConfig"] = to_api_value(advanced_config)
    return body


def preview_json(body: Any) -> str:
    """A request body as indented JSON with every secret masked: safe to show."""
    return json.dumps(mask_secrets(body), indent=2, ensure_ascii=False)


def field_for_error(specs: list[FieldSpec], error: ValidationError) -> str | None:
    """Which form input a ``ValidationError`` is about (its field name), or ``None``."""
    for spec in specs:
        if error.field == spec.api_path:
            return spec.name
    return None


# ---------------------------------------------------------------------------
# Credentials (notebook 00)
# ---------------------------------------------------------------------------

#: (label, value) pairs for the region dropdown; "" is ZEGO's unified endpoint.
REGION_OPTIONS: list[tuple[str, str]] = [("Unified endpoint (default)", "")] + [
    (f"{code} ({region_base_url(code)})", code) for code in REGIONS
]


def region_of(settings: Settings) -> str:
    """The region code whose endpoint the settings use; ``""`` for the unified or a custom URL."""
    for code in REGIONS:
        if settings.api_base_url == region_base_url(code):
            return code
    return ""


def credentials_env_values(
    app_id: str,
    server_secret: str,
    region: str,
    *,
    keep_saved_secret: bool = False,
) -> dict[str, str | Secret | None]:
    """Check the credentials form and return the ``.env`` lines to write.

    An empty secret box with ``keep_saved_secret`` leaves the stored secret as
    it is. Messages never include the secret, only its length.
    """
    app_text = (app_id or "").strip()
    if not app_text:
        raise ValidationError("ZEGO_APP_ID", "is empty; copy the AppID from the ZEGO console")
    if not is_ascii_number(app_text) or not 0 < int(app_text) <= UINT32_MAX:
        raise ValidationError(
            "ZEGO_APP_ID", f"{app_text!r} is not an AppID (a number from 1 to {UINT32_MAX})"
        )
    secret_text = (server_secret or "").strip()
    values: dict[str, str | Secret | None] = {"ZEGO_APP_ID": app_text}
    if secret_text:
        if len(secret_text) != SERVER_SECRET_LENGTH:
            raise ValidationError(
                "ZEGO_SERVER_SECRET",
                f"must be {SERVER_SECRET_LENGTH} characters long, got {len(secret_text)} "
                "(copy the ServerSecret, not the AppSign)",
            )
        values["ZEGO_SERVER_SECRET"] = Secret(secret_text)
    elif not keep_saved_secret:
        raise ValidationError(
            "ZEGO_SERVER_SECRET", "is empty; paste the 32-character ServerSecret from the console"
        )
    if region and region not in REGIONS:
        raise ValidationError("ZEGO_REGION", f"{region!r} is not one of {', '.join(REGIONS)}")
    values["ZEGO_REGION"] = region or None  # None removes the line: the unified endpoint
    return values


def saved_message(path: Path, values: Mapping[str, Any]) -> str:
    """The confirmation shown after saving: which variables went where (never a value)."""
    written = [name for name, value in values.items() if value]
    removed = [name for name, value in values.items() if not value]
    text = f"Saved {', '.join(written)} to {path} (readable by you only, mode 0600)."
    if removed:
        text += f" Removed {', '.join(removed)} (unified endpoint)."
    return text + " Restart the kernel and run the notebooks again to use them."


def short_path(path: Path) -> str:
    """``path`` relative to the current directory when that is short (``../.env``), else as is."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return str(path)
    return relative if relative.count("..") <= 1 else str(path)


def default_env_path(settings: Settings) -> Path:
    """Where the credentials form saves its ``.env`` file.

    The file your settings came from, if any; else the project's, beside the
    ``zego_helpers`` folder (every notebook finds it there); else, for an
    installed package, ``.env`` in the current directory.
    """
    if settings.dotenv_path is not None:
        return settings.dotenv_path
    project = Path(__file__).resolve().parent.parent
    if (project / "pyproject.toml").is_file():
        return project / ".env"
    return Path.cwd() / ".env"


def endpoint_note(settings: Settings) -> str:
    """A sentence about where requests go, for the credentials form."""
    if settings.api_base_url not in (DEFAULT_API_BASE_URL, region_base_url(region_of(settings))):
        return (
            f"ZEGO_API_BASE_URL is set ({mask_url(settings.api_base_url)}); "
            "it wins over the region choice."
        )
    return f"Requests go to {mask_url(settings.api_base_url)}."


# ---------------------------------------------------------------------------
# Talking (notebook 03)
# ---------------------------------------------------------------------------

#: What each QueryAgentInstanceStatus value means (reference §3.13).
STATUS_MEANINGS = {
    "IDLE": "idle: nothing to do (no turn in progress; often the user is not in the room yet)",
    "LISTENING": "listening: the user is in the room and the agent waits for them to speak",
    "THINKING": "thinking: the LLM is working on an answer",
    "SPEAKING": "speaking: the agent's voice is playing in the room",
}


def describe_status(status: str) -> str:
    """A short sentence for an instance status."""
    return STATUS_MEANINGS.get(status, f"{status}: a status this kit does not know")


def say_options(priority: str, same_priority_option: str, add_history: bool = True) -> dict:
    """Check the "make the agent say" options; keyword arguments for ``send_agent_instance_tts``.

    ``High`` plays even over a speaking user or agent; with the same priority,
    ``ClearAndInterrupt`` replaces what is playing and ``Enqueue`` waits (at most 5 queued).
    """
    check_choice("Priority", priority, PRIORITIES)
    check_choice("SamePriorityOption", same_priority_option, SAME_PRIORITY_OPTIONS)
    return {
        "priority": priority,
        "same_priority_option": same_priority_option,
        "add_history": bool(add_history),
    }


def check_say_text(text: str) -> str:
    """The text to speak, stripped; at most 300 characters."""
    return check_tts_text("Text", (text or "").strip())


def transcript_lines(messages: list[Mapping[str, Any]]) -> list[str]:
    """GetAgentInstanceMsgList's ``MessageList`` as lines: ``"user: ..."``, ``"agent: ..."``."""
    names = {"user": "you", "assistant": "agent"}
    return [
        f"{names.get(str(m.get('Role')), str(m.get('Role')))}: {m.get('Content', '')}"
        for m in messages
    ]
