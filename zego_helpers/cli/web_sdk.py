"""``zego-kit web-sdk``: serve ZEGO's Express Web SDK yourself (no CDN, no CORS).

Three subcommands:

* ``bundle``: install the npm package ``zego-express-engine-webrtc`` (and esbuild) into a
  scratch npm project in the kit home, bundle it with esbuild into **one ES module**
  (its four dependencies included), then install that file as below. ``--version``
  picks another version, ``--tarball FILE.tgz`` a package file you were given (ZEGO's
  AI Agent build, say), ``--npm-project DIR`` an npm project you have already installed
  (nothing is downloaded then). ``--out FILE`` only writes the bundle.
* ``install FILE``: check that FILE is an ES module exporting ``ZegoExpressEngine`` (and
  say exactly what is wrong if not), and keep a copy in the kit home.
* ``show``: which copy the call widget will load.

The call widget then gets the SDK from the Python kernel over its own channel (see
``widgets/call_widget.py``): same origin as JupyterLab, whatever the network allows.
Needs Node.js 18+ and npm for ``bundle`` (``make node`` installs Debian's).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..i18n import _
from ..settings import load_settings
from ..web_sdk import (
    PINNED_VERSION,
    SDK_PACKAGE,
    InstalledSdk,
    WebSdkError,
    install_sdk,
    installed_sdk,
    sdk_folder,
)

#: The bundler (pinned): esbuild turns the CommonJS package and its dependencies into one ESM file.
ESBUILD_VERSION = "0.25.12"
NPM_TIMEOUT_S = 600
#: The bundle's entry point. The package is CommonJS (UMD), so its exports arrive as the
#: module's default; the entry re-exports them as named ES exports.
ENTRY = """\
import * as sdk from "{package}";
const api = sdk.default ?? sdk;
export const ZegoExpressEngine = api.ZegoExpressEngine;
export const WebRTCUtil = api.WebRTCUtil;
export default api;
"""


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``web-sdk`` and its subcommands."""
    parser = subparsers.add_parser(
        "web-sdk",
        help=_("serve ZEGO's Express Web SDK to the call widget yourself (bundle, install, show)"),
        description=_(
            "Keep a copy of ZEGO's Express Web SDK in the kit home; the call widget then loads it "
            "from the Python kernel: no CDN, no CORS."
        ),
    )
    commands = parser.add_subparsers(dest="web_sdk_command", required=True, metavar="subcommand")

    bundle = commands.add_parser(
        "bundle",
        help=_("bundle npm {package} with esbuild into one ES module and install it").format(
            package=SDK_PACKAGE
        ),
    )
    what = bundle.add_mutually_exclusive_group()
    what.add_argument(
        "--version",
        default=PINNED_VERSION,
        help=_("npm version (default {version})").format(version=PINNED_VERSION),
    )
    what.add_argument("--tarball", type=Path, help=_("a package file (.tgz) to bundle instead"))
    what.add_argument(
        "--npm-project",
        type=Path,
        help=_("an npm project whose node_modules already holds the package and esbuild"),
    )
    bundle.add_argument(
        "--package",
        default=SDK_PACKAGE,
        help=_("with --npm-project: the package's name there (e.g. an npm alias)"),
    )
    bundle.add_argument(
        "--out", type=Path, help=_("write the bundle here instead of installing it")
    )
    bundle.set_defaults(func=cmd_bundle)

    install = commands.add_parser("install", help=_("check an SDK file (ES module) and install it"))
    install.add_argument("file", type=Path, help=_("the SDK as one ES module (.js or .mjs)"))
    install.set_defaults(func=cmd_install)

    show = commands.add_parser("show", help=_("which SDK copy the call widget loads"))
    show.set_defaults(func=cmd_show)


def kit_home() -> Path:
    """The kit home of your settings (``ZEGO_KIT_HOME`` in the environment or ``.env``)."""
    return load_settings().kit_home


def cmd_bundle(args: argparse.Namespace) -> int:
    home = kit_home()
    if args.npm_project is not None:
        project, package, source = args.npm_project.resolve(), args.package, str(args.npm_project)
    else:
        spec = f"file:{args.tarball.resolve()}" if args.tarball else args.version
        if args.tarball and not args.tarball.is_file():
            raise WebSdkError(_("--tarball {path}: no such file").format(path=args.tarball))
        project = prepare_npm_project(sdk_folder(home) / "npm", spec)
        package, source = SDK_PACKAGE, f"npm {SDK_PACKAGE}@{spec}"
    version = package_version(project, package)
    build = f"npm {version} bundled by zego-kit with esbuild"
    if args.out is not None:
        bundle_sdk(project, package, args.out)
        print(
            _("Wrote {path}: {package} {version}, one ES module.").format(
                path=args.out, package=SDK_PACKAGE, version=version
            )
        )
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "sdk.mjs"
        bundle_sdk(project, package, out)
        installed = install_sdk(out, home, build=build, source=source, version=version)
    print(_installed(installed))
    print(_("The call widget now loads this copy from the kernel (no CDN)."))
    return 0


