"""Every public entry point answers a wrong type with a kit error, before any request.

The calls are generated: for each public method of ``AIAgentClient`` and each
workflow, every parameter in turn gets values of the wrong type (ints, lists,
``None``, bytes, arbitrary objects where a string, model or dict belongs),
while the other parameters keep valid values. Each call must raise a
``ZegoError`` (in practice ``ValidationError``) that names the parameter, and
must never touch the transport: it is replaced by one that fails the test.
A raw ``TypeError``/``AttributeError`` from deep inside fails the test too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from zego_helpers.client import AIAgentClient
from zego_helpers.errors import ValidationError, ZegoError
from zego_helpers.ids import make_call_ids
from zego_helpers.models import ASR, LLM, TTS, MessageHistory
from zego_helpers.workflows import AgentSession, ask, ensure_agent, wait_for_status

# Some calls below give the live digital human a full RTC (with UserStreamId): the
# DocsWarning that earns is tested elsewhere; here only the wrong types matter.
pytestmark = pytest.mark.filterwarnings("ignore::zego_helpers.docs.DocsWarning")

SECRET = "fedcba9876543210fedcba9876543210"


class TransportThatMustNotBeCalled:
    """Stands in for SignedTransport: any request is a test failure."""

    app_id = 1234567890
    base_url = "http://127.0.0.1:9"

    def call(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        pytest.fail(f"{action} reached the transport with a wrong-typed argument: {body!r}")

    def close(self) -> None:
        pass


def offline_client() -> AIAgentClient:
    client = AIAgentClient(1234567890, SECRET, "http://127.0.0.1:9", max_retries=0)
    client.transport = TransportThatMustNotBeCalled()  # type: ignore[assignment]
    return client


IDS = make_call_ids("ada")
RTC = IDS.to_rtc()

#: A valid value for each parameter name, so only one argument at a time is wrong.
VALID: dict[str, Any] = {
    "agent_id": "agent_1",
    "user_id": IDS.user_id,
    "rtc": RTC,
    "digital_human": {"DigitalHumanId": "dh"},
    "name": "Ada",
    "llm": LLM.trial(),
    "tts": TTS.trial(),
    "asr": ASR.tencent("16k_en"),
    "vad": None,
    "message_history": MessageHistory(),
    "callback_config": None,
    "advanced_config": None,
    "limit": 3,
    "cursor": "",
    "page_size": 3,
    "agent_ids": ["agent_1"],
    "agent_instance_id": "i1",
    "text": "Hello",
    "messages": [{"Role": "user", "Content": "Hi"}],
    "action": "ListAgents",
    "body": {},
    "observer": lambda *_args: None,
    "cdn_url": "rtmp://example.com/live",
    "user_stream_id": None,
    "graceful": False,
    "graceful_timeout": None,
    "missing_ok": False,
    "system_prompt": None,
    "add_question_to_history": True,
    "add_answer_to_history": True,
    "add_history": None,
    "priority": None,
    "same_priority_option": None,
    "sequence": None,
    "ids": IDS,
    "statuses": ("LISTENING",),
    "timeout": 1.0,
    "interval": 0.1,
}

OBJ = object()
#: Wrong values by what a parameter expects.
NOT_A_STRING = [7, 1.5, True, [1], {"a": 1}, b"bytes", OBJ]
NOT_A_MODEL = ["x", 7, True, [1], b"bytes", OBJ]
NOT_AN_INT = ["3", 1.5, True, [1], b"3", OBJ]
NOT_A_BOOL = ["yes", 7, [1], OBJ]
NOT_A_LIST = ["abc", 7, {"a": 1}, OBJ, [7], [OBJ]]

WRONG: dict[str, list[Any]] = {
    **{name: [None, *NOT_A_STRING] for name in
       ("agent_id", "user_id", "agent_instance_id", "text", "action")},
    **{name: NOT_A_STRING for name in
       ("name", "system_prompt", "priority", "same_priority_option", "cdn_url",
        "user_stream_id")},
    "cursor": [None, *NOT_A_STRING],
    **{name: NOT_A_MODEL for name in
       ("llm", "tts", "asr", "vad", "message_history", "callback_config", "advanced_config")},
    "rtc": [None, *NOT_A_MODEL, LLM.trial()],
    "digital_human": [None, *NOT_A_MODEL],
    **{name: [None, *NOT_AN_INT] for name in ("limit", "page_size")},
    **{name: NOT_AN_INT for name in ("graceful_timeout", "sequence")},
    **{name: NOT_A_BOOL for name in
       ("graceful", "missing_ok", "add_question_to_history", "add_answer_to_history",
        "add_history")},
    "agent_ids": [None, *NOT_A_LIST],
    "messages": [None, *NOT_A_LIST],
    "body": [[1], "x", 7, OBJ],
    "observer": ["x", 7, None],
    "ids": [None, {}, "ids", RTC],
    "statuses": ["LISTENING", 7, None, [7], ()],
    "timeout": ["1", None, [1], float("nan"), -1],
    "interval": ["1", None, [1], float("inf")],
}  # fmt: skip

#: Client methods that only hold state or talk to no API.
NOT_ACTIONS = {"close"}
#: Parameters that may be ``None`` in these methods (and must be elsewhere):
#: the live digital human takes a CDN URL instead of RTC; listening needs no user.
OPTIONAL_IN = {
    ("create_live_digital_human_agent_instance", "rtc"),
    ("start_listening", "user_id"),
    ("stop_listening", "user_id"),
}


def _client_methods() -> list[str]:
    return sorted(
        name
        for name, member in inspect.getmembers(AIAgentClient, inspect.isfunction)
        if not name.startswith("_") and name not in NOT_ACTIONS
    )


def _workflow_calls(client: AIAgentClient) -> dict[str, Callable[..., Any]]:
    return {
        "ensure_agent": lambda **kw: ensure_agent(client, **kw),
        "AgentSession": lambda **kw: AgentSession(client, **kw).start(),
        "wait_for_status": lambda **kw: wait_for_status(client, **kw),
        "ask": lambda **kw: ask(client, **kw),
    }


_WORKFLOW_SIGNATURES = {
    "ensure_agent": ensure_agent,
    "AgentSession": AgentSession.__init__,
    "wait_for_status": wait_for_status,
    "ask": ask,
}


def _parameters(function: Callable[..., Any], skip: int) -> list[str]:
    return [
        p.name
        for p in list(inspect.signature(function).parameters.values())[skip:]
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


def _cases() -> list[tuple[str, str, Any]]:
    cases = []
    for method in _client_methods():
        for param in _parameters(getattr(AIAgentClient, method), skip=1):
            for value in WRONG[param]:
                if value is None and (method, param) in OPTIONAL_IN:
                    continue
                cases.append((method, param, value))
    for name, function in _WORKFLOW_SIGNATURES.items():
        skip = 2 if name == "AgentSession" else 1  # self and client / client
        for param in _parameters(function, skip=skip):
            for value in WRONG[param]:
                cases.append((name, param, value))
    return cases


CASES = _cases()
PARAMS = [
    pytest.param(entry, param, value, id=f"{entry}-{param}-{type(value).__name__}-{i}")
    for i, (entry, param, value) in enumerate(CASES)
]


def test_every_public_method_and_parameter_is_covered():
    covered = {(entry, param) for entry, param, _ in CASES}
    methods = _client_methods()
    assert len(methods) >= 23  # the 19 actions, call, add_observer, get_agent, iter_agents
    for method in methods:
        for param in _parameters(getattr(AIAgentClient, method), skip=1):
            assert (method, param) in covered, (method, param)
    assert len(CASES) > 300


def _call(entry: str, param: str, value: Any) -> Any:
    client = offline_client()
    if entry in _WORKFLOW_SIGNATURES:
        function = _WORKFLOW_SIGNATURES[entry]
        skip = 2 if entry == "AgentSession" else 1
        kwargs = {p: VALID[p] for p in _parameters(function, skip)}
        kwargs[param] = value
        return _workflow_calls(client)[entry](**kwargs)
    method = getattr(client, method_name := entry)
    kwargs = {p: VALID[p] for p in _parameters(getattr(AIAgentClient, method_name), skip=1)}
    kwargs[param] = value
    result = method(**kwargs)
    return list(result) if method_name == "iter_agents" else result


@pytest.mark.parametrize(("entry", "param", "value"), PARAMS)
def test_a_wrong_type_is_a_kit_error_before_any_request(entry, param, value):
    try:
        _call(entry, param, value)
    except ZegoError as error:
        assert isinstance(error, ValidationError), repr(error)
        return
    pytest.fail(f"{entry}({param}={value!r}) was accepted")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.register_agent("a", llm="x"), "LLM"),
        (lambda c: AgentSession(c, "a", {}), "ids"),
        (lambda c: c.call("ListAgents", [1]), "body"),
        (lambda c: AgentSession(c, "a", IDS, lmm=LLM.trial()), "lmm"),
        (lambda c: ask(c, "i1", "Hi", priorty="High"), "priorty"),
        (lambda c: ensure_agent("not a client", "a"), "client"),
    ],
)
def test_the_error_names_the_argument_and_what_is_expected(call, field):
    with pytest.raises(ValidationError) as caught:
        call(offline_client())
    assert caught.value.field == field
    assert "must" in caught.value.problem or "use one of" in caught.value.problem


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("1", SECRET), "app_id"),
        ((0, SECRET), "app_id"),
        ((True, SECRET), "app_id"),
        ((1, 7), "server_secret"),
        ((1, "short"), "server_secret"),
        ((1, SECRET, 7), "base_url"),
    ],
)
def test_the_client_constructor_checks_its_arguments(args, field):
    with pytest.raises(ValidationError) as caught:
        AIAgentClient(*args)
    assert caught.value.field == field
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"timeout": "3"}, "timeout"),
        ({"timeout": (1, 2, 3)}, "timeout"),
        ({"max_retries": "2"}, "max_retries"),
        ({"requests_per_second": 0}, "requests_per_second"),
    ],
)
def test_the_client_constructor_checks_its_options(options, field):
    with pytest.raises(ValidationError) as caught:
        AIAgentClient(1, SECRET, **options)
    assert caught.value.field == field
