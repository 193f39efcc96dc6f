"""The event view's HTML (plain functions) and the live widget over an EventLog."""

from __future__ import annotations

import re
import time
from html import escape

from zego_helpers.callbacks import EventLog, parse_callback
from zego_helpers.callbacks.exception_table import (
    exception_rows,
    exception_table_html,
    exception_table_markdown,
)
from zego_helpers.codes import EXCEPTION_CODES
from zego_helpers.widgets.event_view import (
    EventView,
    render_latency_chart_html,
    render_timeline_html,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def ev(seq, name, data=None, ts_ms=1745502313000, instance="inst_1"):
    return parse_callback(
        {
            "Event": name,
            "AgentInstanceId": instance,
            "Sequence": seq,
            "Timestamp": ts_ms + seq,
            "Nonce": f"n{seq}",
            "Data": data or {},
        }
    )


def test_hostile_event_text_is_escaped_everywhere():
    events = [
        ev(1, "LLMResult", {"Text": HOSTILE, "Round": 1}),
        ev(2, "Exception", {"Code": 2203, "Message": HOSTILE, "Round": 1}),
        ev(3, HOSTILE, {"Round": 1, HOSTILE: HOSTILE}),
    ]
    html = render_timeline_html(events)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_exception_rows_are_highlighted_with_meaning_and_fix():
    html = render_timeline_html([ev(1, "Exception", {"Code": 2203, "Round": 4})])
    info = EXCEPTION_CODES[2203]
    assert "background:#fdecea" in html
    assert "LLM authentication failed" in html
    assert f"<b>Fix:</b> {escape(info.hint)}" in html
    assert "<td" in html and ">4</td>" in html  # the round column
    long_message = "The API key sk-... was rejected by the provider. " * 5
    long_html = render_timeline_html([ev(2, "Exception", {"Code": 2203, "Message": long_message})])
    assert escape(long_message) in long_html  # cut in the meaning, repeated in full below


def test_destroyed_instance_is_highlighted_too_but_a_normal_delete_is_not():
    destroyed = render_timeline_html([ev(1, "AgentInstanceDeleted", {"Code": 1202})])
    assert "background:#fdecea" in destroyed and escape(EXCEPTION_CODES[1202].hint) in destroyed
    normal = render_timeline_html([ev(1, "AgentInstanceDeleted", {"Code": 0})])
    assert "background:#fdecea" not in normal


def test_deleted_event_shows_its_latency_in_one_line():
    latency = {"LLMTTFT": 400, "LLMTPS": 35.5, "TTSAudioFirstFrameTime": 200, "TotalCost": 800}
    html = render_timeline_html(
        [ev(1, "AgentInstanceDeleted", {"Code": 0, "LatencyData": latency})]
    )
    assert (
        "Latency: LLM first token 400 ms, TTS first audio 200 ms, total 800 ms, 35.5 tokens/s"
        in html
    )
    assert '<table class="zego-latency"' not in html  # no chart in a row: one line


def test_an_instance_that_never_talked_shows_no_latency():
    zeros = {"LLMTTFT": 0, "LLMTPS": 0.0, "TTSAudioFirstFrameTime": 0, "TotalCost": 0}
    html = render_timeline_html([ev(1, "AgentInstanceDeleted", {"Code": 0, "LatencyData": zeros})])
    assert "Latency" not in html and "0 ms" not in html and "tokens/s" not in html


def test_a_retry_is_one_row():
    first = ev(1, "LLMResult", {"Text": "only once"})
    html = render_timeline_html([first, first, ev(1, "LLMResult", {"Text": "only once"})])
    assert html.count("only once") == 1


def test_latency_chart_has_bars_on_one_scale():
    from zego_helpers.callbacks import Latency

    html = render_latency_chart_html(Latency(400, 35.5, 200, 800))
    for text in ("400 ms", "200 ms", "800 ms", "35.5 tokens/s", "LLM time to first token"):
        assert text in html
    widths = [int(w) for w in re.findall(r"width:(\d+)px;height:10px", html)]
    # ms bars share a scale: total (800) is the longest, TTFT (400) half of it.
    assert widths[:3] == [80, 40, 160]


def test_latency_chart_with_missing_values_still_renders():
    from zego_helpers.callbacks import Latency

    html = render_latency_chart_html(Latency(None, None, None, None))
    assert html.count("–") == 4


def test_timeline_order_and_the_cap_with_show_more():
    events = [ev(seq, "LLMResult", {"Text": f"sentence {seq}"}) for seq in range(10)]
    html = render_timeline_html(reversed(events), max_rows=3)
    shown, _, more = html.partition("<details>")
    assert re.findall(r"sentence (\d)", shown) == ["9", "8", "7"]
    assert "Show 7 more (older events)" in more
    assert re.findall(r"sentence (\d)", more) == ["6", "5", "4", "3", "2", "1", "0"]
    oldest_first = render_timeline_html(events, max_rows=3, newest_first=False)
    assert re.findall(r"sentence (\d)", oldest_first.partition("<details>")[0]) == ["7", "8", "9"]
    assert "<details>" not in render_timeline_html(events)  # 10 rows fit under the default cap
    assert "No callbacks" in render_timeline_html([])


def test_tables_are_left_aligned():
    from tests.readable import cells_not_left_aligned

    html = render_timeline_html([ev(1, "Exception", {"Code": 2203})])
    assert cells_not_left_aligned(html) == []
    assert cells_not_left_aligned(exception_table_html()) == []
    from zego_helpers.callbacks import Latency

    assert cells_not_left_aligned(render_latency_chart_html(Latency(1, 2, 3, 4))) == []


def test_exception_code_table_lists_every_code_with_its_fix():
    html, markdown = exception_table_html(), exception_table_markdown()
    assert [row.code for row in exception_rows()] == sorted(EXCEPTION_CODES)
    for info in EXCEPTION_CODES.values():
        assert f">{info.code}</td>" in html
        assert info.hint.replace("|", "\\|") in markdown
    assert "**2203**" in markdown  # a common first-run failure stands out


def test_widget_follows_the_log_live_and_filters_by_instance():
    log = EventLog()
    view = EventView(log, instance_id="inst_1", refresh_seconds=0.01)
    try:
        assert "No callbacks" in view.widget.value
        log.append(ev(1, "Exception", {"Code": 2303}))
        log.append(ev(2, "LLMResult", {"Text": "from another call"}, instance="inst_2"))
        deadline = time.monotonic() + 10
        while "2303" not in view.widget.value and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "TTS authentication failed" in view.widget.value
        assert "1 failure</b>" in view.widget.value
        assert "another call" not in view.widget.value
    finally:
        view.close()
    log.append(ev(3, "Exception", {"Code": 2203}))
    view_value = view.widget.value
    assert "2203" not in view_value  # closed: no more updates
    log.close()
