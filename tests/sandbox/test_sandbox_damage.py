"""A damage corpus for the sandbox's state and events files.

For each kind of damage: a populated state (3 agents, 2 instances, their
events) is saved, the file is damaged, and a new sandbox starts on it. It
must start, keep every entry that is still readable, log no traceback, keep a
byte-exact copy of the damaged file, answer the next request, and leave a
clean file behind (a third start finds nothing to repair).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from zego_helpers.sandbox.config import random_app_id, random_secret
from zego_helpers.sandbox.state import Agent
from zego_helpers.sandbox.store import StateStore

from .helpers import Api, api_for, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
AGENTS = ["agent_a", "agent_b", "agent_c"]


class Corpus:
    """A state saved by a real sandbox, then damaged, then read by new sandboxes."""

    def __init__(self, start, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        self.start = start
        self.caplog = caplog
        self.credentials = {"app_id": random_app_id(), "server_secret": random_secret()}
        self.path = tmp_path / "sandbox-state.json"
        self.events_path = tmp_path / "sandbox-state.events.jsonl"
        sandbox = start(**self.credentials, state_path=self.path)
        api = api_for(sandbox)
        for agent in AGENTS:
            api.register(agent)
        self.instances = [api.create("one", "agent_a"), api.create("two", "agent_b")]
        for instance in self.instances:
            api.ok("SendAgentInstanceTTS", {"AgentInstanceId": instance, "Text": "Hello"})
        for instance in self.instances:  # nothing left for time to do at the next start
            wait_until(lambda i=instance: api.status(i) == "IDLE", what="the speech to end")
        self.sequences = [e["Sequence"] for e in api.events()]
        sandbox.stop()  # saved; the files are ours now
        caplog.clear()

    # --- the state file, as lines ---------------------------------------------------------

    def state_lines(self) -> list[bytes]:
        return self.path.read_bytes().splitlines(keepends=True)

    def line_of(self, kind: str, key: str) -> int:
        """Index of the state-file line holding agent/instance ``key``."""
        for index, line in enumerate(self.state_lines()):
            entry = json.loads(line)
            if kind in entry and key in (
                entry[kind].get("agent_id"),
                entry[kind].get("instance_id"),
            ):
                return index
        raise AssertionError(f"no line for {kind} {key}")

    # --- reading it again -------------------------------------------------------------------

    def reopen(self) -> Api:
        return api_for(self.start(**self.credentials, state_path=self.path))

    def kept(self, api: Api) -> tuple[list[str], list[str]]:
        agents = api.ok("QueryAgents", {"AgentIds": AGENTS})["Agents"]
        instances = api.ok("SandboxListInstances")["Instances"]
        return sorted(a["AgentId"] for a in agents), sorted(i["AgentInstanceId"] for i in instances)

    def copies(self, path: Path) -> list[Path]:
        return sorted(path.parent.glob(path.name + ".damaged-*"))

    def assert_no_traceback(self) -> None:
        crashes = [r for r in self.caplog.records if r.exc_info or r.levelno >= logging.ERROR]
        assert not crashes, [r.getMessage() for r in crashes]


@pytest.fixture
def corpus(start, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Corpus:
    caplog.set_level(logging.INFO, logger="zego_helpers.sandbox")
    return Corpus(start, tmp_path, caplog)


# --- the state file -------------------------------------------------------------------------

#: Each damage: (corpus) -> (damaged bytes, agents expected, instances expected as indexes).
StateDamage = Callable[[Corpus], tuple[bytes, list[str], list[int]]]


def _replace_line(c: Corpus, index: int, new: bytes) -> bytes:
    lines = c.state_lines()
    lines[index] = new
    return b"".join(lines)


def _edit_entry(c: Corpus, kind: str, key: str, change: Callable[[dict], None]) -> bytes:
    index = c.line_of(kind, key)
    entry = json.loads(c.state_lines()[index])
    change(entry[kind])
    return _replace_line(c, index, json.dumps(entry).encode() + b"\n")


def cut_in_last_line(c: Corpus):
    raw = c.path.read_bytes()
    return raw[: len(raw) - len(c.state_lines()[-1]) // 2], AGENTS, [0]


def cut_in_half(c: Corpus):
    raw = c.path.read_bytes()
    cut = raw[: len(raw) // 2]
    complete = b"\n".join(cut.split(b"\n")[:-1])
    agents = [a for a in AGENTS if f'"agent_id":"{a}"'.encode() in complete]
    return cut, agents, [i for i, x in enumerate(c.instances) if x.encode() in complete]


def cut_in_header(c: Corpus):
    return c.path.read_bytes()[:20], [], []


def agent_name_is_a_number(c: Corpus):
    return (
        _edit_entry(c, "agents", "agent_b", lambda a: a.update(name=5)),
        ["agent_a", "agent_c"],
        [0, 1],
    )


def instance_round_is_text(c: Corpus):
    damaged = _edit_entry(c, "instances", c.instances[1], lambda i: i.update(round="seven"))
    return damaged, AGENTS, [0]


def instance_without_a_field(c: Corpus):
    damaged = _edit_entry(c, "instances", c.instances[0], lambda i: i.pop("room_id"))
    return damaged, AGENTS, [1]


def speech_of_the_wrong_shape(c: Corpus):
    damaged = _edit_entry(c, "instances", c.instances[0], lambda i: i.update(speeches=[{"x": 1}]))
    return damaged, AGENTS, [1]


def settings_are_a_list(c: Corpus):
    header = json.loads(c.state_lines()[0])
    header["settings"] = [1, 2]
    header["presence"] = {"room": "not a dict"}
    header["sequence"] = -4
    return _replace_line(c, 0, json.dumps(header).encode() + b"\n"), AGENTS, [0, 1]


def entry_is_an_array(c: Corpus):
    return _replace_line(c, c.line_of("agents", "agent_a"), b"[1, 2, 3]\n"), AGENTS[1:], [0, 1]


def unknown_entry_kind(c: Corpus):
    return _replace_line(c, c.line_of("agents", "agent_a"), b'{"robots": {}}\n'), AGENTS[1:], [0, 1]


def junk_line_inserted(c: Corpus):
    lines = c.state_lines()
    lines.insert(2, os.urandom(300).replace(b"\n", b"?") + b"\n")
    return b"".join(lines), AGENTS, [0, 1]


def junk_over_a_line(c: Corpus):
    index = c.line_of("agents", "agent_c")
    size = len(c.state_lines()[index]) - 1
    return (
        _replace_line(c, index, os.urandom(size).replace(b"\n", b"?") + b"\n"),
        AGENTS[:2],
        [0, 1],
    )


def empty_file(c: Corpus):
    return b"", [], []


def all_nul_bytes(c: Corpus):
    return b"\0" * len(c.path.read_bytes()), [], []


def nul_bytes_in_a_line(c: Corpus):
    index = c.line_of("agents", "agent_a")
    line = c.state_lines()[index]
    return _replace_line(c, index, line[:10] + b"\0\0\0\0" + line[14:]), AGENTS[1:], [0, 1]


def huge_junk_line(c: Corpus):
    return c.path.read_bytes() + b"x" * (8 << 20) + b"\n", AGENTS, [0, 1]


def not_utf8(c: Corpus):
    index = c.line_of("agents", "agent_c")
    line = c.state_lines()[index].replace(b'"Tester"', b'"Test\xff\xfe"')
    return _replace_line(c, index, line), AGENTS[:2], [0, 1]


def lone_surrogate_escape(c: Corpus):
    index = c.line_of("agents", "agent_c")
    line = c.state_lines()[index].replace(b'"Tester"', b'"Test\\ud800"')
    return _replace_line(c, index, line), AGENTS[:2], [0, 1]


def nested_too_deep(c: Corpus):
    index = c.line_of("agents", "agent_b")
    return (
        _replace_line(c, index, b"[" * 50_000 + b"]" * 50_000 + b"\n"),
        ["agent_a", "agent_c"],
        [0, 1],
    )


def header_missing(c: Corpus):
    return b"".join(c.state_lines()[1:]), AGENTS, [0, 1]


def instance_line_twice(c: Corpus):
    lines = c.state_lines()
    lines.append(lines[c.line_of("instances", c.instances[0])])
    return b"".join(lines), AGENTS, [0, 1]


STATE_DAMAGE: list[StateDamage] = [
    cut_in_last_line,
    cut_in_half,
    cut_in_header,
    agent_name_is_a_number,
    instance_round_is_text,
    instance_without_a_field,
    speech_of_the_wrong_shape,
    settings_are_a_list,
    entry_is_an_array,
    unknown_entry_kind,
    junk_line_inserted,
    junk_over_a_line,
    empty_file,
    all_nul_bytes,
    nul_bytes_in_a_line,
    huge_junk_line,
    not_utf8,
    lone_surrogate_escape,
    nested_too_deep,
    header_missing,
    instance_line_twice,
]


@pytest.mark.parametrize("damage", STATE_DAMAGE, ids=lambda d: d.__name__)
def test_a_damaged_state_file_keeps_every_readable_entry(corpus: Corpus, damage) -> None:
    damaged, agents, instance_indexes = damage(corpus)
    corpus.path.write_bytes(damaged)

    api = corpus.reopen()
    expected_instances = sorted(corpus.instances[i] for i in instance_indexes)
    assert corpus.kept(api) == (sorted(agents), expected_instances)
    [copy] = corpus.copies(corpus.path)
    assert copy.read_bytes() == damaged
    assert (copy.stat().st_mode & 0o777) == 0o600
    assert "was damaged" in corpus.caplog.text or "starts afresh" in corpus.caplog.text
    corpus.assert_no_traceback()

    api.register("agent_new")  # the next request works, and is saved cleanly
    for instance in expected_instances:
        assert api.status(instance) == "IDLE"
    corpus.caplog.clear()
    again = corpus.reopen()
    assert corpus.kept(again)[1] == expected_instances
    assert again.ok("QueryAgents", {"AgentIds": ["agent_new"]})["Agents"]
    assert len(corpus.copies(corpus.path)) == 1, "the repaired file needed no repair"
    assert "damaged" not in corpus.caplog.text


def test_a_state_file_of_another_app_id_is_set_aside_whole(corpus: Corpus) -> None:
    header = json.loads(corpus.state_lines()[0])
    header["AppId"] = 1
    damaged = _replace_line(corpus, 0, json.dumps(header).encode() + b"\n")
    corpus.path.write_bytes(damaged)
    api = corpus.reopen()
    assert corpus.kept(api) == ([], [])  # another sandbox's agents are not ours
    assert [p.read_bytes() for p in corpus.copies(corpus.path)] == [damaged]
    assert len(corpus.copies(corpus.events_path)) == 1  # its events went with it
    assert api.events() == []


def test_every_damage_keeps_its_own_copy(corpus: Corpus) -> None:
    seen = []
    for damage in (cut_in_last_line, junk_line_inserted, empty_file):
        damaged = damage(corpus)[0]
        corpus.path.write_bytes(damaged)
        corpus.reopen().register(f"after_{damage.__name__}")
        seen.append(damaged)
    assert sorted(p.read_bytes() for p in corpus.copies(corpus.path)) == sorted(seen)


# --- the events file ------------------------------------------------------------------------


def event_lines(c: Corpus) -> list[bytes]:
    return c.events_path.read_bytes().splitlines(keepends=True)


def sequences_in(lines: list[bytes]) -> list[int]:
    found = []
    for line in lines:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            found.append(json.loads(line)["body"]["Sequence"])
    return found


EventDamage = Callable[[Corpus], tuple[bytes, list[int]]]


def half_written_last_line(c: Corpus):
    lines = event_lines(c)
    return b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2], c.sequences[:-1]


def last_line_without_newline(c: Corpus):
    return c.events_path.read_bytes().rstrip(b"\n"), c.sequences


def events_cut_in_half(c: Corpus):
    raw = c.events_path.read_bytes()
    cut = raw[: len(raw) // 2]
    return cut, sequences_in(cut.splitlines(keepends=True)[:-1])


def junk_between_events(c: Corpus):
    lines = event_lines(c)
    lines.insert(3, b"\x00\xff junk {" + os.urandom(100).replace(b"\n", b"") + b"\n")
    return b"".join(lines), c.sequences


def event_of_the_wrong_type(c: Corpus):
    lines = event_lines(c)
    record = json.loads(lines[2])
    record["body"]["Sequence"] = "three"
    lines[2] = json.dumps(record).encode() + b"\n"
    return b"".join(lines), c.sequences[:2] + c.sequences[3:]


def event_out_of_order(c: Corpus):
    lines = event_lines(c)
    lines.insert(4, lines[1])  # an old Sequence again
    return b"".join(lines), c.sequences


def events_all_nul(c: Corpus):
    return b"\0" * len(c.events_path.read_bytes()), []


def events_not_utf8(c: Corpus):
    lines = event_lines(c)
    lines[1] = lines[1].replace(b'"Event"', b'"Ev\xffent"')
    return b"".join(lines), c.sequences[:1] + c.sequences[2:]


def events_huge_line(c: Corpus):
    lines = event_lines(c)
    lines.insert(2, b"y" * (8 << 20) + b"\n")
    return b"".join(lines), c.sequences


EVENT_DAMAGE: list[EventDamage] = [
    half_written_last_line,
    last_line_without_newline,
    events_cut_in_half,
    junk_between_events,
    event_of_the_wrong_type,
    event_out_of_order,
    events_all_nul,
    events_not_utf8,
    events_huge_line,
]


@pytest.mark.parametrize("damage", EVENT_DAMAGE, ids=lambda d: d.__name__)
def test_a_damaged_events_file_keeps_every_readable_event(corpus: Corpus, damage) -> None:
    damaged, expected = damage(corpus)
    corpus.events_path.write_bytes(damaged)

    api = corpus.reopen()
    assert [e["Sequence"] for e in api.events()] == expected
    assert corpus.kept(api) == (AGENTS, sorted(corpus.instances))
    [copy] = corpus.copies(corpus.events_path)
    assert copy.read_bytes() == damaged
    corpus.assert_no_traceback()

    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": corpus.instances[0], "Text": "Again"})
    wait_until(lambda: api.status(corpus.instances[0]) == "IDLE", what="the speech to end")
    after = [e["Sequence"] for e in api.events()]
    assert after[: len(expected)] == expected
    assert after[len(expected) :] and min(after[len(expected) :]) > max(corpus.sequences)
    corpus.caplog.clear()
    again = corpus.reopen()
    assert [e["Sequence"] for e in again.events()] == after
    assert len(corpus.copies(corpus.events_path)) == 1, "the rewritten file needed no repair"


def test_an_empty_events_file_is_no_damage(corpus: Corpus) -> None:
    corpus.events_path.write_bytes(b"")
    api = corpus.reopen()
    assert api.events() == [] and corpus.kept(api) == (AGENTS, sorted(corpus.instances))
    assert corpus.copies(corpus.events_path) == []
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": corpus.instances[0], "Text": "Again"})
    assert min(e["Sequence"] for e in api.events()) > max(corpus.sequences)


def test_a_half_line_written_while_the_sandbox_runs_is_repaired_too(corpus: Corpus) -> None:
    api = corpus.reopen()
    with corpus.events_path.open("ab") as handle:  # a process killed mid-append
        handle.write(b'{"callback":false,"body":{"Seq')
    lock = corpus.path.with_name(corpus.path.name + ".lock")
    lock.write_text("another-generation")  # as that process would have: reload, please
    assert api.ok("SandboxInfo")["Agents"] == 3
    api.ok("SendAgentInstanceTTS", {"AgentInstanceId": corpus.instances[1], "Text": "Still here"})
    assert [e["Sequence"] for e in api.events()][: len(corpus.sequences)] == corpus.sequences
    assert len(corpus.copies(corpus.events_path)) == 1
    assert b'"Seq' not in corpus.events_path.read_bytes().replace(b'"Sequence"', b"")
    corpus.assert_no_traceback()


def test_the_embedded_sandbox_in_a_new_process_survives_a_half_written_events_line(
    tmp_path: Path,
) -> None:
    """The reported case: every new kernel failed with a raw JSONDecodeError."""
    script = textwrap.dedent(
        """
        import hashlib, secrets, sys, time, requests
        from pathlib import Path
        from zego_helpers.sandbox import ensure_embedded_sandbox
        sb = ensure_embedded_sandbox(Path(sys.argv[1]))
        def call(action, body):
            nonce, ts = secrets.token_hex(8), int(time.time())
            sig = hashlib.md5(f"{sb.app_id}{nonce}{sb.server_secret}{ts}".encode()).hexdigest()
            query = dict(Action=action, AppId=sb.app_id, SignatureNonce=nonce, Timestamp=ts,
                         Signature=sig, SignatureVersion="2.0")
            return requests.post(sb.base_url + "/", params=query, json=body, timeout=10).json()
        agent = call("RegisterAgent", {"AgentId": sys.argv[2]})["Code"]
        events = len(call("SandboxGetEvents", {})["Data"]["Events"])
        print(agent, call("ListAgents", {"Limit": 10})["Data"]["Total"], events)
        """
    )
    home = tmp_path / "kit"

    def kernel(agent: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", script, str(home), agent],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        return result.stdout.strip()

    assert kernel("first") == "0 1 0"
    events = home / "sandbox-state.events.jsonl"
    events.write_bytes(events.read_bytes() + b'{"callback":true,"body":{"AppId":12')
    assert kernel("second") == "0 2 0"
    assert kernel("third") == "0 3 0"
    assert len(list(home.glob("sandbox-state.events.jsonl.damaged-*"))) == 1


# --- a transaction that cannot be saved is rolled back --------------------------------------


def test_a_change_that_cannot_be_saved_is_rolled_back(tmp_path: Path, caplog) -> None:
    from zego_helpers.sandbox.state import SandboxState

    path = tmp_path / "state.json"
    store = StateStore(path, lambda: SandboxState(1234567, {}), server_secret="s" * 32)
    with store.transaction() as state:
        state.register_agent(Agent("good"))
    with pytest.raises(UnicodeEncodeError), store.transaction() as state:
        state.register_agent(Agent("bad\ud800"))  # what strict parsing keeps out of requests
    with store.transaction() as state:
        assert sorted(state.agents) == ["good"]
        state.register_agent(Agent("next"))
    store.close()
    assert "dropped" in caplog.text
    reader = StateStore(path, lambda: SandboxState(1234567, {}), server_secret="s" * 32)
    with reader.transaction() as state:
        assert sorted(state.agents) == ["good", "next"]
    reader.close()


def test_a_request_that_fails_half_way_leaves_no_trace(start, tmp_path: Path, monkeypatch) -> None:
    """A sandbox bug after a change: the answer is 410000001, and the change is dropped."""
    from zego_helpers.sandbox import actions

    api = api_for(start(state_path=tmp_path / "state.json"))
    api.register("kept")

    def half_way(ctx, body) -> None:
        ctx.state.register_agent(Agent("half_done"))
        raise RuntimeError("a bug in the sandbox")

    monkeypatch.setitem(actions.ACTIONS, "RegisterAgent", half_way)
    api.fails("RegisterAgent", {"AgentId": "x"}, 410000001)
    monkeypatch.undo()
    agents = api.ok("QueryAgents", {"AgentIds": ["kept", "half_done"]})["Agents"]
    assert [a["AgentId"] for a in agents] == ["kept"]
    api.register("next")
