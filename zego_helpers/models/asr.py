"""ASR: speech recognition, one of ZEGO's six vendors and that vendor's ``Params``.

Every rule here comes from the ASR guide,
https://www.zegocloud.com/docs/aiagent-server/guides/configuring-asr
(Chinese: https://doc-zh.zego.im/aiagent-server/guides/configuring-asr), which
lists exactly six vendors and, per vendor, where the language and the hot
words go. Tencent is on for every project; ask ZEGO's sales to enable the
others. One builder per vendor writes the ``Params`` shape for you::

    ASR.tencent("16k_en", hot_words={"ZEGOCLOUD": 10})
    ASR.tencent("16k_multi_lang")          # 15 languages, recognised automatically
    ASR.aliyun_paraformer(["zh", "en"])    # language hints; no hot words
    ASR.aliyun_funasr("en")                # FunASR reads only one language hint
    ASR.aliyun_qwen("ja")
    ASR.volc_seed(boosting_table_id="my_table")   # language cannot be set
    ASR.microsoft("en-US", phrase_list=["ZEGOCLOUD", "Jupyter"])

**Several languages in one call?** Tencent: ``16k_zh_en`` (Chinese, English,
Cantonese and nine dialects) or ``16k_multi_lang`` (15 languages, detected per
sentence). Paraformer: leave the hints out (or give several) and the model
detects the language. FunASR and Qwen: leave the language out. VolcSeedASR
always detects it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..docs import doc_page, warn_docs
from ..errors import ValidationError
from ..i18n import _
from ..validation import check_choice, shown
from .base import ApiModel, _check_non_empty, _check_optional_type, _get_path, api_field

ASR_DOC_URL = doc_page("guides/configuring-asr")
ASR_DOC_URL_ZH = doc_page("guides/configuring-asr", chinese=True)

#: The six vendors of the guide's "ASR Parameters" table (and the API schema's enum,
#: https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-configuration-management/register-agent).
ASR_VENDORS = (
    "Tencent", "AliyunParaformer", "AliyunFunASR", "AliyunQwenASR", "VolcSeedASR", "Microsoft",
)  # fmt: skip
#: Tencent hot words: "hotword|weight", weight 1-11 (11 = a "super" hot word, use sparingly),
#: at most 128 per list, no spaces, at most 30 characters "(up to 10 Chinese characters)".
HOT_WORD_WEIGHT_RANGE = (1, 11)
MAX_HOT_WORDS = 128
MAX_HOT_WORD_CHARS = 30
MAX_HOT_WORD_CHINESE_CHARS = 10

#: Tencent ``engine_model_type`` values the guide lists (default ``16k_zh``).
TENCENT_ENGINES = (
    "16k_zh", "16k_zh_en", "16k_zh_large", "16k_multi_lang", "16k_en_large", "16k_zh-TW",
    "16k_zh_edu", "16k_zh_medical", "16k_zh_court", "16k_yue", "16k_en", "16k_en_game",
    "16k_en_edu", "16k_ko", "16k_ja", "16k_th", "16k_id", "16k_vi", "16k_ms", "16k_fil",
    "16k_pt", "16k_tr", "16k_ar", "16k_es", "16k_hi", "16k_fr", "16k_de",
    "8k_zh", "8k_en", "8k_zh_large",
)  # fmt: skip
#: Language codes per vendor, as the guide lists them.
PARAFORMER_LANGUAGES = ("zh", "en", "ja", "yue", "ko", "de", "fr", "ru")
FUNASR_LANGUAGES = ("zh", "en", "ja")
QWEN_ASR_LANGUAGES = (
    "zh", "yue", "en", "ja", "de", "ko", "ru", "fr", "pt", "ar", "it", "es", "hi", "id", "th",
    "tr", "uk", "vi", "cs", "da", "fil", "fi", "is", "ms", "no", "pl", "sv",
)  # fmt: skip
#: The models the guide's examples use.
PARAFORMER_DEFAULT_MODEL = "paraformer-realtime-v2"
FUNASR_DEFAULT_MODEL = "fun-asr-realtime"
#: "Microsoft currently only supports setting the phrase_list and language parameters."
MICROSOFT_PARAMS = ("language", "phrase_list")

#: Where each vendor takes its language inside ``Params`` (``None``: it cannot be set).
ASR_LANGUAGE_PATHS: dict[str, str | None] = {
    "Tencent": "engine_model_type",
    "AliyunParaformer": "payload.parameters.language_hints",
    "AliyunFunASR": "payload.parameters.language_hints",
    "AliyunQwenASR": "session.input_audio_transcription.language",
    "VolcSeedASR": None,  # "two-pass recognition: language cannot be specified"
    "Microsoft": "language",
}
#: Where each vendor takes its hot words (``None``: the guide documents none).
ASR_HOT_WORD_PATHS: dict[str, str | None] = {
    "Tencent": "hotword_list",
    "AliyunParaformer": None,  # "setting hot words for Paraformer is not supported"
    "AliyunFunASR": None,
    "AliyunQwenASR": None,
    "VolcSeedASR": "corpus.boosting_table_id",
    "Microsoft": "phrase_list",
}


def _nest(path: str, value: Any) -> dict[str, Any]:
    """``_nest("a.b", 1)`` -> ``{"a": {"b": 1}}``."""
    keys = path.split(".")
    node: dict[str, Any] = {keys[-1]: value}
    for key in reversed(keys[:-1]):
        node = {key: node}
    return node


@dataclass(repr=False)
class ASR(ApiModel):
    """Speech recognition: ``vendor`` (default Tencent) and vendor ``params``.

    Prefer the builders (:meth:`tencent`, :meth:`aliyun_paraformer`,
    :meth:`aliyun_funasr`, :meth:`aliyun_qwen`, :meth:`volc_seed`,
    :meth:`microsoft`); :data:`ASR_BUILDERS` maps each vendor to its builder.
    """

    API_NAME: ClassVar[str] = "ASR"

    vendor: str | None = api_field("Vendor", default="Tencent")
    params: dict[str, Any] | None = api_field("Params")

    @classmethod
    def tencent(cls, language: str = "16k_zh", hot_words: Mapping[str, int] | None = None) -> ASR:
        """Tencent ASR (on by default). ``language`` is the engine: ``16k_zh`` (default),
        ``16k_en``, ``16k_zh_en`` (Chinese + English + Cantonese + 9 dialects) or
        ``16k_multi_lang`` (15 languages, detected automatically); see :data:`TENCENT_ENGINES`.

        ``hot_words`` maps a word (no spaces; at most 30 characters, 10 of them Chinese)
        to a weight 1..11, e.g. ``{"ZEGOCLOUD": 10}``; at most 128 words.
        """
        params: dict[str, Any] = {"engine_model_type": language}
        if hot_words:
            params["hotword_list"] = ",".join(f"{w}|{weight}" for w, weight in hot_words.items())
        return cls(vendor="Tencent", params=params)

    @classmethod
    def aliyun_paraformer(
        cls, language_hints: Sequence[str] | None = None, model: str = PARAFORMER_DEFAULT_MODEL
    ) -> ASR:
        """Aliyun Paraformer. ``language_hints`` such as ``["zh", "en"]``; leave them out and
        the model detects the language. ZEGO supports no hot words for Paraformer."""
        parameters = {"language_hints": list(language_hints)} if language_hints else {}
        payload: dict[str, Any] = {"model": model, "parameters": parameters}
        return cls(vendor="AliyunParaformer", params={"payload": payload})

    @classmethod
    def aliyun_funasr(cls, language: str | None = None, model: str = FUNASR_DEFAULT_MODEL) -> ASR:
        """Aliyun Fun-ASR (Chinese and dialects first; ``zh``, ``en``, ``ja``). One language:
        ZEGO reads only the first language hint. Leave it out to detect the language."""
        parameters = {"language_hints": [language]} if language else {}
        payload: dict[str, Any] = {"model": model, "parameters": parameters}
        return cls(vendor="AliyunFunASR", params={"payload": payload})

    @classmethod
    def aliyun_qwen(cls, language: str | None = None) -> ASR:
        """Aliyun Qwen ASR; ``language`` such as ``"zh"`` or ``"en"`` (27 codes, see
        :data:`QWEN_ASR_LANGUAGES`). Leave it out to detect the language."""
        if not language:
            return cls(vendor="AliyunQwenASR")
        params = _nest("session.input_audio_transcription.language", language)
        return cls(vendor="AliyunQwenASR", params=params)

    @classmethod
    def volc_seed(cls, boosting_table_id: str | None = None) -> ASR:
        """Volcano Engine Seed ASR. The language cannot be set (it recognises in two passes);
        hot words are a table you make on Volcano Engine's platform: its id goes here."""
        if not boosting_table_id:
            return cls(vendor="VolcSeedASR")
        params = _nest("corpus.boosting_table_id", boosting_table_id)
        return cls(vendor="VolcSeedASR", params=params)

    @classmethod
    def microsoft(cls, language: str = "en-US", phrase_list: Sequence[str] | None = None) -> ASR:
        """Microsoft ASR: a locale such as ``"en-US"`` or ``"zh-CN"``, and phrases that
        should be recognised more readily (ZEGO passes only these two parameters on)."""
        params: dict[str, Any] = {"language": language}
        if phrase_list:
            params["phrase_list"] = list(phrase_list)
        return cls(vendor="Microsoft", params=params)

    def validate(self) -> ASR:
        if self.vendor is not None:
            check_choice("ASR.Vendor", self.vendor, ASR_VENDORS)
        _check_optional_type("ASR.Params", self.params, dict, _("an object (dict)"))
        params = self.params or {}
        check = _VENDOR_CHECKS.get(self.vendor or "Tencent")
        if check is not None:
            check(params)
        return self


