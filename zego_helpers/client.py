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
own field names; both go through the same checks. Each body is built by one
function of :mod:`zego_helpers.request_bodies` (``register_agent_body``...),
the same function a notebook preview calls, so a preview is what is sent.

The client also keeps the :class:`~zego_helpers.ledger.Ledger` up to date:
each create is recorded *before* it is sent and completed with its instance
id when the answer comes (or dropped when ZEGO refused it), and each deleted
instance is forgotten. A kernel that dies mid-create thus leaves a trace that
``zego-kit cleanup`` can follow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import request_bodies as bodies
from .constants import (
    DEFAULT_API_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUESTS_PER_SECOND,
    DEFAULT_TIMEOUT,
    ZEGO_API_HOST_SUFFIX,
)
from .docs import doc_page, warn_docs
from .errors import (
    HTTPStatusError,
    NotFoundError,
    TransportError,
    ValidationError,
    ZegoAPIError,
    ZegoError,
)
from .i18n import _
from .ledger import Ledger, LedgerEntry
from .request_bodies import ParamObject
from .secrets_mask import mask_url
from .transport import SIGNATURE_EXPIRED, Clock, RetryPolicy, SignedTransport, Transport
from .validation import (
    check_agent_id,
    check_bool,
    check_client_arguments,
    private_url_problem,
)

if TYPE_CHECKING:
    import requests

#: Called after each successful request with (action, body, data).
Observer = Callable[[str, Mapping[str, Any], Mapping[str, Any]], None]

log = logging.getLogger(__name__)


