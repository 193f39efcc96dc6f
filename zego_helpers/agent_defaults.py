"""The agent your settings describe: ``LLM_*`` and ``TTS_*`` -> an :class:`LLM` and a :class:`TTS`.

With nothing set you get ZEGO's trial values (``zego_test``), so a first run
works without an account at any LLM or TTS vendor. Three places start from
the same defaults, so they cannot disagree: notebook 01's forms (through
:mod:`zego_helpers.tutorial.form_logic`), ``doctor``'s agent checks and the
trainer's ``preflight``.

A secret that comes from your settings (say ``LLM_API_KEY`` in ``.env``) is
never copied into a form value: :class:`FormDefaults` keeps it apart, in
``secrets``, and :func:`resolve_secret` adds it back at the last moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ValidationError
from .form_specs import LLM_PRESETS, TTS_VENDOR_FIELDS, llm_from_fields, tts_from_fields
from .i18n import _
from .models import DEFAULT_SYSTEM_PROMPT, LLM, TTS
from .settings import Secret, Settings
from .validation import TRIAL_API_KEY, check_choice


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


def _tts_setting_overrides(
    settings: Settings, vendor: str
) -> tuple[dict[str, str], dict[str, tuple[str, Secret]]]:
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
        {name: (variable, value) for name, (variable, value) in secret.items() if value},
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
            _("{value} is not a TTS vendor; use one of {allowed}").format(
                value=repr(chosen), allowed=", ".join(TTS_VENDOR_FIELDS)
            ),
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


def with_secrets(
    values: Mapping[str, Any], secrets: Mapping[str, tuple[str, Secret]] | None
) -> dict[str, Any]:
    merged = dict(values)
    for name, pair in (secrets or {}).items():
        merged[name] = resolve_secret(str(merged.get(name) or ""), pair)
    return merged


def default_llm(settings: Settings) -> LLM:
    """The validated :class:`LLM` that ``LLM_*`` settings describe (the trial without them)."""
    defaults = llm_form_defaults(settings)
    llm = llm_from_fields(with_secrets(defaults.values, defaults.secrets))
    llm.params = None
    return llm.validate()


def default_tts(settings: Settings) -> TTS:
    """The validated :class:`TTS` that ``TTS_*`` settings describe (the trial without them)."""
    defaults = tts_form_defaults(settings)
    return tts_from_fields(defaults.choice, with_secrets(defaults.values, defaults.secrets))


def default_agent_config(settings: Settings) -> tuple[LLM, TTS]:
    """The LLM and TTS that notebook 01's forms start with (``LLM_*``/``TTS_*``, or the trial)."""
    return default_llm(settings), default_tts(settings)
