"""Exercise checks for notebooks 01-04: did you get it right, and if not, what to fix.

Each check looks at what really happened (the agent ZEGO stored, the
conversation, the requests the kit saw) and returns a :class:`CheckResult`:
``passed`` and a ``message`` in plain words. A wrong answer never raises.

Three levels, so that a check teaches instead of giving the answer away:

1. the **message** says what is wrong *in general* ("your prompt does not
   make the agent start with the required word");
2. ``check.hint()`` gives the concrete next step (the call, the value),
   only when you ask for it;
3. the full solutions stay with the trainer, in ``solutions/``.

=====  ======================================  =================================
Nb     Exercise                                Check
=====  ======================================  =================================
01     The agent speaks like a pirate          :func:`check_pirate_reply`
01     The agent's voice comes from MiniMax    :func:`check_tts_vendor`
02     An instance with MaxIdleTime 300 and    :func:`check_instance_options`
       WindowSize 4
03     A High-priority line while the agent    :func:`check_high_priority_line`
       speaks
04     Nothing of yours is left running        :func:`check_nothing_left`
=====  ======================================  =================================

The checks' own requests are not counted in your progress checklist.
"""

from __future__ import annotations

import copy
import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..client import AIAgentClient
from ..errors import LimitReachedError, NotFoundError, ZegoError
from ..i18n import N_, _, ngettext
from ..ids import belongs_to, make_agent_id, make_call_ids, namespace_prefix
from ..models import to_api_value
from ..sandbox_control import SandboxControl
from ..settings import Settings, load_settings
from ..workflows import AgentSession, ask
from .marks import badge_html, tone_colour
from .progress import tracker_for

#: The sandbox's ``Interrupted`` reason for "a TTS line interrupted the agent".
INTERRUPTED_BY_TTS = 3


@dataclass(frozen=True)
class Hint:
    """The concrete next step of a check that did not pass (what ``check.hint()`` shows)."""

    text: str

    def __str__(self) -> str:
        return _("Hint: {text}").format(text=self.text)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        badge = badge_html(_("hint"), "warn")
        return (
            f'<div style="border-left:4px solid {tone_colour("warn")};padding:4px 10px;'
            'text-align:left">'
            f"{badge}{html.escape(self.text)}</div>"
        )


#: What :meth:`CheckResult.hint` says when there is nothing more to tell.
NO_HINT = N_("There is no hint for this one: the message above says all there is to do.")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one exercise check. ``bool(result)`` is ``result.passed``.

    ``message`` says what is wrong in general; :meth:`hint` the concrete step.
    """

    passed: bool
    message: str
    concrete: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return _("{mark}: {message}").format(mark=_mark_word(self.passed), message=self.message)

    __repr__ = __str__  # the hint stays out of sight until asked for

    def hint(self) -> Hint:
        """The concrete next step (the call or the value to use): ask only when you are stuck."""
        return Hint(self.concrete or _(NO_HINT))

    def _repr_html_(self) -> str:
        mark = badge_html(_mark_word(self.passed), "good" if self.passed else "bad")
        color = tone_colour("good" if self.passed else "bad")
        stuck = (
            '<br><small style="color:#555">'
            + html.escape(_("Stuck? {call} tells you the next step.")).format(
                call="<code>check.hint()</code>"
            )
            + "</small>"
            if self.concrete and not self.passed
            else ""
        )
        return (
            f'<div style="border-left:4px solid {color};padding:4px 10px;text-align:left">'
            f"{mark}{html.escape(self.message)}{stuck}</div>"
        )


def _mark_word(passed: bool) -> str:
    # TRANSLATORS: the badge of an exercise check: it passed, or not yet.
    return _("Passed") if passed else _("Not yet")


def _passed(message: str) -> CheckResult:
    return CheckResult(True, message)


def _failed(message: str, hint: str = "") -> CheckResult:
    """Not yet: ``message`` says what is wrong in general, ``hint`` the concrete step."""
    return CheckResult(False, message, hint)


def _never_raises(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """A check reports problems in its result instead of raising them."""

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> CheckResult:
        try:
            return check(*args, **kwargs)
        except LimitReachedError:
            return _failed(
                _(
                    "All instance slots are busy (410000011), so the check could not start its "
                    "own short instance. Delete an instance you no longer need (notebook 04, or "
                    "`.venv/bin/zego-kit cleanup`) and run the check again."
                )
            )
        except ZegoError as error:
            return _failed(_("The check could not finish: {error}").format(error=error))
        except Exception as error:  # a wrong argument (a typo, a missing object): explain it
            return _failed(
                _(
                    "The check could not run ({type}: {error}). Look at the arguments you "
                    "passed: the exercise text shows the call to make."
                ).format(type=type(error).__name__, error=error)
            )

    return run


def _untracked(client: AIAgentClient) -> AIAgentClient:
    """The same client without observers, so a check's requests tick no progress off."""
    view = copy.copy(client)
    view.observers = []
    return view


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _agent(client: AIAgentClient, agent_id: str) -> dict[str, Any] | None:
    return client.get_agent(agent_id)


