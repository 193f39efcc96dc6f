"""doctor: check, step by step, that the kit can talk to the AI Agent service, and say why not.

Each step gives a :class:`Check` (passed or not, what was seen, how to fix
it). The CLI prints them as a checklist; notebook 00 shows them as a table.
The steps, in order, each only if the previous ones passed:

1. settings load and validate (AppID, ServerSecret, URL);
2. the mode (real or sandbox) and where requests go;
3. the clock: ZEGO refuses signatures more than 10 minutes off (100000004),
   so we compare our clock with the server's ``Date`` header;
4. one signed, read-only call (ListAgents), with a diagnosis for each failure:
   wrong secret (100000005), clock skew, service not enabled, DNS or proxy.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

from .errors import ConfigError, SignatureError, TransportError, ZegoAPIError
from .settings import Settings, load_settings
from .signing import MAX_CLOCK_SKEW_SECONDS
from .transport import describe_request_failure

NOT_ENABLED_CODES = (100000017, 410000006, 100000010, 100000011, 410000002)


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "[ok]  " if self.ok else "[FAIL]"
        text = f"{mark} {self.name}: {self.detail}"
        return text + (f"\n       Fix: {self.fix}" if self.fix and not self.ok else "")


def clock_skew_seconds(base_url: str, timeout: float = 5.0) -> float | None:
    """Server time minus local time, from the ``Date`` header; ``None`` if there is none."""
    import requests

    before = time.time()
    response = requests.head(base_url + "/", timeout=timeout, allow_redirects=False)
    after = time.time()
    header = response.headers.get("Date")
    if not header:
        return None
    server = email.utils.parsedate_to_datetime(header).timestamp()
    return server - (before + after) / 2


def run_doctor(settings: Settings | None = None) -> list[Check]:
    """Run the checks in order and return them (stops at the first failure)."""
    from .connect import connect

    checks: list[Check] = []
    try:
        settings = settings or load_settings()
    except ConfigError as error:
        checks.append(Check("Settings", False, f"{error.variable}: {error.problem}", error.fix))
        return checks
    checks.append(Check("Settings", True, "loaded and valid"))
    checks.append(Check("Mode", True, settings.summary()))

    client = connect(settings, max_retries=0)
    try:
        try:
            skew = clock_skew_seconds(client.base_url)
        except Exception as error:  # noqa: BLE001 - any failure here is diagnosed below
            skew = None
            checks.append(_transport_check(client.base_url, error))
            return checks
        if skew is None:
            checks.append(Check("Clock", True, "the server sent no Date header; not checked"))
        elif abs(skew) > MAX_CLOCK_SKEW_SECONDS:
            checks.append(
                Check(
                    "Clock",
                    False,
                    f"your clock is {abs(skew):.0f} s {'behind' if skew > 0 else 'ahead of'} "
                    "the server; ZEGO refuses signatures more than 600 s off (100000004)",
                    "turn on automatic time sync (NTP) on this machine",
                )
            )
            return checks
        else:
            checks.append(Check("Clock", True, f"within {abs(skew):.1f} s of the server"))

        try:
            page = client.list_agents(limit=1)
        except SignatureError as error:
            fix = (
                "sync the clock (NTP)"
                if error.code == 100000004
                else "copy ZEGO_SERVER_SECRET again from the console: it must belong to ZEGO_APP_ID"
            )
            checks.append(Check("Signed call", False, f"code {error.code}: {error.meaning}", fix))
        except ZegoAPIError as error:
            fix = (
                "enable the AI Agent service for this AppID (console, or ZEGO support)"
                if error.code in NOT_ENABLED_CODES
                else error.hint
            )
            checks.append(
                Check(
                    "Signed call",
                    False,
                    f"code {error.code}: {error.meaning} [RequestId {error.request_id}]",
                    fix,
                )
            )
        except TransportError as error:
            checks.append(Check("Signed call", False, error.problem, error.hint))
        else:
            total = page.get("Total", len(page.get("Agents") or []))
            checks.append(
                Check("Signed call", True, f"ListAgents answered; {total} agent(s) registered")
            )
    finally:
        client.close()
    return checks


def _transport_check(base_url: str, error: Exception) -> Check:
    import requests

    if isinstance(error, requests.RequestException):
        problem, hint, _ = describe_request_failure(error, base_url)
        return Check("Reach the server", False, problem, hint)
    return Check("Reach the server", False, f"{type(error).__name__}", "check ZEGO_API_BASE_URL")
