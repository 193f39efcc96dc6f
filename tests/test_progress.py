"""The progress checklist: ticked off by real requests to a sandbox, kept per attendee on disk."""

from __future__ import annotations

import json

import pytest

from tests.readable import emoji_in
from tests.workshop_helpers import attendee_client, attendee_settings, room_sandbox
from zego_helpers.client import AIAgentClient
from zego_helpers.errors import NotFoundError, SignatureError
from zego_helpers.ids import make_agent_id, make_call_ids
from zego_helpers.models import LLM, TTS, AdvancedConfig
from zego_helpers.tutorial.exercises import _untracked
from zego_helpers.tutorial.progress import (
    STEPS,
    ProgressTracker,
    progress_file,
    record_progress,
    track,
    tracker_for,
)
from zego_helpers.widgets.progress import ProgressWidget, progress_html, show_progress
from zego_helpers.workflows import ask, ensure_agent


@pytest.fixture
def room():
    yield from room_sandbox()


def done(tracker: ProgressTracker) -> list[str]:
    return [s.step for s in tracker.steps() if s.done]


def test_a_real_session_ticks_every_step_in_order(room, tmp_path):
    tracker = ProgressTracker(tmp_path, "Zoë")
    client = track(attendee_client(room, tmp_path), tracker)
    assert done(tracker) == ["setup"]

    agent_id = make_agent_id("Zoë")
    ensure_agent(client, agent_id, llm=LLM.trial(), tts=TTS.trial())
    assert done(tracker) == ["setup", "signature", "agent registered"]

    ids = make_call_ids("Zoë")
    instance_id = client.create_agent_instance(agent_id, ids.user_id, ids.to_rtc())[
        "AgentInstanceId"
    ]
    assert done(tracker)[-1] == "instance created"
    client.call("SandboxSetUserPresence", {"RoomId": ids.room_id, "UserId": ids.user_id,
                                           "InRoom": True})  # fmt: skip
    assert done(tracker)[-1] == "user joined"
    ask(client, instance_id, "Hello!")
    assert done(tracker)[-1] == "agent spoke"
    client.delete_agent_instance(instance_id)

    assert done(tracker) == list(STEPS)
    states = {s.step: s for s in tracker.steps()}
    assert states["instance created"].detail == instance_id
    assert states["instance deleted"].detail == instance_id


def test_failed_requests_tick_nothing(room, tmp_path):
    # The attendee pasted the wrong secret.
    wrong = AIAgentClient(room.app_id, "f" * 32, room.base_url, max_retries=0)
    tracker = ProgressTracker(tmp_path, "Zoë")
    track(wrong, tracker)
    with pytest.raises(SignatureError):
        wrong.list_agents()
    assert done(tracker) == ["setup"]

    client = track(attendee_client(room, tmp_path), tracker)
    with pytest.raises(NotFoundError):
        client.delete_agent_instance("1234567890123456789")
    assert done(tracker) == ["setup"]  # the first successful call is still to come


def test_walkie_talkie_listening_is_not_a_user_joining(room, tmp_path):
    tracker = ProgressTracker(tmp_path, None)
    client = track(attendee_client(room, tmp_path), tracker)
    ensure_agent(client, "wt_agent", llm=LLM.trial(), tts=TTS.trial())
    ids = make_call_ids()
    created = client.create_agent_instance(
        "wt_agent", ids.user_id, ids.to_rtc(), advanced_config=AdvancedConfig(communication_mode=2)
    )
    client.start_listening(created["AgentInstanceId"])
    assert client.query_agent_instance_status(created["AgentInstanceId"])["Status"] == "LISTENING"
    assert not tracker.is_done("user joined")


