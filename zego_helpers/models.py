"""The request objects of the AI Agent API as small Python dataclasses.

Each class mirrors one JSON object of the API (reference §4) with snake_case
fields, and knows three things:

* ``to_api()`` gives the exact JSON the API expects (``Url``, ``ApiKey``,
  ``TurnDetectConfig.SilenceSegmentation``...). Fields left at ``None`` are
  left out, so ZEGO applies its own default.
* ``from_api(data)`` reads such JSON back, e.g. an agent returned by
  QueryAgents. Keys this module does not model are kept in ``extra`` and
  written back by ``to_api()``, so nothing is lost on a round trip and you can
  send a field added to the API after this kit was written.
* ``validate()`` checks the documented rules before anything is sent and raises
  :class:`~zego_helpers.errors.ValidationError` naming the API field, e.g.
  ``LLM.Url`` or ``TTS.Params.app.token``. It returns the object, so
  ``LLM(...).validate()`` reads naturally.

A quick start::

    llm = LLM.trial()                       # ZEGO's free trial LLM (ApiKey "zego_test")
    tts = TTS.trial("ByteDanceV3")          # trial voice
    tts = TTS.minimax(api_key="...", voice_id="female-shaonv")   # your own account
    body = {"LLM": llm.validate().to_api(), "TTS": tts.validate().to_api()}

Printing a model never shows a key: ``repr(llm)`` masks ``ApiKey`` and every
credential inside ``TTS.Params.app`` (see :mod:`zego_helpers.secrets_mask`).

The notebook forms use :data:`LLM_PRESETS`, :data:`LLM_FIELDS`,
:data:`TTS_VENDOR_FIELDS` and the plain functions :func:`llm_from_fields` and
:func:`tts_from_fields`, so a form holds no protocol knowledge of its own.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any, ClassVar, NamedTuple, TypeVar

from .errors import ValidationError
from .secrets_mask import mask, mask_secrets
from .validation import (
    MAX_IDLE_TIME_RANGE,
    MAX_STREAM_EXTRA_INFO_BYTES,
    MESSAGE_ROLES,
    TRIAL_API_KEY,
    TRIAL_LLM_PAIRS,
    WINDOW_SIZE_RANGE,
    check_choice,
    check_int_range,
    check_messages,
    check_number_range,
    check_room_or_stream_id,
    check_trial_llm,
    check_url,
    check_user_id,
)

# ---------------------------------------------------------------------------
# The small machinery shared by every model
# ---------------------------------------------------------------------------


def api_field(
    api_name: str,
    *,
    required: bool = False,
    default: Any = None,
    default_factory: Callable[[], Any] | None = None,
    secret: bool = False,
    dump: Callable[[Any], Any] | None = None,
    load: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a dataclass field and the API key it maps to.

    ``api_name`` may be a dotted path for nested API objects:
    ``"TurnDetectConfig.SilenceSegmentation"`` becomes
    ``{"TurnDetectConfig": {"SilenceSegmentation": ...}}``. ``secret`` fields
    are masked in ``repr``. ``dump``/``load`` convert a value on its way to and
    from the API (e.g. ``True`` -> ``1`` for callback flags).
    """
    metadata = {"api": tuple(api_name.split(".")), "secret": secret, "dump": dump, "load": load}
    if required:
        return field(metadata=metadata)
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


_Model = TypeVar("_Model", bound="ApiModel")


@dataclass(repr=False)
class ApiModel:
    """Base class: ``to_api()``, ``from_api()`` and a ``repr`` that hides secrets."""

    #: The API object's name, used in error messages ("LLM", "TTS", ...).
    API_NAME: ClassVar[str] = ""

    #: API keys this class does not model; sent back unchanged by ``to_api()``.
    extra: dict[str, Any] = field(default_factory=dict, kw_only=True)

    def to_api(self) -> dict[str, Any]:
        """The JSON object for the API: exact key names, ``None`` fields left out."""
        body: dict[str, Any] = {}
        for f in _api_fields(type(self)):
            value = getattr(self, f.name)
            if value is None:
                continue
            dump = f.metadata["dump"]
            _set_path(body, f.metadata["api"], dump(value) if dump else copy.deepcopy(value))
        _add_missing(body, self.extra)
        return body

    @classmethod
    def from_api(cls: type[_Model], data: Mapping[str, Any]) -> _Model:
        """Build the model from API JSON. Unknown keys go to ``extra``; nothing is validated."""
        if not isinstance(data, Mapping):
            raise ValidationError(cls.API_NAME, f"must be a JSON object, not {type(data).__name__}")
        rest = copy.deepcopy(dict(data))
        values: dict[str, Any] = {}
        for f in _api_fields(cls):
            value = _pop_path(rest, f.metadata["api"])
            load = f.metadata["load"]
            values[f.name] = load(value) if load and value is not None else value
        return cls(**values, extra=rest)

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "extra" and not value):
                continue
            if f.metadata.get("secret"):
                value = mask(value)
            elif isinstance(value, dict):
                value = mask_secrets(value)
            parts.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _api_fields(cls: type) -> list[Field]:
    return [f for f in fields(cls) if "api" in f.metadata]


