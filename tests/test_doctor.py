"""doctor's agent checks: LLM/TTS settings and one real completion against a local LLM."""

from __future__ import annotations

from tests.fake_zego import FakeZego, Reply
from zego_helpers.diagnostics import check_agent_config, probe_llm
from zego_helpers.models import LLM
from zego_helpers.settings import load_settings

KEY = "sk-local-test-key-123456"


def settings_with(**env):
    return load_settings(env=env, dotenv_path="")


def test_trial_defaults_pass_without_a_probe():
    checks = check_agent_config(settings_with())
    assert [c.name for c in checks] == ["LLM settings", "TTS settings"]
    assert all(c.ok for c in checks)
    assert "ZEGO trial" in checks[0].detail and "zego_test" in checks[1].detail


def test_misspelled_tts_vendor_and_trial_key_on_foreign_url_are_caught():
    checks = check_agent_config(
        settings_with(
            LLM_BASE_URL="https://api.openai.com/v1/chat/completions",
            LLM_API_KEY="zego_test",
            LLM_MODEL="gpt-4o-mini",
            TTS_VENDOR="Bytedance",
        )
    )
    llm, tts = checks
    assert not llm.ok and "LLM.Url" in llm.detail and "410001047" in llm.detail
    assert not tts.ok and "ByteDanceV3" in tts.detail


def test_probe_sends_a_tiny_completion_with_the_key_as_bearer():
    answer = {"choices": [{"message": {"role": "assistant", "content": "OK"}}]}
    with FakeZego(lambda _r: Reply(body=answer)) as server:
        url = server.url + "/v1/chat/completions"
        checks = check_agent_config(
            settings_with(LLM_BASE_URL=url, LLM_API_KEY=KEY, LLM_MODEL="llama3.2")
        )
    assert checks[-1].name == "LLM answers" and checks[-1].ok
    (request,) = server.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "llama3.2" and request.body["max_tokens"] == 1


def test_probe_explains_rejected_key_missing_model_and_unreachable_url():
    def llm(url):
        return LLM(url=url, api_key=KEY, model="m1")

    with FakeZego(lambda _r: Reply(status=401, body={"error": f"bad key {KEY}"})) as server:
        rejected = probe_llm(llm(server.url + "/v1/chat/completions"))
    with FakeZego(lambda _r: Reply(status=404, body={"error": "model not found"})) as server:
        missing = probe_llm(llm(server.url + "/v1/chat/completions"))
    with FakeZego(lambda _r: Reply(status=500, body={"error": f"echo {KEY}"})) as server:
        broken = probe_llm(llm(server.url + "/v1/chat/completions"))
    unreachable = probe_llm(llm("http://127.0.0.1:9/v1/chat/completions"), timeout=2)
    assert not rejected.ok and "2203" in rejected.detail and "LLM_API_KEY" in rejected.fix
    assert not missing.ok and "'m1'" in missing.detail and "LLM_MODEL" in missing.fix
    assert not broken.ok and "HTTP 500" in broken.detail
    assert not unreachable.ok and "refused" in unreachable.detail
    assert "LLM_BASE_URL" in unreachable.fix
    for check in (rejected, missing, broken, unreachable):
        assert KEY not in check.line()
