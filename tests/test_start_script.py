"""The kit's ``start`` (run before every attendee's server): one copy of the notebooks, never
overwritten, always writable, and the server gets the same process.

repo2docker runs it at every container start (Binder, a Zero to JupyterHub image), The
Littlest JupyterHub as the server command (``deploy/tljh/zego_room.py``); the hub test and
the Binder test run it for real, these tests pin what it promises around them.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
START = REPO_ROOT / "start"


def run_start(home: Path, *command: str, source: Path | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    if source is not None:
        env["ZEGO_KIT_SOURCE"] = str(source)
    return subprocess.run(
        [str(START), *command], env=env, capture_output=True, text=True, timeout=60, check=True
    )


def read_only_kit(tmp_path: Path) -> Path:
    source = tmp_path / "opt-zego-kit"
    (source / "notebooks").mkdir(parents=True)
    (source / "notebooks" / "00_setup.ipynb").write_text("{}")
    (source / "solutions").mkdir()
    (source / "solutions" / "01.py").write_text("answer")
    for path in source.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    return source


def test_the_notebooks_are_copied_once_writable_and_solutions_stay_with_the_trainer(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    source = read_only_kit(tmp_path)
    run_start(home, "true", source=source)
    copy = home / "zego-kit" / "notebooks" / "00_setup.ipynb"
    assert copy.read_text() == "{}"
    assert stat.S_IMODE(copy.stat().st_mode) & stat.S_IWUSR  # the attendee can save it
    assert not (home / "zego-kit" / "solutions").exists()
    assert [p.name for p in home.iterdir()] == ["zego-kit"]  # no staging folder left

    copy.write_text('{"my": "work"}')
    run_start(home, "true", source=source)  # the next server start
    assert copy.read_text() == '{"my": "work"}'


def test_it_execs_the_server_with_its_arguments_and_the_kit_home_in_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    server = subprocess.Popen(
        [str(START), "sh", "-c", 'echo "$ZEGO_KIT_HOME|$1|$$"', "server", "arg one"],
        env={"PATH": os.environ["PATH"], "HOME": str(home)},
        stdout=subprocess.PIPE,
        text=True,
    )
    shown, _ = server.communicate(timeout=60)
    kit_home, argument, pid = shown.strip().split("|")
    assert kit_home == f"{home}/.zego_kit" and argument == "arg one"
    assert int(pid) == server.pid  # exec: the hub's signals reach the server itself
    assert not (home / "zego-kit").exists()  # Binder: no source, nothing copied


def test_without_a_source_folder_the_server_does_not_start(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [str(START), "true"],
        env={"PATH": os.environ["PATH"], "HOME": str(home), "ZEGO_KIT_SOURCE": str(tmp_path / "x")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "No such file" in done.stderr
    assert list(home.iterdir()) == []  # neither a copy nor a half-made staging folder