def _set_path(body: dict, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        body = body.setdefault(key, {})
    body[path[-1]] = value


def _pop_path(data: dict, path: tuple[str, ...]) -> Any:
    """Remove and return the value at ``path``; drop parent objects it leaves empty."""
    parents = []
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            return None
        parents.append((node, key))
        node = child
    if path[-1] not in node:
        return None
    value = node.pop(path[-1])
    for parent, key in reversed(parents):
        if parent[key]:
            break
        del parent[key]
    return value


def _add_missing(body: dict, extra: Mapping) -> None:
    """Copy ``extra`` into ``body`` without overwriting modelled values."""
    for key, value in extra.items():
        if key not in body:
            body[key] = copy.deepcopy(value)
        elif isinstance(body[key], dict) and isinstance(value, Mapping):
            _add_missing(body[key], value)


def _as_flag(value: Any) -> Any:
    """Callback flags are 0/1 in the API; accept ``True``/``False`` too."""
    return int(value) if isinstance(value, bool) else value


def _compact(params: dict) -> dict:
    """Drop ``None`` values, and objects left empty by that, from builder output."""
    result = {}
    for key, value in params.items():
        if isinstance(value, dict):
            value = _compact(value)
            if not value:
                continue
        if value is not None:
            result[key] = value
    return result


def _get_path(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _check_non_empty(field_name: str, value: Any, fix: str = "") -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            field_name, "must be a non-empty string" + (f"; {fix}" if fix else "")
        )


def _check_optional_type(field_name: str, value: Any, kind: type | tuple, what: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise ValidationError(field_name, f"must be {what}")


def to_api_value(value: Any) -> Any:
    """Turn a model into its API dict; dicts (already API JSON) and ``None`` pass through.

    Lists are converted item by item, so ``[Message.user("hi"), {...}]`` works.
    """
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, ApiModel):
        return value.to_api()
    if isinstance(value, (list, tuple)):
        return [to_api_value(item) for item in value]
    raise TypeError(
        f"expected a zego_helpers model (LLM, TTS, ...), a dict or None, not {type(value).__name__}"
    )


class FieldSpec(NamedTuple):
    """One input of a notebook form: which builder argument it fills and how to show it.

    ``required`` means the user must fill it in; an optional input left empty
    gets the builder's default (e.g. ``resource_id`` -> ``"seed-tts-2.0"``),
    which ``default`` also shows. ``kind`` is ``"text"``, ``"multiline"``,
    ``"int"`` or ``"float"``; ``choices`` lists suggested values; ``api_path``
    is where the value lands in the request, so a ``ValidationError`` naming
    that path can be shown next to this input.
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
    shown = "the value" if spec.secret else repr(raw)
    if spec.kind in ("text", "multiline"):
        if not isinstance(raw, str):
            raise ValidationError(spec.api_path, f"{shown} must be text")
        return raw
    try:
        number = float(raw) if isinstance(raw, (str, int, float)) else math.nan
    except ValueError:
        number = math.nan
    if isinstance(raw, bool) or not math.isfinite(number):
        raise ValidationError(spec.api_path, f"{shown} is not a number")
    if spec.kind == "int":
        if not number.is_integer():
            raise ValidationError(spec.api_path, f"{shown} must be a whole number")
        return int(number)
    return int(raw) if isinstance(raw, int) else number


def _values_for(specs: list[FieldSpec], values: Mapping[str, Any], what: str) -> dict[str, Any]:
    """Builder keyword arguments from form values; missing required values become ``""``."""
    known = {spec.name for spec in specs}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValidationError(
            what, f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}"
        )
    kwargs: dict[str, Any] = {}
    for spec in specs:
        value = _form_value(spec, values.get(spec.name))
        if value is None and spec.required:
            value = ""  # the builder accepts it; validate() then names the empty field
        if value is not None:
            kwargs[spec.name] = value
    return kwargs


# ---------------------------------------------------------------------------
# LLM
# ---------------------------------------------------------------------------

#: ``Vendor`` values: Chat Completions (the default) or the Responses API.
LLM_VENDORS = ("OpenAIChat", "OpenAIResponses")
TEMPERATURE_RANGE = (0, 2)
TOP_P_RANGE = (0, 1)
DEFAULT_TRIAL_MODEL = "doubao-1-5-lite-32k-250115"
#: A voice agent should answer briefly: long answers are slow to speak.
DEFAULT_SYSTEM_PROMPT = (
    "You are a friendly voice assistant. Answer in one or two short sentences, "
    "without lists or markdown."
)


@dataclass(repr=False)
class LLM(ApiModel):
    """The language model the agent thinks with (any OpenAI-compatible endpoint).

    ZEGO's servers call ``url`` with ``Authorization: Bearer <api_key>`` and
    stream the answer back, so the URL must be reachable from ZEGO's cloud
    (``localhost`` only works with the local sandbox).
    """

    API_NAME: ClassVar[str] = "LLM"

    url: str = api_field("Url", required=True)
    api_key: str = api_field("ApiKey", required=True, secret=True)
    model: str = api_field("Model", required=True)
    system_prompt: str | None = api_field("SystemPrompt")
    temperature: float | None = api_field("Temperature")
    top_p: float | None = api_field("TopP")
    vendor: str | None = api_field("Vendor")
    params: dict[str, Any] | None = api_field("Params")
    add_agent_info: bool | None = api_field("AddAgentInfo")
    agent_extra_info: dict[str, Any] | None = api_field("AgentExtraInfo")

    @classmethod
    def trial(
        cls, model: str = DEFAULT_TRIAL_MODEL, system_prompt: str | None = DEFAULT_SYSTEM_PROMPT
    ) -> LLM:
        """ZEGO's trial LLM (ApiKey ``"zego_test"``, first 2 weeks); picks the URL for ``model``.

        Trial models: doubao-1-5-lite-32k-250115 (default), doubao-1-5-pro-32k-250115,
        MiniMax-Text-01, qwen-plus, step-2-16k.
        """
        for url, models in TRIAL_LLM_PAIRS.items():
            if model in models:
                return cls(url=url, api_key=TRIAL_API_KEY, model=model, system_prompt=system_prompt)
        allowed = [m for models in TRIAL_LLM_PAIRS.values() for m in models]
        raise ValidationError("LLM.Model", f"{model!r} is not a trial model; use one of {allowed}")

    def validate(self) -> LLM:
        check_url("LLM.Url", self.url)
        _check_non_empty(
            "LLM.ApiKey",
            self.api_key,
            "paste your provider's key, or use LLM.trial() for the trial",
        )
        _check_non_empty("LLM.Model", self.model, "e.g. 'gpt-4o-mini'")
        if self.temperature is not None:
            check_number_range("LLM.Temperature", self.temperature, *TEMPERATURE_RANGE)
        if self.top_p is not None:
            check_number_range("LLM.TopP", self.top_p, *TOP_P_RANGE)
        if self.vendor is not None:
            check_choice("LLM.Vendor", self.vendor, LLM_VENDORS)
        _check_optional_type("LLM.SystemPrompt", self.system_prompt, str, "a string")
        _check_optional_type("LLM.Params", self.params, dict, "an object (dict)")
        _check_optional_type("LLM.AddAgentInfo", self.add_agent_info, bool, "True or False")
        _check_optional_type("LLM.AgentExtraInfo", self.agent_extra_info, dict, "an object (dict)")
        check_trial_llm(self.url, self.api_key, self.model)
        return self


#: The inputs of the LLM form (names are :class:`LLM` field names).
LLM_FIELDS: list[FieldSpec] = [
    FieldSpec("url", "Endpoint URL", True, False, "", "LLM.Url",
              help="Full chat-completions URL, reachable from ZEGO's cloud"),
    FieldSpec("api_key", "API key", True, True, "", "LLM.ApiKey",
              help="'zego_test' works with the trial URLs during the first 2 weeks"),
    FieldSpec("model", "Model", True, False, "", "LLM.Model"),
    FieldSpec("system_prompt", "System prompt", False, False, DEFAULT_SYSTEM_PROMPT,
              "LLM.SystemPrompt", kind="multiline"),
    FieldSpec("temperature", "Temperature", False, False, None, "LLM.Temperature",
              kind="float", help="0 to 2; ZEGO's default is 0.7"),
    FieldSpec("top_p", "Top P", False, False, None, "LLM.TopP",
              kind="float", help="0 to 1; ZEGO's default is 0.9"),
    FieldSpec("vendor", "API style", False, False, None, "LLM.Vendor",
              choices=LLM_VENDORS, help="Empty means OpenAIChat (Chat Completions)"),
]  # fmt: skip

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
            name = f"ZEGO trial ({_TRIAL_MODEL_LABELS.get(model, model)})"
            presets[name] = {"url": url, "api_key": TRIAL_API_KEY, "model": model}
    # The reference backend's default goes first.
    default = f"ZEGO trial ({_TRIAL_MODEL_LABELS[DEFAULT_TRIAL_MODEL]})"
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


def llm_from_fields(values: Mapping[str, Any]) -> LLM:
    """The LLM form's values (keys from :data:`LLM_FIELDS`) -> a validated :class:`LLM`.

    Text is stripped, empty optional values are left out and numbers may be
    given as text. Raises ``ValidationError`` naming the API field.
    """
    return LLM(**_values_for(LLM_FIELDS, values, "LLM")).validate()


# ---------------------------------------------------------------------------
# TTS
# ---------------------------------------------------------------------------

#: Current TTS vendors, plus the legacy "ByteDance" still seen in samples.
#: The spelling matters: "Bytedance" or "Minimax" (seen in some doc examples) are refused.
TTS_VENDORS = ("ByteDanceV3", "ByteDanceFlowing", "MiniMax", "CosyVoice", "Aliyun", "ByteDance")
TTS_URL_SCHEMES = ("wss", "ws", "https", "http")
MAX_TERMINATOR_CHARS = 4
MAX_TERMINATOR_CHARS_FLOWING = 1
MAX_CHARACTER_FILTER_CHARS = 2
BYTEDANCE_RESOURCE_IDS = (
    "seed-tts-2.0", "seed-tts-1.0", "seed-tts-1.0-concurr",
    "seed-icl-2.0", "seed-icl-1.0", "seed-icl-1.0-concurr",
)  # fmt: skip
BYTEDANCE_LEGACY_CLUSTERS = ("volcano_tts", "volcano_mega", "volcano_icl")


class _VendorRule(NamedTuple):
    credentials: tuple[str, ...]  # keys of Params.app that must be non-empty
    required: tuple[str, ...]  # dotted paths inside Params that must be non-empty


_TTS_RULES = {
    "Aliyun": _VendorRule(("app_key", "ak_id", "ak_key"), ("voice",)),
    "CosyVoice": _VendorRule(("api_key",), ("payload.model", "payload.parameters.voice")),
    "ByteDanceV3": _VendorRule(("appid", "token", "resource_id"), ("req_params.speaker",)),
    "ByteDanceFlowing": _VendorRule(("appid", "token", "resource_id"), ("req_params.speaker",)),
    "MiniMax": _VendorRule(("api_key",), ("model", "voice_setting.voice_id")),
    "ByteDance": _VendorRule(("appid", "token", "cluster"), ("audio.voice_type",)),
}


@dataclass(repr=False)
class TTS(ApiModel):
    """The voice: a vendor name and its ``Params`` (``app`` credentials + voice settings).

    Prefer the builders, which write each vendor's ``Params`` shape for you:
    :meth:`bytedance_v3`, :meth:`bytedance_flowing`, :meth:`minimax`,
    :meth:`cosyvoice`, :meth:`aliyun`, :meth:`bytedance_legacy`, :meth:`trial`.
    ``Vendor``, ``FilterText``, ``TerminatorText`` and ``CharacterFilter``
    cannot be changed on a running instance.
    """

    API_NAME: ClassVar[str] = "TTS"

    vendor: str = api_field("Vendor", required=True)
    params: dict[str, Any] = api_field("Params", required=True)
    url: str | None = api_field("Url")
    #: e.g. ``[{"BeginCharacters": "(", "EndCharacters": ")"}]``: skip text in brackets.
    filter_text: list[dict[str, str]] | None = api_field("FilterText")
    #: Nothing from this text onward is spoken in the turn (<= 4 chars; 1 for ByteDanceFlowing).
    terminator_text: str | None = api_field("TerminatorText")
    #: Strings (<= 2 chars each) removed before speaking, e.g. ``["*", "#"]``.
    character_filter: list[str] | None = api_field("CharacterFilter")

    @classmethod
    def aliyun(
        cls,
        app_key: str,
        ak_id: str,
        ak_key: str,
        voice: str = "xiaoyun",
        volume: int | None = None,
        speech_rate: int | None = None,
        pitch_rate: int | None = None,
    ) -> TTS:
        """Aliyun speech synthesis (not CosyVoice). volume 0..100, rates -500..500."""
        params = {
            "app": {"app_key": app_key, "ak_id": ak_id, "ak_key": ak_key},
            "voice": voice,
            "volume": volume,
            "speech_rate": speech_rate,
            "pitch_rate": pitch_rate,
        }
        return cls(vendor="Aliyun", params=_compact(params))

    @classmethod
    def cosyvoice(
        cls,
        api_key: str,
        voice: str,
        model: str = "cosyvoice-v2",
        volume: int | None = None,
        rate: float | None = None,
        pitch: float | None = None,
    ) -> TTS:
        """Aliyun CosyVoice. ``voice`` must match ``model`` (v2 voices end in ``_v2``).

        volume 0..100, rate and pitch 0.5..2; they go into ``payload.parameters``.
        """
        parameters = {"voice": voice, "volume": volume, "rate": rate, "pitch": pitch}
        params = {
            "app": {"api_key": api_key},
            "payload": {"model": model, "parameters": parameters},
        }
        return cls(vendor="CosyVoice", params=_compact(params))

    @classmethod
    def bytedance_v3(
        cls,
        appid: str,
        token: str,
        speaker: str,
        resource_id: str = "seed-tts-2.0",
        speech_rate: int | None = None,
        loudness_rate: int | None = None,
    ) -> TTS:
        """Volcano Engine (ByteDance) one-way streaming TTS, API v3.

        ``speaker`` must suit ``resource_id`` (seed-tts-2.0 needs a 2.0 voice such
        as ``zh_female_vv_uranus_bigtts``). Rates are -50..100 (100 = 2x).
        """
        return cls._bytedance("ByteDanceV3", appid, token, speaker, resource_id,
                              speech_rate, loudness_rate)  # fmt: skip

    @classmethod
    def bytedance_flowing(
        cls,
        appid: str,
        token: str,
        speaker: str,
        resource_id: str = "seed-tts-2.0",
        speech_rate: int | None = None,
        loudness_rate: int | None = None,
    ) -> TTS:
        """Volcano Engine two-way streaming TTS: same ``Params`` as :meth:`bytedance_v3`."""
        return cls._bytedance("ByteDanceFlowing", appid, token, speaker, resource_id,
                              speech_rate, loudness_rate)  # fmt: skip

    @classmethod
    def _bytedance(
        cls,
        vendor: str,
        appid: str,
        token: str,
        speaker: str,
        resource_id: str,
        speech_rate: int | None,
        loudness_rate: int | None,
    ) -> TTS:
        params = {
            "app": {"appid": appid, "token": token, "resource_id": resource_id},
            "req_params": {
                "speaker": speaker,
                "audio_params": {"speech_rate": speech_rate, "loudness_rate": loudness_rate},
            },
        }
        return cls(vendor=vendor, params=_compact(params))

    @classmethod
    def minimax(
        cls,
        api_key: str,
        voice_id: str,
        model: str = "speech-02-turbo",
        speed: float | None = None,
        vol: float | None = None,
        pitch: int | None = None,
        group_id: str | None = None,
    ) -> TTS:
        """MiniMax TTS. speed 0.5..2, vol (0, 10], pitch -12..12."""
        params = {
            "app": {"api_key": api_key, "group_id": group_id},
            "model": model,
            "voice_setting": {"voice_id": voice_id, "speed": speed, "vol": vol, "pitch": pitch},
        }
        return cls(vendor="MiniMax", params=_compact(params))

    @classmethod
    def bytedance_legacy(
        cls,
        appid: str,
        token: str,
        voice_type: str,
        cluster: str = "volcano_tts",
        speed_ratio: float | None = None,
        loudness_ratio: float | None = None,
    ) -> TTS:
        """The older ``Vendor: "ByteDance"`` shape seen in samples; prefer :meth:`bytedance_v3`.

        cluster: volcano_tts (regular voices), volcano_mega / volcano_icl (cloned
        voices). speed_ratio 0.8..2, loudness_ratio 0.5..2.
        """
        params = {
            "app": {"appid": appid, "token": token, "cluster": cluster},
            "audio": {
                "voice_type": voice_type,
                "speed_ratio": speed_ratio,
                "loudness_ratio": loudness_ratio,
            },
        }
        return cls(vendor="ByteDance", params=_compact(params))

    @classmethod
    def trial(cls, vendor: str = "ByteDanceV3") -> TTS:
        """A trial voice: ``"zego_test"`` credentials and a default voice for ``vendor``.

        The values are the defaults of :data:`TTS_VENDOR_FIELDS`, so the form and
        this method always agree.
        """
        if vendor not in TTS_VENDOR_FIELDS:
            check_choice("TTS.Vendor", vendor, tuple(TTS_VENDOR_FIELDS))
        defaults = {spec.name: spec.default for spec in TTS_VENDOR_FIELDS[vendor]}
        return tts_from_fields(vendor, defaults)

    def validate(self) -> TTS:
        if self.vendor not in TTS_VENDORS:
            raise ValidationError(
                "TTS.Vendor",
                f"is {self.vendor!r}; use one of {', '.join(TTS_VENDORS)} (spelled exactly so)",
            )
        rule = _TTS_RULES[self.vendor]
        if not isinstance(self.params, dict):
            raise ValidationError("TTS.Params", "must be an object with an 'app' entry")
        app = self.params.get("app")
        if not isinstance(app, dict):
            raise ValidationError(
                "TTS.Params.app",
                f"is missing; {self.vendor} needs app {{{', '.join(rule.credentials)}}} "
                "(use a TTS builder such as TTS.trial())",
            )
        for name in rule.credentials:
            _check_non_empty(f"TTS.Params.app.{name}", app.get(name), "('zego_test' in the trial)")
        for path in rule.required:
            _check_non_empty(f"TTS.Params.{path}", _get_path(self.params, path))
        if self.url is not None:
            check_url("TTS.Url", self.url, TTS_URL_SCHEMES)
        self._validate_text_filters()
        return self

    def _validate_text_filters(self) -> None:
        if self.terminator_text is not None:
            limit = (
                MAX_TERMINATOR_CHARS_FLOWING
                if self.vendor == "ByteDanceFlowing"
                else MAX_TERMINATOR_CHARS
            )
            text = self.terminator_text
            if not isinstance(text, str) or not 1 <= len(text) <= limit:
                raise ValidationError(
                    "TTS.TerminatorText",
                    f"must be 1 to {limit} character(s) for {self.vendor}; got {text!r}",
                )
        if self.character_filter is not None:
            if not isinstance(self.character_filter, list):
                raise ValidationError("TTS.CharacterFilter", "must be a list of short strings")
            for i, item in enumerate(self.character_filter):
                if not isinstance(item, str) or not 1 <= len(item) <= MAX_CHARACTER_FILTER_CHARS:
                    raise ValidationError(
                        f"TTS.CharacterFilter[{i}]",
                        f"must be 1 to {MAX_CHARACTER_FILTER_CHARS} characters; got {item!r}",
                    )
        if self.filter_text is not None:
            if not isinstance(self.filter_text, list):
                raise ValidationError(
                    "TTS.FilterText", "must be a list of {BeginCharacters, EndCharacters}"
                )
            for i, pair in enumerate(self.filter_text):
                for key in ("BeginCharacters", "EndCharacters"):
                    value = pair.get(key) if isinstance(pair, dict) else None
                    if not isinstance(value, str) or not value:
                        raise ValidationError(
                            f"TTS.FilterText[{i}].{key}", "must be a non-empty string, e.g. '('"
                        )


def _bytedance_fields(default_speaker: str) -> list[FieldSpec]:
    return [
        FieldSpec("appid", "App ID", True, False, TRIAL_API_KEY, "TTS.Params.app.appid"),
        FieldSpec("token", "Access token", True, True, TRIAL_API_KEY, "TTS.Params.app.token"),
        FieldSpec("speaker", "Voice (speaker)", True, False, default_speaker,
                  "TTS.Params.req_params.speaker", help="Must suit the resource ID"),
        FieldSpec("resource_id", "Resource ID", False, False, "seed-tts-2.0",
                  "TTS.Params.app.resource_id", choices=BYTEDANCE_RESOURCE_IDS),
        FieldSpec("speech_rate", "Speech rate", False, False, None,
                  "TTS.Params.req_params.audio_params.speech_rate", kind="int",
                  help="-50..100 (100 = twice as fast)"),
        FieldSpec("loudness_rate", "Loudness", False, False, None,
                  "TTS.Params.req_params.audio_params.loudness_rate", kind="int",
                  help="-50..100 (100 = twice as loud)"),
    ]  # fmt: skip


#: The inputs of the TTS form, per vendor; ``name`` is the builder's argument name.
#: Defaults are a working trial configuration ("zego_test" credentials).
TTS_VENDOR_FIELDS: dict[str, list[FieldSpec]] = {
    "ByteDanceV3": _bytedance_fields("zh_female_vv_uranus_bigtts"),
    "ByteDanceFlowing": _bytedance_fields("zh_female_vv_uranus_bigtts"),
    "MiniMax": [
        FieldSpec("api_key", "API key", True, True, TRIAL_API_KEY, "TTS.Params.app.api_key"),
        FieldSpec("voice_id", "Voice ID", True, False, "female-shaonv",
                  "TTS.Params.voice_setting.voice_id"),
        FieldSpec("model", "Model", False, False, "speech-02-turbo", "TTS.Params.model",
                  choices=("speech-02-turbo", "speech-02-hd", "speech-2.5-turbo-preview")),
        FieldSpec("speed", "Speed", False, False, None, "TTS.Params.voice_setting.speed",
                  kind="float", help="0.5..2"),
        FieldSpec("vol", "Volume", False, False, None, "TTS.Params.voice_setting.vol",
                  kind="float", help="above 0, up to 10"),
        FieldSpec("pitch", "Pitch", False, False, None, "TTS.Params.voice_setting.pitch",
                  kind="int", help="-12..12"),
        FieldSpec("group_id", "Group ID", False, False, None, "TTS.Params.app.group_id",
                  help="Only for older MiniMax accounts"),
    ],
    "CosyVoice": [
        FieldSpec("api_key", "API key", True, True, TRIAL_API_KEY, "TTS.Params.app.api_key"),
        FieldSpec("voice", "Voice", True, False, "longxiaochun_v2",
                  "TTS.Params.payload.parameters.voice", help="Must match the model version"),
        FieldSpec("model", "Model", False, False, "cosyvoice-v2", "TTS.Params.payload.model",
                  choices=("cosyvoice-v2", "cosyvoice-v1")),
        FieldSpec("volume", "Volume", False, False, None,
                  "TTS.Params.payload.parameters.volume", kind="int", help="0..100"),
        FieldSpec("rate", "Speed", False, False, None, "TTS.Params.payload.parameters.rate",
                  kind="float", help="0.5..2"),
        FieldSpec("pitch", "Pitch", False, False, None, "TTS.Params.payload.parameters.pitch",
                  kind="float", help="0.5..2"),
    ],
    "Aliyun": [
        FieldSpec("app_key", "App key", True, True, TRIAL_API_KEY, "TTS.Params.app.app_key"),
        FieldSpec("ak_id", "AccessKey ID", True, True, TRIAL_API_KEY, "TTS.Params.app.ak_id"),
        FieldSpec("ak_key", "AccessKey secret", True, True, TRIAL_API_KEY,
                  "TTS.Params.app.ak_key"),
        FieldSpec("voice", "Voice", False, False, "xiaoyun", "TTS.Params.voice"),
        FieldSpec("volume", "Volume", False, False, None, "TTS.Params.volume", kind="int",
                  help="0..100"),
        FieldSpec("speech_rate", "Speech rate", False, False, None, "TTS.Params.speech_rate",
                  kind="int", help="-500..500"),
        FieldSpec("pitch_rate", "Pitch", False, False, None, "TTS.Params.pitch_rate",
                  kind="int", help="-500..500"),
    ],
    "ByteDance": [
        FieldSpec("appid", "App ID", True, False, TRIAL_API_KEY, "TTS.Params.app.appid"),
        FieldSpec("token", "Access token", True, True, TRIAL_API_KEY, "TTS.Params.app.token"),
        FieldSpec("voice_type", "Voice type", True, False, "zh_female_yuanqinvyou_moon_bigtts",
                  "TTS.Params.audio.voice_type"),
        FieldSpec("cluster", "Cluster", False, False, "volcano_tts", "TTS.Params.app.cluster",
                  choices=BYTEDANCE_LEGACY_CLUSTERS),
        FieldSpec("speed_ratio", "Speed", False, False, None, "TTS.Params.audio.speed_ratio",
                  kind="float", help="0.8..2"),
        FieldSpec("loudness_ratio", "Loudness", False, False, None,
                  "TTS.Params.audio.loudness_ratio", kind="float", help="0.5..2"),
    ],
}  # fmt: skip

_TTS_BUILDERS: dict[str, Callable[..., TTS]] = {
    "ByteDanceV3": TTS.bytedance_v3,
    "ByteDanceFlowing": TTS.bytedance_flowing,
    "MiniMax": TTS.minimax,
    "CosyVoice": TTS.cosyvoice,
    "Aliyun": TTS.aliyun,
    "ByteDance": TTS.bytedance_legacy,
}


def tts_from_fields(vendor: str, values: Mapping[str, Any]) -> TTS:
    """The TTS form's values for ``vendor`` -> a validated :class:`TTS`, through the builder.

    Keys are the names in ``TTS_VENDOR_FIELDS[vendor]``. Text is stripped,
    numbers may be text, empty optional values are left out (the builder's
    default applies). Raises ``ValidationError`` naming the API field.
    """
    if vendor not in _TTS_BUILDERS:
        check_choice("TTS.Vendor", vendor, tuple(_TTS_BUILDERS))
    kwargs = _values_for(TTS_VENDOR_FIELDS[vendor], values, f"TTS ({vendor})")
    return _TTS_BUILDERS[vendor](**kwargs).validate()


# ---------------------------------------------------------------------------
# ASR
# ---------------------------------------------------------------------------

#: Speech recognition vendors. Only Tencent is enabled by default; ask ZEGO
#: sales for the others. (The docs spell the Qwen one both ways.)
ASR_VENDORS = (
    "Tencent", "AliyunParaformer", "AliyunFunASR", "AliyunQwenASR", "AliyunQwenAudioASR",
    "VolcSeedASR", "Microsoft", "ElevenLabs",
)  # fmt: skip
HOT_WORD_WEIGHT_RANGE = (1, 11)  # 11 makes a "super" hot word; use it sparingly
MAX_HOT_WORDS = 128
MAX_HOT_WORD_CHARS = 30


@dataclass(repr=False)
class ASR(ApiModel):
    """Speech recognition: ``vendor`` (default Tencent) and vendor ``params`` passed through."""

    API_NAME: ClassVar[str] = "ASR"

    vendor: str | None = api_field("Vendor", default="Tencent")
    params: dict[str, Any] | None = api_field("Params")

    @classmethod
    def tencent(cls, language: str = "16k_zh", hot_words: Mapping[str, int] | None = None) -> ASR:
        """Tencent ASR. ``language`` is the engine, e.g. ``"16k_en"``, ``"16k_zh_en"``.

        ``hot_words`` maps a word (no spaces, <= 30 chars) to a weight 1..11,
        e.g. ``{"ZEGOCLOUD": 10}``; at most 128 words.
        """
        params: dict[str, Any] = {"engine_model_type": language}
        if hot_words:
            params["hotword_list"] = ",".join(f"{w}|{weight}" for w, weight in hot_words.items())
        return cls(vendor="Tencent", params=params)

    def validate(self) -> ASR:
        if self.vendor is not None:
            check_choice("ASR.Vendor", self.vendor, ASR_VENDORS)
        _check_optional_type("ASR.Params", self.params, dict, "an object (dict)")
        if self.vendor in (None, "Tencent") and self.params:
            if "engine_model_type" in self.params:
                _check_non_empty("ASR.Params.engine_model_type", self.params["engine_model_type"])
            if "hotword_list" in self.params:
                _check_hotword_list("ASR.Params.hotword_list", self.params["hotword_list"])
        return self


def _check_hotword_list(field_name: str, value: Any) -> None:
    """Tencent's temporary hot words: ``"word|weight,word|weight"``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field_name, "must be a string like 'ZEGOCLOUD|10,ASR|11'")
    items = [item.strip() for item in value.split(",")]
    if len(items) > MAX_HOT_WORDS:
        raise ValidationError(field_name, f"has {len(items)} words; the limit is {MAX_HOT_WORDS}")
    for item in items:
        word, sep, weight = item.partition("|")
        if not sep or not word or not weight.isdigit():
            raise ValidationError(field_name, f"item {item!r} must look like 'word|weight'")
        if len(word) > MAX_HOT_WORD_CHARS or any(ch.isspace() for ch in word):
            raise ValidationError(
                field_name,
                f"word {word!r} must have no spaces and at most {MAX_HOT_WORD_CHARS} characters",
            )
        low, high = HOT_WORD_WEIGHT_RANGE
        if not low <= int(weight) <= high:
            raise ValidationError(
                field_name, f"weight of {word!r} is {weight}; it must be {low}..{high}"
            )


# ---------------------------------------------------------------------------
# RTC, messages, callbacks, advanced settings, VAD, digital human
# ---------------------------------------------------------------------------


@dataclass(repr=False)
class RTC(ApiModel):
    """Where the agent joins: the room, its own user/stream ids, and the user's stream.

    ``agent_stream_id`` and ``agent_user_id`` must be unique across all running
    instances; use :func:`zego_helpers.ids.make_call_ids` to get fresh ones.
    """

    API_NAME: ClassVar[str] = "RTC"

    room_id: str = api_field("RoomId", required=True)
    agent_stream_id: str = api_field("AgentStreamId", required=True)
    agent_user_id: str = api_field("AgentUserId", required=True)
    user_stream_id: str = api_field("UserStreamId", required=True)
    #: Free text (<= 1024 bytes) the client sees with the agent's stream.
    stream_extra_info: str | None = api_field("StreamExtraInfo")

    def validate(self) -> RTC:
        check_room_or_stream_id("RTC.RoomId", self.room_id)
        check_room_or_stream_id("RTC.AgentStreamId", self.agent_stream_id)
        check_user_id("RTC.AgentUserId", self.agent_user_id)
        check_room_or_stream_id("RTC.UserStreamId", self.user_stream_id)
        if self.stream_extra_info is not None:
            if not isinstance(self.stream_extra_info, str):
                raise ValidationError("RTC.StreamExtraInfo", "must be a string")
            size = len(self.stream_extra_info.encode("utf-8"))
            if size > MAX_STREAM_EXTRA_INFO_BYTES:
                raise ValidationError(
                    "RTC.StreamExtraInfo",
                    f"is {size} bytes; the limit is {MAX_STREAM_EXTRA_INFO_BYTES}",
                )
        return self


@dataclass(repr=False)
class Message(ApiModel):
    """One turn of conversation history: ``role`` is ``"user"`` or ``"assistant"``."""

    API_NAME: ClassVar[str] = "Message"

    role: str = api_field("Role", required=True)
    content: str = api_field("Content", required=True)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str) -> Message:
        return cls(role="assistant", content=content)

    def validate(self) -> Message:
        check_choice("Message.Role", self.role, MESSAGE_ROLES)
        if not isinstance(self.content, str):
            raise ValidationError("Message.Content", "must be a string")
        return self