# --- per-vendor checks (all from the ASR guide) ----------------------------------------------


def _check_tencent(params: Mapping[str, Any]) -> None:
    if "engine_model_type" in params:
        engine = params["engine_model_type"]
        _check_non_empty("ASR.Params.engine_model_type", engine)
        if engine not in TENCENT_ENGINES:
            warn_docs(
                "ASR.Params.engine_model_type",
                _(
                    "{value} is not an engine the ASR guide lists (e.g. {examples}); "
                    "it is sent as is"
                ).format(value=shown(engine), examples="16k_zh, 16k_en, 16k_zh_en, 16k_multi_lang"),
                ASR_DOC_URL,
            )
    if "hotword_list" in params:
        _check_hotword_list("ASR.Params.hotword_list", params["hotword_list"])


def _check_language_hints(vendor: str, params: Mapping[str, Any], known: Sequence[str]) -> None:
    field = "ASR.Params.payload.parameters.language_hints"
    hints = _get_path(params, "payload.parameters.language_hints")
    if hints is None:
        return
    if not isinstance(hints, list) or not all(isinstance(h, str) and h for h in hints):
        raise ValidationError(
            field,
            _("must be a list of language codes such as {example}").format(example='["zh", "en"]'),
        )
    if vendor == "AliyunFunASR" and len(hints) > 1:
        warn_docs(
            field,
            _("FunASR reads only the first language hint ({first}); the others are ignored").format(
                first=repr(hints[0])
            ),
            ASR_DOC_URL,
        )
    _warn_unknown_languages(field, hints, known)


