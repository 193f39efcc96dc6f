"""ASR: speech recognition, a vendor (Tencent by default) and vendor ``Params`` passed through.

Rules: https://www.zegocloud.com/docs/aiagent-server/guides/configuring-asr and
the hot-word guide https://www.zegocloud.com/docs/aiagent-server/guides/configuring-asr-hot-word
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import ValidationError
from ..validation import check_choice, shown
from .base import ApiModel, _check_non_empty, _check_optional_type, api_field

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
        if not sep or not word or not (weight.isascii() and weight.isdigit()):
            raise ValidationError(field_name, f"item {shown(item)} must look like 'word|weight'")
        if len(word) > MAX_HOT_WORD_CHARS or any(ch.isspace() for ch in word):
            raise ValidationError(
                field_name,
                f"word {shown(word)} must have no spaces and at most "
                f"{MAX_HOT_WORD_CHARS} characters",
            )
        low, high = HOT_WORD_WEIGHT_RANGE
        if not low <= int(weight) <= high:
            raise ValidationError(
                field_name, f"weight of {shown(word)} is {weight}; it must be {low}..{high}"
            )