def _no_instance() -> CheckResult:
    return _failed(
        _(
            "No instance id was given: run the exercise cell first (it sets the id), then this "
            "check."
        )
    )


def _not_registered(agent_id: str) -> CheckResult:
    return _failed(
        _(
            "Agent {agent_id} is not registered yet: run the registration cells of notebook 01 "
            "first, then this check."
        ).format(agent_id=repr(agent_id))
    )


# --- notebook 01 -----------------------------------------------------------------------------


@_never_raises
def check_pirate_reply(
    client: AIAgentClient,
    agent_id: str | None = None,
    *,
    settings: Settings | None = None,
    timeout: float = 30.0,
) -> CheckResult:
    """01: the stored system prompt makes the agent a pirate who starts with "Ahoy".

    Reads the agent ZEGO stored (QueryAgents), then starts a short instance,
    says hello and checks the reply; the instance is always deleted.
    """
    settings = settings or load_settings()
    client = _untracked(client)
    agent_id = agent_id or make_agent_id(settings.attendee)
    agent = _agent(client, agent_id)
    if agent is None:
        return _not_registered(agent_id)
    prompt = str((agent.get("LLM") or {}).get("SystemPrompt") or "")
    if "pirate" not in prompt.lower():
        return _failed(
            _(
                "Your agent's stored system prompt is {prompt}: it does not tell the agent who "
                "to be yet. The system prompt is where an agent's persona lives; change it, "
                "update the agent, then run this check."
            ).format(prompt=repr(_short(prompt))),
            _(
                "Set {assignment} and run the cell above: it updates the stored LLM with "
                "ensure_agent."
            ).format(assignment="PIRATE_PROMPT = 'You are a pirate. Always start with \"Ahoy\".'"),
        )
    with AgentSession(client, agent_id, make_call_ids(settings.attendee)) as session:
        assert session.instance_id is not None
        reply = ask(client, session.instance_id, "Hello! Who are you?", timeout=timeout)
    if "ahoy" not in reply.text.lower():
        return _failed(
            _(
                "Your prompt makes the agent a pirate, but its answer {answer} does not start "
                "with the required word. An LLM follows explicit instructions best: say how "
                "every reply must begin."
            ).format(answer=repr(_short(reply.text))),
            _(
                "Add {sentence} to the prompt (the sandbox's stand-in LLM follows exactly that "
                "pattern, with the word in quotes)."
            ).format(sentence="'Always start with \"Ahoy\".'"),
        )
    return _passed(
        _("Arr! Asked {question}, your agent answered: {answer}").format(
            question="'Hello! Who are you?'", answer=repr(reply.text)
        )
    )


