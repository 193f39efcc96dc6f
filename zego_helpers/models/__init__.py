"""The request objects of the AI Agent API as small Python dataclasses.

Each class mirrors one JSON object of the API (reference §4) with snake_case
fields, and knows:

* ``to_api()``: the exact JSON the API expects (``Url``, ``ApiKey``,
  ``TurnDetectConfig.SilenceSegmentation``...); ``None`` fields are left out;
* ``from_api(data)``: the model read back from such JSON; unknown keys are
  kept in ``extra`` and sent back, so nothing is lost on a round trip;
* ``validate()``: the documented rules, raising
  :class:`~zego_helpers.errors.ValidationError` that names the API field
  (``LLM.Url``, ``TTS.Params.voice_setting.speed``);
* ``coerce(value)``: a model *or a plain dict* -> a validated model. The client
  passes every parameter object through it, so a dict meets the same checks.

A quick start::

    llm = LLM.trial()                       # ZEGO's free trial LLM (ApiKey "zego_test")
    tts = TTS.trial("ByteDanceV3")          # trial voice
    tts = TTS.minimax(api_key="...", voice_id="female-shaonv")   # your own account

Printing a model never shows a key: ``repr(llm)`` masks ``ApiKey`` and every
credential inside ``TTS.Params.app``.

The package has one module per kind of object: :mod:`.base` (the machinery),
:mod:`.llm`, :mod:`.tts` and :mod:`.asr` (one builder per vendor) and :mod:`.call`
(RTC, history, callbacks, advanced settings, VAD, digital human, live digital human).
Where ZEGO's docs say a field is only effective in some case, or disagree with each
other, a model sends what you gave and raises a :class:`~zego_helpers.docs.DocsWarning`.
The notebook forms' tables live in :mod:`zego_helpers.form_specs`, not here.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from .asr import (
    ASR,
    ASR_BUILDERS,
    ASR_HOT_WORD_PATHS,
    ASR_LANGUAGE_PATHS,
    ASR_VENDORS,
    FUNASR_LANGUAGES,
    HOT_WORD_WEIGHT_RANGE,
    MAX_HOT_WORD_CHARS,
    MAX_HOT_WORD_CHINESE_CHARS,
    MAX_HOT_WORDS,
    PARAFORMER_LANGUAGES,
    QWEN_ASR_LANGUAGES,
    TENCENT_ENGINES,
)
from .base import ApiModel, UnknownFieldWarning, api_field, to_api_value
from .call import (
    COMMUNICATION_MODES,
    DIGITAL_HUMAN_CONFIG_IDS,
    DIGITAL_HUMAN_ENCODE_CODES,
    ENERGY_THRESHOLD_RANGE,
    INTERRUPT_MODES,
    MIN_SPEECH_DUR_RANGE,
    PAUSE_INTERVAL_RANGE,
    RTC,
    SENSITIVITY_CUSTOM,
    SENSITIVITY_LEVELS,
    SILENCE_SEGMENTATION_RANGE,
    SYNC_MODE_MESSAGES,
    SYNC_MODE_ZIM,
    VAD,
    ZIM_LOAD_MESSAGE_COUNT_RANGE,
    AdvancedConfig,
    BroadcastRTC,
    CallbackConfig,
    DigitalHuman,
    LiveAdvancedConfig,
    LiveCallbackConfig,
    Message,
    MessageHistory,
)
from .llm import (
    DEFAULT_SYSTEM_PROMPT,
    DEFAULT_TRIAL_MODEL,
    LLM,
    LLM_DOC_URL,
    LLM_GUIDE_URL,
    LLM_VENDORS,
    TEMPERATURE_RANGE,
    TOP_P_RANGE,
)
from .tts import (
    BYTEDANCE_LEGACY_CLUSTERS,
    BYTEDANCE_RESOURCE_IDS,
    COSYVOICE_MODELS,
    MAX_CHARACTER_FILTER_CHARS,
    MAX_TERMINATOR_CHARS,
    MAX_TERMINATOR_CHARS_FLOWING,
    MINIMAX_MODELS,
    TTS,
    TTS_BUILDERS,
    TTS_DOC_URL,
    TTS_TRIAL_ARGS,
    TTS_URL_SCHEMES,
    TTS_VENDORS,
    ParamRange,
    check_tts_vendor,
)

__all__ = [
    "ASR", "ASR_BUILDERS", "ASR_HOT_WORD_PATHS", "ASR_LANGUAGE_PATHS", "ASR_VENDORS",
    "BYTEDANCE_LEGACY_CLUSTERS", "BYTEDANCE_RESOURCE_IDS", "COMMUNICATION_MODES",
    "COSYVOICE_MODELS", "DEFAULT_SYSTEM_PROMPT", "DEFAULT_TRIAL_MODEL",
    "DIGITAL_HUMAN_CONFIG_IDS", "DIGITAL_HUMAN_ENCODE_CODES", "ENERGY_THRESHOLD_RANGE",
    "FUNASR_LANGUAGES", "HOT_WORD_WEIGHT_RANGE", "INTERRUPT_MODES", "LLM", "LLM_DOC_URL",
    "LLM_GUIDE_URL", "LLM_VENDORS", "LiveAdvancedConfig", "LiveCallbackConfig",
    "MAX_CHARACTER_FILTER_CHARS", "MAX_HOT_WORDS", "MAX_HOT_WORD_CHARS",
    "MAX_HOT_WORD_CHINESE_CHARS", "MAX_TERMINATOR_CHARS", "MINIMAX_MODELS",
    "MAX_TERMINATOR_CHARS_FLOWING", "MIN_SPEECH_DUR_RANGE", "PARAFORMER_LANGUAGES",
    "PAUSE_INTERVAL_RANGE", "QWEN_ASR_LANGUAGES", "RTC", "TENCENT_ENGINES",
    "SENSITIVITY_CUSTOM", "SENSITIVITY_LEVELS", "SILENCE_SEGMENTATION_RANGE",
    "SYNC_MODE_MESSAGES", "SYNC_MODE_ZIM", "TEMPERATURE_RANGE", "TOP_P_RANGE", "TTS",
    "TTS_BUILDERS", "TTS_DOC_URL", "TTS_TRIAL_ARGS", "TTS_URL_SCHEMES", "TTS_VENDORS", "VAD",
    "ZIM_LOAD_MESSAGE_COUNT_RANGE", "AdvancedConfig", "ApiModel", "BroadcastRTC",
    "CallbackConfig", "DigitalHuman", "Message", "MessageHistory", "ParamRange",
    "UnknownFieldWarning", "api_field", "check_tts_vendor", "to_api_value",
]  # fmt: skip

#: Form tables that used to live here; they moved to :mod:`zego_helpers.form_specs`.
_MOVED_TO_FORM_SPECS = frozenset(
    {"FieldSpec", "LLM_FIELDS", "LLM_PRESETS", "TTS_VENDOR_FIELDS", "llm_from_fields",
     "tts_from_fields"}
)  # fmt: skip


def __getattr__(name: str) -> Any:
    """Old imports (``from zego_helpers.models import LLM_PRESETS``) work for one release."""
    if name in _MOVED_TO_FORM_SPECS:
        warnings.warn(
            f"zego_helpers.models.{name} moved to zego_helpers.form_specs; import it from there",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module("zego_helpers.form_specs"), name)
    raise AttributeError(f"module 'zego_helpers.models' has no attribute {name!r}")
