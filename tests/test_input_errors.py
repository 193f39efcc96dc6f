"""Bad settings get a ConfigError naming the thing and the fix, never a bare library traceback.

One test (or a small group) per bullet of issue 12's "Input and errors" that concerns
settings: a non-UTF-8 ``.env``, non-ASCII digits, a kit home that is a file, a
misspelled ``ZEGO_ENV_FILE``, and ``.env`` edited (never rewritten) by the kit.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zego_helpers.errors import ConfigError, ValidationError
from zego_helpers.kit_home import ensure_kit_home
from zego_helpers.settings import UINT32_MAX, load_settings, save_env_file
from zego_helpers.tutorial import form_logic as fl
from zego_helpers.tutorial.workshop import set_attendee

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET = "0123456789abcdef0123456789abcdef"


def load(**env: str):
    return load_settings(env=env, dotenv_path="")


def private_file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def run_kit(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The kit's CLI in a child process with no TTY (as a learner or CI would run it)."""
    return subprocess.run(
        [sys.executable, "-m", "zego_helpers", *args],
        env={**os.environ, **env},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- a .env that is not UTF-8 ------------------------------------------------------------


def test_non_utf8_env_names_file_line_byte_and_fix(tmp_path):
    env_file = private_file(
        tmp_path / ".env", b"ZEGO_APP_ID=1\n# Caf\xe9 (saved as Latin-1)\nLLM_MODEL=m\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(env={}, dotenv_path=env_file)
    message = str(caught.value)
    assert caught.value.variable == str(env_file)
    assert "line 2" in message and "column 6" in message and "byte offset 19" in message
    assert "0xe9" in message and "UTF-8" in caught.value.fix


def test_non_utf8_env_through_the_cli_is_one_clear_line_not_a_traceback(tmp_path):
    env_file = private_file(tmp_path / ".env", b"ZEGO_ATTENDEE=Zo\xeb\n")
    result = run_kit("doctor", env={"ZEGO_ENV_FILE": str(env_file)}, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output and "UnicodeDecodeError" not in output
    assert str(env_file) in output and "line 1" in output and "UTF-8" in output


def test_saving_into_a_non_utf8_env_refuses_and_leaves_it_untouched(tmp_path):
    original = b"# r\xe9glages\nZEGO_APP_ID=1\n"
    env_file = private_file(tmp_path / ".env", original)
    with pytest.raises(ConfigError, match="line 1"):
        save_env_file(env_file, {"ZEGO_ATTENDEE": "Zoë"})
    assert env_file.read_bytes() == original


def test_utf8_with_a_byte_order_mark_is_read(tmp_path):
    env_file = private_file(tmp_path / ".env", "\ufeffZEGO_ATTENDEE=Zoë\n".encode())
    assert load_settings(env={}, dotenv_path=env_file).attendee == "Zoë"


# --- numbers: ASCII digits only ------------------------------------------------------------


@pytest.mark.parametrize("value", ["12²", "١٢٣", "１２３", "12.0", "+12", " 1 2 "])
@pytest.mark.parametrize("variable", ["ZEGO_APP_ID", "NEXT_PUBLIC_ZEGO_APP_ID"])
def test_app_id_takes_ascii_digits_only(variable, value):
    with pytest.raises(ConfigError) as caught:
        load(**{variable: value, "ZEGO_SERVER_SECRET": SECRET})
    error = caught.value
    assert error.variable == variable
    assert f"1 to {UINT32_MAX}" in error.problem and "0-9" in error.problem
    assert "console" in error.fix


def test_app_id_from_the_env_file_with_unicode_digits_is_refused(tmp_path):
    env_file = private_file(
        tmp_path / ".env", f"ZEGO_APP_ID=١٢٣\nZEGO_SERVER_SECRET={SECRET}\n".encode()
    )
    with pytest.raises(ConfigError, match="ZEGO_APP_ID"):
        load_settings(env={}, dotenv_path=env_file)


@pytest.mark.parametrize("value", ["12²", "١٢٣"])
def test_form_numbers_take_ascii_digits_only(value):
    with pytest.raises(ValidationError) as caught:
        fl.credentials_env_values(value, SECRET, "")
    assert caught.value.field == "ZEGO_APP_ID" and str(UINT32_MAX) in caught.value.problem
    with pytest.raises(ValidationError, match="AdvancedConfig.MaxIdleTime"):
        fl.instance_form_values_to_models(max_idle_time=value)
    with pytest.raises(ValidationError, match="1..11"):
        fl.parse_hot_words(f"ZEGOCLOUD|{value}")


# --- ZEGO_KIT_HOME that is a file --------------------------------------------------------


def test_kit_home_that_is_a_file_names_the_variable(tmp_path):
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0\n")
    for home in (a_file, a_file / "inside"):
        with pytest.raises(ConfigError) as caught:
            load(ZEGO_KIT_HOME=str(home))
        assert caught.value.variable == "ZEGO_KIT_HOME"
        assert "a file, not a folder" in caught.value.problem
        assert "ZEGO_KIT_HOME" in caught.value.fix
        with pytest.raises(ConfigError, match="ZEGO_KIT_HOME"):
            ensure_kit_home(home)


def test_kit_home_that_is_a_file_through_the_cli(tmp_path):
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0\n")
    env = {"ZEGO_KIT_HOME": str(a_file), "ZEGO_ENV_FILE": "none"}
    result = run_kit("cleanup", "--dry-run", env=env, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "FileExistsError" not in output and "ZEGO_KIT_HOME" in output


# --- ZEGO_ENV_FILE that points nowhere ---------------------------------------------------


def test_misspelled_env_file_variable_is_an_error_naming_it_and_the_path(tmp_path):
    typo = tmp_path / "wrokshop.env"
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"ZEGO_ENV_FILE": str(typo)})
    assert caught.value.variable == "ZEGO_ENV_FILE"
    assert str(typo) in caught.value.problem and "none" in caught.value.fix


def test_env_file_none_still_reads_no_file(tmp_path, monkeypatch):
    private_file(tmp_path / ".env", f"ZEGO_APP_ID=9\nZEGO_SERVER_SECRET={SECRET}\n".encode())
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).mode == "real"
    for off in ("none", "NONE", " none "):
        assert load_settings(env={"ZEGO_ENV_FILE": off}).mode == "sandbox"
    assert load_settings(env={"ZEGO_ENV_FILE": ""}).mode == "real"  # empty = the default


# --- .env is edited, not rewritten -------------------------------------------------------

ODD_LINES = (
    "\n"
    "# odd lines a learner may have added\n"
    "MY_DATA=${HOME}/zego-data\n"
    "export EXPORTED=yes\n"
    'QUOTED="keeps # this"\n'
    "this line is not dotenv at all\n"
    "  INDENTED = spaced  \n"
    "# Zoë's note, in UTF-8\n"
    "NO_NEWLINE_AT_END=1"
)


def example_copy(tmp_path: Path) -> Path:
    """``cp .env.example .env`` plus odd lines: what a learner's file may look like."""
    env_file = tmp_path / ".env"
    env_file.write_bytes((REPO_ROOT / ".env.example").read_bytes() + ODD_LINES.encode())
    env_file.chmod(0o644)  # what cp gives with the usual umask
    return env_file


def test_set_attendee_edits_the_one_line_and_keeps_everything_else(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    env_file = example_copy(tmp_path)
    before = env_file.read_bytes().splitlines(keepends=True)
    comments = [line for line in before if line.startswith(b"#")]
    assert len(comments) >= 26

    set_attendee("Zoë", env_file)
    set_attendee("Zoë Martin", env_file)  # twice: still one line, edited again

    after = env_file.read_bytes().splitlines(keepends=True)
    attendee = [i for i, line in enumerate(before) if line.startswith(b"ZEGO_ATTENDEE=")]
    assert len(attendee) == 1
    (index,) = attendee
    assert after[index] == "ZEGO_ATTENDEE='Zoë Martin'\n".encode()
    unchanged_before = before[:index] + before[index + 1 :]
    unchanged_after = after[:index] + after[index + 1 :]
    assert unchanged_after == unchanged_before  # byte for byte, in order
    assert b"MY_DATA=${HOME}/zego-data\n" in after  # not expanded for good
    assert b"this line is not dotenv at all\n" in after
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    settings = load_settings(env={}, dotenv_path=env_file)
    assert settings.attendee == "Zoë Martin"


def test_saving_credentials_and_removing_a_key_keeps_comments(tmp_path):
    env_file = example_copy(tmp_path)
    lines_before = env_file.read_bytes().splitlines(keepends=True)
    save_env_file(env_file, {"ZEGO_APP_ID": "5", "ZEGO_SERVER_SECRET": SECRET})
    save_env_file(env_file, {"ZEGO_REGION": None})  # None removes the line
    after = env_file.read_bytes().splitlines(keepends=True)
    assert after.count(b"ZEGO_APP_ID='5'\n") == 1
    assert after.count(f"ZEGO_SERVER_SECRET='{SECRET}'\n".encode()) == 1
    assert b"ZEGO_REGION=\n" not in after
    kept = [line for line in lines_before if not line.startswith((b"ZEGO_APP_ID=", b"ZEGO_SE"))]
    kept.remove(b"ZEGO_REGION=\n")
    assert [line for line in after if line in kept] == kept
    assert load_settings(env={}, dotenv_path=env_file).app_id == 5


def test_a_new_env_is_created_0600_whatever_the_umask(tmp_path):
    env_file = tmp_path / ".env"
    previous = os.umask(0)
    try:
        save_env_file(env_file, {"ZEGO_ATTENDEE": "Ada"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert env_file.read_text() == "ZEGO_ATTENDEE='Ada'\n"


def test_a_stricter_mode_is_never_widened(tmp_path):
    env_file = private_file(tmp_path / ".env", b"A=1\n")
    env_file.chmod(0o400)
    save_env_file(env_file, {"B": "2"})
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o400


def test_a_value_dotenv_would_expand_is_refused_before_writing(tmp_path):
    env_file = private_file(tmp_path / ".env", b"A=1\n")
    with pytest.raises(ConfigError) as caught:
        save_env_file(env_file, {"ZEGO_ATTENDEE": "Ada", "LLM_SYSTEM_PROMPT": "Hi ${USER}"})
    assert caught.value.variable == "LLM_SYSTEM_PROMPT" and "remove" in caught.value.fix
    assert env_file.read_bytes() == b"A=1\n"


def test_a_linked_env_is_edited_where_it_points(tmp_path):
    real = private_file(tmp_path / "secrets.env", b"# mine\nA=1\n")
    link = tmp_path / ".env"
    link.symlink_to(real)
    save_env_file(link, {"ZEGO_ATTENDEE": "Ada"})
    assert link.is_symlink() and real.read_bytes() == b"# mine\nA=1\nZEGO_ATTENDEE='Ada'\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env", "secrets.env"]
