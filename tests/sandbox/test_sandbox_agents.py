"""Agent configuration: RegisterAgent, UnregisterAgent, UpdateAgent, ListAgents, QueryAgents."""

from __future__ import annotations

import pytest

from .helpers import TRIAL_URL, Api, rtc, trial_llm, trial_tts


def test_register_then_query_returns_the_stored_agent(api: Api) -> None:
    api.register("helper", LLM=trial_llm(SystemPrompt="You are Nova."))
    agents = api.ok("QueryAgents", {"AgentIds": ["helper", "unknown"]})["Agents"]
    assert len(agents) == 1  # unknown ids are left out
    assert agents[0]["AgentId"] == "helper"
    assert agents[0]["Name"] == "Tester"
    assert agents[0]["LLM"]["SystemPrompt"] == "You are Nova."
    assert agents[0]["TTS"]["Vendor"] == "ByteDanceV3"


def test_registering_twice_gives_410001008(api: Api) -> None:
    api.register("twice")
    body = {"AgentId": "twice", "LLM": trial_llm(), "TTS": trial_tts()}
    assert "UpdateAgent" in api.fails("RegisterAgent", body, 410001008)


def test_only_agent_id_is_required(api: Api) -> None:
    api.ok("RegisterAgent", {"AgentId": "bare"})
    assert api.ok("QueryAgents", {"AgentIds": ["bare"]})["Agents"] == [
        {"AgentId": "bare", "Name": ""}
    ]


def test_unregister_removes_the_agent(api: Api) -> None:
    api.register("gone")
    api.ok("UnregisterAgent", {"AgentId": "gone"})
    assert api.ok("QueryAgents", {"AgentIds": ["gone"]})["Agents"] == []
    api.fails("UnregisterAgent", {"AgentId": "gone"}, 410001009)


def test_update_of_an_unknown_agent_gives_410001009(api: Api) -> None:
    api.fails("UpdateAgent", {"AgentId": "nobody", "Name": "x"}, 410001009)


def test_update_replaces_whole_objects_and_keeps_the_ones_left_out(api: Api) -> None:
    api.register("upd", LLM=trial_llm(SystemPrompt="old prompt", Temperature=0.3))
    api.ok("UpdateAgent", {"AgentId": "upd", "LLM": trial_llm(Model="doubao-1-5-pro-32k-250115")})
    agent = api.ok("QueryAgents", {"AgentIds": ["upd"]})["Agents"][0]
    assert agent["LLM"]["Model"] == "doubao-1-5-pro-32k-250115"
    assert "SystemPrompt" not in agent["LLM"]  # the whole LLM object was replaced
    assert "Temperature" not in agent["LLM"]
    assert agent["TTS"] == trial_tts()  # not sent, so kept
    assert agent["Name"] == "Tester"


@pytest.mark.parametrize(
    ("agent_id", "problem"),
    [("has space", "character"), ("a" * 129, "128"), ("", "non-empty"), ("é", "character")],
)
def test_invalid_agent_ids_are_refused_naming_the_field(
    api: Api, agent_id: str, problem: str
) -> None:
    message = api.fails("RegisterAgent", {"AgentId": agent_id}, 410000003)
    assert message.startswith("AgentId:") and problem in message


def test_agent_id_punctuation_from_the_docs_is_allowed(api: Api) -> None:
    api.ok("RegisterAgent", {"AgentId": "a!#$%&()+-:;<=.>?@[]^_{}|~,z"})


def test_missing_agent_id_is_refused(api: Api) -> None:
    assert api.fails("RegisterAgent", {"Name": "x"}, 410000003) == "AgentId: is required"


def test_name_limits_differ_between_register_and_update(api: Api) -> None:
    assert "Name" in api.fails("RegisterAgent", {"AgentId": "n", "Name": "é" * 129}, 410000003)
    api.ok("RegisterAgent", {"AgentId": "n", "Name": "x" * 256})
    assert "Name" in api.fails("UpdateAgent", {"AgentId": "n", "Name": "x" * 65}, 410000003)
    api.ok("UpdateAgent", {"AgentId": "n", "Name": "x" * 64})


@pytest.mark.parametrize(
    ("llm", "field"),
    [
        ({"ApiKey": "k", "Model": "m"}, "LLM.Url"),
        ({"Url": "api.openai.com/v1", "ApiKey": "k", "Model": "m"}, "LLM.Url"),
        ({"Url": "https://x.test/v1", "Model": "m"}, "LLM.ApiKey"),
        ({"Url": "https://x.test/v1", "ApiKey": "k"}, "LLM.Model"),
        ({"Url": "https://x.test/v1", "ApiKey": "k", "Model": "m", "Temperature": 3}, "LLM.Temp"),
        ({"Url": "https://x.test/v1", "ApiKey": "k", "Model": "m", "TopP": -1}, "LLM.TopP"),
        ({"Url": "https://x.test/v1", "ApiKey": "k", "Model": "m", "Vendor": "Gem"}, "LLM.Vendor"),
        ("not an object", "LLM"),
    ],
)
def test_invalid_llm_objects_are_refused_naming_the_field(api: Api, llm, field: str) -> None:
    message = api.fails("RegisterAgent", {"AgentId": "x", "LLM": llm}, 410000003)
    assert message.startswith(field)