def _dump_messages(messages: list) -> list:
    return [to_api_value(m) for m in messages]


def _load_messages(messages: Any) -> Any:
    if not isinstance(messages, list):
        return messages  # validate() will name the problem
    return [Message.from_api(m) if isinstance(m, Mapping) else m for m in messages]


#: ``SyncMode`` values: 0 loads history from ZIM (In-app Chat), 1 uses ``Messages``.
SYNC_MODE_ZIM = 0
SYNC_MODE_MESSAGES = 1
ZIM_LOAD_MESSAGE_COUNT_RANGE = (0, 500)


@dataclass(repr=False)
class MessageHistory(ApiModel):
    """The conversation the agent starts with, and how much of it the LLM sees.

    The defaults (``SyncMode`` 1, no messages, ``WindowSize`` 10) are what
    ZEGO's reference backend sends: without them the API default is SyncMode 0,
    which loads history from ZIM (In-app Chat) and needs that product set up.
    """

    API_NAME: ClassVar[str] = "MessageHistory"

    sync_mode: int | None = api_field("SyncMode", default=SYNC_MODE_MESSAGES)
    messages: list[Message | dict] | None = api_field(
        "Messages", default_factory=list, dump=_dump_messages, load=_load_messages
    )
    #: How many recent messages go to the LLM with each turn (docs recommend 10-30).
    window_size: int | None = api_field("WindowSize", default=10)
    #: Only with SyncMode 0: ``{"RobotId": ..., "LoadMessageCount": ...}``.
    zim: dict[str, Any] | None = api_field("ZIM")

    def validate(self) -> MessageHistory:
        if self.sync_mode is not None:
            check_choice(
                "MessageHistory.SyncMode", self.sync_mode, (SYNC_MODE_ZIM, SYNC_MODE_MESSAGES)
            )
        if self.messages is not None:
            if not isinstance(self.messages, list):
                raise ValidationError("MessageHistory.Messages", "must be a list of messages")
            check_messages("MessageHistory.Messages", _dump_messages(self.messages))
        if self.window_size is not None:
            check_int_range("MessageHistory.WindowSize", self.window_size, *WINDOW_SIZE_RANGE)
        if self.zim is not None:
            self._validate_zim()
        return self

    def _validate_zim(self) -> None:
        if self.sync_mode != SYNC_MODE_ZIM:
            raise ValidationError("MessageHistory.ZIM", "is only used with SyncMode 0; remove it")
        if not isinstance(self.zim, dict):
            raise ValidationError("MessageHistory.ZIM", "must be an object")
        count = self.zim.get("LoadMessageCount")
        if count is not None:
            check_int_range(
                "MessageHistory.ZIM.LoadMessageCount", count, *ZIM_LOAD_MESSAGE_COUNT_RANGE
            )
        robot_id = self.zim.get("RobotId")
        if robot_id is not None and not isinstance(robot_id, str):
            raise ValidationError("MessageHistory.ZIM.RobotId", "must be a string")


