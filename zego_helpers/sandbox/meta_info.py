"""MetaInfo: the JSON the agent's text carries between two markers, sent as a callback.

With ``AdvancedConfig.LLMMetaInfo`` set (say ``{"BeginCharacters": "[[",
"EndCharacters": "]]", "SendMetaKeys": ["action"]}``), a text the agent speaks,
from the LLM or from SendAgentInstanceTTS, may hold ``[[{"action": "wave"}]]``.
ZEGO does not speak it; it sends the keys listed in ``SendMetaKeys`` as an
``AgentInstanceMetaInfo`` callback ``{"Round": ..., "MetaInfo": {...}}`` (and as
room message Cmd 102) when the voice reaches that point. Sources:
https://www.zegocloud.com/docs/aiagent-server/advanced/get-meta-info-while-ai-is-speaking
and the callback's Data in
https://www.zegocloud.com/docs/aiagent-server/callbacks/receiving-callback.

The guide's limits, as the sandbox applies them:

* the MetaInfo "must be a string in JSON object format"; anything else between
  the markers is not MetaInfo (and is spoken);
* "only keys and values within this range (SendMetaKeys) will be sent": no
  ``SendMetaKeys``, nothing sent;
* only MiniMax and ByteDance (one-way streaming: ``ByteDance``, ``ByteDanceV3``)
  TTS can time it; with another vendor the sandbox sends nothing and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .strict_json import StrictJSONError, loads_strict

#: TTS vendors that can align MetaInfo with the voice (the guide's warning).
META_INFO_TTS_VENDORS = frozenset({"MiniMax", "ByteDance", "ByteDanceV3"})


@dataclass
class MetaInfoResult:
    """The MetaInfo objects a text holds that ZEGO would send, and notes on what it would not."""

    meta: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def extract_meta_info(text: str, config: Any, tts_vendor: str | None) -> MetaInfoResult:
    """The MetaInfo objects in ``text`` to send as callbacks, per ``LLMMetaInfo`` ``config``."""
    result = MetaInfoResult()
    if not isinstance(config, dict):
        return result
    begin, end = config.get("BeginCharacters"), config.get("EndCharacters")
    if not isinstance(begin, str) or not isinstance(end, str) or not begin or not end:
        return result
    found = _between(text, begin, end)
    if not found:
        return result
    keys = config.get("SendMetaKeys")
    if tts_vendor not in META_INFO_TTS_VENDORS:
        result.notes.append(
            f"MetaInfo found, but TTS vendor {tts_vendor!r} cannot align it with the voice: "
            "ZEGO supports it with MiniMax and ByteDance (one-way streaming) only, so no "
            "AgentInstanceMetaInfo was sent"
        )
        return result
    if not isinstance(keys, list) or not keys:
        result.notes.append(
            "MetaInfo found, but AdvancedConfig.LLMMetaInfo.SendMetaKeys is empty: ZEGO "
            "sends only the keys listed there, so no AgentInstanceMetaInfo was sent"
        )
        return result
    for meta in found:
        kept = {key: value for key, value in meta.items() if key in keys}
        if kept:
            result.meta.append(kept)
    return result


def _between(text: str, begin: str, end: str) -> list[dict[str, Any]]:
    """The JSON objects found between ``begin`` and ``end`` markers, in order."""
    found, rest = [], text
    while True:
        start = rest.find(begin)
        stop = rest.find(end, start + len(begin)) if start >= 0 else -1
        if start < 0 or stop < 0:
            return found
        try:  # text an LLM wrote: strict JSON, no NaN, no absurd nesting
            value = loads_strict(rest[start + len(begin) : stop])
        except StrictJSONError:
            value = None
        if isinstance(value, dict):
            found.append(value)
        rest = rest[stop + len(end) :]
