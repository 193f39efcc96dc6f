"""The tables behind the notebook forms: which inputs a form shows and how values become models.

A form holds no protocol knowledge of its own: each input (:class:`FieldSpec`)
names the builder argument it fills and the API path it lands on, and the
plain functions :func:`llm_from_fields`, :func:`tts_from_fields` and
:func:`asr_from_fields` turn the values into models through the same builders
and ``validate()`` a script uses.

The TTS form starts from :data:`~zego_helpers.models.TTS_TRIAL_ARGS`, the
same data :meth:`TTS.trial() <zego_helpers.models.TTS.trial>` uses, so a form
left untouched and ``TTS.trial(vendor)`` are the same voice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import ValidationError
from .i18n import N_, _
from .models import (
    ASR,
    ASR_BUILDERS,
    ASR_VENDORS,
    BYTEDANCE_LEGACY_CLUSTERS,
    BYTEDANCE_RESOURCE_IDS,
    COSYVOICE_MODELS,
    DEFAULT_SYSTEM_PROMPT,
    DEFAULT_TRIAL_MODEL,
    LLM,
    LLM_VENDORS,
    MINIMAX_MODELS,
    TTS,
    TTS_BUILDERS,
    TTS_TRIAL_ARGS,
    check_tts_vendor,
)
from .validation import TRIAL_API_KEY, TRIAL_LLM_PAIRS, check_choice, shown


class FieldSpec(NamedTuple):
    """One input of a notebook form: which builder argument it fills and how to show it.

    ``label`` and ``help`` are English, marked with ``N_()``: the form shows
    them through ``_()``, in the learner's language. ``required`` means the
    user must fill it in; an optional input left empty gets the builder's
    default (e.g. ``resource_id`` -> ``"seed-tts-2.0"``), which ``default``
    also shows. ``kind`` is ``"text"``, ``"multiline"``, ``"int"`` or
    ``"float"``; ``choices`` lists suggested values; ``api_path`` is where the
    value lands in the request, so a ``ValidationError`` naming that path can
    be shown next to this input.
    """

    name: str
    label: str
    required: bool
    secret: bool
    default: Any
    api_path: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    help: str = ""


def _form_value(spec: FieldSpec, raw: Any) -> Any:
    """Turn what a form widget gives (``""``, ``"1.5"``, ``1.5``) into a builder argument."""
    if isinstance(raw, str):
        raw = raw.strip()  # a pasted key often carries a space or newline
        if raw == "":
            return None
    if raw is None:
        return None
    what = _("the value") if spec.secret else shown(raw)
    if spec.kind in ("text", "multiline"):
        if not isinstance(raw, str):
            raise ValidationError(spec.api_path, _("{value} must be text").format(value=what))
        return raw
    try:
        number = float(raw) if isinstance(raw, (str, int, float)) else math.nan
    except ValueError:
        number = math.nan
    if isinstance(raw, bool) or not math.isfinite(number):
        raise ValidationError(spec.api_path, _("{value} is not a number").format(value=what))
    if spec.kind == "int" and number.is_integer():
        return int(number)
    # Anything else goes to the model as a number, so "1.5" typed into the
    # integer MiniMax pitch box is refused by the model's own rule and words.
    return int(raw) if isinstance(raw, int) else number


def _values_for(specs: list[FieldSpec], values: Mapping[str, Any], what: str) -> dict[str, Any]:
    """Builder keyword arguments from form values; missing required values become ``""``."""
    known = {spec.name for spec in specs}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValidationError(
            what,
            _("unknown field(s) {unknown}; expected {expected}").format(
                unknown=", ".join(unknown), expected=", ".join(sorted(known))
            ),
        )
    kwargs: dict[str, Any] = {}
    for spec in specs:
        value = _form_value(spec, values.get(spec.name))
        if value is None and spec.required:
            value = ""  # the builder accepts it; validate() then names the empty field
        if value is not None:
            kwargs[spec.name] = value
    return kwargs


#: The inputs of the LLM form (names are :class:`LLM` field names).
LLM_FIELDS: list[FieldSpec] = [
    FieldSpec("url", N_("Endpoint URL"), True, False, "", "LLM.Url",
              help=N_("Full chat-completions URL, reachable from ZEGO's cloud")),
    FieldSpec("api_key", N_("API key"), True, True, "", "LLM.ApiKey",
              help=N_("'zego_test' works with the trial URLs during the first 2 weeks")),
    FieldSpec("model", N_("Model"), True, False, "", "LLM.Model"),
    FieldSpec("system_prompt", N_("System prompt"), False, False, DEFAULT_SYSTEM_PROMPT,
              "LLM.SystemPrompt", kind="multiline"),
    FieldSpec("temperature", N_("Temperature"), False, False, None, "LLM.Temperature",
              kind="float", help=N_("0 to 2; ZEGO's default is 0.7")),
    FieldSpec("top_p", N_("Top P"), False, False, None, "LLM.TopP",
              kind="float", help=N_("0 to 1; ZEGO's default is 0.9")),
    FieldSpec("vendor", N_("API style"), False, False, None, "LLM.Vendor",
              choices=LLM_VENDORS, help=N_("Empty means OpenAIChat (Chat Completions)")),
]  # fmt: skip

#: The name of a ZEGO trial preset: the key (:func:`preset_label` shows it translated).
_TRIAL_PRESET = "ZEGO trial ({model})"
_TRIAL_MODEL_LABELS = {
    "doubao-1-5-lite-32k-250115": "Doubao lite",
    "doubao-1-5-pro-32k-250115": "Doubao pro",
    "MiniMax-Text-01": "MiniMax",
    "qwen-plus": "Qwen plus",
    "step-2-16k": "StepFun",
}


def _trial_presets() -> dict[str, dict[str, str]]:
    presets = {}
    for url, models in TRIAL_LLM_PAIRS.items():
        for model in models:
            name = _TRIAL_PRESET.format(model=_TRIAL_MODEL_LABELS.get(model, model))
            presets[name] = {"url": url, "api_key": TRIAL_API_KEY, "model": model}
    # The reference backend's default goes first.
    default = _TRIAL_PRESET.format(model=_TRIAL_MODEL_LABELS[DEFAULT_TRIAL_MODEL])
    return {default: presets.pop(default), **presets}


#: Starting values for the LLM form, by name. Each value is a dict of
#: :data:`LLM_FIELDS` names, so ``llm_from_fields({**preset, "api_key": key})`` works.
#: "Local (Ollama)" needs the local sandbox or a public tunnel: ZEGO's cloud
#: cannot reach your ``localhost``. Ollama ignores the key, but the API needs one.
LLM_PRESETS: dict[str, dict[str, str]] = {
    **_trial_presets(),
    "OpenAI": {
        "url": "https://api.openai.com/v1/chat/completions",
        "api_key": "",
        "model": "gpt-4o-mini",
    },
    "Local (Ollama)": {
        "url": "http://localhost:11434/v1/chat/completions",
        "api_key": "ollama",
        "model": "llama3.2",
    },
    "Custom": {"url": "", "api_key": "", "model": ""},
}


#: Presets whose name is words (shown through ``_()``); the others are product names.
_WORDED_PRESETS = (N_("Local (Ollama)"), N_("Custom"))


def preset_label(name: str) -> str:
    """How the LLM form's dropdown shows the preset ``name``, in the learner's language.

    The key of :data:`LLM_PRESETS` stays English (code and ``.env`` refer to it).
    """
    prefix, suffix = _TRIAL_PRESET.split("{model}")
    if name.startswith(prefix) and name.endswith(suffix):
        model = name[len(prefix) : len(name) - len(suffix)]
        return _("ZEGO trial ({model})").format(model=model)
    return _(name) if name in _WORDED_PRESETS else name


def llm_from_fields(values: Mapping[str, Any]) -> LLM:
    """The LLM form's values (keys from :data:`LLM_FIELDS`) -> a validated :class:`LLM`.

    Text is stripped, empty optional values are left out and numbers may be
    given as text. Raises ``ValidationError`` naming the API field.
    """
    return LLM.coerce(LLM(**_values_for(LLM_FIELDS, values, "LLM")))



def _bytedance_fields() -> list[FieldSpec]:
    return [
        FieldSpec("appid", N_("App ID"), True, False, None, "TTS.Params.app.appid"),
        FieldSpec("token", N_("Access token"), True, True, None, "TTS.Params.app.token"),
        FieldSpec("speaker", N_("Voice (speaker)"), True, False, None,
                  "TTS.Params.req_params.speaker", help=N_("Must suit the resource ID")),
        FieldSpec("resource_id", N_("Resource ID"), False, False, None,
                  "TTS.Params.app.resource_id", choices=BYTEDANCE_RESOURCE_IDS),
        FieldSpec("speech_rate", N_("Speech rate"), False, False, None,
                  "TTS.Params.req_params.audio_params.speech_rate", kind="float",
                  help=N_("-50..100 (100 = twice as fast)")),
        FieldSpec("loudness_rate", N_("Loudness"), False, False, None,
                  "TTS.Params.req_params.audio_params.loudness_rate", kind="float",
                  help=N_("-50..100 (100 = twice as loud)")),
    ]  # fmt: skip


def _with_trial_defaults(vendor: str, specs: list[FieldSpec]) -> list[FieldSpec]:
    """Each input's default from :data:`TTS_TRIAL_ARGS` (the trial voice), where it has one."""
    trial = TTS_TRIAL_ARGS[vendor]
    return [spec._replace(default=trial.get(spec.name, spec.default)) for spec in specs]


