"""The first cell of every notebook: one visible call, the banner that says which service answers,
and kit errors as one short red line (issue 13)."""

from __future__ import annotations

import json

import pytest

from tests.fake_zego import FakeZego, Reply
from tests.readable import cells_not_left_aligned, emoji_in
from zego_helpers import AIAgentClient, ValidationError, ensure_agent, load_settings
from zego_helpers.diagnostics import Check
from zego_helpers.models import LLM, TTS
from zego_helpers.sandbox import SandboxConfig, ensure_embedded_sandbox, start_sandbox
from zego_helpers.service import Service, which_service
from zego_helpers.widgets.kit_errors import kit_error_line, traceback_details_html
from zego_helpers.widgets.setup import (
    Banner,
    banner_html,
    banner_text,
    doctor_checklist,
    start_notebook,
)

SECRET = "0123456789abcdef0123456789abcdef"


#: Each test starts and ends with no remembered "is this a sandbox?" answer (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_sandbox_info")


def real_settings(home, url: str | None = None, **extra: str):
    env = {"ZEGO_KIT_HOME": str(home), "ZEGO_APP_ID": "1234567", "ZEGO_SERVER_SECRET": SECRET}
    if url:
        env["ZEGO_API_BASE_URL"] = url
    return load_settings(env={**env, **extra}, dotenv_path="")


@pytest.fixture
def room():
    running = start_sandbox(
        SandboxConfig(
            app_id=1234567,
            server_secret=SECRET,
            room=True,
            instance_limit=100,
            rate_limit_per_action=None,
        )  # fmt: skip
    )
    yield running
    running.stop()


# --- which service answers ----------------------------------------------------------------


def test_zegos_own_endpoints_and_the_embedded_sandbox_are_known_without_asking(tmp_path):
    with FakeZego() as counting:  # any request would show up here
        client = AIAgentClient(1234567, SECRET, "https://aigc-aiagent-api-sgp.zegotech.cn")
        assert which_service(real_settings(tmp_path, region="sgp"), client).kind == "zego"
        sandbox_settings = load_settings(env={"ZEGO_KIT_HOME": str(tmp_path)}, dotenv_path="")
        local = AIAgentClient(1234567, SECRET, counting.url)
        assert which_service(sandbox_settings, local).kind == "sandbox"
        assert counting.requests == []


def test_a_room_sandbox_is_recognised_and_asked_once(room, tmp_path):
    settings = real_settings(tmp_path, room.base_url)
    with AIAgentClient(1234567, SECRET, room.base_url) as client:
        service = which_service(settings, client)
        assert service.kind == "room" and service.is_any_sandbox
        assert service.sandbox is not None and service.sandbox.instance_limit == 100
        assert service.describe() == (
            f"the room sandbox at {room.base_url}, run by your trainer "
            "(100 instances at once, no rate limit)"
        )


def test_a_sandbox_that_is_not_the_rooms_plays_zego(tmp_path):
    """A test's stand-in for ZEGO (no Room flag) keeps the REAL MODE banner."""
    stand_in = start_sandbox(SandboxConfig(app_id=1234567, server_secret=SECRET))
    try:
        with AIAgentClient(1234567, SECRET, stand_in.base_url) as client:
            service = which_service(real_settings(tmp_path, stand_in.base_url), client)
    finally:
        stand_in.stop()
    assert service.kind == "zego" and not service.is_any_sandbox


def test_an_unreachable_service_is_zego_with_a_note(tmp_path):
    with FakeZego(lambda _r: Reply(status=502, body=b"bad gateway")) as broken:
        client = AIAgentClient(1234567, SECRET, broken.url, max_retries=0)
        service = which_service(real_settings(tmp_path, broken.url), client)
    assert service.kind == "zego" and "could not ask whether it is a sandbox" in service.note


# --- the banner -------------------------------------------------------------------------


def test_the_room_sandbox_has_a_banner_of_its_own(room, tmp_path):
    settings = real_settings(tmp_path, room.base_url, ZEGO_ATTENDEE="张伟")
    with AIAgentClient(1234567, SECRET, room.base_url) as client:
        service = which_service(settings, client)
    text = banner_text(settings, service)
    assert f"room sandbox at {room.base_url}, run by your trainer" in text
    assert "100 instances at once, no rate limit" in text
    assert "Your ids start with 'u" in text and "call widget simulates" in text
    markup = banner_html(settings, service)
    assert "ROOM SANDBOX" in markup and "REAL MODE" not in markup
    assert SECRET not in markup and emoji_in(markup) == []


def test_sandbox_and_zego_banners_stay_as_they_were(tmp_path):
    sandbox = load_settings(env={"ZEGO_KIT_HOME": str(tmp_path)}, dotenv_path="")
    assert "SANDBOX MODE" in banner_html(sandbox)
    real = real_settings(tmp_path)
    zego = Service("zego", real.api_base_url)
    assert "REAL MODE" in banner_html(real, zego) and "use your account's slots" in banner_text(
        real, zego
    )


