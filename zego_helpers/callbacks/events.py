"""One ZEGO callback, parsed leniently, and a one-line explanation of it.

ZEGO POSTs a JSON object like this to your callback URL (reference §6.2)::

    {"AppId": 1234567, "Event": "Exception", "AgentInstanceId": "1912...",
     "AgentUserId": "agent_1", "AgentId": "tutorial_agent", "Name": "Tutor",
     "RoomId": "room_1", "Sequence": 1745502313000123, "Timestamp": 1745502313000,
     "Nonce": "7450231", "Signature": "5bd5...", "Data": {"Code": 2203, "Message": "...",
     "Round": 1}}

ZEGO warns that it may add fields and event names at any time, so the parser
here never rejects an event for what it does not know: unknown events keep
their name, unknown fields stay in ``data`` and ``raw``, and a field of the
wrong type becomes ``None`` instead of an exception. The ``Signature`` is
dropped while parsing, so it can never end up in a log or a notebook.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..codes import describe_exception_code
from ..i18n import N_, _

#: The events the reference documents (§6.3). Others are still accepted.
KNOWN_EVENTS = (
    "ASRResult",
    "LLMResult",
    "Exception",
    "Interrupted",
    "UserSpeakAction",
    "AgentInstanceStatus",
    "UserAudioData",
    "AgentInstanceCreated",
    "AgentInstanceDeleted",
    "AgentInstanceMetaInfo",
    "AgentSpeakAction",  # deprecated, replaced by AgentInstanceStatus; still seen in examples
)

#: ``Interrupted.Data.Reason``: what cut the agent off.
INTERRUPT_REASONS = {
    1: N_("the user spoke"),
    2: N_("a SendAgentInstanceLLM call"),
    3: N_("a SendAgentInstanceTTS call"),
    4: N_("an InterruptAgentInstance call"),
}

#: Fields that must never be kept: the signature proves nothing once stored,
#: and a stored copy could be replayed.
_DROPPED_FIELDS = frozenset({"Signature"})


@dataclass(frozen=True)
class CallbackEvent:
    """One callback from ZEGO, with the envelope fields pulled out and typed.

    ``data`` is the event's ``Data`` object (always a dict), ``raw`` the whole
    body minus the ``Signature``. ``received_at`` is when this process got it
    (Unix seconds); ``timestamp_ms`` is when ZEGO sent it (Unix milliseconds).
    ``verified_by`` names the secret whose signature matched
    (``"callback_secret"`` or ``"server_secret"``), or ``None`` when the event
    was built without a check (in a test, say).
    """

    app_id: int | None
    event: str
    agent_instance_id: str
    agent_user_id: str
    agent_id: str
    name: str
    room_id: str
    sequence: int | None
    timestamp_ms: int | None
    data: dict[str, Any] = field(hash=False)
    nonce: str
    received_at: float
    raw: dict[str, Any] = field(hash=False, repr=False)
    verified_by: str | None = None

    @property
    def round(self) -> int | None:
        """The conversation round (``Data.Round``) this event belongs to, if any."""
        return _as_int(self.data.get("Round"))

    @property
    def code(self) -> int | None:
        """``Data.Code`` of ``Exception`` and ``AgentInstanceDeleted`` events."""
        return _as_int(self.data.get("Code"))

    @property
    def dedup_key(self) -> tuple | None:
        """What identifies this event across ZEGO's retries (reference §6.5).

        ``(AgentInstanceId, Event, Sequence)`` when there is a Sequence, else
        the Nonce, else ``None`` (such an event can't be recognised again).
        """
        if self.sequence is not None:
            return ("seq", self.agent_instance_id, self.event, self.sequence)
        if self.nonce:
            return ("nonce", self.nonce)
        return None

    @property
    def sent_at(self) -> float:
        """When the event happened, in Unix seconds: ZEGO's Timestamp, else our receive time."""
        if self.timestamp_ms is None:
            return self.received_at
        # A 10-digit value is seconds (the generic docs' example), 13 digits milliseconds.
        return self.timestamp_ms / 1000 if self.timestamp_ms > 10**11 else float(self.timestamp_ms)


@dataclass(frozen=True)
class Latency:
    """``AgentInstanceDeleted.Data.LatencyData``: session averages of where the time went."""

    llm_ttft_ms: float | None  # LLMTTFT: LLM time to first token
    llm_tokens_per_s: float | None  # LLMTPS: LLM output speed
    tts_first_frame_ms: float | None  # TTSAudioFirstFrameTime: TTS time to first audio
    total_ms: float | None  # TotalCost: the whole response time


def parse_callback(
    body: Mapping[str, Any],
    *,
    received_at: float | None = None,
    verified_by: str | None = None,
) -> CallbackEvent:
    """Turn a decoded callback body into a :class:`CallbackEvent`; never raises on content.

    Missing or mistyped fields become ``""`` / ``None``; ``Data`` that arrives
    as a JSON string is decoded; anything else that is not an object is kept
    under ``data["value"]``.
    """
    raw = {k: v for k, v in body.items() if k not in _DROPPED_FIELDS}
    return CallbackEvent(
        app_id=_as_int(raw.get("AppId")),
        event=_as_str(raw.get("Event")),
        agent_instance_id=_as_str(raw.get("AgentInstanceId")),
        agent_user_id=_as_str(raw.get("AgentUserId")),
        agent_id=_as_str(raw.get("AgentId")),
        name=_as_str(raw.get("Name")),
        room_id=_as_str(raw.get("RoomId")),
        sequence=_as_int(raw.get("Sequence")),
        timestamp_ms=_as_int(raw.get("Timestamp")),
        data=_as_data(raw.get("Data")),
        nonce=_as_str(raw.get("Nonce")),
        received_at=time.time() if received_at is None else received_at,
        raw=raw,
        verified_by=verified_by,
    )


def latency_of(event: CallbackEvent) -> Latency | None:
    """The LatencyData of an ``AgentInstanceDeleted`` event, or ``None`` if it has none."""
    data = event.data.get("LatencyData")
    if not isinstance(data, Mapping):
        return None
    return Latency(
        llm_ttft_ms=_as_float(data.get("LLMTTFT")),
        llm_tokens_per_s=_as_float(data.get("LLMTPS")),
        tts_first_frame_ms=_as_float(data.get("TTSAudioFirstFrameTime")),
        total_ms=_as_float(data.get("TotalCost")),
    )


def short_meaning(event: CallbackEvent, width: int = 80, *, with_latency: bool = True) -> str:
    """Say in a few words what the event means, e.g. ``Exception 2203: LLM authentication failed``.

    Text the agent or user said is quoted and cut to ``width`` characters;
    ``with_latency=False`` leaves the measured response time out of an
    ``AgentInstanceDeleted`` (so the line reads the same on every run). The
    words are in the learner's language; event names, codes and what ZEGO sent
    (``Message``, ``Text``) are shown as they are.
    """
    d = event.data
    kind = event.event
    if kind == "Exception":
        code = event.code
        info = describe_exception_code(code if code is not None else -1)
        text = _("Exception {code}: {meaning}").format(
            code=code if code is not None else "?", meaning=info.meaning
        )
        message = _as_str(d.get("Message"))
        return text + (_(" ({message})").format(message=_clip(message, width)) if message else "")
    if kind == "AgentInstanceStatus":
        status = _as_str(d.get("Status")) or "?"
        return _("Status {status}").format(status=status) + _round_suffix(event)
    if kind == "AgentSpeakAction":
        action = _as_str(d.get("Action")) or _as_str(d.get("Status")) or "?"
        return _("Agent speak action {action}{round} (deprecated event name)").format(
            action=action, round=_round_suffix(event)
        )
    if kind == "LLMResult":
        return _("LLM said: {text}").format(text=_quote(d.get("Text"), width))
    if kind == "ASRResult":
        return _("User said: {text}").format(text=_quote(d.get("Text"), width))
    if kind == "Interrupted":
        return _interrupted_meaning(d, width)
    if kind == "UserSpeakAction":
        action = _as_str(d.get("Action"))
        who = _as_str(d.get("UserId")) or _("user")
        if action == "SPEAK_BEGIN":
            return _("{who} started speaking").format(who=who)
        if action == "SPEAK_END":
            return _("{who} stopped speaking").format(who=who)
        return f"{who}: {action or '?'}"
    if kind == "UserAudioData":
        return _audio_meaning(d)
    if kind == "AgentInstanceCreated":
        return _("Agent joined the room and is publishing its stream")
    if kind == "AgentInstanceDeleted":
        return _deleted_meaning(event, with_latency)
    if kind == "AgentInstanceMetaInfo":
        meta = d.get("MetaInfo")
        keys = ", ".join(sorted(map(str, meta))) if isinstance(meta, Mapping) else ""
        if keys:
            return _("LLM meta info: {keys}").format(keys=_clip(keys, width))
        return _("LLM meta info")
    keys = ", ".join(sorted(map(str, d)))
    name = kind or _("(no Event field)")
    text = _("{name}: not a documented event; Data fields: {keys}").format(
        name=name, keys=keys or _("none")
    )
    return _clip(text, width + 40)


def _interrupted_meaning(d: Mapping[str, Any], width: int) -> str:
    reason = _as_int(d.get("Reason"))
    if reason is None:
        why = "?"
    elif reason in INTERRUPT_REASONS:
        why = _(INTERRUPT_REASONS[reason])
    else:
        why = _("reason {reason}").format(reason=reason)
    played = _as_str(d.get("PlayedText"))
    if played:
        return _("Interrupted: {why}; had said {text}").format(why=why, text=_quote(played, width))
    return _("Interrupted: {why}").format(why=why)


def format_line(event: CallbackEvent) -> str:
    """One readable line per event, for a terminal or ``print`` (never contains a secret)."""
    when = datetime.fromtimestamp(event.sent_at).strftime("%H:%M:%S.%f")[:-3]
    instance = event.agent_instance_id or "-"
    rnd = f"r{event.round}" if event.round is not None else "-"
    via = f"  [{event.verified_by}]" if event.verified_by else ""
    return f"{when}  {event.event or '?':<22} {instance:<20} {rnd:>4}  {short_meaning(event)}{via}"


# --- small lenient converters -------------------------------------------------------------


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _as_data(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            return decoded
    return {"value": value}


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _quote(value: Any, width: int) -> str:
    return f'"{_clip(_as_str(value), width)}"'


def _round_suffix(event: CallbackEvent) -> str:
    return _(" (round {round})").format(round=event.round) if event.round is not None else ""


def _audio_meaning(d: Mapping[str, Any]) -> str:
    rate = _as_int(d.get("SampleRate")) or 16000
    audio = d.get("Audio")
    fmt = _as_str(d.get("Format")) or "audio"
    if isinstance(audio, str) and audio:
        pcm_bytes = len(audio) * 3 // 4  # base64 -> bytes, 16-bit mono samples
        return _("User audio: {seconds} s of {format} at {rate} Hz").format(
            seconds=f"{pcm_bytes / (2 * rate):.1f}", format=fmt, rate=rate
        )
    return _("User audio ({format}, no samples)").format(format=fmt)


def _deleted_meaning(event: CallbackEvent, with_latency: bool) -> str:
    code = event.code
    if code in (None, 0):
        text = _("Deleted through the API")
    else:
        text = _("Destroyed: {code} {meaning}").format(
            code=code, meaning=describe_exception_code(code).meaning
        )
    lat = latency_of(event) if with_latency else None
    if lat is not None and lat.total_ms:  # 0 ms: the agent never answered, nothing measured
        text += _("; average response {milliseconds} ms").format(milliseconds=f"{lat.total_ms:.0f}")
    return text