@_never_raises
def check_tts_vendor(
    client: AIAgentClient,
    agent_id: str | None = None,
    *,
    vendor: str = "MiniMax",
    settings: Settings | None = None,
) -> CheckResult:
    """01: the agent ZEGO stored speaks with ``vendor`` (MiniMax) and names a voice."""
    settings = settings or load_settings()
    client = _untracked(client)
    agent_id = agent_id or make_agent_id(settings.attendee)
    agent = _agent(client, agent_id)
    if agent is None:
        return _not_registered(agent_id)
    tts = agent.get("TTS") or {}
    stored = str(tts.get("Vendor") or "")
    if stored == vendor:
        voice = ((tts.get("Params") or {}).get("voice_setting") or {}).get("voice_id")
        if vendor == "MiniMax" and not voice:
            return _failed(
                _("The vendor is MiniMax, but no voice is chosen: MiniMax needs one."),
                _(
                    "Use {trial}, or {builder} with your own key: both fill in "
                    "Params.voice_setting.voice_id."
                ).format(
                    trial="TTS.trial('MiniMax')", builder="TTS.minimax(api_key=..., voice_id=...)"
                ),
            )
        speaks = (
            _("Agent {agent_id} now speaks with {vendor} with voice {voice}.")
            if voice
            else _("Agent {agent_id} now speaks with {vendor}.")
        ).format(agent_id=repr(agent_id), vendor=vendor, voice=repr(voice))
        return _passed(
            speaks
            + _(
                " New instances use it; an instance that is already running keeps the vendor "
                "it started with."
            )
        )
    if stored.lower() == vendor.lower():
        return _failed(
            _(
                "The vendor is stored as {stored}: vendor names are case-sensitive, and ZEGO "
                "does not know this spelling."
            ).format(stored=repr(stored)),
            _(
                "Spell it exactly {vendor}; the TTS builders (TTS.trial, TTS.minimax) do that "
                "for you."
            ).format(vendor=repr(vendor)),
        )
    return _failed(
        _(
            "Agent {agent_id} still speaks with {stored}: the agent ZEGO stored has not changed "
            "its voice yet."
        ).format(agent_id=repr(agent_id), stored=repr(stored) if stored else _("no TTS vendor")),
        _(
            "{assignment} (or {builder} with your own key); the cell then updates the agent: "
            "{update}."
        ).format(
            assignment=f"new_tts = TTS.trial({vendor!r})",
            builder="TTS.minimax(api_key=..., voice_id=...)",
            update="ensure_agent(client, agent_id, tts=new_tts)",
        ),
    )


# --- notebook 02 -----------------------------------------------------------------------------


def _sent_options(
    settings: Settings,
    instance_id: str,
    advanced_config: Any,
    message_history: Any,
) -> tuple[dict[str, Any] | None, str]:
    """(MaxIdleTime/WindowSize as sent, where they come from), or (None, "") if unknown."""
    facts = tracker_for(settings).facts("CreateAgentInstance", instance_id)
    if facts:
        return facts[-1], _("as sent to CreateAgentInstance")
    if advanced_config is None and message_history is None:
        return None, ""
    advanced = to_api_value(advanced_config) or {}
    history = to_api_value(message_history) or {}
    return (
        {"MaxIdleTime": advanced.get("MaxIdleTime"), "WindowSize": history.get("WindowSize")},
        _("in the objects you passed (the kit did not see the request: track(client) lets it)"),
    )


@_never_raises
def check_instance_options(
    client: AIAgentClient,
    instance_id: str,
    *,
    max_idle_time: int = 300,
    window_size: int = 4,
    advanced_config: Any = None,
    message_history: Any = None,
    settings: Settings | None = None,
) -> CheckResult:
    """02: instance ``instance_id`` runs, created with MaxIdleTime 300 and WindowSize 4.

    ZEGO cannot show an instance's settings after the fact, so the check uses
    what the tracked client sent (see :func:`zego_helpers.progress.track`);
    without tracking, pass the ``advanced_config`` and ``message_history``
    you created it with.
    """
    if not instance_id:
        return _no_instance()
    settings = settings or load_settings()
    client = _untracked(client)
    sent, source = _sent_options(settings, instance_id, advanced_config, message_history)
    if sent is None:
        return _failed(
            _(
                "The kit saw no CreateAgentInstance answer with id {instance_id}. Create the "
                "instance with the notebook's client (made with track(connect())), then pass "
                "its AgentInstanceId; or pass the objects you used: {call}."
            ).format(
                instance_id=repr(instance_id),
                call="check_instance_options(client, instance_id, advanced_config=advanced, "
                "message_history=history)",
            )
        )
    try:
        status = client.query_agent_instance_status(instance_id).get("Status")
    except NotFoundError:
        return _failed(
            _(
                "Instance {instance_id} no longer exists (deleted, or destroyed after its idle "
                "time). Create it again with the settings of the exercise, then run this check."
            ).format(instance_id=instance_id)
        )
    problems, steps = [], []
    idle = sent.get("MaxIdleTime")
    if idle != max_idle_time:
        got = _("not set (ZEGO's default is 120 s)") if idle is None else f"{idle} s"
        problems.append(
            _("how long it waits for an absent user (MaxIdleTime) is {value}").format(value=got)
        )
        steps.append(f"exercise_advanced = AdvancedConfig(max_idle_time={max_idle_time})")
    window = sent.get("WindowSize")
    if window != window_size:
        got = _("not set (ZEGO's default is 20)") if window is None else str(window)
        problems.append(
            _("how many recent messages the LLM sees (WindowSize) is {value}").format(value=got)
        )
        steps.append(f"exercise_history = MessageHistory(window_size={window_size})")
    if problems:
        return _failed(
            _(
                "Instance {instance_id} runs, but {problems} ({source}): not what the exercise "
                "asks. Both are fixed at creation, so run the exercise cell again with other "
                "values (it deletes this try first)."
            ).format(instance_id=instance_id, problems=_("; and ").join(problems), source=source),
            "; ".join(steps) + ".",
        )
    return _passed(
        _(
            "Instance {instance_id} is {status}, with MaxIdleTime {idle} s and WindowSize "
            "{window} ({source}): it waits 5 minutes for an absent user, and the LLM sees the "
            "last {window} messages of the conversation."
        ).format(instance_id=instance_id, status=status, idle=idle, window=window, source=source)
    )


