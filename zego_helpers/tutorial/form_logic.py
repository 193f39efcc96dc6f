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
from pathlib import Path
from typing import Any

# The defaults live in the core (doctor and preflight use them too); re-exported for the forms.
from .. import request_bodies
from ..agent_defaults import (  # noqa: F401
    CUSTOM_LLM_PRESET,
    DEFAULT_LLM_PRESET,
    DEFAULT_TTS_VENDOR,
    FormDefaults,
    llm_form_defaults,
    llm_preset_values,
    resolve_secret,
    tts_form_defaults,
)
from ..agent_defaults import with_secrets as _with_secrets
from ..errors import ValidationError
from ..form_specs import (  # noqa: F401 - parse_hot_words is re-exported for the forms
    ASR_FORM_HINTS,
    FieldSpec,
    asr_from_fields,
    llm_from_fields,
    parse_hot_words,
    tts_from_fields,
)
from ..i18n import N_, _
from ..ids import CallIds, require_call_ids
from ..models import (
    ASR,
    LLM,
    TTS,
    AdvancedConfig,
    MessageHistory,
)
from ..secrets_mask import mask_secrets, mask_url
from ..settings import (
    DEFAULT_API_BASE_URL,
    REGIONS,
    SERVER_SECRET_LENGTH,
    UINT32_MAX,
    Secret,
    Settings,
    is_ascii_number,
    region_base_url,
)
from ..validation import (
    PRIORITIES,
    SAME_PRIORITY_OPTIONS,
    TRIAL_API_KEY,
    check_choice,
    check_tts_text,
    shown,
)

# ---------------------------------------------------------------------------
# Defaults from settings
# ---------------------------------------------------------------------------


# FormDefaults, the presets and the settings -> defaults functions live in the
# core (:mod:`zego_helpers.agent_defaults`), because doctor and preflight use
# them too; the forms import them from there.

#: Where a key typed in a form comes from once the form has moved it out of its box
#: (English, the marker the forms compare with; shown through ``_()``).
TYPED_SECRET_SOURCE = N_("the key you typed earlier (kept in this kernel only)")


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


# ---------------------------------------------------------------------------
# Values -> models
# ---------------------------------------------------------------------------


_JSON_EXAMPLE = '{"max_tokens": 256}'


def parse_json_object(text: str, field_name: str) -> dict[str, Any] | None:
    """Parse a JSON object typed in a form; ``""`` gives ``None`` (leave the field out)."""
    if not text or not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            field_name,
            _(
                "is not valid JSON ({error} at line {line}, column {column}); "
                "write an object such as {example}"
            ).format(error=error.msg, line=error.lineno, column=error.colno, example=_JSON_EXAMPLE),
        ) from None
    if not isinstance(value, dict):
        raise ValidationError(
            field_name,
            _("must be a JSON object such as {example}, not {type}").format(
                example=_JSON_EXAMPLE, type=type(value).__name__
            ),
        )
    return value


def llm_form_values_to_model(
    values: Mapping[str, Any],
    *,
    params_json: str = "",
    secrets: Mapping[str, tuple[str, Secret]] | None = None,
) -> LLM:
    """The LLM form -> a validated :class:`~zego_helpers.models.LLM`.

    ``values`` uses the names of :data:`~zego_helpers.form_specs.LLM_FIELDS`
    (numbers may be text; empty optional values are left out, so ZEGO's
    default applies). ``params_json`` is the "extra params" box, passed to
    the vendor as ``LLM.Params``.
    """
    llm = llm_from_fields(_with_secrets(values, secrets))
    llm.params = parse_json_object(params_json, "LLM.Params")
    return LLM.coerce(llm)


def tts_form_values_to_model(
    vendor: str,
    values: Mapping[str, Any],
    *,
    secrets: Mapping[str, tuple[str, Secret]] | None = None,
) -> TTS:
    """The TTS form (one vendor's fields) -> a validated :class:`~zego_helpers.models.TTS`."""
    return tts_from_fields(vendor, _with_secrets(values, secrets))


def asr_form_values_to_model(
    enabled: bool, vendor: str = "Tencent", language: str = "", hot_words: str = ""
) -> ASR | None:
    """The optional ASR form -> an :class:`~zego_helpers.models.ASR`, or ``None`` when off.

    Off (the default) sends no ``ASR`` object, so ZEGO uses Tencent with
    Chinese (``16k_zh``). On, the two boxes mean what
    :data:`~zego_helpers.form_specs.ASR_FORM_HINTS` says for the vendor, and the
    vendor's builder (``ASR.tencent``, ``ASR.aliyun_paraformer``, ...) makes the
    ``Params``: :func:`~zego_helpers.form_specs.asr_from_fields`.
    """
    if not enabled:
        return None
    return asr_from_fields(vendor, language, hot_words)


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
    advanced = AdvancedConfig.coerce(
        AdvancedConfig(
            interrupt_mode=_as_int(interrupt_mode, "AdvancedConfig.InterruptMode"),
            max_idle_time=_as_int(max_idle_time, "AdvancedConfig.MaxIdleTime"),
        )
    )
    if not isinstance(greeting, str):
        raise ValidationError("MessageHistory.Messages[0].Content", _("must be text"))
    messages = [{"Role": "assistant", "Content": greeting.strip()}] if greeting.strip() else []
    history = MessageHistory.coerce(
        MessageHistory(
            messages=messages, window_size=_as_int(window_size, "MessageHistory.WindowSize")
        )
    )
    return advanced, history