def _warn_unknown_languages(field: str, codes: Sequence[str], known: Sequence[str]) -> None:
    unknown = [code for code in codes if code not in known]
    if unknown:
        warn_docs(
            field,
            _("{codes} is not among the codes the ASR guide lists ({known}); sent as is").format(
                codes=", ".join(map(repr, unknown)), known=", ".join(known)
            ),
            ASR_DOC_URL,
        )


def _check_paraformer(params: Mapping[str, Any]) -> None:
    _check_language_hints("AliyunParaformer", params, PARAFORMER_LANGUAGES)


def _check_funasr(params: Mapping[str, Any]) -> None:
    _check_language_hints("AliyunFunASR", params, FUNASR_LANGUAGES)


def _check_qwen(params: Mapping[str, Any]) -> None:
    field = "ASR.Params.session.input_audio_transcription.language"
    language = _get_path(params, "session.input_audio_transcription.language")
    if language is not None:
        example = _("e.g. {first} or {second}").format(first="'zh'", second="'en'")
        _check_non_empty(field, language, example)
        _warn_unknown_languages(field, [language], QWEN_ASR_LANGUAGES)


def _check_volc_seed(params: Mapping[str, Any]) -> None:
    table = _get_path(params, "corpus.boosting_table_id")
    if table is not None:
        _check_non_empty("ASR.Params.corpus.boosting_table_id", table)


