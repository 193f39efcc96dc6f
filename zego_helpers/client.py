"""AIAgentClient: one Python method for each of the 19 AI Agent actions.

A typical script::

    from zego_helpers import AIAgentClient, LLM, TTS, make_call_ids
    client = AIAgentClient(app_id, server_secret)
    client.register_agent("my_agent", llm=LLM.trial(), tts=TTS.trial())
    ids = make_call_ids()
    data = client.create_agent_instance("my_agent", ids.user_id, ids.to_rtc())
    client.send_agent_instance_llm(data["AgentInstanceId"], "Hello!")
    client.delete_agent_instance(data["AgentInstanceId"])

Each method checks its arguments against the documented limits *before*
sending (so a mistake names the field at once), sends one signed request
through :class:`~zego_helpers.transport.SignedTransport`, and returns the
envelope's ``Data`` as a dict (``{}`` for actions that return nothing).
Every failure raises a :class:`~zego_helpers.errors.ZegoError` subclass.

Arguments that are parameter objects (``llm``, ``tts``, ``rtc``, ...) take
either a model from :mod:`zego_helpers.models` or a plain dict with the API's
own field names.

The client also keeps the :class:`~zego_helpers.ledger.Ledger` up to date:
each created instance is recorded, each deleted one forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .errors import NotFoundError, ValidationError
from .ledger import Ledger, LedgerEntry
from .models import to_api_value
from .secrets_mask import mask_url
from .transport import RetryPolicy, SignedTransport
from .validation import (
    GRACEFUL_TIMEOUT_RANGE,
    LIST_AGENTS_LIMIT_RANGE,
    MAX_QUERY_AGENT_IDS,
    PRIORITIES,
    SAME_PRIORITY_OPTIONS,
    check_agent_id,
    check_choice,
    check_int_range,
    check_messages,
    check_non_empty_text,
    check_room_or_stream_id,
    check_trial_llm,
    check_tts_text,
    check_user_id,
)

ParamObject = Any  # a model with to_api()/validate(), or a dict in API field names
#: Called after each successful request with (action, body, data).
Observer = Callable[[str, Mapping[str, Any], Mapping[str, Any]], None]

log = logging.getLogger("zego_helpers.client")


def _object(field: str, value: ParamObject) -> dict[str, Any] | None:
    """Validate a parameter object (model or dict) and return it in API form."""
    if value is None:
        return None
    if hasattr(value, "validate"):
        value.validate()
    api = to_api_value(value)
    if not isinstance(api, dict):
        raise ValidationError(field, "must be a model object or a dict of API fields")
    if field == "LLM":
        check_trial_llm(
            str(api.get("Url", "")), str(api.get("ApiKey", "")), str(api.get("Model", ""))
        )
    if field == "RTC":
        _check_rtc(api)
    return api


def _check_rtc(rtc: Mapping[str, Any], *, needs_user_stream: bool = True) -> None:
    check_room_or_stream_id("RTC.RoomId", rtc.get("RoomId"))
    check_room_or_stream_id("RTC.AgentStreamId", rtc.get("AgentStreamId"))
    check_user_id("RTC.AgentUserId", rtc.get("AgentUserId"))
    if needs_user_stream:
        check_room_or_stream_id("RTC.UserStreamId", rtc.get("UserStreamId"))


def _body(**fields: Any) -> dict[str, Any]:
    """A request body without the fields left as ``None``."""
    return {key: value for key, value in fields.items() if value is not None}


class AIAgentClient:
    """A signed, validating client for ZEGO's AI Agent server API.

    ``timeout`` is (connect, read) seconds. ``max_retries`` applies only where
    a retry is safe (see :mod:`zego_helpers.transport`). ``requests_per_second``
    paces each action (ZEGO's default limit is 10/s per action; ``None`` turns
    pacing off). Pass a :class:`Ledger` to have instances recorded for cleanup.

    ``observers`` are functions called with ``(action, body, data)`` after each
    successful request (the workshop's progress checklist is one); an observer
    that raises is logged and ignored, so it can never break a request.
    """

    def __init__(
        self,
        app_id: int,
        server_secret: str,
        base_url: str = "https://aigc-aiagent-api.zegotech.cn",
        *,
        timeout: float | tuple[float, float] = (3.05, 15.0),
        max_retries: int = 2,
        requests_per_second: int | None = 10,
        ledger: Ledger | None = None,
        session: Any = None,
    ) -> None:
        self.transport = SignedTransport(
            app_id,
            server_secret,
            base_url,
            timeout=timeout,
            retry=RetryPolicy(max_retries=max_retries),
            requests_per_second=requests_per_second,
            session=session,
        )
        self.ledger = ledger
        self.observers: list[Observer] = []

    def add_observer(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer(action, body, data)`` after each successful request.

        Returns a function that removes it again. Adding the same observer
        twice has no effect.
        """
        if observer not in self.observers:
            self.observers.append(observer)

        def remove() -> None:
            if observer in self.observers:
                self.observers.remove(observer)

        return remove

    @property
    def app_id(self) -> int:
        return self.transport.app_id

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def __repr__(self) -> str:
        return f"AIAgentClient(app_id={self.app_id}, base_url={mask_url(self.base_url)!r})"

    def __enter__(self) -> AIAgentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self.transport.close()

    def call(self, action: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Send any action with a body in API field names; return ``Data``.

        The named methods below are thin, validating wrappers around this.
        """
        payload = dict(body or {})
        data = self.transport.call(action, payload)
        for observer in list(self.observers):
            try:
                observer(action, payload, data)
            except Exception:  # an observer must never break the request it watches
                log.exception("observer %r failed after %s", observer, action)
        return data

    # ----- Agent configuration ------------------------------------------------

    def register_agent(
        self,
        agent_id: str,
        *,
        name: str | None = None,
        llm: ParamObject = None,
        tts: ParamObject = None,
        asr: ParamObject = None,
    ) -> dict[str, Any]:
        """RegisterAgent: create an agent template (its LLM, TTS and ASR settings).

        Registering an id that exists raises ``AlreadyExistsError`` (410001008);
        :func:`ensure_agent` handles that for you.
        """
        check_agent_id("AgentId", agent_id)
        body = _body(
            AgentId=agent_id,
            Name=name,
            LLM=_object("LLM", llm),
            TTS=_object("TTS", tts),
            ASR=_object("ASR", asr),
        )
        return self.call("RegisterAgent", body)

    def unregister_agent(self, agent_id: str) -> dict[str, Any]:
        """UnregisterAgent: delete an agent template."""
        check_agent_id("AgentId", agent_id)
        return self.call("UnregisterAgent", {"AgentId": agent_id})

    def update_agent(
        self,
        agent_id: str,
        *,
        name: str | None = None,
        llm: ParamObject = None,
        tts: ParamObject = None,
        asr: ParamObject = None,
    ) -> dict[str, Any]:
        """UpdateAgent: each object you send *replaces* the stored one; omitted ones are kept."""
        check_agent_id("AgentId", agent_id)
        body = _body(
            AgentId=agent_id,
            Name=name,
            LLM=_object("LLM", llm),
            TTS=_object("TTS", tts),
            ASR=_object("ASR", asr),
        )
        return self.call("UpdateAgent", body)

    def list_agents(self, limit: int = 10, cursor: str = "") -> dict[str, Any]:
        """ListAgents: one page (``Total``, ``Agents``, ``Cursor``; empty Cursor = last page).

        Careful: the stored ``ApiKey`` values come back as they are. Don't print
        this in a shared notebook; :func:`zego_helpers.secrets_mask.mask_secrets` helps.
        """
        check_int_range("Limit", limit, *LIST_AGENTS_LIMIT_RANGE)
        return self.call("ListAgents", {"Limit": limit, "Cursor": cursor})

    def iter_agents(self, page_size: int = 10) -> Iterator[dict[str, Any]]:
        """Every registered agent, following ``Cursor`` from page to page."""
        cursor = ""
        while True:
            page = self.list_agents(limit=page_size, cursor=cursor)
            yield from page.get("Agents") or []
            cursor = page.get("Cursor") or ""
            if not cursor:
                return

    def query_agents(self, agent_ids: list[str]) -> dict[str, Any]:
        """QueryAgents: fetch up to 10 agents by id (unknown ids are simply absent)."""
        if not isinstance(agent_ids, list) or not agent_ids:
            raise ValidationError("AgentIds", "must be a non-empty list of agent ids")
        if len(agent_ids) > MAX_QUERY_AGENT_IDS:
            raise ValidationError(
                "AgentIds", f"has {len(agent_ids)} ids; the limit is {MAX_QUERY_AGENT_IDS}"
            )
        for i, agent_id in enumerate(agent_ids):
            check_agent_id(f"AgentIds[{i}]", agent_id)
        return self.call("QueryAgents", {"AgentIds": agent_ids})

    def get_agent(self, agent_id: str) -> dict[str, Any] | None:
        """The stored config of one agent, or ``None`` when it is not registered."""
        agents = self.query_agents([agent_id]).get("Agents") or []
        return next((a for a in agents if a.get("AgentId") == agent_id), None)

    # ----- Instance management ------------------------------------------------

    def create_agent_instance(
        self,
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
    ) -> dict[str, Any]:
        """CreateAgentInstance: start an agent that joins ``rtc.RoomId`` and talks to ``user_id``.

        Returns ``{"AgentInstanceId": ...}``. The instance is written to the
        ledger. ``user_id`` must be the id the client logs into the room with.
        """
        options = dict(
            llm=llm,
            tts=tts,
            asr=asr,
            vad=vad,
            message_history=message_history,
            callback_config=callback_config,
            advanced_config=advanced_config,
        )
        return self._create("CreateAgentInstance", agent_id, user_id, rtc, options)

    def create_digital_human_agent_instance(
        self,
        agent_id: str,
        user_id: str,
        rtc: ParamObject,
        digital_human: ParamObject,
        *,
        llm: ParamObject = None,
        tts: ParamObject = None,
        asr: ParamObject = None,
        vad: ParamObject = None,
        message_history: ParamObject = None,
        callback_config: ParamObject = None,
        advanced_config: ParamObject = None,
    ) -> dict[str, Any]:
        """CreateDigitalHumanAgentInstance: like create, with a video digital human."""
        options = dict(
            llm=llm,
            tts=tts,
            asr=asr,
            vad=vad,
            message_history=message_history,
            callback_config=callback_config,
            advanced_config=advanced_config,
            digital_human=digital_human,
        )
        return self._create("CreateDigitalHumanAgentInstance", agent_id, user_id, rtc, options)

    def _create(
        self, action: str, agent_id: str, user_id: str, rtc: ParamObject, args: dict[str, Any]
    ) -> dict[str, Any]:
        """Shared by both create actions: validate, send, record in the ledger."""
        check_agent_id("AgentId", agent_id)
        check_user_id("UserId", user_id)
        rtc_api = _object("RTC", rtc)
        if rtc_api and rtc_api.get("AgentUserId") == user_id:
            raise ValidationError("RTC.AgentUserId", "must differ from UserId (the real user)")
        history = _object("MessageHistory", args.get("message_history"))
        if history and "Messages" in history:
            check_messages("MessageHistory.Messages", history["Messages"])
        body = _body(
            AgentId=agent_id,
            UserId=user_id,
            RTC=rtc_api,
            LLM=_object("LLM", args.get("llm")),
            TTS=_object("TTS", args.get("tts")),
            ASR=_object("ASR", args.get("asr")),
            VAD=_object("VAD", args.get("vad")),
            MessageHistory=history,
            CallbackConfig=_object("CallbackConfig", args.get("callback_config")),
            AdvancedConfig=_object("AdvancedConfig", args.get("advanced_config")),
            DigitalHuman=_object("DigitalHuman", args.get("digital_human")),
        )
        data = self.call(action, body)
        self._record(data, agent_id, rtc_api, user_id)
        return data

    def _record(
        self,
        data: Mapping[str, Any],
        agent_id: str,
        rtc: Mapping[str, Any] | None,
        user_id: str = "",
    ) -> None:
        """Write a newly created instance to the ledger (if this client keeps one)."""
        instance_id = str(data.get("AgentInstanceId", ""))
        if self.ledger is None or not instance_id:
            return
        rtc = rtc or {}
        self.ledger.record(
            LedgerEntry(
                agent_instance_id=instance_id,
                app_id=self.app_id,
                api_base_url=self.base_url,
                agent_id=agent_id,
                room_id=rtc.get("RoomId", ""),
                user_id=user_id,
                user_stream_id=rtc.get("UserStreamId", ""),
                agent_user_id=rtc.get("AgentUserId", ""),
                agent_stream_id=rtc.get("AgentStreamId", ""),
            )
        )

    def create_live_digital_human_agent_instance(
        self,
        agent_id: str,
        digital_human: ParamObject,
        *,
        rtc: ParamObject = None,
        cdn_url: str | None = None,
        tts: ParamObject = None,
        callback_config: ParamObject = None,
        advanced_config: ParamObject = None,
    ) -> dict[str, Any]:
        """CreateLiveDigitalHumanAgentInstance: a one-way broadcast digital human (RTC or CDN)."""
        check_agent_id("AgentId", agent_id)
        if rtc is None and not cdn_url:
            raise ValidationError(
                "RTC", "give either rtc (RoomId, AgentStreamId, AgentUserId) or cdn_url"
            )
        rtc_api = to_api_value(rtc) if rtc is not None else None
        if rtc_api is not None:
            _check_rtc(rtc_api, needs_user_stream=False)
        body = _body(
            AgentId=agent_id,
            DigitalHuman=_object("DigitalHuman", digital_human),
            RTC=rtc_api,
            CDN={"Url": cdn_url} if cdn_url else None,
            TTS=_object("TTS", tts),
            CallbackConfig=_object("CallbackConfig", callback_config),
            AdvancedConfig=_object("AdvancedConfig", advanced_config),
        )
        data = self.call("CreateLiveDigitalHumanAgentInstance", body)
        self._record(data, agent_id, rtc_api)
        return data

    def update_agent_instance(
        self,
        agent_instance_id: str,
        *,
        llm: ParamObject = None,
        tts: ParamObject = None,
        asr: ParamObject = None,
        user_stream_id: str | None = None,
    ) -> dict[str, Any]:
        """UpdateAgentInstance: replace LLM/TTS/ASR of a running instance, or its user stream.

        TTS.Vendor, FilterText, TerminatorText and CharacterFilter cannot change.
        """
        _check_instance_id(agent_instance_id)
        if user_stream_id is not None:
            check_room_or_stream_id("RTC.UserStreamId", user_stream_id)
        body = _body(
            AgentInstanceId=agent_instance_id,
            LLM=_object("LLM", llm),
            TTS=_object("TTS", tts),
            ASR=_object("ASR", asr),
            RTC={"UserStreamId": user_stream_id} if user_stream_id else None,
        )
        return self.call("UpdateAgentInstance", body)

    def delete_agent_instance(
        self,
        agent_instance_id: str,
        *,
        graceful: bool = False,
        graceful_timeout: int | None = None,
        missing_ok: bool = False,
    ) -> dict[str, Any]:
        """DeleteAgentInstance: stop the instance and free its slot.

        With ``graceful=True`` the agent finishes what it is saying first
        (at most ``graceful_timeout`` seconds, 1-120). With ``missing_ok=True``
        an instance that is already gone (410001002) counts as deleted.
        The ledger forgets the instance either way.
        """
        _check_instance_id(agent_instance_id)
        if graceful_timeout is not None:
            check_int_range("GracefulShutdownTimeout", graceful_timeout, *GRACEFUL_TIMEOUT_RANGE)
        body = _body(
            AgentInstanceId=agent_instance_id,
            GracefulShutdown=True if graceful else None,
            GracefulShutdownTimeout=graceful_timeout if graceful else None,
        )
        try:
            data = self.call("DeleteAgentInstance", body)
        except NotFoundError:
            self._forget(agent_instance_id)
            if missing_ok:
                return {}
            raise
        self._forget(agent_instance_id)
        return data

    def _forget(self, agent_instance_id: str) -> None:
        if self.ledger is not None:
            self.ledger.forget(agent_instance_id)

    # ----- Instance control ---------------------------------------------------

    def send_agent_instance_llm(
        self,
        agent_instance_id: str,
        text: str,
        *,
        system_prompt: str | None = None,
        add_question_to_history: bool = True,
        add_answer_to_history: bool = True,
        priority: str | None = None,
        same_priority_option: str | None = None,
    ) -> dict[str, Any]:
        """SendAgentInstanceLLM: a user turn in text; the agent answers by voice. Returns ``Round``.

        Both history flags are sent explicitly because ZEGO's documents
        disagree on the default of ``AddAnswerToHistory``.
        """
        _check_instance_id(agent_instance_id)
        check_non_empty_text("Text", text)
        _check_priority(priority, same_priority_option)
        body = _body(
            AgentInstanceId=agent_instance_id,
            Text=text,
            SystemPrompt=system_prompt,
            AddQuestionToHistory=add_question_to_history,
            AddAnswerToHistory=add_answer_to_history,
            Priority=priority,
            SamePriorityOption=same_priority_option,
        )
        return self.call("SendAgentInstanceLLM", body)

    def send_agent_instance_tts(
        self,
        agent_instance_id: str,
        text: str,
        *,
        add_history: bool | None = None,
        priority: str | None = None,
        same_priority_option: str | None = None,
    ) -> dict[str, Any]:
        """SendAgentInstanceTTS: make the agent say ``text`` (at most 300 characters)."""
        _check_instance_id(agent_instance_id)
        check_tts_text("Text", text)
        _check_priority(priority, same_priority_option)
        body = _body(
            AgentInstanceId=agent_instance_id,
            Text=text,
            AddHistory=add_history,
            Priority=priority,
            SamePriorityOption=same_priority_option,
        )
        return self.call("SendAgentInstanceTTS", body)

    def query_agent_instance_status(self, agent_instance_id: str) -> dict[str, Any]:
        """QueryAgentInstanceStatus: ``Status`` is IDLE, LISTENING, THINKING or SPEAKING."""
        _check_instance_id(agent_instance_id)
        return self.call("QueryAgentInstanceStatus", {"AgentInstanceId": agent_instance_id})

    def interrupt_agent_instance(self, agent_instance_id: str) -> dict[str, Any]:
        """InterruptAgentInstance: stop what the agent is saying or thinking now."""
        _check_instance_id(agent_instance_id)
        return self.call("InterruptAgentInstance", {"AgentInstanceId": agent_instance_id})

    def get_agent_instance_msg_list(self, agent_instance_id: str) -> dict[str, Any]:
        """GetAgentInstanceMsgList: the LLM context, oldest first (``Total``, ``MessageList``)."""
        _check_instance_id(agent_instance_id)
        return self.call("GetAgentInstanceMsgList", {"AgentInstanceId": agent_instance_id})

    def reset_agent_instance_msg_list(self, agent_instance_id: str) -> dict[str, Any]:
        """ResetAgentInstanceMsgList: forget the conversation so far."""
        _check_instance_id(agent_instance_id)
        return self.call("ResetAgentInstanceMsgList", {"AgentInstanceId": agent_instance_id})

    def add_agent_instance_msg(self, agent_instance_id: str, messages: list[Any]) -> dict[str, Any]:
        """AddAgentInstanceMsg: append ``{Role, Content}`` messages to the context, no LLM call."""
        _check_instance_id(agent_instance_id)
        api_messages = [to_api_value(m) for m in messages]
        check_messages("Messages", api_messages)
        return self.call(
            "AddAgentInstanceMsg", {"AgentInstanceId": agent_instance_id, "Messages": api_messages}
        )

    def start_listening(
        self, agent_instance_id: str, *, user_id: str | None = None, sequence: int | None = None
    ) -> dict[str, Any]:
        """StartListening (walkie-talkie mode, CommunicationMode=2): the user starts talking."""
        return self._listening("StartListening", agent_instance_id, user_id, sequence)

    def stop_listening(
        self, agent_instance_id: str, *, user_id: str | None = None, sequence: int | None = None
    ) -> dict[str, Any]:
        """StopListening (walkie-talkie mode): the user is done; the agent answers."""
        return self._listening("StopListening", agent_instance_id, user_id, sequence)

    def _listening(
        self, action: str, agent_instance_id: str, user_id: str | None, sequence: int | None
    ) -> dict[str, Any]:
        _check_instance_id(agent_instance_id)
        if user_id is not None:
            check_user_id("UserId", user_id)
        if sequence is not None:
            check_int_range("Sequence", sequence, 0, 2**63 - 1)
        body = _body(AgentInstanceId=agent_instance_id, UserId=user_id, Sequence=sequence)
        return self.call(action, body)


def _check_instance_id(agent_instance_id: object) -> None:
    check_non_empty_text("AgentInstanceId", agent_instance_id)


def _check_priority(priority: str | None, same_priority_option: str | None) -> None:
    if priority is not None:
        check_choice("Priority", priority, PRIORITIES)
    if same_priority_option is not None:
        check_choice("SamePriorityOption", same_priority_option, SAME_PRIORITY_OPTIONS)
