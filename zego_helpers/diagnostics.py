"""Diagnostics (``doctor``): check, step by step, that the kit can reach the service; say why not.

Each step gives a :class:`Check` (passed or not, what was seen, how to fix
it), and prints nothing: ``python -m zego_helpers doctor``
(:mod:`zego_helpers.cli.doctor`) prints them as a checklist; notebook 00 shows
them as a table.
The steps, in order, each only if the previous ones passed:

1. settings load and validate (AppID, ServerSecret, URL);
2. the mode (real or sandbox) and where requests go;
3. the clock: ZEGO refuses signatures more than 10 minutes off (100000004),
   so we compare our clock with the server's ``Date`` header;
4. one signed, read-only call (ListAgents), with a diagnosis for each failure:
   wrong secret (100000005), clock skew, service not enabled, DNS or proxy.

Then, separately, the agent's LLM and TTS settings (:func:`check_agent_config`):
ZEGO accepts a bad key at create time and the agent just stays silent (an
``Exception`` callback 2203 or 2303 is the only clue), so we check before:

5. the LLM settings are complete and respect the trial pairs;
6. the TTS settings have every field their vendor needs;
7. for your own OpenAI-compatible LLM, one tiny real completion proves that
   URL, key and model work together.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, replace

from .agent_defaults import default_llm, default_tts
from .constants import MAX_CLOCK_SKEW_SECONDS
from .errors import (
    ConfigError,
    HTTPStatusError,
    SignatureError,
    TransportError,
    ValidationError,
    ZegoAPIError,
)
from .i18n import _
from .models import LLM
from .secrets_mask import mask_text, mask_url, secret_values
from .settings import Settings, env_file_is_private, load_settings
from .transport import describe_request_failure
from .validation import TRIAL_API_KEY

NOT_ENABLED_CODES = (100000017, 410000006, 100000010, 100000011, 410000002)


@dataclass(frozen=True)
class Check:
    """One line of the checklist.

    ``name``, ``detail`` and ``fix`` are in the learner's language; ``key`` names
    the step the same way in every language (``"signed_call"``), for code that
    looks for one step (notebook 00 does).
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""
    key: str = ""

    def line(self) -> str:
        """The check as printed: ``[ok]  Clock: ...`` and, when it failed, a ``Fix:`` line."""
        mark = "[ok]  " if self.ok else "[FAIL]"
        text = _("{mark} {name}: {detail}").format(mark=mark, name=self.name, detail=self.detail)
        if self.fix and not self.ok:
            text += "\n       " + _("Fix: {fix}").format(fix=self.fix)
        return text


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


def run_doctor(settings: Settings | None = None, *, check_agent: bool = True) -> list[Check]:
    """Run the connectivity checks (stopping at the first failure), then the agent checks.

    Every line is passed through :func:`~zego_helpers.secrets_mask.mask_text`
    with all the secrets of the settings, so no key shows, whatever a server
    echoed back and in whatever letter case.
    """
    checks = _connectivity_checks(settings)
    if not (checks and checks[0].ok):
        return checks  # the settings did not load: the one check says why
    settings = settings or load_settings()
    if check_agent:
        checks.extend(check_agent_config(settings))
    secrets = secret_values(settings)
    return [_masked(check, secrets) for check in checks]


def _masked(check: Check, secrets: list[object]) -> Check:
    return replace(
        check, detail=mask_text(check.detail, *secrets), fix=mask_text(check.fix, *secrets)
    )


def env_file_check(settings: Settings) -> Check | None:
    """Whether the ``.env`` file holding your secrets is private (``None``: no ``.env`` used).

    ``cp .env.example .env`` gives the new file the usual mode 0644, which
    lets every user of the machine read your ServerSecret.
    """
    path = settings.dotenv_path
    if path is None:
        return None
    name = _(".env file")
    if env_file_is_private(path):
        return Check(
            name, True, _("{path} is readable by you only").format(path=path), key="env_file"
        )
    return Check(
        name,
        False,
        _("{path} holds your secrets and is readable by other users of this machine").format(
            path=path
        ),
        f"chmod 600 {path}",
        key="env_file",
    )


def _connectivity_checks(settings: Settings | None) -> list[Check]:
    from .connect import connect

    checks: list[Check] = []
    try:
        settings = settings or load_settings()
    except ConfigError as error:
        detail = _("{field}: {problem}").format(field=error.variable, problem=error.problem)
        checks.append(Check(_("Settings"), False, detail, error.fix, key="settings"))
        return checks
    checks.append(Check(_("Settings"), True, _("loaded and valid"), key="settings"))
    private = env_file_check(settings)
    if private is not None:
        checks.append(private)
    # The line reads "Mode: real (...)": the mode's own words, without a second "Mode:".
    checks.append(Check(_("Mode"), True, settings.mode_line(), key="mode"))

    client = connect(settings, max_retries=0)
    try:
        try:
            skew = clock_skew_seconds(client.base_url)
        except Exception as error:  # noqa: BLE001 - any failure here is diagnosed below
            skew = None
            checks.append(_transport_check(client.base_url, error))
            return checks
        clock = _("Clock")
        if skew is None:
            checks.append(
                Check(clock, True, _("the server sent no Date header; not checked"), key="clock")
            )
        elif abs(skew) > MAX_CLOCK_SKEW_SECONDS:
            detail = (
                _(
                    "your clock is {seconds} s behind the server; ZEGO refuses signatures "
                    "more than {limit} s off (100000004)"
                )
                if skew > 0
                else _(
                    "your clock is {seconds} s ahead of the server; ZEGO refuses signatures "
                    "more than {limit} s off (100000004)"
                )
            ).format(seconds=f"{abs(skew):.0f}", limit=MAX_CLOCK_SKEW_SECONDS)
            fix = _("turn on automatic time sync (NTP) on this machine")
            checks.append(Check(clock, False, detail, fix, key="clock"))
            return checks
        else:
            detail = _("within {seconds} s of the server").format(seconds=f"{abs(skew):.1f}")
            checks.append(Check(clock, True, detail, key="clock"))

        signed = _("Signed call")
        try:
            page = client.list_agents(limit=1)
        except SignatureError as error:
            fix = (
                _("sync the clock (NTP)")
                if error.code == 100000004
                else _(
                    "copy ZEGO_SERVER_SECRET again from the console: it must belong to ZEGO_APP_ID"
                )
            )
            checks.append(Check(signed, False, _code_detail(error), fix, key="signed_call"))
        except ZegoAPIError as error:
            fix = (
                _("enable the AI Agent service for this AppID (console, or ZEGO support)")
                if error.code in NOT_ENABLED_CODES
                else error.hint
            )
            detail = _code_detail(error) + _(" [RequestId {request_id}]").format(
                request_id=error.request_id
            )
            checks.append(Check(signed, False, detail, fix, key="signed_call"))
        except (TransportError, HTTPStatusError) as error:
            checks.append(Check(signed, False, error.problem, error.hint, key="signed_call"))
        else:
            total = page.get("Total", len(page.get("Agents") or []))
            detail = _("ListAgents answered; {count} agent(s) registered").format(count=total)
            checks.append(Check(signed, True, detail, key="signed_call"))
    finally:
        client.close()
    return checks