#: The inputs of the TTS form, per vendor; ``name`` is the builder's argument name.
#: Defaults are the trial configuration of :data:`TTS_TRIAL_ARGS` ("zego_test" credentials).
_TTS_FORM_FIELDS: dict[str, list[FieldSpec]] = {
    "ByteDanceV3": _bytedance_fields(),
    "ByteDanceFlowing": _bytedance_fields(),
    "MiniMax": [
        FieldSpec("api_key", N_("API key"), True, True, None, "TTS.Params.app.api_key"),
        FieldSpec("voice_id", N_("Voice ID"), True, False, None,
                  "TTS.Params.voice_setting.voice_id"),
        FieldSpec("model", N_("Model"), False, False, None, "TTS.Params.model",
                  choices=MINIMAX_MODELS),
        FieldSpec("speed", N_("Speed"), False, False, None, "TTS.Params.voice_setting.speed",
                  kind="float", help="0.5..2"),
        FieldSpec("vol", N_("Volume"), False, False, None, "TTS.Params.voice_setting.vol",
                  kind="float", help=N_("above 0, up to 10")),
        FieldSpec("pitch", N_("Pitch"), False, False, None, "TTS.Params.voice_setting.pitch",
                  kind="int", help="-12..12"),
        FieldSpec("group_id", N_("Group ID"), False, False, None, "TTS.Params.app.group_id",
                  help=N_("Only for older MiniMax accounts")),
    ],
    "CosyVoice": [
        FieldSpec("api_key", N_("API key"), True, True, None, "TTS.Params.app.api_key"),
        FieldSpec("voice", N_("Voice"), True, False, None,
                  "TTS.Params.payload.parameters.voice", help=N_("Must match the model version")),
        FieldSpec("model", N_("Model"), False, False, None, "TTS.Params.payload.model",
                  choices=COSYVOICE_MODELS),
        FieldSpec("volume", N_("Volume"), False, False, None,
                  "TTS.Params.payload.parameters.volume", kind="int", help="0..100"),
        FieldSpec("rate", N_("Speed"), False, False, None, "TTS.Params.payload.parameters.rate",
                  kind="float", help="0.5..2"),
        FieldSpec("pitch", N_("Pitch"), False, False, None, "TTS.Params.payload.parameters.pitch",
                  kind="float", help="0.5..2"),
    ],
    "Aliyun": [
        FieldSpec("app_key", N_("App key"), True, True, None, "TTS.Params.app.app_key"),
        FieldSpec("ak_id", N_("AccessKey ID"), True, True, None, "TTS.Params.app.ak_id"),
        FieldSpec("ak_key", N_("AccessKey secret"), True, True, None,
                  "TTS.Params.app.ak_key"),
        FieldSpec("voice", N_("Voice"), False, False, None, "TTS.Params.voice"),
        FieldSpec("volume", N_("Volume"), False, False, None, "TTS.Params.volume", kind="int",
                  help="0..100"),
        FieldSpec("speech_rate", N_("Speech rate"), False, False, None, "TTS.Params.speech_rate",
                  kind="int", help="-500..500"),
        FieldSpec("pitch_rate", N_("Pitch"), False, False, None, "TTS.Params.pitch_rate",
                  kind="int", help="-500..500"),
    ],
    "ByteDance": [
        FieldSpec("appid", N_("App ID"), True, False, None, "TTS.Params.app.appid"),
        FieldSpec("token", N_("Access token"), True, True, None, "TTS.Params.app.token"),
        FieldSpec("voice_type", N_("Voice type"), True, False, None,
                  "TTS.Params.audio.voice_type"),
        FieldSpec("cluster", N_("Cluster"), False, False, None, "TTS.Params.app.cluster",
                  choices=BYTEDANCE_LEGACY_CLUSTERS),
        FieldSpec("speed_ratio", N_("Speed"), False, False, None, "TTS.Params.audio.speed_ratio",
                  kind="float", help="0.8..2"),
        FieldSpec("loudness_ratio", N_("Loudness"), False, False, None,
                  "TTS.Params.audio.loudness_ratio", kind="float", help="0.5..2"),
    ],
}  # fmt: skip
#: ``TTS.Url``, the last input of every vendor: "defaulting to the domestic cluster address
#: of the corresponding vendor" (https://www.zegocloud.com/docs/aiagent-server/guides/configuring-tts).
_TTS_URL_FIELD = FieldSpec(
    "url", N_("Vendor endpoint"), False, False, None, "TTS.Url",
    help=N_("Empty: the vendor's mainland-China cluster. Set it for another region's cluster"),
)  # fmt: skip
TTS_VENDOR_FIELDS: dict[str, list[FieldSpec]] = {
    vendor: _with_trial_defaults(vendor, [*specs, _TTS_URL_FIELD])
    for vendor, specs in _TTS_FORM_FIELDS.items()
}