_CALLBACK_FLAGS = {
    "asr_result": "ASRResult",
    "llm_result": "LLMResult",
    "interrupted": "Interrupted",
    "user_speak_action": "UserSpeakAction",
    "agent_instance_status": "AgentInstanceStatus",
    "user_audio_data": "UserAudioData",
}


@dataclass(repr=False)
class CallbackConfig(ApiModel):
    """Which optional callbacks ZEGO sends (each flag 0/1 or False/True; unset = off).

    Exception, AgentInstanceCreated/Deleted and AgentInstanceMetaInfo need no flag:
    they arrive whenever a callback URL is configured for your project.
    """

    API_NAME: ClassVar[str] = "CallbackConfig"

    asr_result: bool | int | None = api_field("ASRResult", dump=_as_flag)
    llm_result: bool | int | None = api_field("LLMResult", dump=_as_flag)
    interrupted: bool | int | None = api_field("Interrupted", dump=_as_flag)
    user_speak_action: bool | int | None = api_field("UserSpeakAction", dump=_as_flag)
    agent_instance_status: bool | int | None = api_field("AgentInstanceStatus", dump=_as_flag)
    user_audio_data: bool | int | None = api_field("UserAudioData", dump=_as_flag)
    #: Picks one of (up to two) callback URLs that ZEGO set up for you.
    host_tag: str | None = api_field("HostTag")

    def validate(self) -> CallbackConfig:
        for name, api_name in _CALLBACK_FLAGS.items():
            value = getattr(self, name)
            if value is not None and value not in (0, 1):  # True == 1, False == 0
                raise ValidationError(
                    f"CallbackConfig.{api_name}", f"is {value!r}; use 0/1 or False/True"
                )
        _check_optional_type("CallbackConfig.HostTag", self.host_tag, str, "a string")
        return self


