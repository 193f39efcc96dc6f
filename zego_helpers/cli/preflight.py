"""``.venv/bin/zego-kit preflight``: the trainer's check, the day before a workshop.

It answers one question: will the room's AppID work tomorrow? In order,
stopping at the first failure:

1. ``doctor``: settings, clock, one signed call, the LLM and TTS settings;
2. which service answers (ZEGO, or a sandbox: then this is only a rehearsal);
3. a full round trip, as every attendee will do it: register an agent,
   create an instance, ask it something and wait for the answer, make it say
   a line, delete the instance, unregister the agent. Nothing is left behind,
   even when a step fails.

With ``--attendees N`` it also prints the capacity plan for the room
(:func:`zego_helpers.capacity.capacity_plan`): with ZEGO's limits (or
``--limit``) against ZEGO, with the sandbox's own limits against a sandbox.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from ..agent_defaults import default_agent_config
from ..capacity import CapacityPlan, capacity_plan, plan_for_sandbox
from ..client import AIAgentClient
from ..connect import connect
from ..constants import DEFAULT_INSTANCE_LIMIT
from ..diagnostics import Check, run_doctor
from ..errors import LimitReachedError, ZegoError
from ..i18n import _
from ..ids import make_agent_id, make_call_ids
from ..sandbox_control import SandboxControl
from ..settings import Settings, load_settings
from ..workflows import AgentSession, ask, ensure_agent

PREFLIGHT_NAMESPACE = "preflight"
QUESTION = "Hello! This is a pre-flight check. Please answer with one short sentence."
LINE = "Pre-flight check: the agent can speak."


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``preflight`` subcommand."""
    parser = subparsers.add_parser(
        "preflight",
        help=_("trainer: doctor, then a full register -> create -> talk -> delete round trip"),
        description=_(
            "Check, the day before a workshop, that the AppID in your settings works end to end. "
            "Leaves nothing behind."
        ),
    )
    parser.add_argument("--attendees", type=int, help=_("also plan capacity for this many people"))
    parser.add_argument(
        "--instances-each", type=int, default=1, help=_("instances per attendee (default 1)")
    )
    parser.add_argument(
        "--limit",
        type=int,
        help=_(
            "the account's concurrent-instance limit (ZEGO's default: {limit}; against a "
            "sandbox, its own limits are used)"
        ).format(limit=DEFAULT_INSTANCE_LIMIT),
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help=_("seconds to wait for the answer (default 30)"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    checks = run_preflight(settings, timeout=args.timeout)
    ok = all(c.ok for c in checks)
    print(_("Pre-flight passed.") if ok else _("Pre-flight FAILED: fix the line marked [FAIL]."))
    if args.attendees:
        print()
        print(room_plan(settings, args.attendees, args.instances_each, args.limit))
    return 0 if ok else 1


def room_plan(
    settings: Settings, attendees: int, instances_each: int = 1, limit: int | None = None
) -> CapacityPlan:
    """The capacity plan for the service the settings point at.

    Against a sandbox (a room sandbox above all), its own limits, as its
    ``SandboxInfo`` says (asked once, so after the pre-flight no new request);
    against ZEGO, ``limit`` or ZEGO's default. A sandbox that cannot be
    reached falls back to ZEGO's defaults: the pre-flight has said why.
    """
    if limit is None:
        with connect(settings) as client:
            try:
                info = SandboxControl(client).info()
            except ZegoError:
                info = None
        if info is not None:
            return plan_for_sandbox(info, attendees, instances_each)
    return capacity_plan(
        attendees, instances_each, DEFAULT_INSTANCE_LIMIT if limit is None else limit
    )


def run_preflight(
    settings: Settings | None = None,
    *,
    timeout: float = 30.0,
    report: Callable[[str], None] = print,
) -> list[Check]:
    """Run the checks, reporting each line as it is known; returns them all."""
    checks: list[Check] = []

    def add(check: Check) -> bool:
        checks.append(check)
        report(check.line())
        return check.ok

    for check in run_doctor(settings):
        if not add(check):
            return checks
    settings = settings or load_settings()
    with connect(settings) as client:
        info = SandboxControl(client).info()
        where = client.base_url
        service = _("Service")
        if info is None:
            detail = _("ZEGO's real service at {where}").format(where=where)
        elif info.room:
            detail = _(
                "the room sandbox at {where} ({limits}), not ZEGO: attendees pointed here work "
                "against it. For ZEGO itself set the workshop AppID's ZEGO_APP_ID and "
                "ZEGO_SERVER_SECRET and run preflight again"
            ).format(where=where, limits=info.limits_text())
        else:
            detail = _(
                "a sandbox at {where}, not ZEGO: this rehearses the flow only. For the real "
                "check set ZEGO_APP_ID and ZEGO_SERVER_SECRET of the workshop's AppID"
            ).format(where=where)
        add(Check(service, True, detail, key="service"))
        _round_trip(client, settings, timeout, add)
    return checks


def _step(
    add: Callable[[Check], bool], key: str, name: str, action: Callable[[], str], fix: str
) -> bool:
    """Run one step of the round trip, timed; report it as a check line."""
    started = time.perf_counter()
    try:
        detail = action()
    except LimitReachedError as error:
        return add(
            Check(
                name,
                False,
                _("code {code}: every instance slot of the account is busy").format(
                    code=error.code
                ),
                _(
                    "delete leftovers ({command}) or wait until idle instances expire, then run "
                    "preflight again"
                ).format(command="`.venv/bin/zego-kit cleanup --all-attendees`"),
                key=key,
            )
        )
    except ZegoError as error:
        return add(Check(name, False, str(error), fix, key=key))
    elapsed_ms = (time.perf_counter() - started) * 1000
    return add(Check(name, True, f"{detail} ({elapsed_ms:.0f} ms)", key=key))


def _round_trip(
    client: AIAgentClient, settings: Settings, timeout: float, add: Callable[[Check], bool]
) -> None:
    """Register -> create -> ask -> say -> delete -> unregister; cleans up whatever fails."""
    agent_id = make_agent_id(PREFLIGHT_NAMESPACE, base="agent")
    llm, tts = default_agent_config(settings)
    registered = _step(
        add,
        "register",
        _("Register agent"),
        lambda: f"{agent_id} {ensure_agent(client, agent_id, llm=llm, tts=tts)}",
        _("fix the LLM_*/TTS_* settings the error names"),
    )
    if not registered:
        return
    session = AgentSession(client, agent_id, make_call_ids(PREFLIGHT_NAMESPACE))
    try:
        created = _step(
            add, "create", _("Create instance"), session.start, _("read the fix in the error")
        )
        if not created:
            return

        def talk() -> str:
            assert session.instance_id is not None
            text = ask(client, session.instance_id, QUESTION, timeout=timeout).text
            shown = text if len(text) <= 80 else text[:79] + "…"
            return _("the agent answered {text}").format(text=repr(shown))

        def speak() -> str:
            assert session.instance_id is not None
            client.send_agent_instance_tts(session.instance_id, LINE)
            return _("SendAgentInstanceTTS accepted")

        try:
            fix = _("check the LLM settings (a rejected key only shows as Exception 2203)")
            if _step(add, "talk", _("Talk"), talk, fix):
                _step(add, "speak", _("Speak"), speak, _("check the TTS settings"))
        finally:

            def delete() -> str:
                session.stop()
                return _("deleted")

            fix = _("run {command}").format(command="`.venv/bin/zego-kit cleanup --all-attendees`")
            _step(add, "delete", _("Delete instance"), delete, fix)
    finally:
        try:
            client.unregister_agent(agent_id)
        except ZegoError as error:
            add(
                Check(
                    _("Unregister agent"),
                    False,
                    str(error),
                    _("unregister {agent_id} by hand").format(agent_id=agent_id),
                    key="unregister",
                )
            )