def tts_from_fields(vendor: str, values: Mapping[str, Any]) -> TTS:
    """The TTS form's values for ``vendor`` -> a validated :class:`TTS`, through the builder.

    Keys are the names in ``TTS_VENDOR_FIELDS[vendor]``. Text is stripped,
    numbers may be text, empty optional values are left out (the builder's
    default applies). Raises ``ValidationError`` naming the API field.
    """
    check_tts_vendor(vendor)  # the same refusal as TTS(vendor=...).validate()
    kwargs = _values_for(TTS_VENDOR_FIELDS[vendor], values, f"TTS ({vendor})")
    return TTS.coerce(TTS_BUILDERS[vendor](**kwargs))



# --- ASR ---------------------------------------------------------------------------------------


class ASRFormHints(NamedTuple):
    """What the ASR form's two text boxes mean for one vendor (``None``: not settable).

    English, marked with ``N_()``; shown through ``_()`` in the learner's language.
    """

    language: str | None
    hot_words: str | None
    note: str


#: Per vendor, from https://www.zegocloud.com/docs/aiagent-server/guides/configuring-asr.
ASR_FORM_HINTS: dict[str, ASRFormHints] = {
    "Tencent": ASRFormHints(
        N_("16k_zh (default), 16k_en, ...; several languages: 16k_zh_en or 16k_multi_lang"),
        N_("word|weight, e.g. ZEGOCLOUD|10, agent|5 (weights 1..11, at most 128 words)"),
        N_(
            "On for every project. 16k_zh_en: Chinese, English, Cantonese and 9 dialects; "
            "16k_multi_lang: 15 languages, detected sentence by sentence."
        ),
    ),
    "AliyunParaformer": ASRFormHints(
        N_("zh, en, ja, yue, ko, de, fr, ru; several separated by commas; empty: detected"),
        None,
        N_("Ask ZEGO to enable it. ZEGO supports no hot words for Paraformer."),
    ),
    "AliyunFunASR": ASRFormHints(
        N_("one of zh, en, ja; empty: detected"),
        None,
        N_("Ask ZEGO to enable it. Only the first language hint is read."),
    ),
    "AliyunQwenASR": ASRFormHints(
        N_("zh, en, ja, ko, fr, de, ... (27 codes); empty: detected"),
        None,
        N_("Ask ZEGO to enable it."),
    ),
    "VolcSeedASR": ASRFormHints(
        None,
        N_("the id of a hot-word table made on Volcano Engine's platform"),
        N_("Ask ZEGO to enable it. It always detects the language (two-pass recognition)."),
    ),
    "Microsoft": ASRFormHints(
        N_("a locale: en-US, zh-CN, ja-JP, ..."),
        N_("phrases to favour, separated by commas: ZEGOCLOUD, Jupyter"),
        N_("Ask ZEGO to enable it. Only language and phrase_list are passed on."),
    ),
}

