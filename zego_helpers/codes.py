"""Every documented ZEGO AI Agent code, with what it means and what to do about it.

Two families of numbers reach you:

* **Return codes** come back in the ``Code`` field of every API response
  (``0`` means success). Errors arrive with HTTP 200, so the kit checks
  ``Code`` on every reply.
* **Exception event codes** arrive later, inside ``Exception`` and
  ``AgentInstanceDeleted`` callbacks. They explain why an agent went silent
  even though the create call succeeded (a rejected LLM key is 2203).

Both tables are plain data, shared by the client (to explain errors), the
sandbox (to answer like ZEGO) and the callback view (to explain events).
Sources: https://www.zegocloud.com/docs/aiagent-server/api-reference/return-codes
and https://www.zegocloud.com/docs/aiagent-server/callbacks/exception-codes (with
https://doc-zh.zego.im/aiagent-server/api-reference/return-codes, which also has
410001016). ``tests/data/zego_docs_enums.json`` pins both lists to the docs
revision in :mod:`zego_helpers.docs`. A *meaning* is ZEGO's; a *hint* is the kit's
advice, and says so where it goes beyond what the docs state.

Both languages: the English below is the kit's; the Chinese is ZEGO's own, from
its Chinese pages (:mod:`zego_helpers.codes_zh`), with the kit's hint in Chinese
where it says more than ZEGO's 处理建议. ``meaning`` and ``hint`` answer in the
language in use when you read them (:mod:`zego_helpers.i18n`); the code is the
same number in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .codes_zh import EXCEPTION_CODES_ZH, RETURN_CODES_ZH, ChineseText
from .i18n import N_, _, get_language


@dataclass(frozen=True)
class CodeInfo:
    """What one code means, how to fix it, and whether retrying can help.

    ``meaning`` and ``hint`` are in the current language; ``meaning_en`` and
    ``hint_en`` are the English, ``zh`` the Chinese entry (``None`` for a code
    ZEGO does not document).
    """

    code: int
    meaning_en: str
    hint_en: str
    retryable: bool = False
    zh: ChineseText | None = field(default=None, kw_only=True)

    @property
    def meaning(self) -> str:
        """What the code means (in Chinese: ZEGO's 说明 without its final 。, to fit brackets)."""
        if self.zh is not None and get_language() == "zh":
            return self.zh.meaning.rstrip("。")
        return _(self.meaning_en)

    @property
    def hint(self) -> str:
        """What to do about it ("" for success)."""
        if self.zh is not None and get_language() == "zh":
            return self.zh.hint
        return _(self.hint_en) if self.hint_en else ""


def _table(rows: list[tuple[Any, ...]], chinese: dict[int, ChineseText]) -> dict[int, CodeInfo]:
    return {row[0]: CodeInfo(*row, zh=chinese.get(row[0])) for row in rows}


RETURN_CODES: dict[int, CodeInfo] = _table(
    [
        (0, "Success", ""),
        # Gateway / common codes
        (
            100000000,
            "Wrong Host header",
            "Check ZEGO_API_BASE_URL: use an aigc-aiagent-api endpoint.",
        ),
        (100000001, "AppId malformed", "ZEGO_APP_ID must be the numeric AppID from the console."),
        (100000002, "Timestamp missing", "The request had no Timestamp: this is a client bug."),
        (
            100000003,
            "Timestamp malformed",
            "Timestamp must be integer Unix seconds, not milliseconds.",
        ),
        (
            100000004,
            "Signature expired",
            "Your clock is more than 10 minutes off ZEGO's. Sync the clock (NTP) and retry.",
            True,
        ),
        (
            100000005,
            "Signature wrong",
            "ZEGO_SERVER_SECRET does not belong to ZEGO_APP_ID. Copy both again from the console.",
        ),
        (100000006, "Action missing", "The request had no Action: this is a client bug."),
        (100000007, "Unsupported Action", "Check the spelling of the Action name."),
        (100000008, "SignatureNonce missing", "The request had no SignatureNonce: a client bug."),
        (100000009, "Signature missing", "The request had no Signature: a client bug."),
        (100000010, "Could not get ServerSecret", "ZEGO_APP_ID is wrong or not provisioned."),
        (100000011, "Could not get App config", "ZEGO_APP_ID is wrong; contact ZEGO support."),
        (100000012, "Could not read HTTP body", "Send a valid JSON body with Content-Type."),
        (100000013, "SignatureVersion missing", "Send SignatureVersion=2.0."),
        (100000014, "Unsupported SignatureVersion", "Only SignatureVersion=2.0 is supported."),
        (
            100000015,
            "Gateway internal error",
            "Retry later; contact ZEGO support if it lasts. The docs do not say whether the "
            "request ran, so the kit retries only actions that are safe to repeat: after a "
            "create, check (ListAgents / your ledger) before creating again.",
            True,
        ),
        (
            100000017,
            "App has not enabled this service",
            "The AI Agent service is not enabled for this AppID: enable it in the console "
            "or ask ZEGO support.",
        ),
        # AI Agent business codes
        (410000001, "System error", "Retry later; contact ZEGO support if it lasts.", True),
        (410000002, "Invalid AppID", "Check ZEGO_APP_ID."),
        (410000003, "Invalid parameter", "The message names the bad field: fix it and resend."),
        (410000004, "JSON parse failure", "The request body is not valid JSON."),
        (410000005, "Gateway auth failed", "Contact ZEGO support."),
        (
            410000006,
            "Service not enabled for the App",
            "Enable the AI Agent service for this AppID (console or ZEGO support).",
        ),
        (410000009, "Internal call failed", "Retry later; contact ZEGO support if it lasts.", True),
        (410000010, "Insufficient service resources", "Retry in a little while.", True),
        (
            410000011,
            "Concurrent-instance limit reached (default 10 per account)",
            "Delete instances you no longer need: `.venv/bin/zego-kit cleanup` deletes what "
            "the ledger holds. Ask ZEGO sales to raise the quota.",
        ),
        (410000014, "Invalid digital-human parameter", "Check the DigitalHuman object."),
        (
            410001002,
            "Agent instance not found",
            "It was already deleted or destroyed itself (the user stayed out of the room for "
            "MaxIdleTime: 1202). Create a new instance.",
        ),
        (410001003, "Instance creation failed", "Contact ZEGO support."),
        (410001004, "Instance modification failed", "Contact ZEGO support."),
        (410001005, "Instance deletion failed", "Retry; contact ZEGO support if it lasts.", True),
        (410001006, "Proactive LLM call failed", "Check the LLM settings; contact ZEGO support."),
        (410001007, "Proactive TTS call failed", "Check the TTS settings; contact ZEGO support."),
        (
            410001008,
            "Agent already exists",
            "Use ensure_agent() (registers or updates as needed) or UpdateAgent.",
        ),
        (410001009, "Agent not found", "Register the agent first (notebook 01, ensure_agent())."),
        (
            410001010,
            "Failed to load message history",
            "Check ZIM, or use MessageHistory.SyncMode=1.",
        ),
        (410001011, "Instance update failed", "Contact ZEGO support."),
        (
            410001013,
            "Agent is in the listening state",
            "ZEGO: while the agent is listening you cannot trigger LLM or TTS. The kit's "
            "reading (the docs do not name the mode): listening is the walkie-talkie state "
            "after StartListening, so call StopListening first.",
        ),
        (410001016, "User does not exist", "The user is not in the instance's room."),
        (410001022, "Get context failed", "Contact ZEGO support."),
        (410001023, "Reset context failed", "Contact ZEGO support."),
        (410001024, "Interrupt failed", "Contact ZEGO support."),
        (
            410001025,
            "Digital-human resources insufficient",
            "ZEGO's service is short of digital-human capacity (not your quota): retry later, "
            "or fall back to a voice-only instance as ZEGO's sample server does.",
        ),
        (410001026, "Digital-human ConfigId unsupported", "Use ConfigId 'mobile' or 'web'."),
        (410001027, "DigitalHumanId wrong", "Check DigitalHumanId."),
        (410001028, "Digital-human instance creation failed", "Contact ZEGO support."),
        (410001029, "Digital-human API rate limited", "Back off and retry.", True),
        (410001030, "Digital-human stream ID duplicate", "Use a unique AgentStreamId."),
        (
            410001031,
            "Digital-human concurrency limit reached",
            "Your account's digital-human instances (10 by default) are all running: delete "
            "one, or ask ZEGO support to raise the limit. A fallback written for 410001025 "
            "only (as in ZEGO's sample server) does not catch this one.",
        ),
        (410001032, "Digital-human system error", "Contact ZEGO support."),
        (410001033, "LLM trial (zego_test) expired", "Use your own LLM URL, key and model."),
        (410001034, "TTS trial expired", "Use your own TTS vendor credentials."),
        (410001035, "App trial expired", "Contact ZEGO support or sales."),
        (410001041, "Instance is shutting down gracefully", "Stop sending commands to it."),
        (
            410001042,
            "Not in walkie-talkie mode",
            "Start/StopListening need AdvancedConfig.CommunicationMode=2.",
        ),
        (410001043, "Stale Sequence", "Ignored: a newer Start/StopListening already arrived."),
        (410001044, "Start listening failed", "Contact ZEGO support."),
        (410001045, "Stop listening failed", "Contact ZEGO support."),
        (410001046, "User not publishing yet", "Wait until the user publishes their stream."),
        (
            410001047,
            "zego_test key used with an LLM Url that is not allowed",
            "With ApiKey 'zego_test' use one of the four trial URL/model pairs "
            "(zego_helpers.validation.TRIAL_LLM_PAIRS), or your own key.",
        ),
        (410001048, "DigitalHumanId not bound to this App", "Check DigitalHumanId."),
        (
            410001049,
            "Live digital-human instances can't be controlled through the API",
            "Only SendAgentInstanceTTS and DeleteAgentInstance work on them.",
        ),
    ],
    RETURN_CODES_ZH,
)

EXCEPTION_CODES: dict[int, CodeInfo] = _table(
    [
        (0, "Deleted through the API", "Nothing to do."),
        (1001, "Generic AI Agent error", "Read the event's Message."),
        (1004, "Voice heard but ASR produced no text", "Usually harmless: background noise."),
        (1101, "IM (ZIM) error", "Check ZIM, or use MessageHistory.SyncMode=1."),
        (1201, "RTC general error", "Check the room and stream ids; contact support if it lasts."),
        (
            1202,
            "The user was not in the room for MaxIdleTime (default 120 s); instance destroyed",
            "Join the room from the client (03_talk's call widget) before the idle time runs "
            "out, or raise AdvancedConfig.MaxIdleTime (10-1800 s).",
        ),
        (
            1203,
            "Instance kicked from the room (usually a duplicate AgentUserId)",
            "Give every instance its own AgentUserId: make_call_ids(prefix=...) does.",
        ),
        (1204, "Instance failed to log into the room", "Check RoomId and the AppID's RTC service."),
        (1205, "Instance disconnected from the room", "Network trouble on ZEGO's side; retry."),
        (1206, "Instance failed to publish", "Use an AgentStreamId no other instance uses."),
        (1207, "Instance failed to play the user stream", "Check UserStreamId matches the client."),
        (1208, "RTC failed to send a room message", "Transient; retry."),
        (2101, "ASR error", "Check the ASR vendor and its Params."),
        (2201, "LLM general error", "Check LLM.Url and LLM.Model; read the Message."),
        (2202, "LLM bad parameter", "Check LLM.Model, Temperature, TopP and Params."),
        (
            2203,
            "LLM authentication failed",
            "The LLM rejected LLM.ApiKey: check the key (and that it belongs to LLM.Url).",
        ),
        (2204, "LLM concurrency limit", "Your LLM account's rate limit was hit: slow down."),
        (2205, "LLM account in arrears", "Top up the LLM vendor account."),
        (2206, "LLM content moderation", "The LLM refused the content."),
        (2301, "TTS general error", "Check the TTS vendor settings; read the Message."),
        (2302, "TTS bad parameter", "Check TTS.Params (voice must match the model)."),
        (
            2303,
            "TTS authentication failed",
            "The TTS vendor rejected TTS.Params.app: check its credentials.",
        ),
        (2304, "TTS concurrency limit", "Your TTS account's limit was hit: slow down."),
        (2305, "TTS account in arrears", "Top up the TTS vendor account."),
    ],
    EXCEPTION_CODES_ZH,
)


def describe_return_code(code: int) -> CodeInfo:
    """Look up a return code; unknown codes get a generic explanation."""
    return RETURN_CODES.get(
        code,
        CodeInfo(
            code,
            N_("Undocumented code"),
            N_("Read the Message and keep the RequestId for support."),
        ),
    )


def describe_exception_code(code: int) -> CodeInfo:
    """Look up an ``Exception`` callback code; unknown codes get a generic explanation."""
    return EXCEPTION_CODES.get(
        code, CodeInfo(code, N_("Undocumented exception code"), N_("Read the event's Message."))
    )
