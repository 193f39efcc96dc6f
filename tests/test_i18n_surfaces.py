"""Beyond the core: forms, the doctor, cleanup, the banner and the command line in Chinese.

Each rendering goes through the kit's real path with ``ZEGO_LANG=zh`` and must be
Chinese while still carrying what one acts on and searches for: the code, the field
path, the variable, the fix (see :func:`tests.test_i18n_messages.assert_chinese`).
Then which language is chosen: ``ZEGO_LANG`` in a ``.env`` file, the notebook's
folder, the language switch of notebook 00, and the command line.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_i18n_messages import assert_chinese
from zego_helpers import i18n
from zego_helpers.cli.cleanup import cleanup_scope
from zego_helpers.cli.unanswered import settle_unanswered
from zego_helpers.client import AIAgentClient
from zego_helpers.diagnostics import run_doctor
from zego_helpers.errors import ValidationError
from zego_helpers.ledger import Ledger, LedgerEntry
from zego_helpers.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from zego_helpers.sandbox_control import SandboxInfo
from zego_helpers.service import Service
from zego_helpers.settings import configured_language, load_settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEGO_LANG", "zh")


@pytest.fixture
def sandbox():
    running = start_sandbox(SandboxConfig.with_random_credentials(rate_limit_per_action=None))
    yield running
    running.stop()


def settings_for(sandbox: RunningSandbox, secret: str | None = None):
    return load_settings(
        env={
            "ZEGO_APP_ID": str(sandbox.app_id),
            "ZEGO_SERVER_SECRET": secret or sandbox.server_secret,
            "ZEGO_API_BASE_URL": sandbox.base_url,
            "ZEGO_KIT_HOME": os.environ["ZEGO_KIT_HOME"],
        },
        dotenv_path="",
    )


# --- renderings --------------------------------------------------------------------------------


def test_a_form_error_is_chinese_and_names_the_field_and_the_range(zh):
    from zego_helpers.widgets.forms import TTSForm

    form = TTSForm(load_settings(env={}, dotenv_path=""))
    form.vendor.value = "MiniMax"
    form.fields.inputs["speed"].value = "9"
    with pytest.raises(ValidationError):
        form.model()
    shown = form.fields.errors["speed"].value
    text = html.unescape(re.sub(r"<[^>]+>", " ", shown))  # the badge and the message
    field = "TTS.Params.voice_setting.speed"
    assert field in shown and "0.5" in shown and "2" in shown
    assert_chinese(text, field)
    assert form.fields.inputs["speed"].description == "语速"  # the label too
    assert "必填" not in form.fields.inputs["voice_id"].description  # '*' marks required


def test_a_doctor_line_is_chinese_with_the_code_and_the_variable_to_fix(zh, sandbox):
    checks = run_doctor(settings_for(sandbox, secret="f" * 32), check_agent=False)
    failed = [check for check in checks if not check.ok]
    assert [check.key for check in failed] == ["signed_call"]
    line = failed[0].line()
    assert line.startswith("[FAIL] 签名调用：") and "100000005" in line and "签名错误" in line
    assert "处理建议：" in line and "ZEGO_SERVER_SECRET" in line and "ZEGO_APP_ID" in line
    assert_chinese(line, "[FAIL]", "ZEGO_SERVER_SECRET", "ZEGO_APP_ID")


def test_a_cleanup_unresolved_line_is_chinese_and_says_what_to_do(zh, sandbox, tmp_path):
    ledger = Ledger.in_home(tmp_path)
    entry = LedgerEntry(
        "",
        sandbox.app_id,
        sandbox.base_url,
        agent_id="some_agent",
        room_id="room_lost",
        user_id="user_lost",
        agent_user_id="agent_lost",  # no user stream id: it cannot be taken over
        created_at=time.time() - 60,
        max_idle_time=600,
        key="k1",
    )
    with AIAgentClient(
        sandbox.app_id, sandbox.server_secret, sandbox.base_url, ledger=ledger
    ) as client:
        (result,) = settle_unanswered(client, [entry], in_sandbox=False, settle_seconds=0)
    line = result.line()
    assert line.startswith("UNRESOLVED ") and not result.ok  # the mark stays searchable
    for kept in ("room_lost", "agent_lost", "user_lost", "UserStreamId", "MaxIdleTime"):
        assert kept in line, kept
    assert "zego-kit cleanup --wait" in line and "无法接管" in line and "自动结束" in line
    assert_chinese(line, "UNRESOLVED", "UserStreamId", "MaxIdleTime", "agent_lost", "user_lost")


def test_the_room_sandbox_banner_is_chinese_and_names_the_sandbox(zh):
    from zego_helpers.widgets.setup import banner_html, banner_text

    settings = load_settings(
        env={
            "ZEGO_APP_ID": "1234567",
            "ZEGO_SERVER_SECRET": "a" * 32,
            "ZEGO_API_BASE_URL": "http://10.0.0.5:8123",
            "ZEGO_ATTENDEE": "张伟",
        },
        dotenv_path="",
    )
    info = SandboxInfo(
        base_url="http://10.0.0.5:8123",
        app_id=1234567,
        version="test",
        room=True,
        instance_limit=100,
        rate_limit_per_action=None,
        persistent=False,
    )
    service = Service("room", "http://10.0.0.5:8123", info)
    html = banner_html(settings, service)
    assert "培训现场沙箱" in html and "#6a1b9a" in html and "ROOM SANDBOX" not in html
    text = banner_text(settings, service)
    assert "http://10.0.0.5:8123" in text and "100" in text and "u" in text
    assert "培训现场沙箱" in text and "讲师" in text
    assert_chinese(text, "http://10.0.0.5:8123", "ZEGO_APP_ID", "ZEGO_SERVER_SECRET")


def test_cleanup_refusal_and_progress_and_checks_speak_chinese(zh):
    from zego_helpers.tutorial.exercises import CheckResult
    from zego_helpers.tutorial.progress import ProgressTracker
    from zego_helpers.widgets.progress import progress_text

    with pytest.raises(Exception) as refused:
        cleanup_scope("Zoë", all_attendees=True)
    assert "ZEGO_ATTENDEE" in str(refused.value) and "--all-attendees" in str(refused.value)
    assert_chinese(str(refused.value), "ZEGO_ATTENDEE", "'Zoë'", "'zoe_'", "--all-attendees")
    steps = ProgressTracker(os.environ["ZEGO_KIT_HOME"], "张伟").steps()
    text = progress_text(steps, "张伟")
    assert text.startswith("您的进度 (张伟)：0/7") and "已创建智能体实例" in text
    assert str(CheckResult(False, "x")).startswith("未通过：")


def test_every_english_message_of_a_layer_module_is_marked_for_translation():
    """A message written without ``_()`` in a layer that speaks to learners is caught here:
    the string literals that read like English sentences, outside docstrings and ``_()``."""
    import ast

    allowed = {  # not messages: data, wire text (the sandbox's Message, as ZEGO's), logs
        "zego_helpers/tutorial/local_llm.py",  # what the LLM answers and sends on the wire
        "zego_helpers/widgets/call_widget.py",  # the SDK pin's comment text and log lines
    }
    data = {  # text that is data, the same in every language
        ("zego_helpers/tutorial/exercises.py", "Hello! Who are you?"),  # what the check asks
        ("zego_helpers/cli/web_sdk.py", " bundled by zego-kit with esbuild"),  # a record
        ("zego_helpers/cli/web_sdk.py", ", bundled by zego-kit web-sdk bundle (esbuild) */"),
    }
    layers = ("widgets", "tutorial", "cli", "callbacks")
    problems = []
    for layer in layers:
        for path in sorted((REPO / "zego_helpers" / layer).glob("*.py")):
            relative = str(path.relative_to(REPO))
            if relative in allowed or path.name == "__init__.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = set()
            for node in ast.walk(tree):
                body = getattr(node, "body", None)
                if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                    skip.add(id(body[0].value))  # docstrings
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
                    "_", "N_", "ngettext"
                ):  # fmt: skip
                    skip.update(id(n) for n in ast.walk(node))
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in (
                    "debug", "info", "warning", "exception", "error"
                ):  # fmt: skip
                    skip.update(id(n) for n in ast.walk(node))  # log lines stay English
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "format":
                    for keyword in node.keywords:  # values filled in: code, names, data
                        skip.update(id(n) for n in ast.walk(keyword.value))
                if isinstance(node, ast.Assign) and all(
                    isinstance(t, ast.Name) and t.id.isupper() for t in node.targets
                ):
                    skip.update(id(n) for n in ast.walk(node.value))  # constants: data
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skip
                    and (relative, node.value) not in data
                    and re_sentence(node.value)
                ):
                    problems.append(f"{relative}:{node.lineno}: {node.value[:60]!r}")
    assert problems == [], "\n".join(problems)


def test_no_message_is_marked_inside_an_f_string():
    """Babel's extractor (Python 3.10, 3.11) does not look inside f-strings: a ``_("...")``
    written there never reaches the catalogue, and stays English."""
    import ast

    found = []
    for path in sorted((REPO / "zego_helpers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                found += [
                    f"{path.relative_to(REPO)}:{call.lineno}"
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call)
                    and getattr(call.func, "id", "") in ("_", "N_", "ngettext")
                ]
    assert found == []


def re_sentence(text: str) -> bool:
    import re

    return bool(re.search(r"\b[A-Za-z][a-z]+ [a-z]{2,} [a-z]{2,}\b", text))


# --- which language ----------------------------------------------------------------------------


def test_zego_lang_in_dotenv_is_read_with_the_settings_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("ZEGO_LANG=zh\nZEGO_APP_ID=not-a-number\n", encoding="utf-8")
    env_file.chmod(0o600)
    assert configured_language(env={}, dotenv_path=env_file) == "zh"  # broken AppID: no matter
    assert configured_language(env={"ZEGO_LANG": "en"}, dotenv_path=env_file) == "en"
    env_file.write_text("ZEGO_LANG=zh_CN.UTF-8\n", encoding="utf-8")
    assert load_settings(env={}, dotenv_path=env_file).language == "zh"
    assert load_settings(env={"ZEGO_LANG": "en_GB"}, dotenv_path=env_file).language == "en"
    env_file.write_text("ZEGO_LANG=\n", encoding="utf-8")
    assert load_settings(env={}, dotenv_path=env_file).language == ""


def test_the_configured_language_sits_between_the_environment_and_the_locale(monkeypatch):
    monkeypatch.delenv("ZEGO_LANG")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    assert i18n.set_configured_language("zh") == "zh"  # beats the locale
    assert i18n._("must be a string") == "必须是字符串"
    monkeypatch.setenv("ZEGO_LANG", "en")
    assert i18n.get_language() == "en"  # the environment beats .env, as for every setting
    assert i18n.set_language("zh") == "zh"  # the switch in this kernel beats both
    i18n.set_language(None)
    monkeypatch.delenv("ZEGO_LANG")
    assert i18n.set_configured_language(None) == "en"  # back to the locale
    with pytest.warns(i18n.LanguageWarning, match="ZEGO_LANG='klingon'"):
        assert i18n.set_configured_language("klingon") == "en"


def test_a_notebook_in_the_zh_folder_speaks_chinese_unless_zego_lang_says_otherwise(
    monkeypatch, tmp_path
):
    from zego_helpers.tutorial.language import notebook_language, use_notebook_language

    monkeypatch.delenv("ZEGO_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert notebook_language(REPO / "notebooks" / "zh") == "zh"
    assert notebook_language(REPO / "notebooks") is None
    assert notebook_language(tmp_path / "en") is None
    folder = tmp_path / "zh"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("ZEGO_ENV_FILE", "none")
    assert use_notebook_language() == "zh"
    env_file = tmp_path / "chosen.env"
    env_file.write_text("ZEGO_LANG=en\n", encoding="utf-8")
    env_file.chmod(0o600)
    monkeypatch.setenv("ZEGO_ENV_FILE", str(env_file))
    assert use_notebook_language() == "en"  # the learner chose English: .env beats the folder
    monkeypatch.setenv("ZEGO_ENV_FILE", "none")
    monkeypatch.setenv("ZEGO_LANG", "en")
    assert use_notebook_language() == "en"  # the environment beats the folder
    monkeypatch.setenv("ZEGO_APP_ID", "abc")  # settings that do not load: the folder decides
    monkeypatch.delenv("ZEGO_LANG")
    assert use_notebook_language() == "zh"


def test_start_notebook_in_the_zh_folder_shows_a_chinese_banner(monkeypatch, tmp_path):
    from zego_helpers.widgets.setup import start_notebook

    monkeypatch.delenv("ZEGO_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("ZEGO_ENV_FILE", "none")
    folder = tmp_path / "zh"
    folder.mkdir()
    monkeypatch.chdir(folder)
    start = start_notebook()
    try:
        assert repr(start.banner).startswith("沙箱模式：")
    finally:
        start.client.close()


def test_the_language_switch_saves_zego_lang_and_switches_at_once(monkeypatch, tmp_path):
    from zego_helpers.tutorial.language import save_language
    from zego_helpers.widgets.language import LanguageSwitch

    env_file = tmp_path / ".env"
    env_file.write_text("# my settings\nZEGO_ATTENDEE=Zoë\n", encoding="utf-8")
    env_file.chmod(0o600)
    switch = LanguageSwitch(env_path=env_file)
    assert switch.buttons.value == "en"
    switch.buttons.value = "zh"  # what a click does
    assert "消息已切换为中文" in switch.message.value and i18n.get_language() == "zh"
    assert (
        env_file.read_text(encoding="utf-8") == "# my settings\nZEGO_ATTENDEE=Zoë\nZEGO_LANG='zh'\n"
    )
    assert (env_file.stat().st_mode & 0o777) == 0o600
    assert configured_language(env={}, dotenv_path=env_file) == "zh"  # the next notebooks
    text = save_language("en", env_file)
    assert text.startswith("Messages are now in English.") and i18n.get_language() == "en"
    with pytest.raises(ValidationError, match="'zh'"):
        save_language("fr", env_file)


def run_cli(*arguments: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZEGO_", "LLM_", "TTS_")) and k not in i18n.LOCALE_VARIABLES
    }
    return subprocess.run(
        [sys.executable, "-m", "zego_helpers", *arguments],
        cwd=cwd,
        env={**base, "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_speaks_the_language_of_the_env_file(tmp_path):
    (tmp_path / ".env").write_text("ZEGO_LANG=zh\n", encoding="utf-8")
    (tmp_path / ".env").chmod(0o600)
    home = {"ZEGO_KIT_HOME": str(tmp_path / "kit")}
    doctor = run_cli("doctor", cwd=tmp_path, env=home)
    assert doctor.returncode == 0, doctor.stderr
    assert "[ok]   配置：" in doctor.stdout and "[ok]   签名调用：" in doctor.stdout
    helped = run_cli("cleanup", "--help", cwd=tmp_path, env=home)
    assert "只列出，不删除" in helped.stdout  # argparse's help texts too
    english = run_cli("doctor", cwd=tmp_path, env={**home, "ZEGO_LANG": "en"})
    assert "[ok]   Signed call:" in english.stdout  # the environment wins over .env
    refused = run_cli(
        "cleanup", "--all-attendees", cwd=tmp_path, env={**home, "ZEGO_ATTENDEE": "Zoë"}
    )
    assert refused.returncode == 2 and refused.stderr.startswith("错误：已设置 ZEGO_ATTENDEE")


def test_a_notebook_in_the_zh_folder_finds_the_projects_env_file(tmp_path):
    """notebooks/zh/ is one folder deeper: the .env search walks up to the project's file,
    which the credentials form and the language switch write (default_env_path)."""
    from zego_helpers.settings import find_dotenv_file

    project = tmp_path / "kit"
    (project / "notebooks" / "zh").mkdir(parents=True)
    (project / ".env").write_text("ZEGO_LANG=zh\n", encoding="utf-8")
    found = find_dotenv_file(project / "notebooks" / "zh")
    assert found == (project / ".env").resolve() == find_dotenv_file(project / "notebooks")