def test_start_notebook_returns_named_things_and_the_banner_renders_without_widget_state(
    isolated_kit,
):
    try:
        start = start_notebook()
        settings, client, agent_id, banner = start
        assert start.agent_id == agent_id == "tutorial_agent"
        assert settings.is_sandbox and client.base_url.startswith("http://127.0.0.1:")
        assert isinstance(banner, Banner) and banner.service.kind == "sandbox"
        assert client.observers  # tracked: the checklist ticks itself off
        bundle = banner._repr_mimebundle_()
        assert bundle["text/plain"].startswith("SANDBOX MODE: Mode: sandbox")
        assert "Your progress: 1/7" in bundle["text/html"]  # setup: connected
        assert "application/vnd.jupyter.widget-view+json" in bundle
    finally:
        ensure_embedded_sandbox(isolated_kit).stop()


def test_the_doctor_table_is_left_aligned_and_needs_no_emoji_font():
    table = doctor_checklist([Check("Settings", True, "ok"), Check("Clock", False, "off", "fix")])
    assert cells_not_left_aligned(table.data) == []
    assert emoji_in(table.data) == []
    assert ">ok</span>" in table.data and ">FAIL</span>" in table.data


# --- errors: named, and one line --------------------------------------------------------


def test_ensure_agent_names_the_argument_and_the_space(tmp_path):
    with FakeZego() as zego:
        client = AIAgentClient(1234567, SECRET, zego.url)
        with pytest.raises(ValidationError) as error:
            ensure_agent(client, "my agent", llm=LLM.trial(), tts=TTS.trial())
        assert zego.requests == []  # refused before anything was sent
    assert error.value.field == "agent_id"
    assert "contains a space (character 3)" in error.value.problem
    assert "e.g. 'my_agent'" in error.value.problem


def test_a_kit_error_is_one_line_with_the_traceback_behind_a_click():
    try:
        TTS.trial("Minimax")
    except ValidationError as caught:
        error = caught
    line = kit_error_line(error)
    assert line.startswith("ValidationError: TTS.Vendor: is 'Minimax'") and "\n" not in line
    details = traceback_details_html(type(error), error, error.__traceback__)
    assert details.startswith('<details class="zego-traceback"')
    assert "Traceback (click to show)" in details and "Traceback (most recent call last)" in details


def test_in_a_real_kernel_a_kit_error_shows_one_red_line_and_other_errors_stay_usual(tmp_path):
    """Run three cells in a kernel: kit error, then a plain Python error."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from zego_helpers.widgets.kit_errors import show_kit_errors_briefly\n"
            "show_kit_errors_briefly()"
        ),
        nbformat.v4.new_code_cell('from zego_helpers import TTS\nTTS.trial("Minimax")'),
        nbformat.v4.new_code_cell("1 / 0"),
        nbformat.v4.new_code_cell(  # an out-of-range instance setting, refused before sending
            "from zego_helpers import AdvancedConfig, AIAgentClient, make_call_ids\n"
            "client = AIAgentClient(1234567, 'x' * 32, 'http://127.0.0.1:9')\n"
            "ids = make_call_ids()\n"
            "client.create_agent_instance('a', ids.user_id, ids.to_rtc(),\n"
            "                             advanced_config=AdvancedConfig(max_idle_time=5))"
        ),
    ]
    NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True).execute()
    kit, plain = notebook.cells[1].outputs, notebook.cells[2].outputs
    error = next(o for o in kit if o["output_type"] == "error")
    assert error["ename"] == "ValidationError"
    assert len(error["traceback"]) == 1  # one line, not a page of library frames
    assert "ValidationError: TTS.Vendor: is 'Minimax'" in error["traceback"][0]
    assert "\x1b[31m" in error["traceback"][0]  # red
    details = next(o for o in kit if o["output_type"] == "display_data")
    assert "Traceback (most recent call last)" in details["data"]["text/html"]
    assert kit.index(error) < kit.index(details)  # the line first, the details under it
    usual = next(o for o in plain if o["output_type"] == "error")
    assert usual["ename"] == "ZeroDivisionError" and len(usual["traceback"]) > 1
    assert json.dumps(kit).count("<details") == 1
    (out_of_range,) = [o for o in notebook.cells[3].outputs if o["output_type"] == "error"]
    assert len(out_of_range["traceback"]) == 1
    assert "AdvancedConfig.MaxIdleTime" in out_of_range["traceback"][0]


def test_the_agent_id_message_reads_in_chinese_too():
    from zego_helpers import i18n

    i18n.set_language("zh")
    try:
        with pytest.raises(ValidationError) as error:
            ensure_agent(AIAgentClient(1234567, SECRET, "http://127.0.0.1:9"), "my agent")
    finally:
        i18n.set_language(None)
    assert error.value.field == "agent_id"
    assert "的第 3 个字符是空格" in error.value.problem and "'my_agent'" in error.value.problem
