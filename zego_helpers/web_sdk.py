"""The copy of ZEGO's Express Web SDK that the call widget loads: check it, install it, find it.

The call widget runs ZEGO's Express Web SDK (npm package ``zego-express-engine-webrtc``)
in your browser. Loading it from a CDN needs the internet, the CDN's CORS headers and a
build the browser can import; a copy of your own needs none of that. So the kit keeps
one SDK file in its home folder and the kernel hands it to the browser over the widget's
own channel: same origin, no CDN, no CORS.

* ``zego-kit web-sdk bundle`` makes that file from npm (``cli/web_sdk.py``);
* ``zego-kit web-sdk install FILE`` checks a file you have and keeps a copy;
* ``zego-kit web-sdk show`` says which copy (version, build, SHA-256) the widget will use.

What a usable file is: **one ES module** that exports ``ZegoExpressEngine`` and imports
nothing by bare name. The files inside the npm package are *not* that: they are UMD
bundles that ``require()`` four other packages (``long``, ``protobufjs/minimal``,
``zego-express-logger``, ``localforage``), so a browser cannot import them as they are.
:func:`inspect_sdk_source` says which of these mistakes a file makes, before it is
installed.

ZEGO's AI Agent build: the AI Agent download page lists, for Web, npm version
``3.11.0-aiagent.187`` of the same package ("optimized for AI Agent", it differs from
the standard SDK): https://www.zegocloud.com/docs/aiagent-web/introduction/download
(中文: https://doc-zh.zego.im/aiagent-web/introduction/download), and the web quick start
asks for it ("otherwise subtitles will not display properly"). The npm registry serves
no -aiagent version (asked in 2026-12: only standard builds, latest 3.12.0), so the kit
pins the standard 3.11.0; ``zego-kit web-sdk bundle --tarball FILE.tgz`` bundles the AI
Agent build from a package file you were given, and ``--version`` any version your
registry has.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from .atomic_file import replace_file
from .errors import ZegoError
from .i18n import _

#: The npm package of ZEGO's Express Web SDK.
SDK_PACKAGE = "zego-express-engine-webrtc"
#: The version the kit bundles by default, and the one its tests pin (with the latest 3.12.x).
PINNED_VERSION = "3.11.0"
#: ZEGO's AI Agent build of the Web SDK, as named on the AI Agent download page.
AI_AGENT_BUILD = "3.11.0-aiagent.187"
#: The folder (inside the kit home) and the names of the installed copy.
FOLDER = "web-sdk"
MODULE_PREFIX = "zego-express-engine-webrtc-"  # + the first 16 hex digits of its SHA-256 + .mjs
INFO_NAME = "web-sdk.json"
#: Larger than any SDK build (3.11.0 bundled and minified: about 2 MB).
MAX_SIZE = 32 * 1024 * 1024

# `export { a as ZegoExpressEngine }`, `export class ZegoExpressEngine`, `export const Zego...`
_EXPORTS_ENGINE = re.compile(
    r"export\s*\{[^}]*\bZegoExpressEngine\b[^}]*\}|"
    r"export\s+(?:class|const|let|var|function)\s+ZegoExpressEngine\b"
)
_HAS_EXPORT = re.compile(
    r"(?:^|[;}\s])export\s*(?:\{|\*|default\b|class\b|const\b|let\b|var\b|function\b)"
)
# import x from "pkg" / import "pkg" / export * from "pkg" / import("pkg"), minified or not,
# where "pkg" is a bare name (not ./, ../, / or a URL): the browser cannot resolve those.
_BARE_IMPORT = re.compile(
    r"""(?:\bimport\s*(?:[\w$*{][^;'"]*?\bfrom\s*)?|\bexport\s*(?:\*|\{[^}]*\})\s*from\s*|"""
    r"""\bimport\s*\(\s*)["']([^"'./][^"':]*)["']"""
)
_REQUIRE = re.compile(r"""\brequire\(\s*["']([^"']+)["']\s*\)""")
_UMD = re.compile(r"typeof\s+exports|define\.amd|module\.exports")
_VERSION = re.compile(r"""\.version\s*=\s*["'](\d+\.\d+\.\d+[\w.+-]*)["']""")


class WebSdkError(ZegoError):
    """The SDK file is missing, damaged or of a kind browsers cannot import; says how to fix it."""


@dataclass(frozen=True)
class SdkFacts:
    """What :func:`inspect_sdk_source` found in a file."""

    version: str | None  #: the SDK version written in the file, if it is there
    size: int
    sha256: str


@dataclass(frozen=True)
class InstalledSdk:
    """The SDK copy in the kit home, as recorded at install time (``web-sdk.json``)."""

    path: str  #: the module file
    version: str  #: e.g. "3.11.0" ("unknown" when the file does not say)
    build: str  #: how it was made: "npm 3.11.0 bundled by zego-kit", "file you installed", ...
    source: str  #: where it came from (a package spec, a tarball or a file name)
    sha256: str
    size: int
    installed_at: str  #: UTC, ISO 8601

    def describe(self) -> str:
        """One line for people: what the widget will load."""
        return (
            f"{SDK_PACKAGE} {self.version} ({self.build}; sha256 {self.sha256[:12]}, "
            f"{self.size / 1e6:.1f} MB)"
        )


def kit_home_from_env(env: Mapping[str, str] | None = None) -> Path:
    """``$ZEGO_KIT_HOME``, or ``~/.zego_kit`` (the same rule as the settings)."""
    env = os.environ if env is None else env
    raw = env.get("ZEGO_KIT_HOME", "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".zego_kit"


def sdk_folder(kit_home: Path) -> Path:
    return kit_home / FOLDER


def inspect_sdk_source(data: bytes, name: str) -> SdkFacts:
    """Check that ``data`` (the file called ``name``) is an SDK build a browser can import.

    Raises :class:`WebSdkError` naming the mistake: not JavaScript, a UMD/CommonJS build
    (dependency imports missing), bare imports left in, or no ``ZegoExpressEngine`` export.
    """
    fix = _("make one with {command} (npm {package}, bundled by esbuild)").format(
        command="`zego-kit web-sdk bundle`", package=SDK_PACKAGE
    )
    if not data.strip():
        raise WebSdkError(_("{name} is empty: {fix}").format(name=name, fix=fix))
    if len(data) > MAX_SIZE:
        raise WebSdkError(
            _("{name} is {size} MB, larger than any SDK build: {fix}").format(
                name=name, size=f"{len(data) / 1e6:.0f}", fix=fix
            )
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WebSdkError(
            _(
                "{name} is not JavaScript text (not UTF-8 at byte {position}; a .zip or .tgz "
                "must be unpacked or bundled first): {fix}"
            ).format(name=name, position=error.start, fix=fix)
        ) from None
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "{")):
        problem = (
            _("{name} is JSON, not JavaScript: {fix}")
            if head.startswith("{")
            else _("{name} is an HTML or XML page, not JavaScript: {fix}")
        )
        raise WebSdkError(problem.format(name=name, fix=fix))
    bare = sorted(set(_BARE_IMPORT.findall(text)))
    if bare:
        raise WebSdkError(
            _(
                "{name}: dependency imports missing: it imports {imports} by bare name, which a "
                "browser cannot resolve (an unbundled file): {fix}"
            ).format(name=name, imports=", ".join(bare), fix=fix)
        )
    if not _HAS_EXPORT.search(text):
        required = sorted(set(_REQUIRE.findall(text)))
        if required or _UMD.search(text):
            needs = (
                _("; it require()s {modules}").format(modules=", ".join(required))
                if required
                else ""
            )
            raise WebSdkError(
                _(
                    "{name} is not an ES module: it is a UMD/CommonJS build{needs} (dependency "
                    "imports missing for a browser; the npm package's own files are such "
                    "builds): {fix}"
                ).format(name=name, needs=needs, fix=fix)
            )
        raise WebSdkError(
            _("{name} is not an ES module (it exports nothing): {fix}").format(name=name, fix=fix)
        )
    if not _EXPORTS_ENGINE.search(text):
        raise WebSdkError(
            _("{name} is an ES module, but it exports no ZegoExpressEngine: {fix}").format(
                name=name, fix=fix
            )
        )
    found = _VERSION.search(text)
    return SdkFacts(
        version=found.group(1) if found else None,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def install_sdk(
    source_file: Path,
    kit_home: Path,
    *,
    build: str = "file you installed",
    source: str | None = None,
    version: str | None = None,
) -> InstalledSdk:
    """Check ``source_file`` and keep a copy in the kit home as *the* SDK the widget loads.

    The copy is written under a name of its own (its SHA-256), then the record
    (``web-sdk.json``) is switched to it by a rename, and only then are older copies
    removed: a crash at any point leaves the previous install, or the new one, whole.
    """
    try:
        data = source_file.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise WebSdkError(
            _("cannot read {path} ({reason})").format(path=source_file, reason=reason)
        ) from None
    facts = inspect_sdk_source(data, source_file.name)
    folder = sdk_folder(kit_home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    module = folder / f"{MODULE_PREFIX}{facts.sha256[:16]}.mjs"
    installed = InstalledSdk(
        path=str(module),
        version=version or facts.version or "unknown",
        build=build,
        source=source or str(source_file),
        sha256=facts.sha256,
        size=facts.size,
        installed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    replace_file(module, data)
    record = json.dumps(asdict(installed), indent=2, ensure_ascii=False) + "\n"
    replace_file(folder / INFO_NAME, record.encode("utf-8"))
    for older in folder.glob(f"{MODULE_PREFIX}*.mjs"):
        if older != module:
            older.unlink(missing_ok=True)
    return installed


def installed_sdk(kit_home: Path) -> InstalledSdk | None:
    """The installed SDK's record, or ``None`` when none is installed.

    Raises :class:`WebSdkError` when the record or the file is damaged or missing.
    """
    info_path = sdk_folder(kit_home) / INFO_NAME
    again = _run_again()
    try:
        raw = info_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise WebSdkError(
            _("cannot read {path} ({reason}): {fix}").format(
                path=info_path, reason=error, fix=again
            )
        ) from None
    try:
        record = json.loads(raw)
        installed = InstalledSdk(**{key: record[key] for key in InstalledSdk.__dataclass_fields__})
    except (ValueError, KeyError, TypeError):
        raise WebSdkError(
            _("{path} is damaged (not the kit's record): {fix}").format(path=info_path, fix=again)
        ) from None
    if not Path(installed.path).is_file():
        raise WebSdkError(
            _("the installed SDK file {path} is missing: {fix}").format(
                path=installed.path, fix=again
            )
        )
    return installed


def read_installed_sdk(kit_home: Path) -> tuple[InstalledSdk, bytes]:
    """The installed SDK's record and bytes, checked against the SHA-256 it was installed with."""
    installed = installed_sdk(kit_home)
    if installed is None:
        raise WebSdkError(
            _("no Web SDK is installed in {folder}: run {command}").format(
                folder=sdk_folder(kit_home), command="`zego-kit web-sdk bundle`"
            )
        )
    data = Path(installed.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != installed.sha256:
        raise WebSdkError(
            _("{path} changed since it was installed (SHA-256 differs): {fix}").format(
                path=installed.path, fix=_run_again()
            )
        )
    return installed, data


def _run_again() -> str:
    return _("run {command} (or {install}) again").format(
        command="`zego-kit web-sdk bundle`", install="`install FILE`"
    )
