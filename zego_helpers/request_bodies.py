"""Model -> request body: one function per action, used by the client and by every preview.

``AIAgentClient.register_agent(...)`` sends exactly
``register_agent_body(...)``, and a notebook form's preview shows exactly
that dict too, so what you see is what is sent, by construction.

Each function checks its arguments before building anything: ids with
:mod:`zego_helpers.validation`, parameter objects (``llm``, ``tts``, ``rtc``...)
with :meth:`ApiModel.coerce <zego_helpers.models.ApiModel.coerce>`, which
takes a model or a plain dict in API field names through the same
``validate()``. A wrong type anywhere raises
:class:`~zego_helpers.errors.ValidationError` naming the argument, never a
``TypeError`` from deep inside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ValidationError
from .i18n import _
from .models import (
    ASR,
    LLM,
    RTC,
    TTS,
    VAD,
    AdvancedConfig,
    ApiModel,
    BroadcastRTC,
    CallbackConfig,
    DigitalHuman,
    LiveAdvancedConfig,
    LiveCallbackConfig,
    Message,
    MessageHistory,
)
from .validation import (
    GRACEFUL_TIMEOUT_RANGE,
    LIST_AGENTS_LIMIT_RANGE,
    MAX_AGENT_NAME_BYTES,
    MAX_LLM_TEXT_CHARS,
    MAX_QUERY_AGENT_IDS,
    MAX_SYSTEM_PROMPT_CHARS,
    MAX_UPDATED_AGENT_NAME_CHARS,
    PRIORITIES,
    SAME_PRIORITY_OPTIONS,
    check_agent_id,
    check_agent_user_differs,
    check_bool,
    check_choice,
    check_int_range,
    check_messages,
    check_non_empty_text,
    check_optional_text,
    check_room_or_stream_id,
    check_text_length,
    check_tts_text,
    check_url,
    check_user_id,
)

#: A parameter object: a model from :mod:`zego_helpers.models` or a dict in API field names.
ParamObject = Any


def api_object(model: type[ApiModel], value: ParamObject, field: str | None = None) -> Any:
    """``None`` stays ``None``; a model or dict becomes validated API JSON (via ``coerce``)."""
    if value is None:
        return None
    return model.coerce(value, field).to_api()


def _body(**fields: Any) -> dict[str, Any]:
    """A request body without the fields left as ``None``."""
    return {key: value for key, value in fields.items() if value is not None}


def _check_name(name: object, *, on_update: bool = False) -> None:
    if name is None:
        return
    if not isinstance(name, str):
        raise ValidationError(
            "Name", _("must be a string, not {type}").format(type=type(name).__name__)
        )
    if on_update:
        check_text_length("Name", name, MAX_UPDATED_AGENT_NAME_CHARS, _("UpdateAgent's limit"))
        return
    size = len(name.encode("utf-8"))
    if size > MAX_AGENT_NAME_BYTES:
        raise ValidationError(
            "Name",
            _("is {size} bytes; the limit is {limit}").format(
                size=size, limit=MAX_AGENT_NAME_BYTES
            ),
        )


def check_instance_id(agent_instance_id: object) -> str:
    """``AgentInstanceId``: the non-empty string CreateAgentInstance returned."""
    return check_non_empty_text("AgentInstanceId", agent_instance_id)


def _check_priority(priority: object, same_priority_option: object) -> None:
    if priority is not None:
        check_choice("Priority", priority, PRIORITIES)
    if same_priority_option is not None:
        check_choice("SamePriorityOption", same_priority_option, SAME_PRIORITY_OPTIONS)


# ----- Agent configuration ----------------------------------------------------


def register_agent_body(
    agent_id: str,
    *,
    name: str | None = None,
    llm: ParamObject = None,
    tts: ParamObject = None,
    asr: ParamObject = None,
) -> dict[str, Any]:
    """RegisterAgent: ``AgentId``, ``Name`` (<= 256 bytes) and the LLM/TTS/ASR objects."""
    check_agent_id("AgentId", agent_id)
    _check_name(name)
    return _body(
        AgentId=agent_id,
        Name=name,
        LLM=api_object(LLM, llm),
        TTS=api_object(TTS, tts),
        ASR=api_object(ASR, asr),
    )


def update_agent_body(
    agent_id: str,
    *,
    name: str | None = None,
    llm: ParamObject = None,
    tts: ParamObject = None,
    asr: ParamObject = None,
) -> dict[str, Any]:
    """UpdateAgent: like Register, but ``Name`` is at most 64 characters (the spec's maxLength)."""
    check_agent_id("AgentId", agent_id)
    _check_name(name, on_update=True)
    return _body(
        AgentId=agent_id,
        Name=name,
        LLM=api_object(LLM, llm),
        TTS=api_object(TTS, tts),
        ASR=api_object(ASR, asr),
    )


def agent_id_body(agent_id: str) -> dict[str, Any]:
    """UnregisterAgent: just the ``AgentId``."""
    return {"AgentId": check_agent_id("AgentId", agent_id)}


def list_agents_body(limit: int = 10, cursor: str = "") -> dict[str, Any]:
    """ListAgents: ``Limit`` 0..10 and the ``Cursor`` of the previous page."""
    check_int_range("Limit", limit, *LIST_AGENTS_LIMIT_RANGE)
    if not isinstance(cursor, str):
        raise ValidationError(
            "Cursor", _("must be a string, not {type}").format(type=type(cursor).__name__)
        )
    return {"Limit": limit, "Cursor": cursor}


def query_agents_body(agent_ids: Sequence[str]) -> dict[str, Any]:
    """QueryAgents: 1 to 10 agent ids."""
    if not isinstance(agent_ids, list) or not agent_ids:
        raise ValidationError("AgentIds", _("must be a non-empty list of agent ids"))
    if len(agent_ids) > MAX_QUERY_AGENT_IDS:
        raise ValidationError(
            "AgentIds",
            _("has {count} ids; the limit is {limit}").format(
                count=len(agent_ids), limit=MAX_QUERY_AGENT_IDS
            ),
        )
    for i, agent_id in enumerate(agent_ids):
        check_agent_id(f"AgentIds[{i}]", agent_id)
    return {"AgentIds": list(agent_ids)}


# ----- Instance management ----------------------------------------------------


def create_agent_instance_body(
    agent_id: str,
    user_id: str,
    rtc: ParamObject,
    *,
    llm: ParamObject = None,
    tts: ParamObject = None,
    asr: ParamObject = None,
    vad: ParamObject = None,
    message_history: ParamObject = None,
    callback_config: ParamObject = None,
    advanced_config: ParamObject = None,
    digital_human: ParamObject = None,
) -> dict[str, Any]:
    """CreateAgentInstance (and, with ``digital_human``, CreateDigitalHumanAgentInstance)."""
    check_agent_id("AgentId", agent_id)
    check_user_id("UserId", user_id)
    if rtc is None:
        raise ValidationError("RTC", _("is required: pass RTC(...) or ids.to_rtc()"))
    rtc_api = api_object(RTC, rtc)
    check_agent_user_differs(user_id, rtc_api)
    return _body(
        AgentId=agent_id,
        UserId=user_id,
        RTC=rtc_api,
        LLM=api_object(LLM, llm),
        TTS=api_object(TTS, tts),
        ASR=api_object(ASR, asr),
        VAD=api_object(VAD, vad),
        MessageHistory=api_object(MessageHistory, message_history),
        CallbackConfig=api_object(CallbackConfig, callback_config),
        AdvancedConfig=api_object(AdvancedConfig, advanced_config),
        DigitalHuman=api_object(DigitalHuman, digital_human),
    )


def create_digital_human_agent_instance_body(
    agent_id: str, user_id: str, rtc: ParamObject, digital_human: ParamObject, **options: Any
) -> dict[str, Any]:
    """CreateDigitalHumanAgentInstance: the CreateAgentInstance body plus a ``DigitalHuman``."""
    if digital_human is None:
        raise ValidationError("DigitalHuman", _("is required: pass DigitalHuman(...)"))
    body = create_agent_instance_body(
        agent_id, user_id, rtc, digital_human=digital_human, **options
    )
    _refuse_disabled_tts(body, "CreateDigitalHumanAgentInstance")
    return body


#: "When DisableTTS is true, the Create Digital Human Agent Instance and Trigger TTS
#: interfaces will report errors" (AdvancedConfig.DisableTTS in the schema,
#: https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-digital-human-agent-instance;
#: the live page says the same of CreateLiveDigitalHumanAgentInstance,
#: https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-live-digital-human-agent-instance).
#: A digital human speaks through TTS, so the kit refuses the combination before sending.
def _refuse_disabled_tts(body: Mapping[str, Any], action: str) -> None:
    if (body.get("AdvancedConfig") or {}).get("DisableTTS") is True:
        raise ValidationError(
            "AdvancedConfig.DisableTTS",
            _(
                "must not be true for {action}: ZEGO documents that the create then fails "
                "(a digital human speaks through TTS); leave DisableTTS out"
            ).format(action=action),
        )


def create_live_digital_human_body(
    agent_id: str,
    digital_human: ParamObject,
    *,
    rtc: ParamObject = None,
    cdn_url: str | None = None,
    tts: ParamObject = None,
    callback_config: ParamObject = None,
    advanced_config: ParamObject = None,
) -> dict[str, Any]:
    """CreateLiveDigitalHumanAgentInstance: a broadcast over RTC (no user stream) or a CDN URL.

    Its objects are not those of a voice call: ``RTC`` has no ``UserStreamId``,
    ``CallbackConfig`` offers Interrupted, AgentInstanceStatus and HostTag, and
    ``AdvancedConfig`` has MaxIdleTime (30-86400 s, default 900, counted from the
    last SendAgentInstanceTTS), DisableTTS and TTSParamPaths.
    """
    check_agent_id("AgentId", agent_id)
    if digital_human is None:
        raise ValidationError("DigitalHuman", _("is required: pass DigitalHuman(...)"))
    if rtc is None and not cdn_url:
        raise ValidationError(
            "RTC", _("give either rtc (RoomId, AgentStreamId, AgentUserId) or cdn_url")
        )
    if cdn_url is not None:
        check_url("CDN.Url", cdn_url, ("rtmp", "rtmps", "http", "https"))
    body = _body(
        AgentId=agent_id,
        DigitalHuman=api_object(DigitalHuman, digital_human),
        RTC=api_object(BroadcastRTC, rtc),
        CDN={"Url": cdn_url} if cdn_url else None,
        TTS=api_object(TTS, tts),
        # Its own CallbackConfig_Live and AdvancedConfig_Live (MaxIdleTime 30-86400 s).
        CallbackConfig=api_object(LiveCallbackConfig, callback_config),
        AdvancedConfig=api_object(LiveAdvancedConfig, advanced_config),
    )
    _refuse_disabled_tts(body, "CreateLiveDigitalHumanAgentInstance")
    return body


def update_agent_instance_body(
    agent_instance_id: str,
    *,
    llm: ParamObject = None,
    tts: ParamObject = None,
    asr: ParamObject = None,
    user_stream_id: str | None = None,
) -> dict[str, Any]:
    """UpdateAgentInstance: new LLM/TTS/ASR objects, or a new user stream."""
    check_instance_id(agent_instance_id)
    if user_stream_id is not None:
        check_room_or_stream_id("RTC.UserStreamId", user_stream_id)
    return _body(
        AgentInstanceId=agent_instance_id,
        LLM=api_object(LLM, llm),
        TTS=api_object(TTS, tts),
        ASR=api_object(ASR, asr),
        RTC={"UserStreamId": user_stream_id} if user_stream_id else None,
    )


def delete_agent_instance_body(
    agent_instance_id: str, *, graceful: bool = False, graceful_timeout: int | None = None
) -> dict[str, Any]:
    """DeleteAgentInstance: optionally let the agent finish speaking (1..120 s)."""
    check_instance_id(agent_instance_id)
    check_bool("graceful", graceful)
    if graceful_timeout is not None:
        check_int_range("GracefulShutdownTimeout", graceful_timeout, *GRACEFUL_TIMEOUT_RANGE)
    return _body(
        AgentInstanceId=agent_instance_id,
        GracefulShutdown=True if graceful else None,
        GracefulShutdownTimeout=graceful_timeout if graceful else None,
    )


def instance_id_body(agent_instance_id: str) -> dict[str, Any]:
    """Actions that take only the instance id (status, interrupt, message list, reset)."""
    return {"AgentInstanceId": check_instance_id(agent_instance_id)}


# ----- Instance control -------------------------------------------------------


def send_agent_instance_llm_body(
    agent_instance_id: str,
    text: str,
    *,
    system_prompt: str | None = None,
    add_question_to_history: bool = False,
    add_answer_to_history: bool = True,
    priority: str | None = None,
    same_priority_option: str | None = None,
) -> dict[str, Any]:
    """SendAgentInstanceLLM: a user turn in text (at most 4000 characters, our limit).

    Both history flags are always sent, so what happens never depends on a default:
    ``AddQuestionToHistory`` defaults to false in the API page and in the guide
    (https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-control/send-agent-instance-llm,
    https://www.zegocloud.com/docs/aiagent-server/guides/proactive-invocation-of-llm-and-tts),
    and so it does here. ``AddAnswerToHistory`` defaults to true on the API page but
    to false in the guide: the kit sends true (an answer you cannot find in the
    history is the surprising case); pass ``add_answer_to_history=False`` to drop it.
    """
    check_instance_id(agent_instance_id)
    check_non_empty_text("Text", text)
    check_text_length("Text", text, MAX_LLM_TEXT_CHARS, _("our limit; ZEGO documents none"))
    check_optional_text("SystemPrompt", system_prompt, MAX_SYSTEM_PROMPT_CHARS)
    check_bool("add_question_to_history", add_question_to_history)
    check_bool("add_answer_to_history", add_answer_to_history)
    _check_priority(priority, same_priority_option)
    return _body(
        AgentInstanceId=agent_instance_id,
        Text=text,
        SystemPrompt=system_prompt,
        AddQuestionToHistory=add_question_to_history,
        AddAnswerToHistory=add_answer_to_history,
        Priority=priority,
        SamePriorityOption=same_priority_option,
    )


def send_agent_instance_tts_body(
    agent_instance_id: str,
    text: str,
    *,
    add_history: bool | None = None,
    priority: str | None = None,
    same_priority_option: str | None = None,
) -> dict[str, Any]:
    """SendAgentInstanceTTS: text for the agent to say (at most 300 characters)."""
    check_instance_id(agent_instance_id)
    check_tts_text("Text", text)
    if add_history is not None:
        check_bool("add_history", add_history)
    _check_priority(priority, same_priority_option)
    return _body(
        AgentInstanceId=agent_instance_id,
        Text=text,
        AddHistory=add_history,
        Priority=priority,
        SamePriorityOption=same_priority_option,
    )


def add_agent_instance_msg_body(
    agent_instance_id: str, messages: Sequence[ParamObject]
) -> dict[str, Any]:
    """AddAgentInstanceMsg: ``Message`` models or ``{Role, Content}`` dicts, at most 100."""
    check_instance_id(agent_instance_id)
    if not isinstance(messages, list):
        raise ValidationError("Messages", _("must be a list of Message objects or {Role, Content}"))
    api_messages = [api_object(Message, m, f"Messages[{i}]") for i, m in enumerate(messages)]
    check_messages("Messages", api_messages)
    return {"AgentInstanceId": agent_instance_id, "Messages": api_messages}


def listening_body(
    agent_instance_id: str, *, user_id: str | None = None, sequence: int | None = None
) -> dict[str, Any]:
    """StartListening / StopListening (walkie-talkie mode).

    ``UserId`` is the user who talks; without it (``None`` or ``""``) ZEGO uses the
    user the instance was created for ("the default UserId is used",
    https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-control/start-listening),
    so an empty one is left out rather than refused.
    """
    check_instance_id(agent_instance_id)
    if user_id == "":
        user_id = None
    if user_id is not None:
        check_user_id("UserId", user_id)
    if sequence is not None:
        check_int_range("Sequence", sequence, 0, 2**63 - 1)
    return _body(AgentInstanceId=agent_instance_id, UserId=user_id, Sequence=sequence)


def raw_body(action: object, body: object) -> dict[str, Any]:
    """What :meth:`AIAgentClient.call` accepts: an action name and a JSON object (or ``None``)."""
    if not isinstance(action, str) or not action.strip():
        raise ValidationError("action", _("must be an action name such as 'ListAgents'"))
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise ValidationError(
            "body",
            _("must be a dict of API fields (or None), not {type}").format(
                type=type(body).__name__
            ),
        )
    bad = [key for key in body if not isinstance(key, str)]
    if bad:
        raise ValidationError(
            "body", _("has a key that is not a string: {key}").format(key=repr(bad[0]))
        )
    return dict(body)
