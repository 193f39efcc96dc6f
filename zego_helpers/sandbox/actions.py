"""One function per action: read the JSON body, check it like ZEGO, apply it to the state.

Each function takes an :class:`ActionContext` and the parsed body and returns
the envelope's ``Data`` (or ``None``). The checks reuse
:mod:`zego_helpers.validation`, the same documented limits the client checks
before sending; any :class:`~zego_helpers.errors.ValidationError` raised here
becomes ZEGO's ``410000003`` ("invalid parameter") with the field named in
``Message``. Stateful rules (does the agent exist? is the limit reached?)
live in :mod:`zego_helpers.sandbox.state`.

Besides the 19 documented actions, the sandbox understands a few of its own,
all starting with ``Sandbox`` and signed like the others:

``SandboxSetUserPresence`` {RoomId, UserId, InRoom}
    Tell the sandbox that a user joined or left a room (the call widget does
    this). Drives LISTENING vs IDLE and the idle rule.
``SandboxUserSpeak`` {AgentInstanceId, Text}
    Pretend the user said ``Text`` into the microphone: ASRResult, an
    interruption, then an LLM answer, as in a voice call.
``SandboxConfigure`` {IdleRule, IdleTimeScale, CallbackUrl, CallbackSecret, LatencyMs,
FailureRate, InstanceLimit, RateLimitPerAction, SpeechMsPerChar}
    Change how the sandbox behaves while it runs (any subset).
``SandboxListInstances`` {Prefix?}
    Every live instance (ZEGO has no such action).
``SandboxGetEvents`` {AgentInstanceId?, SinceSequence?}
    Every event the sandbox generated, shaped like a callback body, so a
    notebook can show them without a callback receiver.
``SandboxInfo`` {}
    ``{Mode: "sandbox", Room, Version, AppId, Config, ...}``: lets a client tell
    that it talks to a sandbox, and ``Room: true`` that it is a workshop's room
    sandbox (``zego-kit sandbox``), whose limits are in ``Config``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from ..validation import (
    GRACEFUL_TIMEOUT_RANGE,
    LIST_AGENTS_LIMIT_RANGE,
    MAX_AGENT_NAME_BYTES,
    MAX_QUERY_AGENT_IDS,
    MAX_STREAM_EXTRA_INFO_BYTES,
    PRIORITIES,
    SAME_PRIORITY_OPTIONS,
    WINDOW_SIZE_RANGE,
    check_agent_id,
    check_choice,
    check_int_range,
    check_messages,
    check_non_empty_text,
    check_number_range,
    check_room_or_stream_id,
    check_trial_llm,
    check_tts_text,
    check_url,
    check_user_id,
)
from .config import RUNTIME_SETTINGS, SandboxConfig, settings_summary
from .envelope import SandboxError
from .state import (
    DIGITAL_HUMAN,
    LIVE_DIGITAL_HUMAN,
    VOICE,
    Agent,
    LLMJob,
    SandboxState,
)

SANDBOX_VERSION = "1.0"

LLM_VENDORS = ("OpenAIChat", "OpenAIResponses")
#: Current TTS vendors, plus the legacy ``ByteDance`` still used by ZEGO's own samples.
TTS_VENDORS = ("Aliyun", "CosyVoice", "ByteDanceV3", "ByteDanceFlowing", "MiniMax", "ByteDance")
ASR_VENDORS = (
    "Tencent",
    "AliyunParaformer",
    "AliyunFunASR",
    "AliyunQwenASR",
    "VolcSeedASR",
    "Microsoft",
)
CALLBACK_FLAGS = (
    "ASRResult",
    "LLMResult",
    "Interrupted",
    "UserSpeakAction",
    "AgentInstanceStatus",
    "UserAudioData",
)
#: A live digital human has no user: its CallbackConfig_Live has these two flags only
#: (https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-live-digital-human-agent-instance).
LIVE_CALLBACK_FLAGS = ("Interrupted", "AgentInstanceStatus")
#: The short-term-memory guide's WindowSize maximum (the schema allows 500).
WINDOW_SIZE_GUIDE_MAX = 100
UPDATE_AGENT_NAME_MAX_CHARS = 64
LIVE_MAX_IDLE_RANGE = (30, 86400)
VOICE_MAX_IDLE_RANGE = (10, 1800)


@dataclass
class ActionContext:
    """What an action may use: the state, the static config, the time, and a job list.

    An action that needs an LLM answer appends an :class:`LLMJob`; the server
    runs it after answering the request.
    """

    state: SandboxState
    config: SandboxConfig
    now: float
    jobs: list[LLMJob] = field(default_factory=list)

    def speech_seconds(self, text: str) -> float:
        """How long the agent takes to say ``text`` (simulated)."""
        per_char = self.state.settings["speech_ms_per_char"]
        return min(len(text) * per_char, self.config.speech_max_ms) / 1000

    def llm_deadline(self) -> float:
        """When a pending LLM turn is declared lost (the process died or the LLM hung)."""
        c = self.config
        return self.now + c.think_ms / 1000 + c.llm_connect_timeout + c.llm_request_timeout + 5


Action = Callable[[ActionContext, dict[str, Any]], "dict[str, Any] | None"]


# --- reading fields -----------------------------------------------------------------------


def _required(body: dict[str, Any], name: str, prefix: str = "") -> Any:
    value = body.get(name)
    if value is None:
        raise ValidationError(prefix + name, "is required")
    return value


def _string(body: dict[str, Any], name: str, prefix: str = "", required: bool = False):
    value = _required(body, name, prefix) if required else body.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationError(prefix + name, "must be a string")
    return value


def _bool(body: dict[str, Any], name: str, default: bool, prefix: str = "") -> bool:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError(prefix + name, "must be true or false")
    return value


def _int(
    body: dict[str, Any], name: str, default: int | None, low: int, high: int, prefix: str = ""
) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    return check_int_range(prefix + name, value, low, high)


def _object(body: dict[str, Any], name: str, prefix: str = "", required: bool = False):
    value = _required(body, name, prefix) if required else body.get(name)
    if value is not None and not isinstance(value, dict):
        raise ValidationError(prefix + name, "must be a JSON object")
    return value


def _choice(body: dict[str, Any], name: str, choices, default, prefix: str = ""):
    value = body.get(name)
    if value is None:
        return default
    return check_choice(prefix + name, value, choices)


def _instance_id(body: dict[str, Any]) -> str:
    return check_non_empty_text("AgentInstanceId", _string(body, "AgentInstanceId", required=True))


# --- parameter objects ----------------------------------------------------------------------


def check_llm(llm: Any, field: str = "LLM") -> dict[str, Any]:
    """Check an LLM object (§4.2); a ``zego_test`` key with a wrong URL/model gives 410001047."""
    if not isinstance(llm, dict):
        raise ValidationError(field, "must be a JSON object")
    p = field + "."
    check_url(p + "Url", _required(llm, "Url", p))
    check_non_empty_text(p + "ApiKey", _string(llm, "ApiKey", p, required=True))
    check_non_empty_text(p + "Model", _string(llm, "Model", p, required=True))
    _choice(llm, "Vendor", LLM_VENDORS, None, p)
    _string(llm, "SystemPrompt", p)
    if llm.get("Temperature") is not None:
        check_number_range(p + "Temperature", llm["Temperature"], 0, 2)
    if llm.get("TopP") is not None:
        check_number_range(p + "TopP", llm["TopP"], 0, 1)
    _object(llm, "Params", p)
    _bool(llm, "AddAgentInfo", False, p)
    _object(llm, "AgentExtraInfo", p)
    try:
        check_trial_llm(llm["Url"], llm["ApiKey"], llm["Model"], field)
    except ValidationError as error:
        raise SandboxError(410001047, str(error)) from None
    return llm


def check_tts(tts: Any, field: str = "TTS") -> dict[str, Any]:
    """Check a TTS object (§4.3): a known Vendor and ``Params.app`` credentials."""
    if not isinstance(tts, dict):
        raise ValidationError(field, "must be a JSON object")
    p = field + "."
    vendor = check_choice(p + "Vendor", _required(tts, "Vendor", p), TTS_VENDORS)
    params = _object(tts, "Params", p, required=True)
    _object(params, "app", p + "Params.", required=True)
    if tts.get("Url") is not None:
        check_url(p + "Url", tts["Url"], ("http", "https", "ws", "wss"))
    filters = tts.get("FilterText")
    if filters is not None:
        if not isinstance(filters, list):
            raise ValidationError(p + "FilterText", "must be a list of objects")
        for i, item in enumerate(filters):
            where = f"{p}FilterText[{i}]."
            if not isinstance(item, dict):
                raise ValidationError(where[:-1], "must be {BeginCharacters, EndCharacters}")
            _string(item, "BeginCharacters", where, required=True)
            _string(item, "EndCharacters", where, required=True)
    terminator = _string(tts, "TerminatorText", p)
    limit = 1 if vendor == "ByteDanceFlowing" else 4
    if terminator is not None and len(terminator) > limit:
        raise ValidationError(p + "TerminatorText", f"has more than {limit} characters")
    characters = tts.get("CharacterFilter")
    valid = isinstance(characters, list) and all(
        isinstance(c, str) and 0 < len(c) <= 2 for c in characters
    )
    if characters is not None and not valid:
        raise ValidationError(p + "CharacterFilter", "must be a list of 1-2 character strings")
    return tts


def check_asr(asr: Any, field: str = "ASR") -> dict[str, Any]:
    if not isinstance(asr, dict):
        raise ValidationError(field, "must be a JSON object")
    p = field + "."
    _choice(asr, "Vendor", ASR_VENDORS, None, p)
    _object(asr, "Params", p)
    _string(asr, "HotWord", p)
    _int(asr, "VADSilenceSegmentation", None, 200, 2000, p)
    return asr


def _check_vad(vad: Any) -> None:
    if not isinstance(vad, dict):
        raise ValidationError("VAD", "must be a JSON object")
    turn = _object(vad, "TurnDetectConfig", "VAD.") or {}
    _int(turn, "SilenceSegmentation", None, 200, 2000, "VAD.TurnDetectConfig.")
    _int(turn, "PauseInterval", None, 200, 2000, "VAD.TurnDetectConfig.")
    voice = _object(vad, "VoiceDetectConfig", "VAD.") or {}
    sensitive = _object(voice, "SensitiveConfig", "VAD.VoiceDetectConfig.") or {}
    p = "VAD.VoiceDetectConfig.SensitiveConfig."
    _int(sensitive, "Level", None, 0, 3, p)
    _int(sensitive, "MinSpeechDur", None, 0, 1000, p)
    if sensitive.get("EnergyThreshold") is not None:
        check_number_range(p + "EnergyThreshold", sensitive["EnergyThreshold"], 0, 1)


def _check_rtc(rtc: Any, *, with_user_stream: bool) -> dict[str, Any]:
    if not isinstance(rtc, dict):
        raise ValidationError("RTC", "must be a JSON object")
    check_room_or_stream_id("RTC.RoomId", rtc.get("RoomId"))
    check_room_or_stream_id("RTC.AgentStreamId", rtc.get("AgentStreamId"))
    check_user_id("RTC.AgentUserId", rtc.get("AgentUserId"))
    if with_user_stream:
        check_room_or_stream_id("RTC.UserStreamId", rtc.get("UserStreamId"))
    extra = _string(rtc, "StreamExtraInfo", "RTC.")
    if extra is not None and len(extra.encode()) > MAX_STREAM_EXTRA_INFO_BYTES:
        raise ValidationError(
            "RTC.StreamExtraInfo", f"is longer than {MAX_STREAM_EXTRA_INFO_BYTES} bytes"
        )
    return rtc


def _message_history(body: dict[str, Any], notes: list[str]) -> tuple[list[dict], int]:
    """(initial messages, WindowSize) from MessageHistory (§4.6)."""
    history = _object(body, "MessageHistory")
    no_zim = (
        "the sandbox has no ZIM (In-app Chat), so the context starts empty. Send "
        "MessageHistory {SyncMode: 1, Messages: [], WindowSize: 10} to not depend on ZIM"
    )
    if history is None:
        notes.append("MessageHistory omitted: ZEGO would load the context from ZIM; " + no_zim)
        return [], 20
    p = "MessageHistory."
    sync_mode = _choice(history, "SyncMode", (0, 1), 0, p)
    messages = check_messages(p + "Messages", history.get("Messages", []))
    window = _int(history, "WindowSize", 20, *WINDOW_SIZE_RANGE, p)
    zim = _object(history, "ZIM", p) or {}
    _string(zim, "RobotId", p + "ZIM.")
    _int(zim, "LoadMessageCount", None, 0, 500, p + "ZIM.")
    if window is not None and window > WINDOW_SIZE_GUIDE_MAX:
        notes.append(
            f"MessageHistory.WindowSize is {window}: accepted (the API schema allows up to "
            f"500), but ZEGO's short-term-memory guide says at most {WINDOW_SIZE_GUIDE_MAX}"
        )
    if sync_mode == 0:
        notes.append("MessageHistory.SyncMode is 0 (load from ZIM): " + no_zim)
        return [], window  # type: ignore[return-value]
    return messages, window  # type: ignore[return-value]


def _callback_config(body: dict[str, Any], notes: list[str], *, live: bool) -> dict[str, Any]:
    config = _object(body, "CallbackConfig") or {}
    flags = LIVE_CALLBACK_FLAGS if live else CALLBACK_FLAGS
    for flag in flags:
        _choice(config, flag, (0, 1), 0, "CallbackConfig.")
    _string(config, "HostTag", "CallbackConfig.")
    ignored = [flag for flag in CALLBACK_FLAGS if flag not in flags and config.get(flag)]
    if ignored:
        notes.append(
            f"CallbackConfig.{', '.join(ignored)}: not a callback of a live digital human "
            "(it offers Interrupted and AgentInstanceStatus only); ignored"
        )
    return {key: value for key, value in config.items() if key in (*flags, "HostTag")}


def _advanced_config(body: dict[str, Any], kind: str) -> dict[str, Any]:
    advanced = _object(body, "AdvancedConfig") or {}
    p = "AdvancedConfig."
    live = kind == LIVE_DIGITAL_HUMAN
    idle_range = LIVE_MAX_IDLE_RANGE if live else VOICE_MAX_IDLE_RANGE
    _int(advanced, "MaxIdleTime", None, *idle_range, p)
    if _bool(advanced, "DisableTTS", False, p) and kind != VOICE:
        # "When DisableTTS is true, the Create Digital Human Agent Instance [and Create A
        # Live Digital Human Agent Instance] interfaces will report errors" (AdvancedConfig
        # in both create pages); no code is named: the sandbox answers "invalid parameter".
        raise ValidationError(
            p + "DisableTTS",
            "must not be true when creating a digital human: it speaks through TTS",
        )
    _object(advanced, "TTSParamPaths", p)
    if not live:
        _choice(advanced, "InterruptMode", (0, 1), 0, p)
        _choice(advanced, "CommunicationMode", (0, 2), 0, p)
        _object(advanced, "LLMMetaInfo", p)
        _bool(advanced, "AddASRInfo", False, p)
    return advanced


def _check_digital_human(body: dict[str, Any]) -> dict[str, Any]:
    human = _object(body, "DigitalHuman", required=True)
    p = "DigitalHuman."
    check_non_empty_text(p + "DigitalHumanId", _string(human, "DigitalHumanId", p, True))
    _choice(human, "ConfigId", ("mobile", "web"), "web", p)
    _choice(human, "EncodeCode", ("H264",), "H264", p)
    return human


def _overrides(body: dict[str, Any]) -> dict[str, dict | None]:
    """The optional per-instance LLM / TTS / ASR, checked."""
    return {
        "llm": check_llm(body["LLM"]) if body.get("LLM") is not None else None,
        "tts": check_tts(body["TTS"]) if body.get("TTS") is not None else None,
        "asr": check_asr(body["ASR"]) if body.get("ASR") is not None else None,
    }


# --- agent configuration --------------------------------------------------------------------


def register_agent(ctx: ActionContext, body: dict[str, Any]) -> None:
    agent_id = check_agent_id("AgentId", _required(body, "AgentId"))
    name = _string(body, "Name") or ""
    if len(name.encode()) > MAX_AGENT_NAME_BYTES:
        raise ValidationError("Name", f"is longer than {MAX_AGENT_NAME_BYTES} bytes")
    parts = _overrides(body)
    ctx.state.register_agent(Agent(agent_id, name, parts["llm"], parts["tts"], parts["asr"]))


def unregister_agent(ctx: ActionContext, body: dict[str, Any]) -> None:
    ctx.state.unregister_agent(check_agent_id("AgentId", _required(body, "AgentId")))


def update_agent(ctx: ActionContext, body: dict[str, Any]) -> None:
    agent_id = check_agent_id("AgentId", _required(body, "AgentId"))
    changes: dict[str, Any] = {}
    name = _string(body, "Name")
    if name is not None:
        if len(name) > UPDATE_AGENT_NAME_MAX_CHARS:
            limit = UPDATE_AGENT_NAME_MAX_CHARS
            raise ValidationError("Name", f"is longer than {limit} characters (UpdateAgent)")
        changes["name"] = name
    changes.update({k: v for k, v in _overrides(body).items() if v is not None})
    ctx.state.update_agent(agent_id, changes)


def list_agents(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    limit = _int(body, "Limit", 0, *LIST_AGENTS_LIMIT_RANGE) or 5
    cursor = _string(body, "Cursor") or ""
    return ctx.state.list_agents(limit, cursor)


def query_agents(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    ids = _required(body, "AgentIds")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValidationError("AgentIds", "must be a list of AgentId strings")
    if len(ids) > MAX_QUERY_AGENT_IDS:
        raise ValidationError("AgentIds", f"has {len(ids)} ids; the limit is {MAX_QUERY_AGENT_IDS}")
    return ctx.state.query_agents(ids)


# --- instance management --------------------------------------------------------------------


def _create(ctx: ActionContext, body: dict[str, Any], kind: str) -> dict[str, Any]:
    agent_id = check_agent_id("AgentId", _required(body, "AgentId"))
    live = kind == LIVE_DIGITAL_HUMAN
    notes: list[str] = []
    if live:
        user_id = ""
        cdn = _object(body, "CDN")
        if cdn is not None:
            check_url("CDN.Url", cdn.get("Url"), ("rtmp", "rtmps"))
            rtc = {"RoomId": "", "AgentStreamId": "", "AgentUserId": ""}  # not in a room
        else:
            rtc = _check_rtc(_object(body, "RTC", required=True), with_user_stream=False)
        messages, window = [], 0
    else:
        user_id = check_user_id("UserId", _required(body, "UserId"))
        rtc = _check_rtc(_object(body, "RTC", required=True), with_user_stream=True)
        messages, window = _message_history(body, notes)
        if body.get("VAD") is not None:
            _check_vad(body["VAD"])
    human = _check_digital_human(body) if kind != VOICE else None
    parts = _overrides(body)
    instance = ctx.state.create_instance(
        kind=kind,
        agent_id=agent_id,
        user_id=user_id,
        rtc=rtc,
        llm=parts["llm"],
        tts=parts["tts"],
        asr=parts["asr"],
        messages=messages,
        window_size=window,
        callback_config=_callback_config(body, notes, live=live),
        advanced=_advanced_config(body, kind),
        notes=notes,
        limit=ctx.state.settings["instance_limit"],
        now=ctx.now,
    )
    data: dict[str, Any] = {"AgentInstanceId": instance.instance_id}
    if human is not None:
        # Opaque to clients (ZEGO's is for its digital-human SDK); ours says what it is.
        config = {"Sandbox": True, "DigitalHumanId": human["DigitalHumanId"]}
        data["DigitalHumanConfig"] = base64.b64encode(json.dumps(config).encode()).decode()
    return data


def create_agent_instance(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    return _create(ctx, body, VOICE)


def create_digital_human_agent_instance(ctx: ActionContext, body: dict[str, Any]):
    return _create(ctx, body, DIGITAL_HUMAN)


def create_live_digital_human_agent_instance(ctx: ActionContext, body: dict[str, Any]):
    return _create(ctx, body, LIVE_DIGITAL_HUMAN)


def update_agent_instance(ctx: ActionContext, body: dict[str, Any]) -> None:
    instance_id = _instance_id(body)
    changes: dict[str, Any] = {k: v for k, v in _overrides(body).items() if v is not None}
    rtc = _object(body, "RTC")
    if rtc is not None:
        unknown = sorted(set(rtc) - {"UserStreamId"})
        if unknown:
            raise ValidationError(
                f"RTC.{unknown[0]}", "cannot be updated; only RTC.UserStreamId can change"
            )
        changes["user_stream_id"] = check_room_or_stream_id(
            "RTC.UserStreamId", rtc.get("UserStreamId")
        )
    ctx.state.update_instance(instance_id, changes)


def delete_agent_instance(ctx: ActionContext, body: dict[str, Any]) -> None:
    instance_id = _instance_id(body)
    graceful = _bool(body, "GracefulShutdown", False)
    timeout = _int(body, "GracefulShutdownTimeout", 30, *GRACEFUL_TIMEOUT_RANGE)
    ctx.state.delete_instance(instance_id, graceful=graceful, timeout=timeout, now=ctx.now)


# --- instance control -----------------------------------------------------------------------


def _priority(body: dict[str, Any]) -> tuple[str, str]:
    return (
        _choice(body, "Priority", PRIORITIES, "Medium"),
        _choice(body, "SamePriorityOption", SAME_PRIORITY_OPTIONS, "ClearAndInterrupt"),
    )


def send_agent_instance_llm(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    instance_id = _instance_id(body)
    text = check_non_empty_text("Text", _string(body, "Text", required=True))
    system_prompt = _string(body, "SystemPrompt")
    add_question = _bool(body, "AddQuestionToHistory", False)
    add_answer = _bool(body, "AddAnswerToHistory", True)  # the YAML default (the guide says false)
    priority, option = _priority(body)
    job = ctx.state.send_llm(
        instance_id,
        text=text,
        system_prompt=system_prompt,
        add_question=add_question,
        add_answer=add_answer,
        priority=priority,
        same_priority_option=option,
        deadline=ctx.llm_deadline(),
        now=ctx.now,
    )
    ctx.jobs.append(job)
    return {"Round": job.round}


def send_agent_instance_tts(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    instance_id = _instance_id(body)
    text = check_tts_text("Text", _string(body, "Text", required=True))
    add_history = _bool(body, "AddHistory", True)
    # Deprecated InterruptMode: 0 = Medium + ClearAndInterrupt, 1 = High + ClearAndInterrupt.
    legacy = _choice(body, "InterruptMode", (0, 1), None)
    priority, option = _priority(body)
    if legacy == 1 and body.get("Priority") is None:
        priority = "High"
    _bool(body, "EnqueueUserSpeech", False)
    round_ = ctx.state.send_tts(
        instance_id,
        text=text,
        add_history=add_history,
        priority=priority,
        same_priority_option=option,
        speech_seconds=ctx.speech_seconds(text),
        tts_first_frame_ms=ctx.config.tts_first_frame_ms,
        now=ctx.now,
    )
    return {"Round": round_}


def query_agent_instance_status(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    return {"Status": ctx.state.status(_instance_id(body), ctx.now)}


def interrupt_agent_instance(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    return {"Round": ctx.state.interrupt(_instance_id(body), ctx.now)}


def get_agent_instance_msg_list(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    return ctx.state.messages(_instance_id(body))


def reset_agent_instance_msg_list(ctx: ActionContext, body: dict[str, Any]) -> None:
    ctx.state.reset_messages(_instance_id(body))


def add_agent_instance_msg(ctx: ActionContext, body: dict[str, Any]) -> None:
    instance_id = _instance_id(body)
    messages = check_messages("Messages", _required(body, "Messages"))
    if not messages:
        raise ValidationError("Messages", "must hold at least one {Role, Content} message")
    ctx.state.add_messages(instance_id, messages)


def _listening_args(body: dict[str, Any]) -> tuple[str, str | None, int | None]:
    instance_id = _instance_id(body)
    # Without a UserId (absent, null or ""), "the default UserId is used when the Agent
    # instance is created" (start-listening / stop-listening pages).
    user_id = body.get("UserId") or None
    if user_id is not None:
        check_user_id("UserId", user_id)
    sequence = _int(body, "Sequence", None, 0, 2**63 - 1)
    return instance_id, user_id, sequence


def start_listening(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    instance_id, user_id, sequence = _listening_args(body)
    return {"Round": ctx.state.start_listening(instance_id, user_id, sequence, ctx.now)}


def stop_listening(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    instance_id, user_id, sequence = _listening_args(body)
    round_, job = ctx.state.stop_listening(
        instance_id, user_id, sequence, ctx.llm_deadline(), ctx.now
    )
    if job is not None:
        ctx.jobs.append(job)
    return {"Round": round_}


# --- sandbox-only actions -------------------------------------------------------------------


def sandbox_set_user_presence(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    room_id = check_room_or_stream_id("RoomId", _required(body, "RoomId"))
    user_id = check_user_id("UserId", _required(body, "UserId"))
    in_room = _required(body, "InRoom")
    if not isinstance(in_room, bool):
        raise ValidationError("InRoom", "must be true (joined) or false (left)")
    return {"AgentInstanceIds": ctx.state.set_presence(room_id, user_id, in_room, ctx.now)}


def sandbox_user_speak(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    instance_id = _instance_id(body)
    text = check_non_empty_text("Text", _string(body, "Text", required=True))
    round_, job = ctx.state.user_speaks(
        instance_id, text=text, deadline=ctx.llm_deadline(), now=ctx.now
    )
    if job is not None:
        ctx.jobs.append(job)
    return {"Round": round_}


def sandbox_configure(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    for name, value in body.items():
        if name not in RUNTIME_SETTINGS:
            known = ", ".join(RUNTIME_SETTINGS)
            raise ValidationError(name, f"is not a sandbox setting; use any of {known}")
        attribute, check = RUNTIME_SETTINGS[name]
        check(name, value)
        changes[attribute] = value
    ctx.state.settings.update(changes)
    return {"Config": settings_summary(ctx.state.settings)}


def sandbox_list_instances(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    prefix = _string(body, "Prefix") or ""
    return {"Instances": ctx.state.list_instances(prefix, ctx.now)}


def sandbox_get_events(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    instance_id = _string(body, "AgentInstanceId")
    since = _int(body, "SinceSequence", 0, 0, 2**63 - 1)
    events = ctx.state.event_bodies(instance_id, since or 0)
    return {"Events": events, "LastSequence": ctx.state.sequence}


def sandbox_info(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "Mode": "sandbox",
        "Room": ctx.config.room,
        "Version": SANDBOX_VERSION,
        "AppId": ctx.state.app_id,
        "Persistent": ctx.config.state_path is not None,
        "Agents": len(ctx.state.agents),
        "Instances": len(ctx.state.instances),
        "Config": settings_summary(ctx.state.settings),
    }


#: The 19 documented actions.
PUBLIC_ACTIONS: dict[str, Action] = {
    "RegisterAgent": register_agent,
    "UnregisterAgent": unregister_agent,
    "UpdateAgent": update_agent,
    "ListAgents": list_agents,
    "QueryAgents": query_agents,
    "CreateAgentInstance": create_agent_instance,
    "UpdateAgentInstance": update_agent_instance,
    "DeleteAgentInstance": delete_agent_instance,
    "CreateDigitalHumanAgentInstance": create_digital_human_agent_instance,
    "CreateLiveDigitalHumanAgentInstance": create_live_digital_human_agent_instance,
    "SendAgentInstanceLLM": send_agent_instance_llm,
    "SendAgentInstanceTTS": send_agent_instance_tts,
    "QueryAgentInstanceStatus": query_agent_instance_status,
    "InterruptAgentInstance": interrupt_agent_instance,
    "GetAgentInstanceMsgList": get_agent_instance_msg_list,
    "ResetAgentInstanceMsgList": reset_agent_instance_msg_list,
    "AddAgentInstanceMsg": add_agent_instance_msg,
    "StartListening": start_listening,
    "StopListening": stop_listening,
}

#: Actions only the sandbox knows. They skip the rate limit and fault injection, so a
#: drill can always switch faults off again.
SANDBOX_ACTIONS: dict[str, Action] = {
    "SandboxSetUserPresence": sandbox_set_user_presence,
    "SandboxUserSpeak": sandbox_user_speak,
    "SandboxConfigure": sandbox_configure,
    "SandboxListInstances": sandbox_list_instances,
    "SandboxGetEvents": sandbox_get_events,
    "SandboxInfo": sandbox_info,
}

ACTIONS: dict[str, Action] = {**PUBLIC_ACTIONS, **SANDBOX_ACTIONS}


def run_action(ctx: ActionContext, action: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Run ``action``; an invalid field becomes ``SandboxError(410000003, "<field>: ...")``."""
    try:
        return ACTIONS[action](ctx, body)
    except ValidationError as error:
        raise SandboxError(410000003, str(error)) from None