def _check_microsoft(params: Mapping[str, Any]) -> None:
    if "language" in params:
        example = _("e.g. {example}").format(example="'en-US'")
        _check_non_empty("ASR.Params.language", params["language"], example)
    phrases = params.get("phrase_list")
    if phrases is not None and not (
        isinstance(phrases, list) and all(isinstance(p, str) and p for p in phrases)
    ):
        raise ValidationError(
            "ASR.Params.phrase_list",
            _("must be a list of phrases, e.g. {example}").format(example='["zego"]'),
        )
    others = sorted(set(params) - set(MICROSOFT_PARAMS))
    if others:
        warn_docs(
            "ASR.Params",
            _(
                "Microsoft only supports phrase_list and language; {others} will have no effect"
            ).format(others=", ".join(others)),
            ASR_DOC_URL,
        )


_VENDOR_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "Tencent": _check_tencent,
    "AliyunParaformer": _check_paraformer,
    "AliyunFunASR": _check_funasr,
    "AliyunQwenASR": _check_qwen,
    "VolcSeedASR": _check_volc_seed,
    "Microsoft": _check_microsoft,
}


def _is_chinese(character: str) -> bool:
    """A CJK ideograph: what the guide means by "汉字", a Chinese character."""
    return unicodedata.name(character, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEO"))


def hot_word_size(word: str) -> int:
    """Tencent's length of a hot word: a Chinese character counts as 3, anything else as 1.

    The guide says "at most 30 characters (up to 10 Chinese characters)"; counting
    each Chinese character as three keeps both limits in one number.
    """
    return sum(3 if _is_chinese(ch) else 1 for ch in word)


def _hot_words(value: str) -> Iterator[tuple[str, str]]:
    for item in (item.strip() for item in value.split(",")):
        word, sep, weight = item.partition("|")
        if not sep or not word or not (weight.isascii() and weight.isdigit()):
            raise ValidationError(
                "ASR.Params.hotword_list",
                _("item {item} must look like 'word|weight'").format(item=shown(item)),
            )
        yield word, weight


def _check_hotword_list(field_name: str, value: Any) -> None:
    """Tencent's temporary hot words: ``"word|weight,word|weight"``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            field_name, _("must be a string like {example}").format(example="'ZEGOCLOUD|10,ASR|11'")
        )
    items = value.split(",")
    if len(items) > MAX_HOT_WORDS:
        raise ValidationError(
            field_name,
            _("has {count} words; the limit is {limit}").format(
                count=len(items), limit=MAX_HOT_WORDS
            ),
        )
    low, high = HOT_WORD_WEIGHT_RANGE
    for word, weight in _hot_words(value):
        if any(ch.isspace() for ch in word):
            raise ValidationError(
                field_name, _("word {word} must have no spaces").format(word=shown(word))
            )
        if hot_word_size(word) > MAX_HOT_WORD_CHARS:
            raise ValidationError(
                field_name,
                _(
                    "word {word} is too long: at most {limit} characters, of which at most "
                    "{chinese} Chinese (a Chinese character counts as 3; see {page})"
                ).format(
                    word=shown(word),
                    limit=MAX_HOT_WORD_CHARS,
                    chinese=MAX_HOT_WORD_CHINESE_CHARS,
                    page=ASR_DOC_URL_ZH,
                ),
            )
        if not low <= int(weight) <= high:
            raise ValidationError(
                field_name,
                _("weight of {word} is {weight}; it must be {low}..{high}").format(
                    word=shown(word), weight=weight, low=low, high=high
                ),
            )


#: One builder per vendor, by ``Vendor`` name.
ASR_BUILDERS: dict[str, Callable[..., ASR]] = {
    "Tencent": ASR.tencent,
    "AliyunParaformer": ASR.aliyun_paraformer,
    "AliyunFunASR": ASR.aliyun_funasr,
    "AliyunQwenASR": ASR.aliyun_qwen,
    "VolcSeedASR": ASR.volc_seed,
    "Microsoft": ASR.microsoft,
}
