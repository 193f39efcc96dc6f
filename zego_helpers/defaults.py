"""The LLM and TTS your settings describe, as form values and as models.

``LLM_*`` and ``TTS_*`` variables (the names of ZEGO's sample server) fill the
notebook forms and the agent that ``doctor`` checks. Nothing set means the
trial: ApiKey ``"zego_test"`` with Doubao lite, and a trial ByteDanceV3 voice.
"""

from __future__ import annotations

from typing import Any

from .models import (
    DEFAULT_SYSTEM_PROMPT,
    LLM,
    LLM_PRESETS,
    TTS,
    TTS_VENDOR_FIELDS,
    llm_from_fields,
    tts_from_fields,
)
from .settings import Settings

DEFAULT_TTS_VENDOR = "ByteDanceV3"

#: Which settings variable fills which TTS form field, per vendor.
_TTS_SETTING_FIELDS: dict[str, dict[str, str]] = {
    "ByteDanceV3": {"appid": "bytedance_app_id", "token": "api_key", "speaker": "voice_id",
                    "resource_id": "model"},
    "ByteDanceFlowing": {"appid": "bytedance_app_id", "token": "api_key", "speaker": "voice_id",
                         "resource_id": "model"},
    "MiniMax": {"api_key": "api_key", "voice_id": "voice_id", "model": "model",
                "group_id": "group_id"},
    "CosyVoice": {"api_key": "api_key", "voice": "voice_id", "model": "model"},
    "Aliyun": {"app_key": "api_key", "voice": "voice_id"},
    "ByteDance": {"appid": "bytedance_app_id", "token": "bytedance_token",
                  "voice_type": "bytedance_voice_type", "cluster": "bytedance_cluster"},
}  # fmt: skip


def _reveal(value: Any) -> str:
    return value.reveal() if hasattr(value, "reveal") else (value or "")


def llm_form_values(settings: Settings) -> dict[str, Any]:
    """LLM form values (names from ``models.LLM_FIELDS``) for these settings."""
    llm = settings.llm
    if llm.base_url or llm.model or llm.api_key:
        values: dict[str, Any] = {"url": llm.base_url, "api_key": _reveal(llm.api_key),
                                  "model": llm.model}  # fmt: skip
    else:
        values = dict(next(iter(LLM_PRESETS.values())))  # the default trial preset
    values["system_prompt"] = llm.system_prompt or DEFAULT_SYSTEM_PROMPT
    return values


def tts_vendor(settings: Settings) -> str:
    """The TTS vendor from ``TTS_VENDOR`` (or the legacy ByteDance variables), else the trial's."""
    if settings.tts.vendor:
        return settings.tts.vendor
    if settings.tts.bytedance_app_id:
        return "ByteDance"
    return DEFAULT_TTS_VENDOR


def tts_form_values(settings: Settings, vendor: str | None = None) -> dict[str, Any]:
    """TTS form values for ``vendor`` (default: :func:`tts_vendor`): trial defaults + settings."""
    vendor = vendor or tts_vendor(settings)
    specs = TTS_VENDOR_FIELDS.get(vendor, [])
    values = {spec.name: spec.default for spec in specs}
    for field_name, setting_name in _TTS_SETTING_FIELDS.get(vendor, {}).items():
        value = _reveal(getattr(settings.tts, setting_name))
        if value:
            values[field_name] = value
    return values


def llm_from_settings(settings: Settings) -> LLM:
    """A validated :class:`LLM` from the ``LLM_*`` variables (the trial when unset)."""
    return llm_from_fields(llm_form_values(settings))


def tts_from_settings(settings: Settings) -> TTS:
    """A validated :class:`TTS` from the ``TTS_*`` variables (a trial voice when unset)."""
    vendor = tts_vendor(settings)
    return tts_from_fields(vendor, tts_form_values(settings, vendor)).validate()