INTERRUPT_MODES = (0, 1)  # 0: the user's voice interrupts at once; 1: the agent finishes
COMMUNICATION_MODES = (0, 2)  # 0: full duplex; 2: walkie-talkie (Start/StopListening)


@dataclass(repr=False)
class AdvancedConfig(ApiModel):
    """Instance behaviour: interruption, idle timeout, walkie-talkie mode, metadata..."""

    API_NAME: ClassVar[str] = "AdvancedConfig"

    interrupt_mode: int | None = api_field("InterruptMode")
    #: Seconds (10..1800, default 120) the instance waits when the user is not in the room.
    max_idle_time: int | None = api_field("MaxIdleTime")
    disable_tts: bool | None = api_field("DisableTTS")
    communication_mode: int | None = api_field("CommunicationMode")
    #: e.g. ``{"BeginCharacters": "[[", "EndCharacters": "]]", "SendMetaKeys": ["emotion"]}``.
    llm_meta_info: dict[str, Any] | None = api_field("LLMMetaInfo")
    add_asr_info: bool | None = api_field("AddASRInfo")
    #: Metadata key -> vendor TTS parameter path,
    #: e.g. ``{"instruction": "payload.parameters.instruction"}``.
    tts_param_paths: dict[str, str] | None = api_field("TTSParamPaths")

    def validate(self) -> AdvancedConfig:
        if self.interrupt_mode is not None:
            check_choice("AdvancedConfig.InterruptMode", self.interrupt_mode, INTERRUPT_MODES)
        if self.max_idle_time is not None:
            check_int_range("AdvancedConfig.MaxIdleTime", self.max_idle_time, *MAX_IDLE_TIME_RANGE)
        _check_optional_type("AdvancedConfig.DisableTTS", self.disable_tts, bool, "True or False")
        if self.communication_mode is not None:
            check_choice(
                "AdvancedConfig.CommunicationMode", self.communication_mode, COMMUNICATION_MODES
            )
        _check_optional_type("AdvancedConfig.AddASRInfo", self.add_asr_info, bool, "True or False")
        if self.llm_meta_info is not None:
            self._validate_meta_info()
        if self.tts_param_paths is not None:
            paths = self.tts_param_paths
            if not isinstance(paths, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in paths.items()
            ):
                raise ValidationError(
                    "AdvancedConfig.TTSParamPaths", "must map metadata keys to TTS parameter paths"
                )
        return self

    def _validate_meta_info(self) -> None:
        info = self.llm_meta_info
        if not isinstance(info, dict):
            raise ValidationError("AdvancedConfig.LLMMetaInfo", "must be an object")
        for key in ("BeginCharacters", "EndCharacters"):
            _check_non_empty(f"AdvancedConfig.LLMMetaInfo.{key}", info.get(key), "e.g. '[['")
        keys = info.get("SendMetaKeys")
        if keys is not None and not (
            isinstance(keys, list) and all(isinstance(k, str) for k in keys)
        ):
            raise ValidationError(
                "AdvancedConfig.LLMMetaInfo.SendMetaKeys", "must be a list of strings"
            )