def parse_hot_words(text: str) -> dict[str, int]:
    """Tencent hot words as typed -> ``{word: weight}``.

    Accepts ``"ZEGOCLOUD|10, agent|5"``, ``ZEGOCLOUD:10`` or one word per line.
    A word without a weight gets 10. The weight rules (1..11) are checked by
    :meth:`ASR.validate`.
    """
    words: dict[str, int] = {}
    for item in _items(text):
        word, _sep, weight = item.replace(":", "|").partition("|")
        word, weight = word.strip(), weight.strip() or "10"
        if not (weight.isascii() and weight.isdigit()):
            raise ValidationError(
                "ASR.Params.hotword_list",
                _("the weight of {word} must be a whole number 1..11").format(word=repr(word)),
            )
        words[word] = int(weight)
    return words


def _items(text: str) -> list[str]:
    """Comma- or line-separated items, stripped, empties dropped."""
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


def asr_from_fields(vendor: str, language: str = "", hot_words: str = "") -> ASR:
    """The ASR form's two boxes for ``vendor`` -> a validated :class:`ASR`, through its builder.

    ``language`` and ``hot_words`` mean what :data:`ASR_FORM_HINTS` says for the
    vendor; a box the vendor cannot use must stay empty (``ValidationError`` on
    ``ASR.Params`` otherwise, saying why).
    """
    check_choice("ASR.Vendor", vendor, ASR_VENDORS)
    hints = ASR_FORM_HINTS[vendor]
    language, hot_words = (language or "").strip(), (hot_words or "").strip()
    for text, allowed, problem in (
        (language, hints.language, _("{vendor} takes no language: {note}")),
        (hot_words, hints.hot_words, _("{vendor} takes no hot words: {note}")),
    ):
        if text and allowed is None:
            raise ValidationError("ASR.Params", problem.format(vendor=vendor, note=_(hints.note)))
    kwargs: dict[str, Any] = {}
    if vendor == "Tencent":
        kwargs = {"hot_words": parse_hot_words(hot_words) or None}
        if language:
            kwargs["language"] = language
    elif vendor == "AliyunParaformer":
        kwargs = {"language_hints": _items(language) or None}
    elif vendor in ("AliyunFunASR", "AliyunQwenASR"):
        kwargs = {"language": language or None}
    elif vendor == "VolcSeedASR":
        kwargs = {"boosting_table_id": hot_words or None}
    elif vendor == "Microsoft":
        kwargs = {"phrase_list": _items(hot_words) or None}
        if language:
            kwargs["language"] = language
    return ASR.coerce(ASR_BUILDERS[vendor](**kwargs))