def _as_int(value: Any, field_name: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(field_name, _("must be a whole number"))
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not is_ascii_number(text.removeprefix("-")):
        raise ValidationError(
            field_name, _("{value} is not a whole number").format(value=shown(text))
        )
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
    """The RegisterAgent body for these settings: the very function the client sends with.

    This is :func:`zego_helpers.request_bodies.register_agent_body`, so the
    preview is byte for byte what ``client.register_agent`` sends. The one
    rule added here is the tutorial's: LLM and TTS are required (ZEGO's spec
    marks them optional, but an agent without them cannot talk, reference §3.1).
    """
    for key, value in (("LLM", llm), ("TTS", tts)):
        if value is None:
            raise ValidationError(key, _("is required: an agent needs an LLM and a TTS voice"))
    return request_bodies.register_agent_body(
        agent_id, name=name or None, llm=llm, tts=tts, asr=asr
    )


def build_create_body(
    agent_id: str,
    ids: CallIds,
    *,
    advanced_config: Any = None,
    message_history: Any = None,
) -> dict[str, Any]:
    """The CreateAgentInstance body for a tutorial call (the preview in notebook 02).

    Built by :func:`zego_helpers.request_bodies.create_agent_instance_body`, the
    function ``client.create_agent_instance`` sends with.
    """
    require_call_ids(ids)
    return request_bodies.create_agent_instance_body(
        agent_id,
        ids.validate().user_id,
        ids.to_rtc(),
        advanced_config=advanced_config,
        message_history=message_history,
    )


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


def region_options() -> list[tuple[str, str]]:
    """(label, value) pairs for the region dropdown; ``""`` is ZEGO's unified endpoint."""
    return [(_("Unified endpoint (default)"), "")] + [
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
        raise ValidationError("ZEGO_APP_ID", _("is empty; copy the AppID from the ZEGO console"))
    if not is_ascii_number(app_text) or not 0 < int(app_text) <= UINT32_MAX:
        raise ValidationError(
            "ZEGO_APP_ID",
            _("{value} is not an AppID (a number from 1 to {high})").format(
                value=repr(app_text), high=UINT32_MAX
            ),
        )
    secret_text = (server_secret or "").strip()
    values: dict[str, str | Secret | None] = {"ZEGO_APP_ID": app_text}
    if secret_text:
        if len(secret_text) != SERVER_SECRET_LENGTH:
            raise ValidationError(
                "ZEGO_SERVER_SECRET",
                _(
                    "must be {length} characters long, got {count} "
                    "(copy the ServerSecret, not the AppSign)"
                ).format(length=SERVER_SECRET_LENGTH, count=len(secret_text)),
            )
        values["ZEGO_SERVER_SECRET"] = Secret(secret_text)
    elif not keep_saved_secret:
        raise ValidationError(
            "ZEGO_SERVER_SECRET",
            _("is empty; paste the 32-character ServerSecret from the console"),
        )
    if region and region not in REGIONS:
        raise ValidationError(
            "ZEGO_REGION",
            _("{value} is not one of {allowed}").format(
                value=repr(region), allowed=", ".join(REGIONS)
            ),
        )
    values["ZEGO_REGION"] = region or None  # None removes the line: the unified endpoint
    return values


def saved_message(path: Path, values: Mapping[str, Any]) -> str:
    """The confirmation shown after saving: which variables went where (never a value)."""
    written = [name for name, value in values.items() if value]
    removed = [name for name, value in values.items() if not value]
    text = _("Saved {names} to {path} (readable by you only, mode 0600).").format(
        names=", ".join(written), path=path
    )
    if removed:
        text += _(" Removed {names} (unified endpoint).").format(names=", ".join(removed))
    return text + _(" Restart the kernel and run the notebooks again to use them.")


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
    project = Path(__file__).resolve().parents[2]  # zego_helpers/tutorial/ -> the project
    if (project / "pyproject.toml").is_file():
        return project / ".env"
    return Path.cwd() / ".env"


def endpoint_note(settings: Settings, region: str | None = None) -> str:
    """A sentence about where requests go, for the credentials form.

    ``region`` is what the form's dropdown shows now (``""``: the unified
    endpoint); ``None`` means the region of the settings. A region that
    differs from the settings' takes effect after Save and a kernel restart.
    """
    if settings.api_base_url not in (DEFAULT_API_BASE_URL, region_base_url(region_of(settings))):
        return _("ZEGO_API_BASE_URL is set ({url}); it wins over the region choice.").format(
            url=mask_url(settings.api_base_url)
        )
    chosen = region_of(settings) if region is None else region
    url = region_base_url(chosen) if chosen else DEFAULT_API_BASE_URL
    if url == settings.api_base_url:
        return _("Requests go to {url}.").format(url=url)
    return _("With this region, requests go to {url} (after Save and a kernel restart).").format(
        url=url
    )


# ---------------------------------------------------------------------------
# Talking (notebook 03)
# ---------------------------------------------------------------------------

#: What each QueryAgentInstanceStatus value means (reference §3.13).
STATUS_MEANINGS = {
    "IDLE": N_("idle: nothing to do (no turn in progress; often the user is not in the room yet)"),
    "LISTENING": N_("listening: the user is in the room and the agent waits for them to speak"),
    "THINKING": N_("thinking: the LLM is working on an answer"),
    "SPEAKING": N_("speaking: the agent's voice is playing in the room"),
}


def describe_status(status: str) -> str:
    """A short sentence for an instance status, in the learner's language."""
    if status in STATUS_MEANINGS:
        return _(STATUS_MEANINGS[status])
    return _("{status}: a status this kit does not know").format(status=status)


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
    """GetAgentInstanceMsgList's ``MessageList`` as lines: ``"you: ..."``, ``"agent: ..."``."""
    names = {"user": _("you"), "assistant": _("agent")}
    return [
        f"{names.get(str(m.get('Role')), str(m.get('Role')))}: {m.get('Content', '')}"
        for m in messages
    ]