def _code_detail(error: ZegoAPIError) -> str:
    return _("code {code}: {meaning}").format(code=error.code, meaning=error.meaning)


def _transport_check(base_url: str, error: Exception) -> Check:
    import requests

    name = _("Reach the server")
    if isinstance(error, requests.RequestException):
        problem, hint, _not_sent = describe_request_failure(error, base_url)
        return Check(name, False, problem, hint, key="reach")
    return Check(name, False, f"{type(error).__name__}", _("check ZEGO_API_BASE_URL"), key="reach")


def check_agent_config(settings: Settings, *, probe_timeout: float = 10.0) -> list[Check]:
    """Check the LLM and TTS from settings; probe a non-trial LLM with one tiny completion.

    The configs are the ones :mod:`zego_helpers.agent_defaults` makes from
    your settings, which notebook 01's forms start with too, so doctor checks
    what you would register.
    """
    checks: list[Check] = []
    llm = None
    llm_name, tts_name = _("LLM settings"), _("TTS settings")
    try:
        llm = default_llm(settings)
        where = _("ZEGO trial") if llm.api_key == TRIAL_API_KEY else mask_url(llm.url)
        detail = _("{model} at {where}").format(model=llm.model, where=where)
        checks.append(Check(llm_name, True, detail, key="llm"))
    except ValidationError as error:
        checks.append(
            Check(llm_name, False, str(error), _("fix the LLM_* variable named"), key="llm")
        )
    try:
        tts = default_tts(settings)
        app = (tts.params or {}).get("app", {})
        trial = TRIAL_API_KEY in app.values()
        note = _("trial credentials (zego_test)") if trial else _("your own credentials")
        detail = _("vendor {vendor} with {credentials}; required fields set").format(
            vendor=tts.vendor, credentials=note
        )
        checks.append(Check(tts_name, True, detail, key="tts"))
    except ValidationError as error:
        checks.append(
            Check(
                tts_name, False, str(error), _("set TTS_VENDOR and its TTS_* variables"), key="tts"
            )
        )
    if llm is not None and llm.api_key != TRIAL_API_KEY:
        checks.append(probe_llm(llm, timeout=probe_timeout))
    return checks


def probe_llm(llm: LLM, *, timeout: float = 10.0) -> Check:
    """Ask the LLM for one token, as ZEGO would call it (Bearer key, chat-completions body).

    Proves that URL, key and model work before an agent goes silent with 2203.
    The key is sent only to the LLM's own URL and never appears in the result.
    """
    import requests

    name = _("LLM answers")
    body = {
        "model": llm.model,
        "messages": [{"role": "user", "content": "Say OK."}],
        "max_tokens": 1,
        "stream": False,
    }
    headers = {"Authorization": f"Bearer {llm.api_key}"}
    try:
        response = requests.post(llm.url, json=body, headers=headers, timeout=timeout)
    except requests.RequestException as error:
        problem, hint, _not_sent = describe_request_failure(error, mask_url(llm.url))
        return Check(
            name,
            False,
            f"{mask_url(llm.url)}: {problem}",
            hint.replace("ZEGO_API_BASE_URL", "LLM_BASE_URL"),
            key="llm_answers",
        )
    status = response.status_code
    if status in (401, 403):
        return Check(
            name,
            False,
            _("HTTP {status}: the LLM rejected the key (ZEGO would report Exception 2203)").format(
                status=status
            ),
            _("check LLM_API_KEY, and that it belongs to this LLM_BASE_URL"),
            key="llm_answers",
        )
    if status == 404:
        return Check(
            name,
            False,
            _("HTTP 404: model {model} or the URL path was not found").format(
                model=repr(llm.model)
            ),
            _("check LLM_MODEL and that LLM_BASE_URL ends in /chat/completions"),
            key="llm_answers",
        )
    if not response.ok:
        # Mask before cutting: a cut through the key would leave a piece of it unmasked.
        excerpt = mask_text(response.text, llm.api_key)[:160]
        return Check(
            name,
            False,
            f"HTTP {status}: {excerpt}",
            _("read the LLM provider's message"),
            key="llm_answers",
        )
    detail = _("{model} answered (HTTP {status})").format(model=llm.model, status=status)
    return Check(name, True, detail, key="llm_answers")
