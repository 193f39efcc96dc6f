"""The objects of a call: RTC, history, callbacks, behaviour, VAD and the digital human.

Rules: https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-agent-instance
(the objects of the live digital human have their own page:
https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-live-digital-human-agent-instance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..docs import doc_page, warn_docs
from ..errors import ValidationError
from ..i18n import _
from ..validation import (
    LIVE_MAX_IDLE_TIME_RANGE,
    MAX_IDLE_TIME_RANGE,
    MAX_STREAM_EXTRA_INFO_BYTES,
    MESSAGE_ROLES,
    WINDOW_SIZE_GUIDE_MAX,
    WINDOW_SIZE_RANGE,
    check_choice,
    check_int_range,
    check_messages,
    check_number_range,
    check_room_or_stream_id,
    check_user_id,
    shown,
)
from .base import (
    ApiModel,
    _as_flag,
    _check_non_empty,
    _check_optional_type,
    api_field,
    to_api_value,
)

CREATE_DOC_URL = doc_page("api-reference/agent-instance-management/create-agent-instance")
LIVE_DOC_URL = doc_page(
    "api-reference/agent-instance-management/create-live-digital-human-agent-instance"
)
MEMORY_DOC_URL = doc_page("advanced/ai-short-term-memory")
MEMORY_DOC_URL_ZH = doc_page("advanced/ai-short-term-memory", chinese=True)


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
        self._validate_extra_info()
        return self

    def _validate_extra_info(self) -> None:
        if self.stream_extra_info is not None:
            if not isinstance(self.stream_extra_info, str):
                raise ValidationError("RTC.StreamExtraInfo", _("must be a string"))
            size = len(self.stream_extra_info.encode("utf-8"))
            if size > MAX_STREAM_EXTRA_INFO_BYTES:
                raise ValidationError(
                    "RTC.StreamExtraInfo",
                    _("is {size} bytes; the limit is {limit}").format(
                        size=size, limit=MAX_STREAM_EXTRA_INFO_BYTES
                    ),
                )


@dataclass(repr=False)
class BroadcastRTC(RTC):
    """The RTC object of CreateLiveDigitalHumanAgentInstance: no user, so no ``UserStreamId``.

    Its schema (``RTC_Live``) has RoomId, AgentStreamId, AgentUserId and
    StreamExtraInfo only; a ``UserStreamId`` is sent as given, with a warning.
    """

    user_stream_id: str | None = api_field("UserStreamId")  # type: ignore[assignment]

    @classmethod
    def coerce(cls, value: object, field_name: str | None = None) -> BroadcastRTC:
        """Also takes a plain :class:`RTC` (its ``UserStreamId`` is then checked if set)."""
        if isinstance(value, RTC) and not isinstance(value, BroadcastRTC):
            value = cls.from_api(value.to_api())
        return super().coerce(value, field_name)

    def validate(self) -> BroadcastRTC:
        check_room_or_stream_id("RTC.RoomId", self.room_id)
        check_room_or_stream_id("RTC.AgentStreamId", self.agent_stream_id)
        check_user_id("RTC.AgentUserId", self.agent_user_id)
        if self.user_stream_id is not None:
            check_room_or_stream_id("RTC.UserStreamId", self.user_stream_id)
            warn_docs(
                "RTC.UserStreamId",
                _(
                    "is not part of a live digital human's RTC object (there is no user to "
                    "listen to); leave it out"
                ),
                LIVE_DOC_URL,
            )
        self._validate_extra_info()
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
            raise ValidationError("Message.Content", _("must be a string"))
        return self


def _dump_messages(messages: list[Any]) -> list[Any]:
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
    messages: list[Message | dict[str, Any]] | None = api_field(
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
                raise ValidationError("MessageHistory.Messages", _("must be a list of messages"))
            check_messages("MessageHistory.Messages", _dump_messages(self.messages))
        if self.window_size is not None:
            check_int_range("MessageHistory.WindowSize", self.window_size, *WINDOW_SIZE_RANGE)
            if self.window_size > WINDOW_SIZE_GUIDE_MAX:
                warn_docs(
                    "MessageHistory.WindowSize",
                    _(
                        "is {value}: the API schema allows up to {schema_max}, but the "
                        "short-term-memory guide says at most {guide_max} ({recommended} is "
                        "recommended)"
                    ).format(
                        value=self.window_size,
                        schema_max=WINDOW_SIZE_RANGE[1],
                        guide_max=WINDOW_SIZE_GUIDE_MAX,
                        recommended="10-30",
                    ),
                    CREATE_DOC_URL,
                    MEMORY_DOC_URL,
                )
        if self.zim is not None:
            self._validate_zim()
        return self

    def _validate_zim(self) -> None:
        if self.sync_mode != SYNC_MODE_ZIM:
            # The ZIM schema: "Only effective when MessageHistory.SyncMode is 0."
            warn_docs(
                "MessageHistory.ZIM",
                _(
                    "is only effective when SyncMode is 0 (it is {value}); ZEGO will not use it"
                ).format(value=repr(self.sync_mode)),
                CREATE_DOC_URL,
            )
        if not isinstance(self.zim, dict):
            raise ValidationError("MessageHistory.ZIM", _("must be an object"))
        count = self.zim.get("LoadMessageCount")
        if count is not None:
            check_int_range(
                "MessageHistory.ZIM.LoadMessageCount", count, *ZIM_LOAD_MESSAGE_COUNT_RANGE
            )
        robot_id = self.zim.get("RobotId")
        if robot_id is not None and not isinstance(robot_id, str):
            raise ValidationError("MessageHistory.ZIM.RobotId", _("must be a string"))


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
            if value is not None and (not isinstance(value, int) or value not in (0, 1)):
                raise ValidationError(f"CallbackConfig.{api_name}", _flag_problem(value))
        _check_optional_type("CallbackConfig.HostTag", self.host_tag, str, _("a string"))
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
        _check_optional_type(
            "AdvancedConfig.DisableTTS", self.disable_tts, bool, _("True or False")
        )
        if self.communication_mode is not None:
            check_choice(
                "AdvancedConfig.CommunicationMode", self.communication_mode, COMMUNICATION_MODES
            )
        _check_optional_type(
            "AdvancedConfig.AddASRInfo", self.add_asr_info, bool, _("True or False")
        )
        if self.llm_meta_info is not None:
            self._validate_meta_info()
        if self.tts_param_paths is not None:
            _check_param_paths(self.tts_param_paths)
        return self

    def _validate_meta_info(self) -> None:
        info = self.llm_meta_info
        if not isinstance(info, dict):
            raise ValidationError("AdvancedConfig.LLMMetaInfo", _("must be an object"))
        for key in ("BeginCharacters", "EndCharacters"):
            example = _("e.g. {example}").format(example="'[['")
            _check_non_empty(f"AdvancedConfig.LLMMetaInfo.{key}", info.get(key), example)
        keys = info.get("SendMetaKeys")
        if keys is not None and not (
            isinstance(keys, list) and all(isinstance(k, str) for k in keys)
        ):
            raise ValidationError(
                "AdvancedConfig.LLMMetaInfo.SendMetaKeys", _("must be a list of strings")
            )


#: The callbacks a live digital human can opt in to (``CallbackConfig_Live``): no user, so
#: no ASR, LLM, user-speech or audio callbacks.
_LIVE_CALLBACK_FLAGS = {
    "interrupted": "Interrupted",
    "agent_instance_status": "AgentInstanceStatus",
}


@dataclass(repr=False)
class LiveCallbackConfig(ApiModel):
    """CallbackConfig of CreateLiveDigitalHumanAgentInstance: Interrupted, AgentInstanceStatus
    and HostTag only (its schema, ``CallbackConfig_Live``, has nothing else)."""

    API_NAME: ClassVar[str] = "CallbackConfig"

    interrupted: bool | int | None = api_field("Interrupted", dump=_as_flag)
    agent_instance_status: bool | int | None = api_field("AgentInstanceStatus", dump=_as_flag)
    host_tag: str | None = api_field("HostTag")

    @classmethod
    def coerce(cls, value: object, field_name: str | None = None) -> LiveCallbackConfig:
        """Also takes a :class:`CallbackConfig` (a flag a live instance lacks gives a warning)."""
        if isinstance(value, CallbackConfig):
            value = value.to_api()
        return super().coerce(value, field_name)

    def validate(self) -> LiveCallbackConfig:
        for name, api_name in _LIVE_CALLBACK_FLAGS.items():
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value not in (0, 1)):
                raise ValidationError(f"CallbackConfig.{api_name}", _flag_problem(value))
        _check_optional_type("CallbackConfig.HostTag", self.host_tag, str, _("a string"))
        for api_name in sorted(set(_CALLBACK_FLAGS.values()) & set(self.extra)):
            if self.extra[api_name]:
                warn_docs(
                    f"CallbackConfig.{api_name}",
                    _(
                        "is not a callback of a live digital human (it has no user to hear); "
                        "it offers Interrupted, AgentInstanceStatus and HostTag only"
                    ),
                    LIVE_DOC_URL,
                )
        return self


@dataclass(repr=False)
class LiveAdvancedConfig(ApiModel):
    """AdvancedConfig of CreateLiveDigitalHumanAgentInstance (``AdvancedConfig_Live``).

    ``max_idle_time``: seconds (30..86400, default 900) without a SendAgentInstanceTTS
    before the broadcast ends by itself. ``disable_tts`` must stay off: with it,
    creating a live digital human fails.
    """

    API_NAME: ClassVar[str] = "AdvancedConfig"

    max_idle_time: int | None = api_field("MaxIdleTime")
    disable_tts: bool | None = api_field("DisableTTS")
    tts_param_paths: dict[str, str] | None = api_field("TTSParamPaths")

    @classmethod
    def coerce(cls, value: object, field_name: str | None = None) -> LiveAdvancedConfig:
        """Also takes an :class:`AdvancedConfig` (a field a live instance lacks gives a warning)."""
        if isinstance(value, AdvancedConfig):
            value = value.to_api()
        return super().coerce(value, field_name)

    def validate(self) -> LiveAdvancedConfig:
        if self.max_idle_time is not None:
            check_int_range(
                "AdvancedConfig.MaxIdleTime", self.max_idle_time, *LIVE_MAX_IDLE_TIME_RANGE,
                doc=LIVE_DOC_URL,
            )  # fmt: skip
        _check_optional_type(
            "AdvancedConfig.DisableTTS", self.disable_tts, bool, _("True or False")
        )
        if self.tts_param_paths is not None:
            _check_param_paths(self.tts_param_paths)
        for api_name in sorted(set(self.extra) & _VOICE_ONLY_ADVANCED):
            warn_docs(
                f"AdvancedConfig.{api_name}",
                _(
                    "is not a setting of a live digital human, whose AdvancedConfig has "
                    "MaxIdleTime, DisableTTS and TTSParamPaths only; it is sent as is"
                ),
                LIVE_DOC_URL,
            )
        return self


def _flag_problem(value: object) -> str:
    return _("is {value}; use 0/1 or False/True").format(value=shown(value))


def _check_param_paths(paths: object) -> None:
    if not isinstance(paths, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in paths.items()
    ):
        raise ValidationError(
            "AdvancedConfig.TTSParamPaths", _("must map metadata keys to TTS parameter paths")
        )


#: AdvancedConfig fields of a voice call that a live digital human does not have.
_VOICE_ONLY_ADVANCED = frozenset(
    {"InterruptMode", "CommunicationMode", "LLMMetaInfo", "AddASRInfo"}
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
            # Schema: Level 3 "needs to be used in combination with MinSpeechDur and
            # EnergyThreshold", which are "only effective when Level is set to 3". Neither
            # says the request fails, so both are warnings.
            if value is None and custom:
                warn_docs(
                    f"{prefix}.{api_name}",
                    _(
                        "is not set, but Level 3 (custom) is meant to be used with MinSpeechDur "
                        "and EnergyThreshold"
                    ),
                    CREATE_DOC_URL,
                )
            if value is not None and not custom:
                warn_docs(
                    f"{prefix}.{api_name}",
                    _("is only effective when Level is 3 (custom); set Level=3 or leave it out"),
                    CREATE_DOC_URL,
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
