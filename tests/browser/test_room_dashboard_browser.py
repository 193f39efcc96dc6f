"""The trainer's dashboard in headless Chromium: live, by name, locked, and its buttons work.

A room sandbox runs in this process with its tracker; attendees are played by hand-signed
requests with the ids the kit makes. The page is opened from the link the sandbox prints
(``/room/#token=...``). Its picture is ``docs/images/room-dashboard.png`` (written when
missing, or again with ``ZEGO_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import artifact_path, watch_page_errors
from playwright.sync_api import expect

from tests.sandbox.helpers import Api, trial_llm, trial_tts
from zego_helpers.ids import make_agent_id, make_call_ids, namespace_prefix
from zego_helpers.sandbox import SandboxConfig, start_sandbox
from zego_helpers.sandbox.room import RoomTracker, new_trainer_token

pytestmark = pytest.mark.browser

DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "images" / "room-dashboard.png"
HOSTILE = '<img src=x onerror="window.hacked=1">'
TIMEOUT_MS = 15_000


@pytest.fixture
def room():
    token = new_trainer_token()
    config = SandboxConfig.with_random_credentials(rate_limit_per_action=None, think_ms=5)
    sandbox = start_sandbox(config, RoomTracker(token, config.server_secret))
    api = Api(sandbox.base_url, sandbox.app_id, sandbox.server_secret)
    try:
        yield sandbox, api, token
    finally:
        sandbox.stop()


def attendee(api: Api, name: str, steps: int) -> str | None:
    """``name`` does the first ``steps`` quick-start steps; their live instance, if any."""
    agent_id = make_agent_id(name)
    body = {"AgentId": agent_id, "Name": name, "LLM": trial_llm(), "TTS": trial_tts()}
    api.ok("RegisterAgent", body)
    if steps < 2:
        return None
    ids = make_call_ids(name)
    create = {"AgentId": agent_id, "UserId": ids.user_id, "RTC": ids.to_rtc().to_api()}
    instance = api.ok("CreateAgentInstance", create)["AgentInstanceId"]
    if steps >= 3:
        api.ok("SendAgentInstanceLLM", {"AgentInstanceId": instance, "Text": "Hello!"})
    if steps >= 4:
        api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "Welcome"})
    if steps >= 5:
        api.ok("DeleteAgentInstance", {"AgentInstanceId": instance})
        return None
    return instance


def row(page, name: str):
    return page.locator(f'tr[data-namespace="{namespace_prefix(name)}"]')


def test_the_dashboard_shows_each_attendee_live_and_cleans_up_one(browser, room):
    sandbox, api, token = room
    attendee(api, "Zoë Martin", 5)
    attendee(api, "张伟", 4)
    attendee(api, HOSTILE, 2)
    ids = make_call_ids("Amara Okafor")  # skipped notebook 01: her create is refused
    create = {"AgentId": make_agent_id("Amara Okafor"), "UserId": ids.user_id}
    api.fails("CreateAgentInstance", {**create, "RTC": ids.to_rtc().to_api()}, 410001009)

    page = browser.new_page(viewport={"width": 1400, "height": 700})
    errors = watch_page_errors(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    try:
        page.goto(f"{sandbox.base_url}/room/#token={token}")
        page.wait_for_selector("#attendees tbody tr", timeout=TIMEOUT_MS)
        assert page.evaluate("location.hash") == ""  # the token left the address bar at once
        assert page.locator("#attendees tbody tr").count() == 4

        zoe = row(page, "Zoë Martin")
        assert zoe.locator(".name").inner_text() == "Zoë Martin"
        assert zoe.locator(".prefix").inner_text() == "zoe_martin_"
        assert zoe.locator("td.step.done").count() == 5
        zhang = row(page, "张伟")
        assert zhang.locator(".name").inner_text() == "张伟"
        assert zhang.locator("td.step.done").count() == 4
        assert zhang.locator("td.live").get_attribute("data-count") == "1"
        amara = row(page, "Amara Okafor")
        assert amara.locator(".error-code").inner_text() == "410001009 Agent not found"
        assert "RegisterAgent" in amara.locator(".error-message").inner_text()
        # an attendee's name is text, never markup
        assert row(page, HOSTILE).locator(".name").inner_text() == HOSTILE
        assert page.locator("#attendees img").count() == 0
        assert page.evaluate("window.hacked") is None

        # live: another attendee's request shows up without a reload
        attendee(api, "Jonas", 3)
        page.wait_for_selector(
            f'tr[data-namespace="{namespace_prefix("Jonas")}"]', timeout=TIMEOUT_MS
        )
        expect(page.locator("#summary")).to_contain_text("5 attendees", timeout=TIMEOUT_MS)
        summary = page.locator("#summary").inner_text()
        assert "3 live instances" in summary and "0 id collisions" in summary
        page.locator("#connection.live").wait_for(timeout=TIMEOUT_MS)
        page.screenshot(path=str(artifact_path("room-dashboard.png")), full_page=True)
        if not DOCS_IMAGE.exists() or os.environ.get("ZEGO_UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(DOCS_IMAGE), full_page=True)

        # the trainer cleans up 张伟 only: their instance and agent go, nobody else's
        zhang.locator("button.cleanup").click()
        expect(zhang.locator("td.live")).to_have_attribute("data-count", "0", timeout=TIMEOUT_MS)
        assert dialogs and "张伟" in dialogs[-1] and "1 live instance and 1 agent" in dialogs[-1]
        live = api.ok("SandboxListInstances")["Instances"]
        assert {i["RoomId"].split("_room_")[0] for i in live} == {
            namespace_prefix(HOSTILE),
            namespace_prefix("Jonas"),
        }
        assert (
            page.locator("#log li")
            .last.inner_text()
            .endswith(f"trainer: unregistered 1 agent of '{namespace_prefix('张伟')}'")
        )
        assert errors == []
    finally:
        page.close()


def test_without_the_token_the_page_asks_for_it_and_shows_nothing(browser, room):
    sandbox, api, token = room
    attendee(api, "Zoë Martin", 2)
    page = browser.new_page()
    errors = watch_page_errors(page)
    try:
        page.goto(f"{sandbox.base_url}/room/")
        page.locator("#token-form").wait_for(timeout=TIMEOUT_MS)
        assert page.locator("#room").is_hidden()
        assert "zoe" not in page.content().lower().replace("zego", "")

        page.fill("#token", "not-the-trainer-token-at-all")
        page.click("#token-form button")
        expect(page.locator("#token-problem")).to_contain_text("Bearer", timeout=TIMEOUT_MS)
        assert page.locator("#room").is_hidden()

        page.fill("#token", token)
        page.click("#token-form button")
        page.wait_for_selector("#attendees tbody tr", timeout=TIMEOUT_MS)
        assert row(page, "Zoë Martin").count() == 1
        # a failed fetch is reported in the page (console errors aside)
        assert [e for e in errors if "401" not in e] == []
    finally:
        page.close()


def test_the_page_says_when_the_sandbox_goes_away(browser, room):
    sandbox, api, token = room
    page = browser.new_page()
    try:
        page.goto(f"{sandbox.base_url}/room/#token={token}")
        page.locator("#connection.live").wait_for(timeout=TIMEOUT_MS)
        sandbox.stop()
        page.locator("#connection.trouble").wait_for(timeout=40_000)
        assert "reconnecting" in page.locator("#connection").inner_text()
    finally:
        page.close()
