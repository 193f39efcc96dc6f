"""The Web SDK copy the call widget loads (``zego_helpers/web_sdk.py``) and ``zego-kit web-sdk``.

Without a browser and without npm: what a file must be to be installed (and each way it
can be wrong, named), that an install is all-or-nothing, that a damaged copy or record is
noticed, and the command's errors. The real SDK, bundled from npm, is tested in
tests/browser/test_call_widget_real_sdk.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zego_helpers.cli import main
from zego_helpers.web_sdk import (
    INFO_NAME,
    MODULE_PREFIX,
    WebSdkError,
    inspect_sdk_source,
    install_sdk,
    installed_sdk,
    read_installed_sdk,
    sdk_folder,
)

GOOD = (
    b"/* zego-express-engine-webrtc 3.11.0, bundled */\n"
    b'var Q=function(){};Q.version="3.11.0";var X=1;\n'
    b"export{Q as ZegoExpressEngine,X as WebRTCUtil};\n"
)
UMD = (
    b'!function(t,i){if("object"==typeof exports&&"object"==typeof module)module.exports='
    b'i(require("long"),require("protobufjs/minimal"));else t.ZegoExpressEngine=i()}(this,'
    b"function(){return{}});\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_bundle_is_accepted_and_its_version_read():
    facts = inspect_sdk_source(GOOD, "sdk.mjs")
    assert facts.version == "3.11.0"
    assert facts.size == len(GOOD) and len(facts.sha256) == 64


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"\xff\xfe\x00 binary", "not JavaScript text (not UTF-8 at byte 0"),
        (b"\x1f\x8b\x08\x00 gzip", "a .zip or .tgz must be unpacked or bundled"),
        (b"<!DOCTYPE html><title>404</title>", "is an HTML or XML page, not JavaScript"),
        (b'{"error": "not found"}', "is JSON, not JavaScript"),
        (UMD, "is not an ES module: it is a UMD/CommonJS build; it require()s long, protobufjs"),
        (b"module.exports = {};", "is not an ES module: it is a UMD/CommonJS build"),
        (b"console.log('hello');", "is not an ES module (it exports nothing)"),
        (b'import Long from "long";\nexport class ZegoExpressEngine {}', "imports long by bare"),
        (
            b'import"protobufjs/minimal";export{a as ZegoExpressEngine}',
            "dependency imports missing",
        ),
        (b'export*from"zego-express-logger";', "dependency imports missing"),
        (b"export const WebRTCUtil = 1;", "exports no ZegoExpressEngine"),
    ],
    ids=[
        "empty",
        "blank",
        "binary",
        "gzip",
        "html",
        "json",
        "umd",
        "commonjs",
        "script",
        "bare-import",
        "bare-import-minified",
        "bare-reexport",
        "no-engine",
    ],
)
def test_each_unusable_file_is_refused_with_its_reason(data, phrase):
    with pytest.raises(WebSdkError) as caught:
        inspect_sdk_source(data, "candidate.js")
    message = str(caught.value)
    assert message.startswith("candidate.js")
    assert phrase in message
    assert "zego-kit web-sdk bundle" in message  # and what to do instead


def test_relative_and_url_imports_are_not_bare():
    text = b'import a from "./a.js";import b from "/b.js";export{a as ZegoExpressEngine};'
    assert inspect_sdk_source(text, "sdk.mjs").version is None


def test_an_oversized_file_is_refused_without_reading_it_as_text(monkeypatch):
    import zego_helpers.web_sdk as web_sdk

    monkeypatch.setattr(web_sdk, "MAX_SIZE", 100)
    with pytest.raises(WebSdkError, match="larger than any SDK build"):
        inspect_sdk_source(GOOD * 10, "huge.mjs")


def test_install_keeps_a_checked_copy_and_a_record(tmp_path):
    home = tmp_path / "kit"
    installed = install_sdk(write(tmp_path, "sdk.mjs", GOOD), home, build="test build")

    module = Path(installed.path)
    assert module.parent == sdk_folder(home) and module.name.startswith(MODULE_PREFIX)
    assert module.read_bytes() == GOOD
    assert installed_sdk(home) == installed
    assert read_installed_sdk(home) == (installed, GOOD)
    assert installed.describe().startswith("zego-express-engine-webrtc 3.11.0 (test build; sha256")
    assert oct(sdk_folder(home).stat().st_mode & 0o777) == "0o700"
    assert sorted(p.name for p in sdk_folder(home).iterdir()) == [INFO_NAME, module.name]

    # A newer copy replaces it; the older file goes.
    newer = install_sdk(write(tmp_path, "new.mjs", GOOD + b"// newer\n"), home)
    assert sorted(p.name for p in sdk_folder(home).iterdir()) == [
        INFO_NAME,
        Path(newer.path).name,
    ]


def test_a_refused_file_leaves_the_installed_copy_alone(tmp_path):
    home = tmp_path / "kit"
    before = install_sdk(write(tmp_path, "sdk.mjs", GOOD), home)

    with pytest.raises(WebSdkError):
        install_sdk(write(tmp_path, "raw.js", UMD), home)

    assert read_installed_sdk(home) == (before, GOOD)


def test_an_unreadable_source_is_a_clear_error(tmp_path):
    with pytest.raises(WebSdkError, match=r"cannot read .*missing\.mjs \(No such file"):
        install_sdk(tmp_path / "missing.mjs", tmp_path / "kit")


@pytest.mark.parametrize("failing_write", [1, 2], ids=["writing-the-copy", "writing-the-record"])
def test_a_crash_while_installing_leaves_the_previous_install_whole(
    tmp_path, monkeypatch, failing_write
):
    home = tmp_path / "kit"
    before = install_sdk(write(tmp_path, "sdk.mjs", GOOD), home)
    real_fsync, writes = os.fsync, []

    def fsync(fd):
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # the folder's own sync, after a rename
            return real_fsync(fd)
        writes.append(fd)
        if len(writes) == failing_write:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        install_sdk(write(tmp_path, "new.mjs", GOOD + b"// newer\n"), home)
    monkeypatch.setattr(os, "fsync", real_fsync)

    assert read_installed_sdk(home) == (before, GOOD)
    leftovers = {p.name for p in sdk_folder(home).iterdir()} - {INFO_NAME, Path(before.path).name}
    assert all(name.startswith(MODULE_PREFIX) for name in leftovers)  # no temporary file left


def test_nothing_installed_is_none_and_reading_it_says_what_to_run(tmp_path):
    assert installed_sdk(tmp_path) is None
    with pytest.raises(WebSdkError, match="no Web SDK is installed .*zego-kit web-sdk bundle"):
        read_installed_sdk(tmp_path)


def module_in(folder: Path) -> Path:
    (module,) = folder.glob(f"{MODULE_PREFIX}*.mjs")
    return module


@pytest.mark.parametrize(
    ("damage", "phrase"),
    [
        (lambda folder: (folder / INFO_NAME).write_bytes(b"\xff\x00"), "cannot read"),
        (lambda folder: (folder / INFO_NAME).write_text("{truncated"), "is damaged"),
        (lambda folder: (folder / INFO_NAME).write_text('{"path": 1}'), "is damaged"),
        (lambda folder: module_in(folder).unlink(), "is missing"),
        (lambda folder: module_in(folder).write_bytes(b"export{}"), "SHA-256 differs"),
    ],
    ids=["record-not-utf8", "record-truncated", "record-foreign", "file-gone", "file-changed"],
)
def test_a_damaged_copy_or_record_is_noticed(tmp_path, damage, phrase):
    home = tmp_path / "kit"
    install_sdk(write(tmp_path, "sdk.mjs", GOOD), home)
    damage(sdk_folder(home))

    with pytest.raises(WebSdkError) as caught:
        read_installed_sdk(home)
    assert phrase in str(caught.value)
    assert "zego-kit web-sdk bundle" in str(caught.value)


# ----- the command -----------------------------------------------------------------------


def run_kit(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zego_helpers", *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def kit_env(tmp_path: Path, path: str = "") -> dict[str, str]:
    return {
        "ZEGO_KIT_HOME": str(tmp_path / "kit"),
        "HOME": str(tmp_path),
        "PATH": path,
        "ZEGO_ENV_FILE": "none",
    }


def test_install_and_show_from_the_command_line(tmp_path):
    env = kit_env(tmp_path, os.environ["PATH"])
    source = write(tmp_path, "sdk.mjs", GOOD)

    before = run_kit("web-sdk", "show", env=env)
    installed = run_kit("web-sdk", "install", str(source), env=env)
    after = run_kit("web-sdk", "show", env=env)

    assert before.returncode == 0 and "No Web SDK installed" in before.stdout
    assert installed.returncode == 0, installed.stderr
    assert "Installed zego-express-engine-webrtc 3.11.0 (file you installed" in installed.stdout
    assert "The call widget loads zego-express-engine-webrtc 3.11.0" in after.stdout
    record = json.loads((tmp_path / "kit" / "web-sdk" / INFO_NAME).read_text())
    assert record["source"] == str(source)


def test_install_refuses_the_npm_packages_own_file_in_words(tmp_path):
    refused = run_kit("web-sdk", "install", str(write(tmp_path, "ZegoExpressWebRTC.js", UMD)),
                      env=kit_env(tmp_path, os.environ["PATH"]))  # fmt: skip

    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ZegoExpressWebRTC.js is not an ES module")
    assert "Traceback" not in refused.stderr


def test_bundle_without_npm_says_how_to_get_it(tmp_path):
    # No PATH at all: no npm, no node.
    result = run_kit("web-sdk", "bundle", env=kit_env(tmp_path, ""))

    assert result.returncode == 2
    assert "`npm` was not found: bundling needs Node.js 18+ and npm" in result.stderr
    assert "sudo apt-get install nodejs npm" in result.stderr
    assert "Traceback" not in result.stderr


def test_bundle_argument_mistakes_are_named(tmp_path, capsys):
    assert main(["web-sdk", "bundle", "--tarball", str(tmp_path / "none.tgz")]) == 2
    assert "--tarball" in capsys.readouterr().err
    assert main(["web-sdk", "bundle", "--npm-project", str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert "has no installed package 'zego-express-engine-webrtc'" in said
    assert "run `npm ci` (or `npm install`) there first" in said
    with pytest.raises(SystemExit):
        main(["web-sdk", "bundle", "--version", "3.11.0", "--tarball", "x.tgz"])
