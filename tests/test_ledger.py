"""The ledger survives crashes and damage, and filters by service and prefix."""

import json

from zego_helpers.ledger import Ledger, LedgerEntry


def entry(instance_id, **kw):
    kw.setdefault("app_id", 1)
    kw.setdefault("api_base_url", "http://a")
    return LedgerEntry(instance_id, **kw)


def test_record_forget_and_survive_a_new_process(tmp_path):
    path = tmp_path / "home" / "ledger.json"
    Ledger(path).record(entry("i1", room_id="alice_room"))
    Ledger(path).record(entry("i2", room_id="bob_room", app_id=2))
    reopened = Ledger(path)  # as a new kernel would
    assert [e.agent_instance_id for e in reopened.entries()] == ["i1", "i2"]
    reopened.forget("i1")
    reopened.forget("never-there")
    assert [e.agent_instance_id for e in Ledger(path).entries()] == ["i2"]


def test_filters_by_service_and_prefix(tmp_path):
    ledger = Ledger(tmp_path / "ledger.json")
    ledger.record(entry("i1", room_id="alice_r1", user_id="alice_u1"))
    ledger.record(entry("i2", room_id="bob_r1", user_id="bob_u1"))
    ledger.record(entry("i3", room_id="alice_r2", api_base_url="http://other"))
    assert [e.agent_instance_id for e in ledger.entries(api_base_url="http://a")] == ["i1", "i2"]
    assert [e.agent_instance_id for e in ledger.entries(prefix="alice")] == ["i1", "i3"]
    assert ledger.latest(api_base_url="http://a").agent_instance_id == "i2"


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    ledger = Ledger(tmp_path / "ledger.json")
    for i in range(20):
        ledger.record(entry(f"i{i}"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.json"]
    assert len(json.loads((tmp_path / "ledger.json").read_text())["instances"]) == 20


def test_a_damaged_ledger_is_set_aside_not_fatal(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_text("{half a file")
    ledger = Ledger(path)
    assert ledger.entries() == []
    ledger.record(entry("i1"))
    assert [e.agent_instance_id for e in ledger.entries()] == ["i1"]
    assert (tmp_path / "ledger.damaged.json").read_text() == "{half a file"


def test_unknown_fields_from_a_newer_version_are_ignored(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_text(
        json.dumps(
            {
                "instances": {
                    "i1": {"agent_instance_id": "i1", "app_id": 1, "api_base_url": "x", "new": 1}
                }
            }
        )
    )
    assert Ledger(path).entries()[0].agent_instance_id == "i1"