def test_progress_is_kept_per_attendee_and_shared_by_kernels(room, tmp_path):
    zoe = track(attendee_client(room, tmp_path), ProgressTracker(tmp_path, "Zoë"))
    zoe.list_agents()
    # Another kernel (a new tracker on the same file) sees Zoë's steps; Bob has his own.
    assert ProgressTracker(tmp_path, "zoe").is_done("signature")
    assert not ProgressTracker(tmp_path, "Bob").is_done("signature")
    assert progress_file(tmp_path, "Zoë").name == "progress-zoe.json"
    assert progress_file(tmp_path, None).name == "progress-default.json"
    assert sorted(
        p.name for p in tmp_path.iterdir() if p.name.startswith(("progress", ".prog"))
    ) == [
        "progress-zoe.json"  # written atomically: no temporary file left behind
    ]
    stored = json.loads(progress_file(tmp_path, "Zoë").read_text(encoding="utf-8"))
    assert stored["attendee"] == "Zoë" and set(stored["steps"]) == {"setup", "signature"}


def test_tracking_twice_counts_once_and_checks_can_look_without_ticking(room, tmp_path):
    tracker = ProgressTracker(tmp_path, None)
    client = attendee_client(room, tmp_path)
    assert track(track(client, tracker), tracker) is client
    seen = []
    tracker.on_change(lambda: seen.append(1))
    _untracked(client).list_agents()  # an exercise check's own request
    assert not tracker.is_done("signature") and seen == []
    client.list_agents()
    client.list_agents()
    assert tracker.is_done("signature") and seen == [1]


def test_a_damaged_file_starts_afresh(tmp_path):
    progress_file(tmp_path, "Zoë").write_text("{not json", encoding="utf-8")
    tracker = ProgressTracker(tmp_path, "Zoë")
    assert done(tracker) == []
    assert tracker.record("setup") and done(tracker) == ["setup"]
    with pytest.raises(ValueError, match="unknown step"):
        tracker.record("coffee")


def test_record_progress_uses_the_attendee_of_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ZEGO_KIT_HOME", str(tmp_path))
    monkeypatch.setenv("ZEGO_ATTENDEE", "Zoë")
    assert record_progress("user joined", "joined in the browser")
    assert not record_progress("user joined")  # the first time counts
    assert tracker_for().is_done("user joined")
    assert json.loads((tmp_path / "progress-zoe.json").read_text())["steps"]["user joined"]


def test_checklist_html_counts_escapes_and_marks(tmp_path):
    tracker = ProgressTracker(tmp_path, "<Zoë>")
    tracker.record("setup", "connected to <script>alert(1)</script>")
    html = progress_html(tracker.steps(), tracker.attendee)
    assert "Your progress &middot; &lt;Zoë&gt;: 1/7" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("zego-mark-good") == 1 and html.count("zego-mark-todo") == 6
    assert ">done</span>" in html and ">to do</span>" in html  # words, not glyphs
    assert emoji_in(html) == []  # no emoji font needed to tell done from not done
    assert html.index("Settings loaded") < html.index("A signed request succeeded")


def test_checklist_as_text_and_in_a_saved_notebook(tmp_path):
    tracker = ProgressTracker(tmp_path, "Zoë")
    tracker.record("setup")
    widget = ProgressWidget(tracker)
    text = repr(widget)
    assert text.splitlines()[:3] == [
        "Your progress (Zoë): 1/7",
        "[x] Settings loaded and the kit connected",
        "[ ] A signed request succeeded",
    ]
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == text  # whole: ipywidgets would cut it at 110 characters
    assert bundle["text/html"] == widget.value  # shown where the widget state was stripped


def test_the_widget_follows_the_tracker_live(room, tmp_path):
    tracker = ProgressTracker(tmp_path, "Zoë")
    widget = show_progress(tracker)
    assert isinstance(widget, ProgressWidget) and "0/7" in widget.value
    client = track(attendee_client(room, tmp_path), tracker)
    client.list_agents()
    assert "2/7" in widget.value  # setup and signature, without re-running the cell


def test_show_progress_explains_settings_that_do_not_load(monkeypatch):
    monkeypatch.setenv("ZEGO_APP_ID", "abc")
    widget = show_progress()
    assert "Progress appears once your settings load" in widget.value


def test_tracker_for_follows_the_settings(room, tmp_path):
    settings = attendee_settings(room, tmp_path, "Zoë")
    assert tracker_for(settings) is tracker_for(settings)
    assert tracker_for(settings).path == progress_file(tmp_path, "zoe")
