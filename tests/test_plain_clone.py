"""A plain clone tests itself: nothing beside it, nothing outside it read or written.

What a new user does is ``git clone`` the kit into an empty folder and run the tests. This
test does the same with the repository's committed ``HEAD`` (uncommitted changes are not
in a clone), into a temporary folder that holds nothing else, with a fresh ``HOME``. From
that clone, with this venv's Python but the *clone's* code (``PYTHONPATH`` and the working
directory are the clone), it runs the tests that need data files (ZEGO's known-answer
signatures) and one notebook test (notebook 03 under nbval, in a kernel of its own).

Every Python process of that run (pytest, nbval's, the notebook kernel) starts with an
audit hook (a ``sitecustomize`` module on ``PYTHONPATH``) that records each file it opens
outside the allowed places: the clone, this test's temporary folder (the fresh ``HOME``
and ``TMPDIR``), the venv, the Python installation and the operating system's own folders.
So a test that read the team's reference folder beside the checkout, or anything of the
checkout the clone came from, fails here, even if the file happened to exist.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Run from the clone: the known-answer tests and one notebook test.
CLONE_TESTS = [
    "tests/test_signing.py",
    "tests/test_callbacks_signature.py",
    "tests/sandbox/test_sandbox_gateway.py::test_the_official_example_signature_is_accepted",
    "tests/test_notebooks.py::test_notebook_03_runs_on_its_own",
    # The message catalogues are in a clone, compiled, and found by a fresh interpreter.
    "tests/test_i18n_catalogue.py::test_the_compiled_catalogue_is_the_po_compiled",
    "tests/test_i18n_language.py::test_a_chinese_locale_alone_gives_chinese_messages",
]
#: The operating system's folders (libraries, time zones, certificates, devices).
SYSTEM_ROOTS = ("/dev", "/proc", "/sys", "/etc", "/usr", "/lib", "/lib64", "/bin", "/opt/homebrew")

#: Installed in every Python process of the clone's run: note each file opened outside
#: the allowed roots. ``open`` is the audit event of ``open()``, ``os.open()`` and of
#: reading a module's source for import.
SITECUSTOMIZE = '''
import os, sys

_LOG = os.environ["KIT_AUDIT_LOG"]
_ALLOWED = tuple(os.environ["KIT_AUDIT_ALLOWED"].split(os.pathsep))
_writing = False


def _outside(path):
    full = os.path.abspath(path)
    return not any(
        p == root or p.startswith(root.rstrip(os.sep) + os.sep)
        for p in {full, os.path.realpath(full)}
        for root in _ALLOWED
    )


def _note_opens_outside(event, args):
    global _writing
    if event != "open" or _writing or isinstance(args[0], int):
        return
    path = os.fsdecode(args[0])
    if _outside(path):
        _writing = True
        try:
            with open(_LOG, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()} {sys.orig_argv[:4]} opened {os.path.abspath(path)}\\n")
        finally:
            _writing = False


with open(os.environ["KIT_AUDIT_STARTED"], "a", encoding="utf-8") as started:
    started.write(f"{os.getpid()} {sys.orig_argv[:4]}\\n")
sys.addaudithook(_note_opens_outside)
'''


def install_audit(folder: Path) -> Path:
    """A folder with the audit ``sitecustomize``; its logs are written there too."""
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return folder


def audit_env(folder: Path, allowed: list[str]) -> dict[str, str]:
    """The variables the audit ``sitecustomize`` reads."""
    return {
        "KIT_AUDIT_LOG": str(folder / "outside.log"),
        "KIT_AUDIT_STARTED": str(folder / "started.log"),
        "KIT_AUDIT_ALLOWED": os.pathsep.join(allowed),
    }


def clean_git_env() -> dict[str, str]:
    """This environment without ``GIT_*`` variables (a git hook may have set ``GIT_DIR``)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def clone_alone(parent: Path) -> Path:
    """``git clone`` the repository's HEAD into ``parent/kit``; ``parent`` holds nothing else."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        reason = "not a git checkout (or no git): there is nothing to clone"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    parent.mkdir()
    clone = parent / "kit"
    subprocess.run(
        ["git", "clone", "--quiet", str(REPO), str(clone)],
        check=True, env=clean_git_env(), stdin=subprocess.DEVNULL, capture_output=True,
        timeout=120,
    )  # fmt: skip
    return clone


def test_a_plain_clone_runs_its_data_and_notebook_tests_touching_nothing_outside(tmp_path):
    clone = clone_alone(tmp_path / "alone")
    assert [p.name for p in clone.parent.iterdir()] == ["kit"]  # no shared/ beside it
    assert not (clone / ".venv").exists()

    audit, home, temp = install_audit(tmp_path / "audit"), tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    # Not tmp_path itself: the clone's parent (where a shared/ would be) is not allowed.
    allowed = [
        str(clone), str(audit), str(home), str(temp), sys.prefix, sys.base_prefix,
        sys.exec_prefix, str(Path(sys.executable).resolve().parents[1]), *SYSTEM_ROOTS,
    ]  # fmt: skip
    env = {
        **{k: v for k, v in clean_git_env().items() if not k.startswith("PYTHON")},
        "HOME": str(home),
        "TMPDIR": str(temp),
        "PYTHONPATH": os.pathsep.join([str(clone), str(audit)]),
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ written into the venv either
        **audit_env(audit, allowed),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no",
         *CLONE_TESTS],
        cwd=clone, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    report = f"{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert result.returncode == 0, report
    assert " passed" in result.stdout and "skipped" not in result.stdout, report
    # The hook watched pytest, nbval's pytest and the notebook's kernel, and noted nothing.
    started = (audit / "started.log").read_text(encoding="utf-8")
    assert started.count("pytest") >= 2 and "ipykernel" in started, started
    outside_log = audit / "outside.log"
    offences = outside_log.read_text(encoding="utf-8") if outside_log.exists() else ""
    assert offences == "", f"files opened outside the clone:\n{offences[:3000]}"


def test_the_audit_hook_notes_a_file_opened_outside(tmp_path):
    """The check above can fail: a process that reads a file beside the clone is noted."""
    audit = install_audit(tmp_path / "audit")
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "known-answers.json").write_text("[]", encoding="utf-8")
    allowed = [str(inside), str(audit), sys.prefix, sys.base_prefix, *SYSTEM_ROOTS]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(audit), **audit_env(audit, allowed)}
    code = "open('../outside/known-answers.json').read(); open('fine.txt', 'w').write('x')"
    subprocess.run(
        [sys.executable, "-c", code], cwd=inside, env=env, check=True, stdin=subprocess.DEVNULL
    )
    noted = (audit / "outside.log").read_text(encoding="utf-8").splitlines()
    assert len(noted) == 1 and noted[0].endswith(str(outside / "known-answers.json"))