# --- notebook 03 -----------------------------------------------------------------------------


@_never_raises
def check_high_priority_line(
    client: AIAgentClient,
    instance_id: str,
    text: str | None = None,
    *,
    settings: Settings | None = None,
) -> CheckResult:
    """03: a SendAgentInstanceTTS line with Priority High, sent while the agent was talking.

    Uses the lines the tracked client sent (the newest one, or the one with
    ``text``), the conversation (GetAgentInstanceMsgList) and, in a sandbox,
    its ``Interrupted`` event, which proves the line cut into the agent's answer.
    """
    if not instance_id:
        return _no_instance()
    settings = settings or load_settings()
    client = _untracked(client)
    lines = tracker_for(settings).facts("SendAgentInstanceTTS", instance_id)
    if text is not None:
        lines = [f for f in lines if f.get("Text", "").strip() == text.strip()]
    if not lines:
        which = _("the line {text}").format(text=repr(text)) if text else _("any line")
        return _failed(
            _(
                "The kit saw no request making the agent say {which} on instance "
                "{instance_id}: the agent was never asked to say it."
            ).format(which=which, instance_id=instance_id),
            _(
                "At the end of the exercise cell: {call}, with the notebook's client (the one "
                "start_notebook() gave you)."
            ).format(
                call="client.send_agent_instance_tts(instance_id, ANNOUNCEMENT, priority='High')"
            ),
        )
    line = lines[-1]
    said, round_ = line.get("Text", ""), line.get("Round")
    if line.get("Priority") != "High":
        return _failed(
            _(
                "Your line {said} went out with Priority {priority} (Medium is the default): "
                "not the priority that goes before everything else."
            ).format(said=repr(said), priority=repr(line.get("Priority") or "Medium")),
            _("Send it again with {argument}, while the agent is still answering.").format(
                argument="priority='High'"
            ),
        )
    try:
        history = client.get_agent_instance_msg_list(instance_id).get("MessageList") or []
    except NotFoundError:
        return _failed(
            _(
                "Instance {instance_id} no longer exists. Create a new one, ask it something "
                "long, and send the High-priority line while it answers."
            ).format(instance_id=instance_id)
        )
    if line.get("AddHistory") is not False and not any(
        m.get("Role") == "assistant" and m.get("Content") == said for m in history
    ):
        return _failed(
            _(
                "The line {said} is not in the conversation: the agent did not say it (a reset "
                "may have removed it). Send it again."
            ).format(said=repr(said))
        )
    sandbox = SandboxControl(client)
    if not sandbox.is_sandbox():
        return _passed(
            _(
                "The agent said {said} with Priority High (round {round}). On the real service "
                "this check cannot see the interruption itself: listen for it in the call."
            ).format(said=repr(said), round=round_)
        )
    events = sandbox.events(instance_id)
    cut_in = any(
        e.get("Event") == "Interrupted"
        and (e.get("Data") or {}).get("Reason") == INTERRUPTED_BY_TTS
        and isinstance(round_, int)
        and (e.get("Data") or {}).get("Round") == round_ - 1
        for e in events
    )
    if not cut_in:
        return _failed(
            _(
                "The agent said {said} with Priority High, but it was silent at that moment, so "
                "nothing was interrupted: the line must go out while the agent is talking."
            ).format(said=repr(said)),
            _(
                "Ask it something long first (send_agent_instance_llm), then send the line at "
                "once, while query_agent_instance_status says SPEAKING (the exercise cell waits "
                "for that)."
            ),
        )
    return _passed(
        _(
            "Your High-priority line {said} cut into the agent's answer (an Interrupted event "
            "with reason {reason}, a TTS line) and was spoken as round {round}."
        ).format(said=repr(said), reason=INTERRUPTED_BY_TTS, round=round_)
    )


