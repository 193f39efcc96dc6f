"""How a sandbox behaves: its credentials, its limits and its deliberate imperfections.

A :class:`SandboxConfig` is all a sandbox needs to start::

    config = SandboxConfig.with_random_credentials(instance_limit=50)
    sandbox = start_sandbox(config)

Some settings can also be changed while it runs, through the sandbox-only
action ``SandboxConfigure`` (for example, switching the idle rule on in the
troubleshooting notebook). Those are the :data:`RUNTIME_SETTINGS`; the running
values live in the sandbox *state*, so every kernel sharing a state file sees
the same ones.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..constants import MAX_APP_ID
from ..errors import ValidationError
from ..secrets_mask import mask


@dataclass
class SandboxConfig:
    """Everything a sandbox needs to start.

    Credentials and networking:
        ``app_id``/``server_secret``: the only AppID the sandbox accepts and the
        secret requests must be signed with. ``host``/``port``: where it listens
        (port 0 = any free port).

    Rules (as ZEGO applies them):
        ``instance_limit``: live instances allowed at once (ZEGO's default is 10).
        ``idle_rule``: destroy an instance whose user stays out of the room for
        ``AdvancedConfig.MaxIdleTime`` (default 120 s, exception 1202). Off by
        default so that a learner reading slowly is not punished.
        ``idle_time_scale`` multiplies MaxIdleTime: 0.01 turns 120 s into 1.2 s.
        ``rate_limit_per_action``: requests per second per action (``None`` = off).

    Fault injection (for reliability drills):
        ``latency_ms`` delays every answer; ``failure_rate`` (0..1) answers a
        share of requests with code 100000015 ("internal gateway error") without
        executing them.

    Callbacks:
        ``callback_url`` receives the events ZEGO would send, signed with
        ``callback_secret`` (or the server secret when it is ``None``). Failed
        deliveries are retried after 2, 4, 8, 16 and 32 s times
        ``callback_backoff_scale``.

    Simulated timing:
        The agent "speaks" for ``speech_ms_per_char`` per character, at most
        ``speech_max_ms``; the built-in responder "thinks" for ``think_ms``.
        ``tts_first_frame_ms`` is the simulated TTS first-frame delay reported
        in ``LatencyData``.

    Real LLM calls:
        ``llm_connect_timeout``/``llm_request_timeout`` bound a call to an
        OpenAI-compatible ``LLM.Url``.

    Persistence:
        ``state_path``: a JSON file holding the state, shared by every sandbox
        that uses the same path (one per notebook kernel). ``None`` keeps the
        state in memory (a standalone trainer sandbox, benchmarks).

    Identity:
        ``room``: this sandbox serves a workshop room (``zego-kit sandbox`` sets
        it). ``SandboxInfo`` says so (``Room: true``), so each attendee's kit can
        show a room-sandbox banner and plan with this sandbox's own limits
        instead of ZEGO's. A sandbox without it (a test standing in for ZEGO, the
        kit's own embedded one) says ``Room: false``.

    Housekeeping:
        ``sweep_interval``: how often (seconds) time-based rules are applied
        when no request comes. ``random_seed`` makes ``failure_rate``
        reproducible.
    """

    app_id: int
    server_secret: str = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 0
    instance_limit: int = 10
    idle_rule: bool = False
    idle_time_scale: float = 1.0
    latency_ms: int = 0
    failure_rate: float = 0.0
    rate_limit_per_action: int | None = 10
    callback_url: str | None = None
    callback_secret: str | None = field(default=None, repr=False)
    callback_backoff_scale: float = 0.05
    speech_ms_per_char: float = 15.0
    speech_max_ms: int = 2000
    think_ms: int = 150
    tts_first_frame_ms: int = 80
    llm_connect_timeout: float = 2.0
    llm_request_timeout: float = 30.0
    sweep_interval: float = 0.1
    state_path: Path | None = None
    random_seed: int | None = None
    room: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.app_id, bool) or not isinstance(self.app_id, int):
            raise ValidationError("app_id", "must be an integer (a ZEGO AppID is a uint32)")
        if not 1 <= self.app_id <= MAX_APP_ID:
            raise ValidationError("app_id", f"must be between 1 and {MAX_APP_ID}")
        if not isinstance(self.server_secret, str) or not self.server_secret:
            raise ValidationError("server_secret", "must be a non-empty string")
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise ValidationError("port", "must be an integer (0 = any free port)")
        if not 0 <= self.port <= 65535:
            raise ValidationError("port", f"is {self.port}; use 1 to 65535, or 0 for any free port")
        if not isinstance(self.room, bool):
            raise ValidationError("room", "must be True (a workshop's room sandbox) or False")
        if self.state_path is not None:
            self.state_path = Path(self.state_path)
        for name, value in self.runtime_settings().items():
            RUNTIME_SETTINGS[_API_NAME_BY_FIELD[name]][1](name, value)

    @classmethod
    def with_random_credentials(cls, **options: Any) -> SandboxConfig:
        """A config with a fresh random AppID and 32-character secret (for a new sandbox)."""
        return cls(app_id=random_app_id(), server_secret=random_secret(), **options)

    def runtime_settings(self) -> dict[str, Any]:
        """The settings ``SandboxConfigure`` can change, as ``{field_name: value}``."""
        return {name: getattr(self, name) for name in _API_NAME_BY_FIELD}

    def __repr__(self) -> str:  # the dataclass repr already hides the secrets; keep it short
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.repr and getattr(self, f.name) != f.default
        )
        return f"SandboxConfig({shown})"


def random_app_id() -> int:
    """A random 10-digit AppID that fits in a uint32, like the console's."""
    return 1_000_000_000 + secrets.randbelow(MAX_APP_ID - 1_000_000_000)


def random_secret() -> str:
    """A random 32-character lowercase hex ServerSecret, like the console's."""
    return secrets.token_hex(16)


# --- settings that can change at run time (SandboxConfigure) -------------------------------


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValidationError(name, "must be true or false")


def _check_number(low: float, high: float) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(name, f"must be a number between {low} and {high}")
        if not low <= value <= high:
            raise ValidationError(name, f"is {value}; it must be between {low} and {high}")

    return check


def _check_optional_int(low: int, high: int) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(name, f"must be null (off) or an integer from {low} to {high}")

    return check


def _check_int(low: int, high: int) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(name, f"must be an integer from {low} to {high}")

    return check


def _check_optional_url(name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValidationError(name, "must be null (off) or an http:// or https:// URL")


def _check_optional_secret(name: str, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValidationError(name, "must be null (use the server secret) or a non-empty string")


#: API name (as sent to SandboxConfigure) -> (config field, check).
RUNTIME_SETTINGS: dict[str, tuple[str, Callable[[str, Any], None]]] = {
    "InstanceLimit": ("instance_limit", _check_int(0, 100_000)),
    "IdleRule": ("idle_rule", _check_bool),
    "IdleTimeScale": ("idle_time_scale", _check_number(0.0001, 100.0)),
    "LatencyMs": ("latency_ms", _check_int(0, 60_000)),
    "FailureRate": ("failure_rate", _check_number(0.0, 1.0)),
    "RateLimitPerAction": ("rate_limit_per_action", _check_optional_int(1, 100_000)),
    "CallbackUrl": ("callback_url", _check_optional_url),
    "CallbackSecret": ("callback_secret", _check_optional_secret),
    "SpeechMsPerChar": ("speech_ms_per_char", _check_number(0.0, 1000.0)),
}
_API_NAME_BY_FIELD = {name: api for api, (name, _check) in RUNTIME_SETTINGS.items()}


def settings_summary(settings: dict[str, Any]) -> dict[str, Any]:
    """Runtime settings in API names, with the callback secret masked (for SandboxInfo)."""
    summary = {api: settings.get(name) for api, (name, _check) in RUNTIME_SETTINGS.items()}
    if summary.get("CallbackSecret"):
        summary["CallbackSecret"] = mask(summary["CallbackSecret"])
    return summary