@pytest.mark.parametrize(
    ("tts", "field"),
    [
        ({"Params": {"app": {}}}, "TTS.Vendor"),
        ({"Vendor": "Polly", "Params": {"app": {}}}, "TTS.Vendor"),
        ({"Vendor": "MiniMax"}, "TTS.Params"),
        ({"Vendor": "MiniMax", "Params": {"voice_setting": {}}}, "TTS.Params.app"),
        ({"Vendor": "MiniMax", "Params": {"app": {}}, "TerminatorText": "12345"}, "TTS.Termin"),
        ({"Vendor": "ByteDanceFlowing", "Params": {"app": {}}, "TerminatorText": "##"}, "TTS.T"),
        ({"Vendor": "MiniMax", "Params": {"app": {}}, "CharacterFilter": ["abc"]}, "TTS.Char"),
        ({"Vendor": "MiniMax", "Params": {"app": {}}, "FilterText": [{"Begin": "("}]}, "TTS.F"),
    ],
)
def test_invalid_tts_objects_are_refused_naming_the_field(api: Api, tts, field: str) -> None:
    message = api.fails("RegisterAgent", {"AgentId": "x", "TTS": tts}, 410000003)
    assert message.startswith(field)


def test_invalid_asr_vendor_is_refused(api: Api) -> None:
    message = api.fails("RegisterAgent", {"AgentId": "x", "ASR": {"Vendor": "Whisper"}}, 410000003)
    assert message.startswith("ASR.Vendor")


# --- the trial key ----------------------------------------------------------------------------

WRONG_URL_TRIAL = trial_llm(Url="https://api.openai.com/v1/chat/completions")
WRONG_MODEL_TRIAL = trial_llm(Model="gpt-4o")


@pytest.mark.parametrize("llm", [WRONG_URL_TRIAL, WRONG_MODEL_TRIAL])
def test_trial_key_with_a_url_or_model_not_allowed_gives_410001047(api: Api, llm: dict) -> None:
    message = api.fails("RegisterAgent", {"AgentId": "t", "LLM": llm}, 410001047)
    assert "zego_test" in message or "trial" in message
    api.register("t")
    api.fails("UpdateAgent", {"AgentId": "t", "LLM": llm}, 410001047)


def test_trial_key_is_checked_on_instance_overrides_too(api: Api) -> None:
    api.register()
    body = {"AgentId": "agent_1", "UserId": "u1", "RTC": rtc("1"), "LLM": WRONG_URL_TRIAL}
    api.fails("CreateAgentInstance", body, 410001047)
    instance_id = api.create()
    api.fails(
        "UpdateAgentInstance", {"AgentInstanceId": instance_id, "LLM": WRONG_URL_TRIAL}, 410001047
    )


def test_every_documented_trial_pair_is_accepted(api: Api) -> None:
    for i, (url, model) in enumerate(
        [
            (TRIAL_URL, "doubao-1-5-pro-32k-250115"),
            ("https://api.minimax.chat/v1/text/chatcompletion_v2", "MiniMax-Text-01"),
            ("https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions", "qwen-plus"),
            ("https://api.stepfun.com/v1/chat/completions", "step-2-16k"),
        ]
    ):
        api.ok("RegisterAgent", {"AgentId": f"t{i}", "LLM": trial_llm(Url=url, Model=model)})


# --- listing and querying ---------------------------------------------------------------------


def test_list_agents_pages_with_a_cursor(api: Api) -> None:
    for i in range(12):
        api.ok("RegisterAgent", {"AgentId": f"agent_{i:02d}"})
    seen: list[str] = []
    cursor = ""
    pages = []
    while True:
        page = api.ok("ListAgents", {"Limit": 5, "Cursor": cursor})
        assert page["Total"] == 12
        pages.append(len(page["Agents"]))
        seen += [a["AgentId"] for a in page["Agents"]]
        cursor = page["Cursor"]
        if not cursor:
            break
    assert pages == [5, 5, 2]
    assert seen == sorted(f"agent_{i:02d}" for i in range(12))


def test_list_agents_limit_zero_or_missing_means_five(api: Api) -> None:
    for i in range(7):
        api.ok("RegisterAgent", {"AgentId": f"a{i}"})
    assert len(api.ok("ListAgents", {"Limit": 0})["Agents"]) == 5
    assert len(api.ok("ListAgents", {})["Agents"]) == 5
    assert len(api.ok("ListAgents", {"Limit": 10})["Agents"]) == 7


@pytest.mark.parametrize("limit", [-1, 11, "5", True])
def test_list_agents_limit_outside_0_to_10_is_refused(api: Api, limit) -> None:
    assert api.fails("ListAgents", {"Limit": limit}, 410000003).startswith("Limit")


def test_list_agents_refuses_a_cursor_it_did_not_issue(api: Api) -> None:
    assert api.fails("ListAgents", {"Cursor": "page2"}, 410000003).startswith("Cursor")


def test_list_agents_on_an_empty_account(api: Api) -> None:
    assert api.ok("ListAgents", {}) == {"Total": 0, "Agents": [], "Cursor": ""}


def test_query_agents_accepts_at_most_ten_ids(api: Api) -> None:
    api.ok("QueryAgents", {"AgentIds": [f"a{i}" for i in range(10)]})
    message = api.fails("QueryAgents", {"AgentIds": [f"a{i}" for i in range(11)]}, 410000003)
    assert message.startswith("AgentIds") and "10" in message


def test_query_agents_needs_a_list_of_ids(api: Api) -> None:
    assert api.fails("QueryAgents", {}, 410000003) == "AgentIds: is required"
    assert api.fails("QueryAgents", {"AgentIds": "a1"}, 410000003).startswith("AgentIds")
