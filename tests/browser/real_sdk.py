"""The real ZEGO Express Web SDK for the browser tests, from npm, bundled like the kit does it.

``make node-deps`` runs ``npm ci`` in ``tests/browser/sdk/`` (versions pinned in its
lockfile: 3.11.0, the kit's pin, and 3.12.0, the latest); :func:`bundle` turns one of
them into one ES module with the kit's own code (``zego-kit web-sdk bundle``).

Chromium runs these tests **offline by construction**: every host name but loopback
resolves to nothing and every non-loopback connection goes to a proxy that does not
exist, so the SDK's attempts to reach ZEGO (its log socket, its access hub) fail at
once on this machine and nothing leaves it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from browser_support import skip_or_fail

from zego_helpers.cli.web_sdk import bundle_sdk

SDK_PROJECT = Path(__file__).with_name("sdk")
#: Version -> the package's name in tests/browser/sdk/package.json (an npm alias for 3.12).
PACKAGES = {
    "3.11.0": "zego-express-engine-webrtc",
    "3.12.0": "zego-express-engine-webrtc-3.12",
}
PINNED = "3.11.0"
#: No route out: names resolve only for loopback; any other connection dies at a dead proxy.
OFFLINE_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--proxy-server=http://127.0.0.1:9",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
#: A fake microphone, but no automatic "Allow": a test grants it per browser context.
FAKE_DEVICE_ARGS = ("--use-fake-device-for-media-stream",)


def require_sdk_project() -> None:
    """Skip (fail with ZEGO_REQUIRE_BROWSER=1) unless npm ci ran and Node.js is there."""
    if shutil.which("node") is None:
        skip_or_fail("Node.js is not installed: run `make node` (Debian's nodejs and npm)")
    for version, package in PACKAGES.items():
        if not (SDK_PROJECT / "node_modules" / package / "package.json").is_file():
            skip_or_fail(
                f"the real Web SDK {version} is not installed in {SDK_PROJECT}: "
                "run `make node-deps` (npm ci)"
            )


def bundle(version: str, folder: Path) -> Path:
    """The SDK ``version`` bundled into one ES module in ``folder`` (the kit's own bundler)."""
    out = folder / f"zego-express-engine-webrtc-{version}.mjs"
    if not out.exists():
        bundle_sdk(SDK_PROJECT, PACKAGES[version], out)
    return out


def raw_npm_file(name: str = "ZegoExpressWebRTC.js") -> Path:
    """A file of the npm package as published (a UMD bundle that require()s its dependencies)."""
    return SDK_PROJECT / "node_modules" / PACKAGES[PINNED] / name
