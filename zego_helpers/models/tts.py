"""TTS: the agent's voice, a vendor name and that vendor's ``Params``, with one builder per vendor.

Quick start::

    tts = TTS.trial("ByteDanceV3")                                    # trial voice
    tts = TTS.minimax(api_key="...", voice_id="female-shaonv", speed=1.2)

``validate()`` checks what ZEGO documents for each vendor: the credentials in
``Params.app``, the required voice fields and every documented numeric range
(MiniMax ``voice_setting.speed``, CosyVoice ``payload.parameters.rate``...),
naming the field path, the range and the page it comes from:
https://www.zegocloud.com/docs/aiagent-server/guides/configuring-tts
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from ..errors import ValidationError
from ..i18n import _
from ..validation import (
    TRIAL_API_KEY,
    check_int_range,
    check_number_range,
    check_url,
    shown,
)
from .base import ApiModel, _check_non_empty, _compact, _get_path, api_field, close_key_matches

#: Where the TTS vendors' Params (and their ranges) are documented.
TTS_DOC_URL = "https://www.zegocloud.com/docs/aiagent-server/guides/configuring-tts"

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
#: ``payload.model`` values the guide lists for CosyVoice ("for more models, see All Models":
#: others are sent as is). Each model has its own voices.
COSYVOICE_MODELS = (
    "cosyvoice-v3.5-plus", "cosyvoice-v3.5-flash", "cosyvoice-v3-plus", "cosyvoice-v3-flash",
    "cosyvoice-v2", "cosyvoice-v1",
)  # fmt: skip
#: ``model`` values the guide lists for MiniMax (ZEGO's sample server uses newer ones too).
MINIMAX_MODELS = (
    "speech-2.5-hd-preview", "speech-2.5-turbo-preview", "speech-02-hd", "speech-02-turbo",
    "speech-01-hd", "speech-01-turbo", "speech-01-240228", "speech-01-turbo-240228",
)  # fmt: skip


class ParamRange(NamedTuple):
    """One documented numeric range inside ``TTS.Params`` (a dotted path below ``Params``)."""

    path: str
    low: float
    high: float
    integer: bool = False  # the vendor wants a whole number
    low_open: bool = False  # ``low`` itself is excluded, as in MiniMax's (0, 10]


class _VendorRule(NamedTuple):
    credentials: tuple[str, ...]  # keys of Params.app that must be non-empty
    required: tuple[str, ...]  # dotted paths inside Params that must be non-empty
    ranges: tuple[ParamRange, ...] = ()  # documented bounds (configuring-tts page)


#: ByteDance V3 / Flowing ``req_params.audio_params``: floats in [-50, 100]
#: (100 = 2x, -50 = 0.5x), per the configuring-tts page.
_BYTEDANCE_V3_RANGES = (
    ParamRange("req_params.audio_params.speech_rate", -50, 100),
    ParamRange("req_params.audio_params.loudness_rate", -50, 100),
)


#: Per vendor: credentials, required voice fields and documented ranges, all from
#: https://www.zegocloud.com/docs/aiagent-server/guides/configuring-tts (the
#: vendors' own pages it links give the same bounds). Aliyun's three values are
#: integers in Aliyun's API reference; MiniMax says pitch "needs to be an integer".
_TTS_RULES = {
    "Aliyun": _VendorRule(
        ("app_key", "ak_id", "ak_key"),
        ("voice",),
        (
            ParamRange("volume", 0, 100, integer=True),
            ParamRange("speech_rate", -500, 500, integer=True),
            ParamRange("pitch_rate", -500, 500, integer=True),
        ),
    ),
    "CosyVoice": _VendorRule(
        ("api_key",),
        ("payload.model", "payload.parameters.voice"),
        (
            ParamRange("payload.parameters.volume", 0, 100, integer=True),
            ParamRange("payload.parameters.rate", 0.5, 2),
            ParamRange("payload.parameters.pitch", 0.5, 2),
        ),
    ),
    "ByteDanceV3": _VendorRule(
        ("appid", "token", "resource_id"), ("req_params.speaker",), _BYTEDANCE_V3_RANGES
    ),
    "ByteDanceFlowing": _VendorRule(
        ("appid", "token", "resource_id"), ("req_params.speaker",), _BYTEDANCE_V3_RANGES
    ),
    "MiniMax": _VendorRule(
        ("api_key",),
        ("model", "voice_setting.voice_id"),
        (
            ParamRange("voice_setting.speed", 0.5, 2),
            ParamRange("voice_setting.vol", 0, 10, low_open=True),
            ParamRange("voice_setting.pitch", -12, 12, integer=True),
        ),
    ),
    "ByteDance": _VendorRule(
        ("appid", "token", "cluster"),
        ("audio.voice_type",),
        (ParamRange("audio.speed_ratio", 0.8, 2), ParamRange("audio.loudness_ratio", 0.5, 2)),
    ),
}

#: What :meth:`TTS.trial` builds for each vendor: builder arguments with the
#: public ``zego_test`` credentials and a voice that suits the default model.
#: The TTS form starts from these values too (:mod:`zego_helpers.form_specs`).
TTS_TRIAL_ARGS: dict[str, dict[str, str]] = {
    "ByteDanceV3": {"appid": TRIAL_API_KEY, "token": TRIAL_API_KEY,
                    "speaker": "zh_female_vv_uranus_bigtts", "resource_id": "seed-tts-2.0"},
    "ByteDanceFlowing": {"appid": TRIAL_API_KEY, "token": TRIAL_API_KEY,
                         "speaker": "zh_female_vv_uranus_bigtts", "resource_id": "seed-tts-2.0"},
    "MiniMax": {"api_key": TRIAL_API_KEY, "voice_id": "female-shaonv",
                "model": "speech-02-turbo"},
    "CosyVoice": {"api_key": TRIAL_API_KEY, "voice": "longxiaochun_v2", "model": "cosyvoice-v2"},
    "Aliyun": {"app_key": TRIAL_API_KEY, "ak_id": TRIAL_API_KEY, "ak_key": TRIAL_API_KEY,
               "voice": "xiaoyun"},
    "ByteDance": {"appid": TRIAL_API_KEY, "token": TRIAL_API_KEY,
                  "voice_type": "zh_female_yuanqinvyou_moon_bigtts", "cluster": "volcano_tts"},
}  # fmt: skip


def check_tts_vendor(vendor: object) -> str:
    """``TTS.Vendor`` is one this kit knows, spelled exactly (``Minimax`` is refused)."""
    if not isinstance(vendor, str) or vendor not in TTS_VENDORS:
        raise ValidationError(
            "TTS.Vendor",
            _("is {value}; use one of {allowed} (spelled exactly so)").format(
                value=shown(vendor), allowed=", ".join(TTS_VENDORS)
            ),
        )
    return vendor


def _check_param_range(vendor: str, rule: ParamRange, value: object) -> None:
    field_name = f"TTS.Params.{rule.path}"
    if rule.integer and not (isinstance(value, float) and value.is_integer()):
        check_int_range(field_name, value, int(rule.low), int(rule.high), doc=TTS_DOC_URL)
    else:
        check_number_range(
            field_name, value, rule.low, rule.high, low_open=rule.low_open, doc=TTS_DOC_URL
        )


def _known_params_tree(rule: _VendorRule) -> dict[str, Any]:
    tree: dict[str, Any] = {"app": {name: {} for name in rule.credentials}}
    for path in (*rule.required, *(r.path for r in rule.ranges)):
        node = tree
        for key in path.split("."):
            node = node.setdefault(key, {})
    return tree


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
        url: str | None = None,
    ) -> TTS:
        """Aliyun speech synthesis (not CosyVoice). volume 0..100, rates -500..500.

        ``url`` (every builder has it) is ``TTS.Url``: the vendor endpoint, by default
        its mainland-China cluster; set it to use the vendor's cluster in another region.
        """
        params = {
            "app": {"app_key": app_key, "ak_id": ak_id, "ak_key": ak_key},
            "voice": voice,
            "volume": volume,
            "speech_rate": speech_rate,
            "pitch_rate": pitch_rate,
        }
        return cls(vendor="Aliyun", params=_compact(params), url=url)

    @classmethod
    def cosyvoice(
        cls,
        api_key: str,
        voice: str,
        model: str = "cosyvoice-v2",
        volume: int | None = None,
        rate: float | None = None,
        pitch: float | None = None,
        url: str | None = None,
    ) -> TTS:
        """Aliyun CosyVoice. ``voice`` must match ``model`` (v2 voices end in ``_v2``);
        :data:`COSYVOICE_MODELS` lists the documented models.

        volume 0..100, rate and pitch 0.5..2; they go into ``payload.parameters``.
        """
        parameters = {"voice": voice, "volume": volume, "rate": rate, "pitch": pitch}
        params = {
            "app": {"api_key": api_key},
            "payload": {"model": model, "parameters": parameters},
        }
        return cls(vendor="CosyVoice", params=_compact(params), url=url)

    @classmethod
    def bytedance_v3(
        cls,
        appid: str,
        token: str,
        speaker: str,
        resource_id: str = "seed-tts-2.0",
        speech_rate: float | None = None,
        loudness_rate: float | None = None,
        url: str | None = None,
    ) -> TTS:
        """Volcano Engine (ByteDance) one-way streaming TTS, API v3.

        ``speaker`` must suit ``resource_id`` (seed-tts-2.0 needs a 2.0 voice such
        as ``zh_female_vv_uranus_bigtts``). Rates are -50..100 (100 = 2x, -50 = 0.5x).
        """
        return cls._bytedance("ByteDanceV3", appid, token, speaker, resource_id,
                              speech_rate, loudness_rate, url)  # fmt: skip

    @classmethod
    def bytedance_flowing(
        cls,
        appid: str,
        token: str,
        speaker: str,
        resource_id: str = "seed-tts-2.0",
        speech_rate: float | None = None,
        loudness_rate: float | None = None,
        url: str | None = None,
    ) -> TTS:
        """Volcano Engine two-way streaming TTS: same ``Params`` as :meth:`bytedance_v3`."""
        return cls._bytedance("ByteDanceFlowing", appid, token, speaker, resource_id,
                              speech_rate, loudness_rate, url)  # fmt: skip

    @classmethod
    def _bytedance(
        cls,
        vendor: str,
        appid: str,
        token: str,
        speaker: str,
        resource_id: str,
        speech_rate: float | None,
        loudness_rate: float | None,
        url: str | None,
    ) -> TTS:
        params = {
            "app": {"appid": appid, "token": token, "resource_id": resource_id},
            "req_params": {
                "speaker": speaker,
                "audio_params": {"speech_rate": speech_rate, "loudness_rate": loudness_rate},
            },
        }
        return cls(vendor=vendor, params=_compact(params), url=url)

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
        url: str | None = None,
    ) -> TTS:
        """MiniMax TTS. speed 0.5..2, vol (0, 10], pitch -12..12; :data:`MINIMAX_MODELS`
        lists the documented models. Outside mainland China, pass the international
        endpoint as ``url`` (the default is ``wss://api.minimaxi.com/ws/v1/t2a_v2``)."""
        params = {
            "app": {"api_key": api_key, "group_id": group_id},
            "model": model,
            "voice_setting": {"voice_id": voice_id, "speed": speed, "vol": vol, "pitch": pitch},
        }
        return cls(vendor="MiniMax", params=_compact(params), url=url)

    @classmethod
    def bytedance_legacy(
        cls,
        appid: str,
        token: str,
        voice_type: str,
        cluster: str = "volcano_tts",
        speed_ratio: float | None = None,
        loudness_ratio: float | None = None,
        url: str | None = None,
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
        return cls(vendor="ByteDance", params=_compact(params), url=url)

    @classmethod
    def trial(cls, vendor: str = "ByteDanceV3") -> TTS:
        """A trial voice: ``"zego_test"`` credentials and a default voice for ``vendor``.

        The values are :data:`TTS_TRIAL_ARGS`, which the TTS form starts from too.
        """
        check_tts_vendor(vendor)
        trial: TTS = TTS_BUILDERS[vendor](**TTS_TRIAL_ARGS[vendor])
        return trial.validate()

    def validate(self) -> TTS:
        rule = _TTS_RULES[check_tts_vendor(self.vendor)]
        if not isinstance(self.params, dict):
            raise ValidationError("TTS.Params", _("must be an object with an 'app' entry"))
        app = self.params.get("app")
        if not isinstance(app, dict):
            raise ValidationError(
                "TTS.Params.app",
                _("is missing; {vendor} needs app {keys} (use a TTS builder such as TTS.trial())")
                .format(vendor=self.vendor, keys="{" + ", ".join(rule.credentials) + "}"),
            )
        for name in rule.credentials:
            _check_non_empty(
                f"TTS.Params.app.{name}", app.get(name), _("('zego_test' in the trial)")
            )
        for path in rule.required:
            _check_non_empty(f"TTS.Params.{path}", _get_path(self.params, path))
        for param_range in rule.ranges:
            value = _get_path(self.params, param_range.path)
            if value is not None:
                _check_param_range(self.vendor, param_range, value)
        if self.url is not None:
            check_url("TTS.Url", self.url, TTS_URL_SCHEMES)
        self._validate_text_filters()
        return self

    def unknown_key_hints(self) -> Iterator[tuple[str, str]]:
        """Likely typos at the top level and inside this vendor's ``Params`` (``voice_setings``)."""
        yield from super().unknown_key_hints()
        rule = _TTS_RULES.get(self.vendor) if isinstance(self.vendor, str) else None
        if rule is not None:
            yield from close_key_matches(self.params, _known_params_tree(rule), "Params.")

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
                    _("must be 1 to {limit} character(s) for {vendor}; got {value}").format(
                        limit=limit, vendor=self.vendor, value=shown(text)
                    ),
                )
        if self.character_filter is not None:
            if not isinstance(self.character_filter, list):
                raise ValidationError("TTS.CharacterFilter", _("must be a list of short strings"))
            for i, item in enumerate(self.character_filter):
                if not isinstance(item, str) or not 1 <= len(item) <= MAX_CHARACTER_FILTER_CHARS:
                    raise ValidationError(
                        f"TTS.CharacterFilter[{i}]",
                        _("must be 1 to {limit} characters; got {value}").format(
                            limit=MAX_CHARACTER_FILTER_CHARS, value=shown(item)
                        ),
                    )
        if self.filter_text is not None:
            if not isinstance(self.filter_text, list):
                raise ValidationError(
                    "TTS.FilterText", _("must be a list of {BeginCharacters, EndCharacters}")
                )
            for i, pair in enumerate(self.filter_text):
                for key in ("BeginCharacters", "EndCharacters"):
                    value = pair.get(key) if isinstance(pair, dict) else None
                    if not isinstance(value, str) or not value:
                        raise ValidationError(
                            f"TTS.FilterText[{i}].{key}",
                            _("must be a non-empty string, e.g. {example}").format(example="'('"),
                        )



#: One builder per vendor, by ``Vendor`` name.
TTS_BUILDERS: dict[str, Callable[..., TTS]] = {
    "ByteDanceV3": TTS.bytedance_v3,
    "ByteDanceFlowing": TTS.bytedance_flowing,
    "MiniMax": TTS.minimax,
    "CosyVoice": TTS.cosyvoice,
    "Aliyun": TTS.aliyun,
    "ByteDance": TTS.bytedance_legacy,
}
