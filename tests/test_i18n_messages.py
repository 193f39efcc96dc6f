"""The usual first failures, rendered in Chinese and in English, through the kit's real paths.

Each Chinese message must be Chinese (the kit's own words mostly CJK, no English
phrase left over) and still carry what one acts on and searches for: the code,
the field path, the RequestId and the fix. The English of the same paths is
pinned word for word: localising must not have changed it.

The failures are real: a sandbox answers the wrong secret (100000005), the skewed
clock (100000004) and the full instance quota (410000011); a local HTTP server
rejects an LLM key as a provider would (401, which ZEGO reports as Exception 2203);
the TTS model refuses an out-of-range voice setting before anything is sent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zego_helpers import LLM, TTS, AIAgentClient, make_call_ids
from zego_helpers.callbacks.exception_table import exception_table_markdown
from zego_helpers.codes import describe_exception_code, describe_return_code
from zego_helpers.diagnostics import probe_llm
from zego_helpers.errors import LimitReachedError, SignatureError, ValidationError
from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from zego_helpers.transport import ShiftedClock

CJK = re.compile(r"[\u4e00-\u9fff]")
TRIAL_KEY = "zego_test"


def kit_words(text: str, *kept_as_is: str) -> str:
    """``text`` without what is never translated: server text, field paths, URLs, `code`."""
    for part in kept_as_is:
        if part:
            text = text.replace(part, " ")
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"`[^`]*`", " ", text)


def assert_chinese(text: str, *kept_as_is: str) -> None:
    """Mostly CJK (ZEGO's own pages: 0.5-0.8; 0.3 is their lowest prose), no English phrase."""
    words = kit_words(text, *kept_as_is)
    cjk = len(CJK.findall(words))
    latin = len(re.findall(r"[A-Za-z]", words))
    assert cjk / (cjk + latin) >= 0.3, f"not mostly Chinese ({cjk} CJK, {latin} Latin): {text}"
    phrase = re.search(r"\b[a-z]{2,} [a-z]{2,}\b", words)
    assert phrase is None, f"English left in the Chinese message ({phrase[0]!r}): {text}"


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEGO_LANG", "zh")


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    config = SandboxConfig.with_random_credentials(
        instance_limit=1, rate_limit_per_action=None, think_ms=5, sweep_interval=0.05
    )
    running = start_sandbox(config)
    yield running
    running.stop()


def client_for(sandbox: RunningSandbox, **options) -> AIAgentClient:
    secret = options.pop("secret", sandbox.config.server_secret)
    return AIAgentClient(sandbox.config.app_id, secret, sandbox.base_url, max_retries=0, **options)


def wrong_secret_error(sandbox: RunningSandbox) -> SignatureError:
    with client_for(sandbox, secret="f" * 32) as client, pytest.raises(SignatureError) as caught:
        client.list_agents()
    return caught.value


def clock_skew_error(sandbox: RunningSandbox) -> SignatureError:
    skewed = client_for(sandbox, clock=ShiftedClock(-900))
    with skewed as client, pytest.raises(SignatureError) as caught:
        client.list_agents()
    return caught.value


def instance_limit_error(sandbox: RunningSandbox) -> LimitReachedError:
    with client_for(sandbox) as client:
        client.register_agent("agent_i18n", llm=LLM.trial(), tts=TTS.trial())
        for _round in range(2):
            ids = make_call_ids(prefix="i18n")
            try:
                client.create_agent_instance("agent_i18n", ids.user_id, ids.to_rtc())
            except LimitReachedError as error:
                return error
    raise AssertionError("the second instance was created despite instance_limit=1")


def bad_tts_field_error() -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        TTS.minimax(api_key=TRIAL_KEY, voice_id="female-shaonv", speed=5).validate()
    return caught.value


class RejectingLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that refuses every key, as a provider does (401)."""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rejecting_llm() -> Iterator[LLM]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), RejectingLLM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    yield LLM(url=url, api_key="sk-wrong-0123456789abcdefABCDEF", model="gpt-4o-mini")
    server.shutdown()
    server.server_close()
    thread.join(5)


# --- Chinese -------------------------------------------------------------------------------


def test_wrong_secret_in_chinese(zh, sandbox) -> None:
    error = wrong_secret_error(sandbox)
    text = str(error)
    assert error.code == 100000005 and error.request_id
    assert text.startswith("ListAgents 调用失败，返回码 100000005（签名错误）")
    assert f"（RequestId：{error.request_id}）" in text
    assert "处理建议：ZEGO_SERVER_SECRET 与 ZEGO_APP_ID 不属于同一个项目" in text
    assert text.endswith("请从 ZEGO 控制台重新复制这两项。")
    assert_chinese(text, error.message, error.request_id)


def test_clock_skew_in_chinese(zh, sandbox) -> None:
    error = clock_skew_error(sandbox)
    text = str(error)
    assert error.code == 100000004
    assert text.startswith("ListAgents 调用失败，返回码 100000004（签名过期）")
    assert "处理建议：本机时钟与 ZEGO 服务器的时间相差超过 10 分钟。" in text
    assert text.endswith("请同步时钟（NTP）后重试。")
    assert error.request_id in text
    assert_chinese(text, error.message, error.request_id)


def test_instance_limit_in_chinese(zh, sandbox) -> None:
    error = instance_limit_error(sandbox)
    text = str(error)
    assert error.code == 410000011
    assert "CreateAgentInstance 调用失败，返回码 410000011（APP在线实例并发数量限制）" in text
    assert "`.venv/bin/zego-kit cleanup`" in text and "请联系 ZEGO 商务" in text
    assert error.request_id in text
    assert_chinese(text, error.message, error.request_id)


def test_bad_llm_key_in_chinese(zh, rejecting_llm) -> None:
    check = probe_llm(rejecting_llm, timeout=5)
    assert not check.ok
    assert check.name == "LLM 应答"
    assert check.detail == "HTTP 401：LLM 拒绝了该密钥（ZEGO 会上报异常事件 2203）"
    assert check.fix == "请检查 LLM_API_KEY，并确认它属于这个 LLM_BASE_URL"
    assert "sk-wrong" not in check.line() and "0123456789" not in check.line()
    assert check.line().splitlines()[1].strip() == f"处理建议：{check.fix}"
    info = describe_exception_code(2203)  # what the callback says once the agent is running
    assert info.meaning == "LLM 请求鉴权失败"
    assert info.zh is not None and info.zh.zego_advice == "请检查传入的 `LLM.ApiKey` 是否正确。"
    assert "LLM.ApiKey" in info.hint and "LLM.Url" in info.hint
    for text in (check.line(), info.meaning + info.hint):
        assert_chinese(text)


def test_bad_tts_field_in_chinese(zh) -> None:
    error = bad_tts_field_error()
    assert error.field == "TTS.Params.voice_setting.speed"
    assert str(error) == (
        "TTS.Params.voice_setting.speed：为 5，必须在 0.5 到 2 之间"
        "（见文档 https://doc-zh.zego.im/aiagent-server/guides/configuring-tts）"
    )
    assert_chinese(str(error), error.field)


def test_a_key_pasted_into_a_number_field_stays_hidden_in_chinese(zh) -> None:
    key = "sk-live-4f9aQ2xZ7bK1mN3pR5tV8wY0cE6gH"
    llm = LLM.trial()
    llm.temperature = key  # type: ignore[assignment] - what a slip of the clipboard does
    with pytest.raises(ValidationError) as caught:
        llm.validate()
    text = str(caught.value)
    assert key not in text and key[:12] not in text
    assert text.startswith("LLM.Temperature：必须是在 0 到 2 之间的数字，而不是 ")
    assert "个字符、看起来像密钥的值，已隐藏" in text


def test_the_exception_table_is_zegos_chinese_table(zh) -> None:
    lines = exception_table_markdown().splitlines()
    assert lines[0] == "| 事件码 | 事件名称 | 处理建议 |"
    row = next(line for line in lines if "| **2203** |" in line)
    assert row == (
        "| **2203** | LLM 请求鉴权失败 | LLM 拒绝了 LLM.ApiKey：请检查该密钥，"
        "以及它是否属于 LLM.Url 对应的服务。 |"
    )


# --- English, unchanged -----------------------------------------------------------------------


def test_the_same_failures_in_english_are_unchanged(sandbox, rejecting_llm) -> None:
    error = wrong_secret_error(sandbox)
    assert str(error) == (
        f"ListAgents failed with code 100000005 (Signature wrong): {error.message} "
        f"[RequestId {error.request_id}]. Fix: ZEGO_SERVER_SECRET does not belong to "
        "ZEGO_APP_ID. Copy both again from the console."
    )
    error = clock_skew_error(sandbox)
    assert str(error) == (
        f"ListAgents failed with code 100000004 (Signature expired): {error.message} "
        f"[RequestId {error.request_id}]. Fix: Your clock is more than 10 minutes off "
        "ZEGO's. Sync the clock (NTP) and retry."
    )
    error = instance_limit_error(sandbox)
    assert str(error) == (
        "CreateAgentInstance failed with code 410000011 (Concurrent-instance limit reached "
        f"(default 10 per account)): {error.message} [RequestId {error.request_id}]. Fix: "
        f"{describe_return_code(410000011).hint_en}"
    )
    check = probe_llm(rejecting_llm, timeout=5)
    assert check.line() == (
        "[FAIL] LLM answers: HTTP 401: the LLM rejected the key (ZEGO would report "
        "Exception 2203)\n       Fix: check LLM_API_KEY, and that it belongs to this LLM_BASE_URL"
    )
    assert str(bad_tts_field_error()) == (
        "TTS.Params.voice_setting.speed: is 5; it must be between 0.5 and 2 (documented at "
        "https://www.zegocloud.com/docs/aiagent-server/guides/configuring-tts)"
    )
    assert exception_table_markdown().splitlines()[0] == "| Code | Meaning | What to do |"
