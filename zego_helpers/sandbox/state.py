"""What the sandbox remembers, and the rules ZEGO applies to it.

This module is plain Python: no web framework, no clock, no network. Every
method that depends on time takes ``now`` (Unix seconds) as an argument, so a
test can drive the whole state machine with made-up times.

What it holds (:class:`SandboxState`):

* **agents**: registered templates (AgentId, Name, LLM, TTS, ASR);
* **instances**: running agents with their effective config, message list
  (the LLM context), ``Round`` counter, what they are saying and thinking;
* **presence**: which users are in which rooms (told by the sandbox-only
  action ``SandboxSetUserPresence``), for the status and the idle rule;
* **events**: everything that happened, in the shape of ZEGO's callbacks.

Status is *derived from timestamps*, never from a timer: an instance is
SPEAKING while ``now`` falls inside one of its speech segments, THINKING
while an LLM turn is pending, otherwise LISTENING (its user is in the room,
or walkie-talkie listening is on) or IDLE. So a state saved to disk by one
process and loaded by another still answers correctly. :meth:`advance` turns
the passage of time into events: a speech that ended (status change), an LLM
that never answered, a graceful shutdown that completed, an idle instance
destroyed (1202). It visits only the instances that have something due or
that a request touched (:mod:`.schedule`), and every other question a request
asks is an index lookup (:mod:`.indexes`): a request costs the same whatever
the number of agents and instances.

A rule that refuses a request raises :class:`SandboxError` with ZEGO's code.
Methods check everything before they change anything, so a refused request
leaves the state as it was.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import copy
import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .envelope import SandboxError, new_numeric_id
from .indexes import AgentDirectory, LiveInstances
from .meta_info import extract_meta_info
from .schedule import InstanceSchedule
from .user_audio import user_audio_data

IDLE, LISTENING, THINKING, SPEAKING = "IDLE", "LISTENING", "THINKING", "SPEAKING"

VOICE = "voice"
DIGITAL_HUMAN = "digital_human"
LIVE_DIGITAL_HUMAN = "live_digital_human"

#: ``Interrupted`` callback reasons.
REASON_USER_SPOKE, REASON_LLM, REASON_TTS, REASON_API = 1, 2, 3, 4

PRIORITY_RANK = {"Low": 0, "Medium": 1, "High": 2}
#: ``SamePriorityOption=Enqueue`` keeps at most this many items waiting.
MAX_QUEUE = 5
#: Default ``AdvancedConfig.MaxIdleTime``: voice / digital human, and live digital human.
DEFAULT_MAX_IDLE = 120
DEFAULT_LIVE_MAX_IDLE = 900
#: Bounds that keep the state (and its file) small.
MAX_EVENTS = 1000
MAX_HISTORY = 500

#: Callbacks sent whenever a callback URL is set; the others need a CallbackConfig flag.
#: AgentInstanceMetaInfo has no flag: LLMMetaInfo.SendMetaKeys decides what it carries
#: (https://www.zegocloud.com/docs/aiagent-server/advanced/get-meta-info-while-ai-is-speaking).
ALWAYS_SENT = frozenset(
    {"Exception", "AgentInstanceCreated", "AgentInstanceDeleted", "AgentInstanceMetaInfo"}
)
#: Sandbox-only event explaining what the emulator did (never sent as a callback).
SANDBOX_NOTE = "SandboxNote"


@dataclass
class Agent:
    """A registered agent template."""

    agent_id: str
    name: str = ""
    llm: dict | None = None
    tts: dict | None = None
    asr: dict | None = None

    def to_api(self) -> dict[str, Any]:
        """The item shape of ListAgents / QueryAgents (stored keys are returned as is)."""
        item: dict[str, Any] = {"AgentId": self.agent_id, "Name": self.name}
        for key, value in (("LLM", self.llm), ("TTS", self.tts), ("ASR", self.asr)):
            if value is not None:
                item[key] = copy.deepcopy(value)
        return item


@dataclass
class Speech:
    """One thing the agent says, from ``start`` to ``end`` (Unix seconds)."""

    round: int
    text: str
    start: float
    end: float
    priority: str = "Medium"


@dataclass
class Turn:
    """An LLM turn waiting for its answer (the agent is THINKING)."""

    round: int
    question: str
    add_question: bool
    add_answer: bool
    priority: str
    deadline: float


@dataclass
class LLMJob:
    """What the server must ask the LLM for one turn (not persisted: it runs in one process)."""

    instance_id: str
    round: int
    llm: dict
    messages: list[dict]
    agent_info: dict


@dataclass
class Instance:
    """A running agent instance."""

    instance_id: str
    kind: str
    agent_id: str
    agent_name: str
    user_id: str
    room_id: str
    agent_user_id: str
    agent_stream_id: str
    user_stream_id: str
    llm: dict | None
    tts: dict
    asr: dict | None
    callback_config: dict
    advanced: dict
    window_size: int
    created: float
    messages: list[dict] = field(default_factory=list)
    round: int = 0
    speeches: list[Speech] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    listening: bool = False
    heard: list[str] = field(default_factory=list)
    last_sequence: dict[str, int] = field(default_factory=dict)
    shutdown_deadline: float | None = None
    reported_status: str = IDLE
    last_tts: float | None = None
    latency: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            **vars(self),
            "speeches": [vars(s) for s in self.speeches],
            "turns": [vars(t) for t in self.turns],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Instance:
        values = dict(data)
        values["speeches"] = [Speech(**s) for s in data.get("speeches", [])]
        values["turns"] = [Turn(**t) for t in data.get("turns", [])]
        return cls(**values)

    @property
    def walkie_talkie(self) -> bool:
        return self.advanced.get("CommunicationMode", 0) == 2


def build_llm_context(
    system_prompt: str, history: list[dict], window_size: int, text: str
) -> list[dict]:
    """What the LLM receives for one turn, in OpenAI chat format.

    The (temporary) system prompt, then the last ``window_size`` messages of
    the history, then ``text`` as the user's message.
    """
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    window = history[-window_size:] if window_size > 0 else []
    messages += [{"role": m["Role"], "content": m["Content"]} for m in window]
    messages.append({"role": "user", "content": text})
    return messages


def split_sentences(text: str) -> list[str]:
    """Split an answer into sentences, the way LLMResult callbacks arrive (one per sentence)."""
    parts = re.findall(r"[^.!?。！？]+[.!?。！？]*", text)
    return [p.strip() for p in parts if p.strip()] or [text]


def encode_cursor(agent_id: str) -> str:
    """ListAgents paging cursor: opaque to clients, "the page after this AgentId" to us."""
    return "c1." + base64.urlsafe_b64encode(agent_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        if not cursor.startswith("c1."):
            raise ValueError
        raw = cursor[3:] + "=" * (-len(cursor[3:]) % 4)
        agent_id = base64.b64decode(raw, altchars=b"-_", validate=True).decode()
        if not agent_id:
            raise ValueError
        return agent_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SandboxError(
            410000003,
            f"Cursor {cursor!r} is not a cursor this API returned: send '' for the first page, "
            "then the Data.Cursor of the previous page",
        ) from None


class SandboxState:
    """Agents, instances, presence and events of one emulated ZEGO account."""

    def __init__(self, app_id: int, settings: dict[str, Any]) -> None:
        self.app_id = app_id
        self.settings = dict(settings)
        self.agents = AgentDirectory()
        self.instances = LiveInstances()
        #: room id -> user id -> {"InRoom": bool, "Since": seconds}
        self.presence: dict[str, dict[str, dict[str, Any]]] = {}
        #: {"callback": bool, "body": <callback body without Nonce/Signature>}
        self.events: list[dict[str, Any]] = []
        self.sequence = 0
        self._schedule = InstanceSchedule()

    # --- persistence -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (shallow: nested values are shared, not copied)."""
        return {
            "AppId": self.app_id,
            "settings": self.settings,
            "agents": [vars(a) for a in self.agents.values()],
            "instances": [i.to_dict() for i in self.instances.values()],
            "presence": self.presence,
            "events": self.events,
            "sequence": self.sequence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxState:
        state = cls(data["AppId"], data["settings"])
        state.agents = AgentDirectory(Agent(**a) for a in data["agents"])
        state.instances = LiveInstances(Instance.from_dict(i) for i in data["instances"])
        state.presence = data["presence"]
        state.events = data.get("events", [])
        state.sequence = data["sequence"]
        return state

    # --- agents ----------------------------------------------------------------------------

    def register_agent(self, agent: Agent) -> None:
        if agent.agent_id in self.agents:
            raise SandboxError(
                410001008,
                f"AgentId {agent.agent_id!r} is already registered: use UpdateAgent to change "
                "it, or UnregisterAgent first",
            )
        self.agents[agent.agent_id] = agent

    def agent(self, agent_id: str) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise SandboxError(
                410001009, f"AgentId {agent_id!r} is not registered: call RegisterAgent first"
            )
        return agent

    def unregister_agent(self, agent_id: str) -> None:
        self.agent(agent_id)
        del self.agents[agent_id]

    def update_agent(self, agent_id: str, changes: dict[str, Any]) -> None:
        """Replace the given fields (``name``, ``llm``, ``tts``, ``asr``) as whole objects."""
        agent = self.agent(agent_id)
        for name, value in changes.items():
            setattr(agent, name, value)

    def list_agents(self, limit: int, cursor: str) -> dict[str, Any]:
        """One page of agents, ordered by AgentId; ``Cursor`` is ``""`` on the last page."""
        after = decode_cursor(cursor) if cursor else None
        page, more = self.agents.ids_after(after, limit)
        return {
            "Total": len(self.agents),
            "Agents": [self.agents[i].to_api() for i in page],
            "Cursor": encode_cursor(page[-1]) if more and page else "",
        }

    def query_agents(self, agent_ids: list[str]) -> dict[str, Any]:
        """The agents among ``agent_ids`` that exist; unknown ids are left out."""
        return {"Agents": [self.agents[i].to_api() for i in agent_ids if i in self.agents]}

    # --- instances: lifecycle --------------------------------------------------------------

    def create_instance(
        self,
        *,
        kind: str,
        agent_id: str,
        user_id: str,
        rtc: dict[str, Any],
        llm: dict | None,
        tts: dict | None,
        asr: dict | None,
        messages: list[dict],
        window_size: int,
        callback_config: dict,
        advanced: dict,
        notes: list[str],
        limit: int,
        now: float,
    ) -> Instance:
        """Start an instance; ``llm``/``tts``/``asr`` of ``None`` fall back to the agent's."""
        agent = self.agent(agent_id)
        llm = copy.deepcopy(llm if llm is not None else agent.llm)
        tts = copy.deepcopy(tts if tts is not None else agent.tts)
        asr = copy.deepcopy(asr if asr is not None else agent.asr)
        if kind != LIVE_DIGITAL_HUMAN and llm is None:
            raise SandboxError(
                410000003,
                f"LLM: neither this request nor agent {agent_id!r} has an LLM config",
            )
        if tts is None:
            raise SandboxError(
                410000003, f"TTS: neither this request nor agent {agent_id!r} has a TTS config"
            )
        agent_user_id = rtc["AgentUserId"]
        if user_id and agent_user_id == user_id:
            raise SandboxError(
                410000003,
                "RTC.AgentUserId: must differ from UserId (the agent and the real user are "
                "two different room members)",
            )

        # ZEGO lets a second login with the same AgentUserId kick out the first one (1203).
        # We emulate that instead of refusing the request: a notebook that re-runs its
        # "create" cell without deleting the old instance sees exactly what ZEGO would do.
        kicked = self.instances.with_agent_user_id(agent_user_id) if agent_user_id else []
        is_dh = kind != VOICE
        voices = self.instances.count_kind(VOICE)
        same_family = (len(self.instances) - voices if is_dh else voices) - sum(
            (i.kind != VOICE) == is_dh for i in kicked
        )
        if same_family >= limit:
            # Voice: 410000011, "APP online instance concurrency limit". Digital human: the
            # create pages say "each account can have at most 10 digital human agent
            # instances; if the limit is exceeded, the creation will fail", and the return
            # codes give that failure its own code, 410001031 "digital human concurrency has
            # reached the upper limit". 410001025 ("digital human service resource
            # insufficient", on which ZEGO's sample server falls back to voice) is ZEGO
            # running short, not this account's limit, so the sandbox never answers it.
            # https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-digital-human-agent-instance
            # https://www.zegocloud.com/docs/aiagent-server/api-reference/return-codes
            code = 410001031 if is_dh else 410000011
            raise SandboxError(
                code,
                f"{same_family} {'digital-human' if is_dh else 'voice'} instances are "
                f"running and the limit is {limit}: delete one first (DeleteAgentInstance)",
            )

        instance = Instance(
            instance_id=new_numeric_id(),
            kind=kind,
            agent_id=agent_id,
            agent_name=agent.name,
            user_id=user_id,
            room_id=rtc["RoomId"],
            agent_user_id=agent_user_id,
            agent_stream_id=rtc["AgentStreamId"],
            user_stream_id=rtc.get("UserStreamId", ""),
            llm=llm,
            tts=tts,
            asr=asr,
            callback_config=dict(callback_config),
            advanced=dict(advanced),
            window_size=window_size,
            created=now,
            messages=[dict(m) for m in messages],
        )
        instance.reported_status = self.status_of(instance, now)
        self.instances[instance.instance_id] = instance

        # An AgentStreamId already published elsewhere makes the *new* agent fail to publish
        # (ZEGO: "the later instance fails to publish"), reported as exception 1206. So does
        # an AgentStreamId equal to UserStreamId: the user publishes that stream.
        publishing = (
            self.instances.with_agent_stream_id(instance.agent_stream_id)
            if instance.agent_stream_id
            else []
        )
        clash = next((i for i in publishing if i is not instance and i not in kicked), None)
        problem = None
        if clash is not None:
            problem = f"is already published by instance {clash.instance_id}"
        elif instance.agent_stream_id and instance.agent_stream_id == instance.user_stream_id:
            problem = "is the user's own stream (UserStreamId)"
        if problem is not None:
            message = (
                f"AgentStreamId {instance.agent_stream_id!r} {problem}; "
                "the new agent could not publish"
            )
            self._emit(instance, "Exception", {"Code": 1206, "Message": message, "Round": 0}, now)
            self._destroy(instance, 1206, now)
        else:
            self._emit(instance, "AgentInstanceCreated", {"CreatedTimestamp": _ms(now)}, now)
            for note in notes:
                self._note(instance, note, now)
        for old in kicked:
            self._emit(
                old,
                "Exception",
                {
                    "Code": 1203,
                    "Message": f"kicked out of the room: instance {instance.instance_id} logged "
                    f"in with the same AgentUserId {agent_user_id!r}",
                    "Round": old.round,
                },
                now,
            )
            self._destroy(old, 1203, now)
        return instance

    def instance(
        self,
        instance_id: str,
        *,
        allow_shutting_down: bool = False,
        allow_live: bool = False,
    ) -> Instance:
        """The live instance, or the error ZEGO gives for using it now."""
        instance = self.instances.get(instance_id)
        if instance is None:
            raise SandboxError(
                410001002,
                f"AgentInstanceId {instance_id!r} does not exist: it was deleted, destroyed "
                "(see the Exception/AgentInstanceDeleted events), or never created",
            )
        if instance.kind == LIVE_DIGITAL_HUMAN and not allow_live:
            raise SandboxError(
                410001049,
                "this is a live digital-human instance: only SendAgentInstanceTTS and "
                "DeleteAgentInstance work on it",
            )
        if instance.shutdown_deadline is not None and not allow_shutting_down:
            raise SandboxError(
                410001041,
                f"instance {instance_id} is shutting down gracefully; stop sending it commands",
            )
        return instance

    def update_instance(self, instance_id: str, changes: dict[str, Any]) -> None:
        """Replace ``llm``/``tts``/``asr`` as whole objects; ``user_stream_id`` as a value."""
        instance = self.instance(instance_id)
        tts = changes.get("tts")
        if tts is not None:
            for key in ("Vendor", "FilterText", "TerminatorText", "CharacterFilter"):
                old, new = instance.tts.get(key), tts.get(key)
                if key == "Vendor" or new is not None:
                    if new != old:
                        raise SandboxError(
                            410000003,
                            f"TTS.{key} cannot be changed on a running instance (it is "
                            f"{old!r}); create a new instance to change it",
                        )
                elif old is not None:
                    tts[key] = old  # left out: the running value stays
        for name, value in changes.items():
            setattr(instance, name, copy.deepcopy(value))

    def delete_instance(
        self, instance_id: str, *, graceful: bool, timeout: float, now: float
    ) -> None:
        """Destroy now, or (graceful) once the agent is no longer thinking or speaking."""
        instance = self.instance(instance_id, allow_shutting_down=True, allow_live=True)
        if graceful and instance.shutdown_deadline is not None:
            raise SandboxError(
                410001041, f"instance {instance_id} is already shutting down gracefully"
            )
        if not graceful or not self._busy(instance, now):
            self._destroy(instance, 0, now)
            return
        instance.shutdown_deadline = now + timeout

    # --- instances: talking ----------------------------------------------------------------

    def send_llm(
        self,
        instance_id: str,
        *,
        text: str,
        system_prompt: str | None,
        add_question: bool,
        add_answer: bool,
        priority: str,
        same_priority_option: str,
        deadline: float,
        now: float,
    ) -> LLMJob:
        """Start an LLM turn; the answer arrives later through :meth:`finish_llm`."""
        instance = self.instance(instance_id)
        self._refuse_while_listening(instance)
        self._make_room(instance, priority, same_priority_option, REASON_LLM, 410001006, now)
        instance.round += 1
        return self._start_turn(
            instance, text, system_prompt, add_question, add_answer, priority, deadline, now
        )

    def finish_llm(
        self,
        instance_id: str,
        round_: int,
        answer: str,
        *,
        ttft_ms: float,
        tokens_per_second: float,
        tts_first_frame_ms: float,
        speech_seconds: float,
        note: str | None,
        now: float,
    ) -> None:
        """The LLM answered turn ``round_``: record it and start speaking it.

        Does nothing when the turn is gone (interrupted, or the instance deleted).
        """
        found = self._finish_turn(instance_id, round_, note, now)
        if found is None:
            return
        instance, turn = found
        if turn.add_question:
            self._remember(instance, "user", turn.question)
        if turn.add_answer:
            self._remember(instance, "assistant", answer)
        if not instance.advanced.get("DisableTTS"):
            self._speak(instance, answer, round_, turn.priority, speech_seconds, now)
        self._sync_status(instance, now)
        for sentence in split_sentences(answer):
            self._emit(instance, "LLMResult", {"Round": round_, "Text": sentence}, now)
        if not instance.advanced.get("DisableTTS"):
            self._send_meta_info(instance, answer, round_, now)
        self._record_latency(instance, ttft_ms, tokens_per_second, tts_first_frame_ms)

    def fail_llm(
        self,
        instance_id: str,
        round_: int,
        code: int,
        message: str,
        now: float,
        note: str | None = None,
    ) -> None:
        """The LLM call for turn ``round_`` failed: an ``Exception`` event with ZEGO's code."""
        found = self._finish_turn(instance_id, round_, note, now)
        if found is None:
            return
        instance, _ = found
        self._emit(instance, "Exception", {"Code": code, "Message": message, "Round": round_}, now)
        self._sync_status(instance, now)

    def send_tts(
        self,
        instance_id: str,
        *,
        text: str,
        add_history: bool,
        priority: str,
        same_priority_option: str,
        speech_seconds: float,
        tts_first_frame_ms: float,
        now: float,
    ) -> int:
        """Make the agent say ``text``; returns the new Round."""
        instance = self.instance(instance_id, allow_live=True)
        self._refuse_while_listening(instance)
        if instance.advanced.get("DisableTTS"):
            raise SandboxError(
                410001007, "AdvancedConfig.DisableTTS is true on this instance: it cannot speak"
            )
        self._make_room(instance, priority, same_priority_option, REASON_TTS, 410001007, now)
        instance.round += 1
        if add_history:
            self._remember(instance, "assistant", text)
        self._speak(instance, text, instance.round, priority, speech_seconds, now)
        self._send_meta_info(instance, text, instance.round, now)
        instance.last_tts = now
        self._record_latency(instance, None, None, tts_first_frame_ms)
        self._sync_status(instance, now)
        return instance.round

    def user_speaks(
        self, instance_id: str, *, text: str, deadline: float, now: float
    ) -> tuple[int, LLMJob | None]:
        """Simulate the user saying ``text`` into the microphone (sandbox-only).

        Full duplex: the agent is interrupted (``InterruptMode`` 0), hears the
        text (ASRResult) and answers; both go into the history, as for a voice
        turn. Walkie-talkie: the text is heard only between StartListening and
        StopListening, and answered at StopListening.
        """
        instance = self.instance(instance_id)
        speak = {"UserId": instance.user_id, "Round": instance.round}
        self._emit(instance, "UserSpeakAction", {**speak, "Action": "SPEAK_BEGIN"}, now)
        self._emit(instance, "UserSpeakAction", {**speak, "Action": "SPEAK_END"}, now)
        if instance.walkie_talkie:
            if instance.listening:
                instance.heard.append(text)
                self._send_user_audio(instance, text, now)
            else:
                self._note(
                    instance,
                    "walkie-talkie mode: the agent only hears the user between StartListening "
                    "and StopListening, so this speech was ignored",
                    now,
                )
            return instance.round, None
        interrupts = instance.advanced.get("InterruptMode", 0) == 0
        if interrupts:
            self._interrupt(instance, REASON_USER_SPOKE, now)
        instance.round += 1
        self._send_user_audio(instance, text, now)
        job = self._hear(instance, text, "Medium", deadline, now)
        return instance.round, job

    def interrupt(self, instance_id: str, now: float) -> int:
        """Stop speaking and thinking (``Interrupted`` with Reason 4); returns the Round."""
        instance = self.instance(instance_id)
        self._interrupt(instance, REASON_API, now)
        self._sync_status(instance, now)
        return instance.round

    def start_listening(
        self, instance_id: str, user_id: str | None, sequence: int | None, now: float
    ) -> int:
        """Walkie-talkie: the user holds the talk button. Returns the new Round."""
        instance, user = self._walkie_talkie(instance_id, user_id, sequence)
        if instance.listening:
            raise SandboxError(
                410001044,
                "start listening failed: the agent is already listening "
                "(StartListening and StopListening must alternate)",
            )
        instance.last_sequence[user] = sequence if sequence is not None else 0
        self._interrupt(instance, REASON_USER_SPOKE, now)
        instance.listening = True
        instance.heard = []
        instance.round += 1
        self._sync_status(instance, now)
        return instance.round

    def stop_listening(
        self,
        instance_id: str,
        user_id: str | None,
        sequence: int | None,
        deadline: float,
        now: float,
    ) -> tuple[int, LLMJob | None]:
        """Walkie-talkie: the user releases the button; what they said gets answered."""
        instance, user = self._walkie_talkie(instance_id, user_id, sequence)
        if not instance.listening:
            raise SandboxError(
                410001045,
                "stop listening failed: the agent is not listening (call StartListening first)",
            )
        instance.last_sequence[user] = sequence if sequence is not None else 0
        instance.listening = False
        heard, instance.heard = " ".join(instance.heard), []
        job = self._hear(instance, heard, "Medium", deadline, now) if heard else None
        self._sync_status(instance, now)
        return instance.round, job

    # --- instances: context and status -----------------------------------------------------

    def messages(self, instance_id: str) -> dict[str, Any]:
        instance = self.instance(instance_id)
        return {"Total": len(instance.messages), "MessageList": copy.deepcopy(instance.messages)}

    def reset_messages(self, instance_id: str) -> None:
        self.instance(instance_id).messages = []

    def add_messages(self, instance_id: str, messages: list[dict]) -> None:
        """Append to the context. No LLM call, no subtitles, and Round does not move."""
        instance = self.instance(instance_id)
        for message in messages:
            self._remember(instance, message["Role"], message["Content"])

    def status(self, instance_id: str, now: float) -> str:
        return self.status_of(self.instance(instance_id), now)

    def status_of(self, instance: Instance, now: float) -> str:
        if instance.listening:
            return LISTENING
        if any(s.start <= now < s.end for s in instance.speeches):
            return SPEAKING
        if instance.turns:
            return THINKING
        if instance.kind == LIVE_DIGITAL_HUMAN or instance.walkie_talkie:
            return IDLE
        return LISTENING if self.user_in_room(instance.room_id, instance.user_id) else IDLE

    # --- presence and the passage of time --------------------------------------------------

    def user_in_room(self, room_id: str, user_id: str) -> bool:
        return bool(self.presence.get(room_id, {}).get(user_id, {}).get("InRoom"))

    def set_presence(self, room_id: str, user_id: str, in_room: bool, now: float) -> list[str]:
        """Record that ``user_id`` joined or left ``room_id``; returns the instances concerned."""
        self.presence.setdefault(room_id, {})[user_id] = {"InRoom": in_room, "Since": now}
        concerned = self.instances.of_user_in_room(room_id, user_id)
        for instance in concerned:
            self._sync_status(instance, now)
        return [i.instance_id for i in concerned]

    def advance(self, now: float) -> None:
        """Apply everything that became due by ``now``; see the module docstring.

        Visits the instances due by ``now`` and those touched since the last call,
        oldest first; the others have nothing to do (:mod:`.schedule`).
        """
        self._schedule.catch_up(self.instances, self._due_rules(), self._next_due)
        for instance in self._schedule.take_visits(self.instances, now):
            self._advance_instance(instance, now)
            if instance.instance_id in self.instances:
                self._schedule.reschedule(instance.instance_id, self._next_due(instance))

    def next_deadline(self) -> float:
        """The earliest time at which :meth:`advance` has something to do (``inf``: none)."""
        self._schedule.catch_up(self.instances, self._due_rules(), self._next_due)
        return self._schedule.earliest()

    def _due_rules(self) -> tuple[Any, Any]:
        """The settings every due time depends on (when they change, every one is recomputed)."""
        return self.settings.get("idle_rule"), self.settings.get("idle_time_scale")

    def _next_due(self, instance: Instance) -> float:
        """When :meth:`advance` next has something to do on ``instance`` (``inf``: never)."""
        due = min([math.inf] + [s.end for s in instance.speeches])
        due = min([due] + [t.deadline for t in instance.turns])
        if instance.shutdown_deadline is not None:
            due = min(due, instance.shutdown_deadline)
        if self.settings["idle_rule"]:
            due = min(due, self._idle_deadline(instance))
        return due

    def _advance_instance(self, instance: Instance, now: float) -> None:
        """What became due on ``instance`` by ``now``: LLM timeouts, speeches ended, a
        graceful shutdown completed, the idle rule; then its status."""
        for turn in [t for t in instance.turns if t.deadline <= now]:
            instance.turns.remove(turn)
            self._emit(
                instance,
                "Exception",
                {
                    "Code": 2201,
                    "Message": "the LLM did not answer in time",
                    "Round": turn.round,
                },
                now,
            )
        instance.speeches = [s for s in instance.speeches if s.end > now]
        if instance.shutdown_deadline is not None and (
            now >= instance.shutdown_deadline or not self._busy(instance, now)
        ):
            self._destroy(instance, 0, now)
            return
        if self.settings["idle_rule"] and now >= self._idle_deadline(instance):
            self._emit(
                instance,
                "Exception",
                {
                    "Code": 1202,
                    "Message": f"user {instance.user_id!r} was not in room "
                    f"{instance.room_id!r} for MaxIdleTime; instance destroyed",
                    "Round": instance.round,
                },
                now,
            )
            self._destroy(instance, 1202, now)
            return
        self._sync_status(instance, now)

    # --- read-only views for the sandbox-only actions --------------------------------------

    def list_instances(self, prefix: str, now: float) -> list[dict[str, Any]]:
        """Live instances whose AgentInstanceId, AgentId, RoomId, UserId or AgentUserId
        starts with ``prefix``."""
        rows = []
        for i in self.instances.values():
            keys = (i.instance_id, i.agent_id, i.room_id, i.user_id, i.agent_user_id)
            if prefix and not any(k.startswith(prefix) for k in keys):
                continue
            rows.append(
                {
                    "AgentInstanceId": i.instance_id,
                    "AgentId": i.agent_id,
                    "UserId": i.user_id,
                    "RoomId": i.room_id,
                    "AgentUserId": i.agent_user_id,
                    "AgentStreamId": i.agent_stream_id,
                    "Kind": i.kind,
                    "Status": self.status_of(i, now),
                    "ShuttingDown": i.shutdown_deadline is not None,
                    "CreatedTimestamp": _ms(i.created),
                }
            )
        return rows

    def event_bodies(self, instance_id: str | None, since: int) -> list[dict[str, Any]]:
        """Bodies of the events after Sequence ``since`` (of one instance, or all)."""
        # The log is in Sequence order: a poller asking for what is new skips the rest.
        first = bisect.bisect_right(self.events, since, key=lambda e: e["body"]["Sequence"])
        return [
            copy.deepcopy(e["body"])
            for e in itertools.islice(self.events, first, None)
            if instance_id is None or e["body"]["AgentInstanceId"] == instance_id
        ]

    def events_since(self, sequence: int) -> list[dict[str, Any]]:
        """Event records (``{"callback", "body"}``) emitted after ``sequence``.

        Asked after each transaction for the few events it just added: walking back from
        the end reads those and one more, fewer than a bisection (event_bodies bisects:
        a poller's ``since`` may lie anywhere in the log)."""
        new = []
        for record in reversed(self.events):
            if record["body"]["Sequence"] <= sequence:
                break
            new.append(record)
        return new[::-1]

    # --- internals -------------------------------------------------------------------------

    def _emit(self, instance: Instance, event: str, data: dict[str, Any], now: float) -> None:
        self.sequence += 1
        if event == SANDBOX_NOTE:
            callback = False
        elif event in ALWAYS_SENT:
            callback = True
        else:
            callback = instance.callback_config.get(event) == 1
        body = {
            "AppId": self.app_id,
            "Event": event,
            "Timestamp": _ms(now),
            "AgentInstanceId": instance.instance_id,
            "AgentUserId": instance.agent_user_id,
            "AgentId": instance.agent_id,
            "Name": instance.agent_name,
            "RoomId": instance.room_id,
            "Sequence": self.sequence,
            "Data": data,
        }
        self.events.append({"callback": callback, "body": body})
        del self.events[:-MAX_EVENTS]

    def _note(self, instance: Instance, message: str, now: float, round_: int | None = None):
        data = {"Round": instance.round if round_ is None else round_, "Message": message}
        self._emit(instance, SANDBOX_NOTE, data, now)

    def _sync_status(self, instance: Instance, now: float) -> None:
        status = self.status_of(instance, now)
        if status != instance.reported_status:
            instance.reported_status = status
            data = {"Status": status, "Round": instance.round}
            self._emit(instance, "AgentInstanceStatus", data, now)

    def _destroy(self, instance: Instance, code: int, now: float) -> None:
        averages: dict[str, float] = {}
        for key in ("LLMTTFT", "LLMTPS", "TTSAudioFirstFrameTime", "TotalCost"):
            values = instance.latency.get(key, [])
            mean = sum(values) / len(values) if values else 0
            averages[key] = round(mean, 2) if key == "LLMTPS" else int(round(mean))
        data = {"Code": code, "DeletedTimestamp": _ms(now), "LatencyData": averages}
        self._emit(instance, "AgentInstanceDeleted", data, now)
        self.instances.pop(instance.instance_id, None)
        self._schedule.forget(instance.instance_id)

    def _busy(self, instance: Instance, now: float) -> bool:
        return self.status_of(instance, now) in (THINKING, SPEAKING)

    def _idle_deadline(self, instance: Instance) -> float:
        scale = self.settings["idle_time_scale"]
        if instance.kind == LIVE_DIGITAL_HUMAN:
            since = instance.last_tts or instance.created
            return since + instance.advanced.get("MaxIdleTime", DEFAULT_LIVE_MAX_IDLE) * scale
        seen = self.presence.get(instance.room_id, {}).get(instance.user_id)
        if seen and seen["InRoom"]:
            return math.inf
        since = max(instance.created, seen["Since"]) if seen else instance.created
        return since + instance.advanced.get("MaxIdleTime", DEFAULT_MAX_IDLE) * scale

    def _remember(self, instance: Instance, role: str, content: str) -> None:
        instance.messages.append({"Role": role, "Content": content})
        del instance.messages[:-MAX_HISTORY]

    def _refuse_while_listening(self, instance: Instance) -> None:
        if instance.listening:
            raise SandboxError(
                410001013,
                "the agent is listening (walkie-talkie StartListening): call StopListening "
                "before SendAgentInstanceLLM / SendAgentInstanceTTS",
            )

    def _in_flight_priority(self, instance: Instance, now: float) -> str | None:
        """The highest priority among what is being said, queued or thought about."""
        pending = [s.priority for s in instance.speeches if s.end > now]
        pending += [t.priority for t in instance.turns]
        return max(pending, key=PRIORITY_RANK.__getitem__) if pending else None

    def _make_room(
        self,
        instance: Instance,
        priority: str,
        option: str,
        reason: int,
        queue_full_code: int,
        now: float,
    ) -> None:
        """Apply Priority / SamePriorityOption before a new LLM or TTS item.

        ``High`` (or a higher priority than what is in flight) interrupts;
        the same priority interrupts with ``ClearAndInterrupt`` and queues with
        ``Enqueue``; a lower priority waits its turn. The queue holds at most 5.
        """
        current = self._in_flight_priority(instance, now)
        if current is None:
            return
        new_rank, current_rank = PRIORITY_RANK[priority], PRIORITY_RANK[current]
        if (
            priority == "High"
            or new_rank > current_rank
            or (new_rank == current_rank and option == "ClearAndInterrupt")
        ):
            self._interrupt(instance, reason, now)
            return
        waiting = [s for s in instance.speeches if s.start > now] + instance.turns
        if len(waiting) >= MAX_QUEUE:
            raise SandboxError(
                queue_full_code,
                f"the queue already holds {MAX_QUEUE} items (SamePriorityOption=Enqueue); "
                "wait for the agent to finish or interrupt it",
            )

    def _interrupt(self, instance: Instance, reason: int, now: float) -> None:
        """Drop what is being said, queued and thought; ``Interrupted`` if anything was."""
        active = next((s for s in instance.speeches if s.start <= now < s.end), None)
        waiting = [s for s in instance.speeches if s.start > now]
        if active is None and not waiting and not instance.turns:
            return
        played = ""
        if active is not None:
            share = (now - active.start) / (active.end - active.start)
            played = active.text[: int(len(active.text) * share)]
            round_ = active.round
        elif instance.turns:
            round_ = instance.turns[0].round
        else:
            round_ = waiting[0].round
        instance.speeches = [s for s in instance.speeches if s.end <= now]
        instance.turns = []
        data = {"Round": round_, "Reason": reason, "PlayedText": played}
        self._emit(instance, "Interrupted", data, now)

    def _speak(
        self,
        instance: Instance,
        text: str,
        round_: int,
        priority: str,
        seconds: float,
        now: float,
    ) -> None:
        start = max([now] + [s.end for s in instance.speeches])
        instance.speeches.append(Speech(round_, text, start, start + seconds, priority))

    def _start_turn(
        self,
        instance: Instance,
        text: str,
        system_prompt: str | None,
        add_question: bool,
        add_answer: bool,
        priority: str,
        deadline: float,
        now: float,
    ) -> LLMJob:
        llm = instance.llm or {}
        prompt = system_prompt if system_prompt is not None else llm.get("SystemPrompt", "")
        context = build_llm_context(prompt, instance.messages, instance.window_size, text)
        turn = Turn(instance.round, text, add_question, add_answer, priority, deadline)
        instance.turns.append(turn)
        self._sync_status(instance, now)
        agent_info = {
            "room_id": instance.room_id,
            "agent_instance_id": instance.instance_id,
            "agent_user_id": instance.agent_user_id,
            "user_id": instance.user_id,
            "round_id": instance.round,
            "time_stamp": _ms(now),
        }
        return LLMJob(instance.instance_id, instance.round, copy.deepcopy(llm), context, agent_info)

    def _hear(
        self, instance: Instance, text: str, priority: str, deadline: float, now: float
    ) -> LLMJob:
        """The user's speech was recognised: ASRResult, then an LLM turn (both kept in history)."""
        data = {"UserId": instance.user_id, "Round": instance.round, "Text": text}
        self._emit(instance, "ASRResult", data, now)
        return self._start_turn(instance, text, None, True, True, priority, deadline, now)

    def _finish_turn(
        self, instance_id: str, round_: int, note: str | None, now: float
    ) -> tuple[Instance, Turn] | None:
        """Take pending turn ``round_`` off its instance (logging ``note``), or None if gone.

        A turn is gone when it was interrupted or its instance deleted meanwhile.
        """
        instance = self.instances.get(instance_id)
        if instance is None:
            return None
        turn = next((t for t in instance.turns if t.round == round_), None)
        if turn is None:
            return None
        instance.turns.remove(turn)
        if note:
            self._note(instance, note, now, round_)
        return instance, turn

    def _walkie_talkie(
        self, instance_id: str, user_id: str | None, sequence: int | None
    ) -> tuple[Instance, str]:
        instance = self.instance(instance_id)
        if not instance.walkie_talkie:
            raise SandboxError(
                410001042,
                "this instance is not in walkie-talkie mode: StartListening/StopListening need "
                "AdvancedConfig.CommunicationMode=2 at CreateAgentInstance",
            )
        # "The user who starts the listening mode. The default UserId is used when the
        # Agent instance is created" (start-listening page): another user of the room is
        # accepted, with a Sequence of their own ("each user/device increments independently").
        user = user_id or instance.user_id
        last = instance.last_sequence.get(user)
        if sequence is not None and last is not None and sequence <= last:
            raise SandboxError(
                410001043,
                f"Sequence {sequence} is not newer than the last one ({last}): stale request "
                "ignored (Start and Stop must use increasing Sequence values)",
            )
        return instance, user

    def _send_meta_info(self, instance: Instance, text: str, round_: int, now: float) -> None:
        """AgentInstanceMetaInfo for each MetaInfo block in what the agent says (see meta_info)."""
        vendor = (instance.tts or {}).get("Vendor")
        found = extract_meta_info(text, instance.advanced.get("LLMMetaInfo"), vendor)
        for note in found.notes:
            self._note(instance, note, now, round_)
        for meta in found.meta:
            self._emit(instance, "AgentInstanceMetaInfo", {"Round": round_, "MetaInfo": meta}, now)

    def _send_user_audio(self, instance: Instance, text: str, now: float) -> None:
        """UserAudioData, only when asked for (it is large: up to 1.5 s of audio)."""
        if instance.callback_config.get("UserAudioData") == 1:
            data = user_audio_data(instance.user_id, instance.round, text)
            if data is not None:
                self._emit(instance, "UserAudioData", data, now)

    def _record_latency(
        self,
        instance: Instance,
        ttft_ms: float | None,
        tokens_per_second: float | None,
        tts_first_frame_ms: float,
    ) -> None:
        samples = instance.latency
        if ttft_ms is not None:
            samples.setdefault("LLMTTFT", []).append(ttft_ms)
        if tokens_per_second is not None:
            samples.setdefault("LLMTPS", []).append(tokens_per_second)
        samples.setdefault("TTSAudioFirstFrameTime", []).append(tts_first_frame_ms)
        samples.setdefault("TotalCost", []).append((ttft_ms or 0) + tts_first_frame_ms)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
