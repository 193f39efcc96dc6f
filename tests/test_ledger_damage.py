"""A damaged ledger (each kind in tests/ledger_damage.py, 3 live instances each), then cleanup.

Every entry still readable is cleaned up (its instance deleted on the
sandbox), the others are left running (the kit cannot know them), nothing
prints a traceback, and the damaged file is kept under a name of its own.
"""

from __future__ import annotations

import pytest

from tests.crash_support import (
    AGENT,
    base_env,
    run_cleanup,
    running_rows,
    sandbox_client,
    start_crash_sandbox,
)
from tests.ledger_damage import CORPUS, Damage
from zego_helpers.ids import make_call_ids
from zego_helpers.ledger import LEDGER_FILE_NAME, Ledger


@pytest.fixture(scope="module")
def sandbox():
    """The crash tests' sandbox (:data:`AGENT` registered): damage is a crash's neighbour."""
    running = start_crash_sandbox()
    yield running
    running.stop()


@pytest.mark.parametrize("damage", CORPUS, ids=[d.name for d in CORPUS])
def test_cleanup_deletes_every_readable_entry_of_a_damaged_ledger(
    sandbox, tmp_path, damage: Damage
):
    kernel = sandbox_client(sandbox, tmp_path)
    ids = []
    for _ in range(3):
        call = make_call_ids()
        ids.append(
            kernel.create_agent_instance(AGENT, call.user_id, call.to_rtc())["AgentInstanceId"]
        )
    path = tmp_path / LEDGER_FILE_NAME
    damage.apply(path, ids)
    damaged = path.read_bytes() if path.is_file() else None

    result = run_cleanup(
        {
            **base_env(tmp_path),
            "ZEGO_APP_ID": str(sandbox.app_id),
            "ZEGO_SERVER_SECRET": sandbox.server_secret,
            "ZEGO_API_BASE_URL": sandbox.base_url,
        }
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Traceback" not in output, output

    running = {r["AgentInstanceId"] for r in running_rows(sandbox_client(sandbox))}
    readable = {ids[i] for i in damage.readable}
    assert {i for i in ids if i not in running} == readable
    for instance_id in readable:
        assert f"deleted {instance_id}" in result.stdout

    kept = sorted(tmp_path.glob(f"{LEDGER_FILE_NAME}.damaged-*"))
    if damage.kept:
        (copy,) = kept
        assert f"is kept as {copy}" in result.stdout  # cleanup says where
        if damaged is not None:
            assert copy.read_bytes() == damaged
        else:
            assert copy.is_dir() and (copy / "note.txt").is_file()
    else:
        assert kept == []
    assert Ledger.in_home(tmp_path).entries() == []  # what was readable is cleaned up
    assert path.is_file() and not list(tmp_path.glob(".*.tmp"))

    admin = sandbox_client(sandbox)
    for instance_id in ids:  # the unreadable ones: the test knows them, the kit could not
        admin.delete_agent_instance(instance_id, missing_ok=True)


def test_the_corpus_has_enough_kinds_of_damage():
    assert len(CORPUS) >= 12 and len({d.name for d in CORPUS}) == len(CORPUS)