SILENCE_SEGMENTATION_RANGE = (200, 2000)
PAUSE_INTERVAL_RANGE = (200, 2000)
#: ``VoiceDetectConfig.SensitiveConfig.Level``: 0 medium (default), 1 low, 2 high, 3 custom.
SENSITIVITY_LEVELS = (0, 1, 2, 3)
SENSITIVITY_CUSTOM = 3
MIN_SPEECH_DUR_RANGE = (0, 1000)
ENERGY_THRESHOLD_RANGE = (0, 1)


@dataclass(repr=False)
class VAD(ApiModel):
    """When the user's turn ends, and how easily speech is detected (milliseconds).

    ``silence_segmentation``: silence that ends the user's turn (200..2000, default 500).
    ``pause_interval``: joins sentences into one turn; only active when greater
    than ``silence_segmentation``. ``sensitivity_level`` 3 (custom) needs
    ``min_speech_dur`` (0..1000 ms) and ``energy_threshold`` (0..1).
    """

    API_NAME: ClassVar[str] = "VAD"

    silence_segmentation: int | None = api_field("TurnDetectConfig.SilenceSegmentation")
    pause_interval: int | None = api_field("TurnDetectConfig.PauseInterval")
    sensitivity_level: int | None = api_field("VoiceDetectConfig.SensitiveConfig.Level")
    min_speech_dur: int | None = api_field("VoiceDetectConfig.SensitiveConfig.MinSpeechDur")
    energy_threshold: float | None = api_field("VoiceDetectConfig.SensitiveConfig.EnergyThreshold")

    def validate(self) -> VAD:
        if self.silence_segmentation is not None:
            check_int_range(
                "VAD.TurnDetectConfig.SilenceSegmentation",
                self.silence_segmentation,
                *SILENCE_SEGMENTATION_RANGE,
            )
        if self.pause_interval is not None:
            check_int_range(
                "VAD.TurnDetectConfig.PauseInterval", self.pause_interval, *PAUSE_INTERVAL_RANGE
            )
        prefix = "VAD.VoiceDetectConfig.SensitiveConfig"
        if self.sensitivity_level is not None:
            check_choice(f"{prefix}.Level", self.sensitivity_level, SENSITIVITY_LEVELS)
        custom = self.sensitivity_level == SENSITIVITY_CUSTOM
        for api_name, value, low_high in (
            ("MinSpeechDur", self.min_speech_dur, MIN_SPEECH_DUR_RANGE),
            ("EnergyThreshold", self.energy_threshold, ENERGY_THRESHOLD_RANGE),
        ):
            if value is None and custom:
                raise ValidationError(
                    f"{prefix}.{api_name}", "is required when Level is 3 (custom)"
                )
            if value is not None and not custom:
                raise ValidationError(
                    f"{prefix}.{api_name}", "is only used when Level is 3 (custom); set Level=3"
                )
            if value is not None and api_name == "MinSpeechDur":
                check_int_range(f"{prefix}.{api_name}", value, *low_high)
            elif value is not None:
                check_number_range(f"{prefix}.{api_name}", value, *low_high)
        return self


DIGITAL_HUMAN_CONFIG_IDS = ("mobile", "web")
DIGITAL_HUMAN_ENCODE_CODES = ("H264",)


@dataclass(repr=False)
class DigitalHuman(ApiModel):
    """The video avatar of CreateDigitalHumanAgentInstance."""

    API_NAME: ClassVar[str] = "DigitalHuman"

    digital_human_id: str = api_field("DigitalHumanId", required=True)
    config_id: str | None = api_field("ConfigId")  # "mobile" or "web"
    encode_code: str | None = api_field("EncodeCode")  # "H264" (the default)

    def validate(self) -> DigitalHuman:
        _check_non_empty("DigitalHuman.DigitalHumanId", self.digital_human_id)
        if self.config_id is not None:
            check_choice("DigitalHuman.ConfigId", self.config_id, DIGITAL_HUMAN_CONFIG_IDS)
        if self.encode_code is not None:
            check_choice("DigitalHuman.EncodeCode", self.encode_code, DIGITAL_HUMAN_ENCODE_CODES)
        return self