class AIAgentClient:
    """A signed, validating client for ZEGO's AI Agent server API.

    ``timeout`` is (connect, read) seconds. ``max_retries`` applies only where
    a retry is safe (see :mod:`zego_helpers.transport`). ``requests_per_second``
    paces each action (ZEGO's default limit is 10/s per action; ``None`` turns
    pacing off). Pass a :class:`Ledger` to have instances recorded for cleanup.

    Two seams replace the outside world in tests and notebooks, with no
    patching: ``transport`` moves the bytes (e.g.
    :class:`~zego_helpers.transport.MockTransport`; default: ``requests``, on
    ``session`` if given) and ``clock`` tells the time and waits (e.g.
    :class:`~zego_helpers.transport.FakeClock`, which makes retries instant).
    ``client.transport`` is the :class:`~zego_helpers.transport.SignedTransport`
    that signs, paces and retries on top of them.

    ``observers`` are functions called with ``(action, body, data)`` after each
    successful request (the workshop's progress checklist is one); an observer
    that raises is logged and ignored, so it can never break a request.
    """

    def __init__(
        self,
        app_id: int,
        server_secret: str,
        base_url: str = DEFAULT_API_BASE_URL,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        requests_per_second: int | None = DEFAULT_REQUESTS_PER_SECOND,
        ledger: Ledger | None = None,
        session: requests.Session | None = None,
        transport: Transport | None = None,
        clock: Clock | None = None,
    ) -> None:
        check_client_arguments(
            app_id, server_secret, base_url, timeout, max_retries, requests_per_second
        )
        self.transport = SignedTransport(
            app_id,
            server_secret,
            base_url,
            timeout=timeout,
            retry=RetryPolicy(max_retries=max_retries),
            requests_per_second=requests_per_second,
            session=session,
            http=transport,
            clock=clock,
        )
        self.ledger = ledger
        self.observers: list[Observer] = []

    def add_observer(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer(action, body, data)`` after each successful request.

        Returns a function that removes it again. Adding the same observer
        twice has no effect.
        """
        if not callable(observer):
            raise ValidationError(
                "observer",
                _("must be a function (action, body, data), not {type}").format(
                    type=type(observer).__name__
                ),
            )
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
        payload = bodies.raw_body(action, body)
        self._warn_if_zego_cannot_reach(payload)
        data = self.transport.call(action, payload)
        for observer in list(self.observers):
            try:
                observer(action, payload, data)
            except Exception:  # an observer must never break the request it watches
                log.exception("observer %r failed after %s", observer, action)
        return data

    @property
    def talks_to_zego(self) -> bool:
        """True when ``base_url`` is one of ZEGO's own endpoints (not a sandbox)."""
        return (urlsplit(self.base_url).hostname or "").endswith(ZEGO_API_HOST_SUFFIX)

    def _warn_if_zego_cannot_reach(self, payload: Mapping[str, Any]) -> None:
        """ZEGO's cloud calls ``LLM.Url`` itself: a loopback or private URL can never work.

        Warned (not refused) because the address may be right for a sandbox or a
        test double; only requests to ZEGO's own endpoints are checked. See
        https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm.
        """
        llm = payload.get("LLM")
        url = llm.get("Url") if isinstance(llm, Mapping) else None
        if not isinstance(url, str) or not self.talks_to_zego:
            return
        problem = private_url_problem(url)
        if problem:
            warn_docs(
                "LLM.Url",
                _(
                    "{problem}. Expose your LLM server on a public https URL (a tunnel such as "
                    "cloudflared or ngrok, or a server) and register that URL"
                ).format(problem=problem),
                doc_page("guides/configuring-llm"),
                stacklevel=4,
            )

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
        body = bodies.register_agent_body(agent_id, name=name, llm=llm, tts=tts, asr=asr)
        return self.call("RegisterAgent", body)

    def unregister_agent(self, agent_id: str) -> dict[str, Any]:
        """UnregisterAgent: delete an agent template."""
        return self.call("UnregisterAgent", bodies.agent_id_body(agent_id))

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
        body = bodies.update_agent_body(agent_id, name=name, llm=llm, tts=tts, asr=asr)
        return self.call("UpdateAgent", body)

    def list_agents(self, limit: int = 10, cursor: str = "") -> dict[str, Any]:
        """ListAgents: one page (``Total``, ``Agents``, ``Cursor``; empty Cursor = last page).

        Careful: the stored ``ApiKey`` values come back as they are. Don't print
        this in a shared notebook; :func:`zego_helpers.secrets_mask.mask_secrets` helps.
        """
        return self.call("ListAgents", bodies.list_agents_body(limit, cursor))

    def iter_agents(self, page_size: int = 10) -> Iterator[dict[str, Any]]:
        """Every registered agent, following ``Cursor`` from page to page."""
        bodies.list_agents_body(page_size)  # a bad page size fails here, not at the first next()
        return self._pages(page_size)

    def _pages(self, page_size: int) -> Iterator[dict[str, Any]]:
        cursor = ""
        while True:
            page = self.list_agents(limit=page_size, cursor=cursor)
            yield from page.get("Agents") or []
            cursor = page.get("Cursor") or ""
            if not cursor:
                return

    def query_agents(self, agent_ids: list[str]) -> dict[str, Any]:
        """QueryAgents: fetch up to 10 agents by id (unknown ids are simply absent)."""
        return self.call("QueryAgents", bodies.query_agents_body(agent_ids))

    def get_agent(self, agent_id: str) -> dict[str, Any] | None:
        """The stored config of one agent, or ``None`` when it is not registered."""
        check_agent_id("agent_id", agent_id)  # named as you passed it, not as "AgentIds[0]"
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

        Returns ``{"AgentInstanceId": ...}``. The create is written to the
        ledger before it is sent. ``user_id`` must be the id the client logs into the room with.
        """
        body = bodies.create_agent_instance_body(
            agent_id,
            user_id,
            rtc,
            llm=llm,
            tts=tts,
            asr=asr,
            vad=vad,
            message_history=message_history,
            callback_config=callback_config,
            advanced_config=advanced_config,
        )
        return self._send_create("CreateAgentInstance", body)

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
        body = bodies.create_digital_human_agent_instance_body(
            agent_id,
            user_id,
            rtc,
            digital_human,
            llm=llm,
            tts=tts,
            asr=asr,
            vad=vad,
            message_history=message_history,
            callback_config=callback_config,
            advanced_config=advanced_config,
        )
        return self._send_create("CreateDigitalHumanAgentInstance", body)

    def _send_create(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send a checked create body, keeping the ledger right whatever happens.

        Written ahead: the ledger records the create before the request leaves,
        and gets the instance id when the answer comes. If ZEGO certainly did
        not create anything (it answered with an error code that is not a
        transient server fault, or the request never left this machine), the
        entry is dropped. Anything else (a timeout, a lost connection, an odd
        HTTP answer, Ctrl-C, a killed kernel) leaves it pending: the instance
        may run, and ``zego-kit cleanup`` knows its room and agent user.
        """
        if self.ledger is None:
            return self.call(action, body)
        key = self.ledger.record_pending(self._ledger_entry(action, body))
        try:
            data = self.call(action, body)
        except (ZegoAPIError, HTTPStatusError, TransportError) as error:
            if _certainly_not_created(error):
                self.ledger.drop_pending(key)
            raise
        instance_id = data.get("AgentInstanceId")
        if isinstance(instance_id, str) and instance_id:
            self.ledger.resolve(key, instance_id)
        return data

    def _ledger_entry(self, action: str, body: Mapping[str, Any]) -> LedgerEntry:
        """What the ledger keeps of a create: where, which ids, when, and how long it idles."""
        rtc = body.get("RTC") or {}
        advanced = body.get("AdvancedConfig") or {}
        max_idle = advanced.get("MaxIdleTime")
        return LedgerEntry(
            agent_instance_id="",
            app_id=self.app_id,
            api_base_url=self.base_url,
            agent_id=body["AgentId"],
            room_id=rtc.get("RoomId", ""),
            user_id=body.get("UserId", ""),
            user_stream_id=rtc.get("UserStreamId", ""),
            agent_user_id=rtc.get("AgentUserId", ""),
            agent_stream_id=rtc.get("AgentStreamId", ""),
            max_idle_time=max_idle if isinstance(max_idle, int) else None,
            action=action,
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
        body = bodies.create_live_digital_human_body(
            agent_id,
            digital_human,
            rtc=rtc,
            cdn_url=cdn_url,
            tts=tts,
            callback_config=callback_config,
            advanced_config=advanced_config,
        )
        return self._send_create("CreateLiveDigitalHumanAgentInstance", body)

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
        body = bodies.update_agent_instance_body(
            agent_instance_id, llm=llm, tts=tts, asr=asr, user_stream_id=user_stream_id
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
        body = bodies.delete_agent_instance_body(
            agent_instance_id, graceful=graceful, graceful_timeout=graceful_timeout
        )
        check_bool("missing_ok", missing_ok)
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
        add_question_to_history: bool = False,
        add_answer_to_history: bool = True,
        priority: str | None = None,
        same_priority_option: str | None = None,
    ) -> dict[str, Any]:
        """SendAgentInstanceLLM: a user turn in text; the agent answers by voice. Returns ``Round``.

        Both history flags are sent explicitly. ``add_question_to_history``
        defaults to ZEGO's documented ``false``: the text is a prompt for one
        answer, not part of the conversation (:func:`zego_helpers.workflows.ask`,
        a chat turn, passes ``True``). ``add_answer_to_history`` defaults to
        ``True``; ZEGO's documents disagree on its default (see
        :func:`zego_helpers.request_bodies.send_agent_instance_llm_body`).
        """
        body = bodies.send_agent_instance_llm_body(
            agent_instance_id,
            text,
            system_prompt=system_prompt,
            add_question_to_history=add_question_to_history,
            add_answer_to_history=add_answer_to_history,
            priority=priority,
            same_priority_option=same_priority_option,
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
        body = bodies.send_agent_instance_tts_body(
            agent_instance_id,
            text,
            add_history=add_history,
            priority=priority,
            same_priority_option=same_priority_option,
        )
        return self.call("SendAgentInstanceTTS", body)

    def query_agent_instance_status(self, agent_instance_id: str) -> dict[str, Any]:
        """QueryAgentInstanceStatus: ``Status`` is IDLE, LISTENING, THINKING or SPEAKING."""
        return self.call("QueryAgentInstanceStatus", bodies.instance_id_body(agent_instance_id))

    def interrupt_agent_instance(self, agent_instance_id: str) -> dict[str, Any]:
        """InterruptAgentInstance: stop what the agent is saying or thinking now."""
        return self.call("InterruptAgentInstance", bodies.instance_id_body(agent_instance_id))

    def get_agent_instance_msg_list(self, agent_instance_id: str) -> dict[str, Any]:
        """GetAgentInstanceMsgList: the LLM context, oldest first (``Total``, ``MessageList``)."""
        return self.call("GetAgentInstanceMsgList", bodies.instance_id_body(agent_instance_id))

    def reset_agent_instance_msg_list(self, agent_instance_id: str) -> dict[str, Any]:
        """ResetAgentInstanceMsgList: forget the conversation so far."""
        return self.call("ResetAgentInstanceMsgList", bodies.instance_id_body(agent_instance_id))

    def add_agent_instance_msg(self, agent_instance_id: str, messages: list[Any]) -> dict[str, Any]:
        """AddAgentInstanceMsg: append ``{Role, Content}`` messages to the context, no LLM call."""
        body = bodies.add_agent_instance_msg_body(agent_instance_id, messages)
        return self.call("AddAgentInstanceMsg", body)

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
        body = bodies.listening_body(agent_instance_id, user_id=user_id, sequence=sequence)
        return self.call(action, body)


def _certainly_not_created(error: ZegoError) -> bool:
    """True if a failed create certainly made no instance, so its ledger entry can go.

    ZEGO answering with an error code means it refused the request, except for
    a transient fault (a retryable code such as 410000001 "system error" or
    100000015 "gateway internal error"), after which nobody can tell. An
    expired signature (100000004) and HTTP 429 are refusals before the service
    ran anything. A transport error is certain only when the request never left
    (refused connection, DNS failure). See :mod:`zego_helpers.transport` for the same
    rules deciding what may be retried.
    """
    if isinstance(error, ZegoAPIError):
        refused_at_the_door = error.code == SIGNATURE_EXPIRED or error.http_status == 429
        return refused_at_the_door or not error.retryable
    if isinstance(error, HTTPStatusError):
        return error.status == 429
    return isinstance(error, TransportError) and error.certainly_not_sent
