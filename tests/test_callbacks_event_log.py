"""EventLog: de-duplication, bounds, filters, live listeners, thread safety."""

from __future__ import annotations

import threading

from zego_helpers.callbacks import EventLog, parse_callback


def ev(seq=1, name="LLMResult", instance="inst_1", nonce=None, **data):
    return parse_callback(
        {
            "Event": name,
            "AgentInstanceId": instance,
            "Sequence": seq,
            "Nonce": nonce if nonce is not None else f"n{seq}",
            "Data": data,
        }
    )


def test_retry_of_the_same_instance_event_sequence_is_logged_once():
    log = EventLog()
    assert log.append(ev(1)) is True
    assert log.append(ev(1, nonce="other-nonce")) is False  # a retry may carry a new nonce
    assert len(log) == 1 and log.duplicates == 1
    # Same sequence but another event or another instance is a different event.
    assert log.append(ev(1, name="ASRResult")) is True
    assert log.append(ev(1, instance="inst_2")) is True
    assert len(log) == 3


def test_without_sequence_the_nonce_identifies_the_event():
    log = EventLog()
    assert log.append(ev(seq=None, nonce="abc")) is True
    assert log.append(ev(seq=None, nonce="abc")) is False
    assert log.append(ev(seq=None, nonce="def")) is True
    # Neither: nothing to recognise a retry by, so everything is kept.
    assert log.append(ev(seq=None, nonce="")) is True
    assert log.append(ev(seq=None, nonce="")) is True
    assert len(log) == 4


def test_the_log_is_bounded_and_still_recognises_evicted_retries():
    log = EventLog(max_events=3, dedup_window=10)
    for seq in range(5):
        log.append(ev(seq))
    assert [e.sequence for e in log] == [2, 3, 4]
    assert log.evicted == 2
    assert log.append(ev(0)) is False  # evicted, but still remembered


def test_dedup_memory_is_bounded_too():
    log = EventLog(max_events=2, dedup_window=2)
    for seq in range(3):
        log.append(ev(seq))
    assert log.append(ev(0)) is True  # forgotten after 2 newer identities


def test_filters_exceptions_instances_and_latency():
    log = EventLog()
    log.append(ev(1, "Exception", Code=2203))
    log.append(ev(2, "LLMResult", Text="hi"))
    log.append(ev(3, "Exception", instance="inst_2", Code=1202))
    log.append(
        ev(4, "AgentInstanceDeleted", Code=0, LatencyData={"LLMTTFT": 400, "TotalCost": 950})
    )
    assert [e.code for e in log.exceptions()] == [2203, 1202]
    assert [e.code for e in log.exceptions("inst_2")] == [1202]
    assert [e.sequence for e in log.events("inst_1")] == [1, 2, 4]
    assert log.instances() == ["inst_1", "inst_2"]
    assert log.latency_of("inst_1").llm_ttft_ms == 400
    assert log.latency_of("inst_1").total_ms == 950
    assert log.latency_of("inst_2") is None


def test_listeners_get_new_events_in_order_and_a_failing_listener_hurts_no_one():
    log = EventLog()
    seen: list[int] = []
    done = threading.Event()

    def broken(_event):
        raise RuntimeError("listener bug")

    def collect(event):
        seen.append(event.sequence)
        if len(seen) == 50:
            done.set()

    log.subscribe(broken)
    unsubscribe = log.subscribe(collect)
    for seq in range(50):
        log.append(ev(seq))
    log.append(ev(0))  # a duplicate is not announced
    assert done.wait(timeout=10)
    assert seen == list(range(50))
    unsubscribe()
    log.append(ev(99))
    log.close()
    assert seen == list(range(50))


def test_wait_for_returns_a_matching_event_or_none():
    log = EventLog()
    timer = threading.Timer(0.05, lambda: log.append(ev(5, "AgentInstanceCreated")))
    timer.start()
    found = log.wait_for(lambda e: e.event == "AgentInstanceCreated", timeout=10)
    timer.join()
    assert found is not None and found.sequence == 5
    assert log.wait_for(lambda e: e.event == "Nope", timeout=0.01) is None


def test_concurrent_appends_and_reads_lose_nothing():
    log = EventLog(max_events=10_000)
    received: list[int] = []
    all_seen = threading.Event()
    threads_n, per_thread = 8, 250

    def listener(event):
        received.append(event.sequence)
        if len(received) == threads_n * per_thread:
            all_seen.set()

    log.subscribe(listener)
    start = threading.Barrier(threads_n + 1)

    def writer(t):
        start.wait()
        for i in range(per_thread):
            log.append(ev(t * per_thread + i))
            log.append(ev(t * per_thread + i))  # every event retried once

    def reader():
        start.wait()
        for _ in range(200):
            log.events("inst_1")
            log.exceptions()
            len(log)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(log) == threads_n * per_thread
    assert log.duplicates == threads_n * per_thread
    assert sorted(e.sequence for e in log) == list(range(threads_n * per_thread))
    assert all_seen.wait(timeout=10)
    assert sorted(received) == list(range(threads_n * per_thread))
    log.close()