# --- notebook 04 -----------------------------------------------------------------------------


@_never_raises
def check_nothing_left(client: AIAgentClient, *, settings: Settings | None = None) -> CheckResult:
    """04: no instance of yours is left, neither in the ledger nor (in a sandbox) on the server.

    Ledger entries whose instance is already gone are forgotten on the way.
    """
    settings = settings or load_settings()
    client = _untracked(client)
    namespace = namespace_prefix(settings.attendee)
    left: dict[str, str] = {}
    if client.ledger is not None:
        entries = client.ledger.entries(
            app_id=client.app_id, api_base_url=None if settings.is_sandbox else client.base_url
        )
        for entry in entries:
            if namespace and not belongs_to(
                namespace, entry.room_id, entry.user_id, entry.agent_user_id
            ):
                continue
            try:
                client.query_agent_instance_status(entry.agent_instance_id)
            except NotFoundError:
                client.ledger.forget(entry.agent_instance_id)
                continue
            left[entry.agent_instance_id] = entry.room_id
        # A create whose answer never came may have started an instance: cleanup settles it.
        for entry in client.ledger.pending_creates(
            app_id=client.app_id, api_base_url=None if settings.is_sandbox else client.base_url
        ):
            if not namespace or belongs_to(
                namespace, entry.room_id, entry.user_id, entry.agent_user_id
            ):
                label = _("unanswered create of agent user {agent_user_id}")
                left[label.format(agent_user_id=entry.agent_user_id)] = entry.room_id
    # A private sandbox is all yours; in a shared one only your namespace is.
    sandbox = SandboxControl(client)
    listed_sandbox = sandbox.is_sandbox() and bool(namespace or settings.is_sandbox)
    if listed_sandbox:
        for row in sandbox.list_instances(f"{namespace}_" if namespace else ""):
            if not namespace or belongs_to(
                namespace, row.get("RoomId", ""), row.get("UserId", ""), row.get("AgentUserId", "")
            ):
                left[str(row["AgentInstanceId"])] = row.get("RoomId", "")
    if left:
        shown = _(", ").join(
            _("{instance} (room {room})").format(instance=i, room=r)
            for i, r in list(left.items())[:5]
        )
        if len(left) > 5:
            shown += _(" and {count} more").format(count=len(left) - 5)
        return _failed(
            ngettext(
                "{count} instance of yours still runs: {shown}. Each takes one of the "
                "account's slots, shared by everybody on the AppID.",
                "{count} instances of yours still run: {shown}. Each takes one of the "
                "account's slots, shared by everybody on the AppID.",
                len(left),
            ).format(count=len(left), shown=shown),
            _(
                "Run the cleanup cell above, or `.venv/bin/zego-kit cleanup` in a terminal (in "
                "a sandbox, `.venv/bin/zego-kit cleanup --sandbox-all` also finds what only the "
                "sandbox knows; with your name set, both touch only yours)."
            ),
        )
    if namespace:
        whose = _("Nothing is left running for attendee {attendee}").format(
            attendee=repr(settings.attendee)
        )
    else:
        whose = _("Nothing is left running for you")
    return _passed(
        whose
        + (
            _(": the ledger holds no live instance, and the sandbox lists none.")
            if listed_sandbox
            else _(": the ledger holds no live instance.")
        )
    )
