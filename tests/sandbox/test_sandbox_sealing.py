"""No plain API key in the sandbox's files; every kernel sharing them can still use the keys."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from zego_helpers.sandbox.config import random_app_id, random_secret
from zego_helpers.sandbox.sealing import PREFIX, Sealer

from .helpers import api_for, trial_tts, wait_until
from .test_sandbox_llm import API_KEY, FakeLLM, own_llm

TTS_TOKEN = "tts-Token-Unique-7f3a9c2e5b"
INSTANCE_KEY = "sk-Instance-Key-1d4e8f0a6c"
CALLBACK_SECRET = "callback-Secret-Unique-99aa77"
SECRETS = (API_KEY, TTS_TOKEN, INSTANCE_KEY, CALLBACK_SECRET)


@pytest.fixture
def fake_llm():
    fake = FakeLLM()
    yield fake
    fake.stop()


def files_hold_a_secret(directory: Path) -> list[str]:
    """Each (file, secret) where the secret appears in any case, or base64-encoded."""
    found = []
    for path in directory.iterdir():
        content = path.read_bytes().lower()
        for secret in SECRETS:
            forms = {secret.lower().encode(), base64.b64encode(secret.encode()).lower()}
            if any(form in content for form in forms):
                found.append(f"{path.name}: {secret}")
    return found


def test_keys_are_sealed_in_the_files_and_another_kernel_can_still_use_them(
    start, tmp_path: Path, fake_llm: FakeLLM
) -> None:
    state_dir = tmp_path / "kit"
    credentials = {"app_id": random_app_id(), "server_secret": random_secret()}
    path = state_dir / "sandbox-state.json"
    nb02 = api_for(start(**credentials, state_path=path))
    tts = trial_tts()
    tts["Params"]["app"]["token"] = TTS_TOKEN
    nb02.ok("RegisterAgent", {"AgentId": "own", "LLM": own_llm(fake_llm.url), "TTS": tts})
    nb02.ok("SandboxConfigure", {"CallbackSecret": CALLBACK_SECRET})
    other = nb02.create("two", "own", LLM=own_llm(fake_llm.url, ApiKey=INSTANCE_KEY))
    instance = nb02.create("one", "own")

    # Notebook 03, another kernel: its sandbox loads the agent from the file and calls
    # the LLM with the key it unsealed.
    nb03 = api_for(start(**credentials, state_path=path))
    nb03.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello"})
    wait_until(lambda: nb03.history(instance), what="the answer")
    nb03.ok("SendAgentInstanceLLM", {"AgentInstanceId": other, "Text": "Hello"})
    wait_until(lambda: len(fake_llm.requests) == 2, what="the second LLM call")
    keys = sorted(r["headers"]["Authorization"] for r in fake_llm.requests)
    assert keys == sorted([f"Bearer {API_KEY}", f"Bearer {INSTANCE_KEY}"])
    # The API answers with the stored keys, as ZEGO's does (the kit masks them on print).
    agent = nb03.ok("QueryAgents", {"AgentIds": ["own"]})["Agents"][0]
    assert agent["LLM"]["ApiKey"] == API_KEY and agent["TTS"]["Params"]["app"]["token"] == TTS_TOKEN

    assert files_hold_a_secret(state_dir) == []
    assert PREFIX.encode() in path.read_bytes()


def test_an_unchanged_state_saves_to_an_unchanged_file(start, tmp_path: Path) -> None:
    """AES-SIV is deterministic: reading does not rewrite the file (nor wake other kernels)."""
    path = tmp_path / "state.json"
    api = api_for(start(state_path=path))
    api.ok(
        "RegisterAgent",
        {"AgentId": "own", "LLM": own_llm("http://127.0.0.1:9/v1"), "TTS": trial_tts()},
    )
    lock = path.with_name(path.name + ".lock")
    generation, content = lock.read_text(), path.read_bytes()
    for _ in range(3):
        api.ok("QueryAgents", {"AgentIds": ["own"]})
    assert lock.read_text() == generation and path.read_bytes() == content


def test_a_state_file_read_with_other_credentials_shows_masked_keys() -> None:
    secret = random_secret()
    sealed = Sealer(secret).seal_entry({"llm": {"ApiKey": API_KEY, "Model": "m"}, "agent_id": "a"})
    assert API_KEY not in str(sealed) and sealed["llm"]["Model"] == "m"
    assert Sealer(secret).unseal_entry(sealed)["llm"]["ApiKey"] == API_KEY
    assert Sealer(random_secret()).unseal_entry(sealed)["llm"]["ApiKey"] == "****"
    tampered = {"llm": {"ApiKey": sealed["llm"]["ApiKey"][:-4] + "AAAA"}}
    assert Sealer(secret).unseal_entry(tampered)["llm"]["ApiKey"] == "****"
    assert Sealer(secret).unseal_entry({"llm": {"ApiKey": "plain"}})["llm"]["ApiKey"] == "****"