def _installed(installed: InstalledSdk) -> str:
    return _("Installed {what}\n  at {path}").format(what=installed.describe(), path=installed.path)


def cmd_install(args: argparse.Namespace) -> int:
    installed = install_sdk(args.file, kit_home(), source=str(args.file))
    print(_installed(installed))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    home = kit_home()
    installed = installed_sdk(home)
    if installed is None:
        print(
            _(
                "No Web SDK installed in {folder}: the call widget uses $ZEGO_WEB_SDK_URL, or "
                "the public CDN. Run {command} to serve it yourself."
            ).format(folder=sdk_folder(home), command="`zego-kit web-sdk bundle`")
        )
        return 0
    print(_("The call widget loads {what}").format(what=installed.describe()))
    print(
        _("  file:      {path}\n  from:      {source}\n  installed: {when}").format(
            path=installed.path, source=installed.source, when=installed.installed_at
        )
    )
    return 0


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise WebSdkError(
            _(
                "{tool} was not found: bundling needs Node.js 18+ and npm (Debian/Ubuntu: "
                "{apt}, or {make} in the kit's folder)"
            ).format(tool=f"`{tool}`", apt="`sudo apt-get install nodejs npm`", make="`make node`")
        )
    return path


def prepare_npm_project(folder: Path, spec: str) -> Path:
    """An npm project in ``folder`` with the SDK (``spec``: version or ``file:...``) and esbuild."""
    npm = _need("npm")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    manifest = {
        "name": "zego-kit-web-sdk",
        "private": True,
        "dependencies": {SDK_PACKAGE: spec, "esbuild": ESBUILD_VERSION},
    }
    (folder / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    # --ignore-scripts: the SDK's install scripts only check for whiteboard packages.
    command = [npm, "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    print(f"npm install {SDK_PACKAGE}@{spec} esbuild@{ESBUILD_VERSION} in {folder} ...")
    _run(
        command,
        folder,
        _("npm could not install {package}").format(package=f"{SDK_PACKAGE}@{spec}"),
    )
    return folder


def package_version(project: Path, package: str) -> str:
    """The version of ``package`` installed in the npm project ``project``."""
    manifest = project / "node_modules" / package / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        raise WebSdkError(
            _(
                "{project} has no installed package {package} ({manifest} is missing or "
                "unreadable): run {npm_ci} (or {npm_install}) there first"
            ).format(
                project=project,
                package=repr(package),
                manifest=manifest,
                npm_ci="`npm ci`",
                npm_install="`npm install`",
            )
        ) from None


def bundle_sdk(project: Path, package: str, out: Path) -> None:
    """Bundle ``package`` (installed in the npm project ``project``) into one ES module ``out``."""
    esbuild = project / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        raise WebSdkError(
            _("{project} has no esbuild (node_modules/.bin/esbuild): npm install it").format(
                project=project
            )
        )
    _need("node")
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    version = package_version(project, package)
    with tempfile.NamedTemporaryFile(
        "w", suffix=".mjs", prefix=".zego-kit-entry-", dir=project, delete=False
    ) as entry:
        entry.write(ENTRY.format(package=package))
    banner = f"/* {SDK_PACKAGE} {version}, bundled by zego-kit web-sdk bundle (esbuild) */"
    command = [
        str(esbuild),
        entry.name,
        "--bundle",
        "--format=esm",
        "--platform=browser",
        "--minify",
        "--legal-comments=none",
        "--log-level=error",
        f"--banner:js={banner}",
        f"--outfile={out}",
    ]
    try:
        _run(command, project, _("esbuild could not bundle {package}").format(package=package))
    finally:
        Path(entry.name).unlink(missing_ok=True)


def _run(command: list[str], cwd: Path, failure: str) -> None:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise WebSdkError(
            _("{failure}: no result within {seconds} s").format(
                failure=failure, seconds=NPM_TIMEOUT_S
            )
        ) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-8:]
        raise WebSdkError(
            _("{failure} (exit {status}):").format(failure=failure, status=done.returncode)
            + "\n  "
            + "\n  ".join(detail)
        )
