"""Settings: where the kit finds your AppID, ServerSecret, endpoint and LLM/TTS defaults.

Values come from the environment first, then from a ``.env`` file (found by
walking up from the current directory, so notebooks in ``notebooks/`` find the
project's ``.env``). The names match ZEGO's own sample server, so you can reuse
its ``.env`` unchanged (``NEXT_PUBLIC_ZEGO_APP_ID`` is accepted too).

The kit runs in one of two **modes**:

* ``real``: ``ZEGO_APP_ID`` and ``ZEGO_SERVER_SECRET`` are set, so requests go
  to ZEGO (or to whatever ``ZEGO_API_BASE_URL`` says).
* ``sandbox``: no credentials (or ``ZEGO_SANDBOX=1``), so the kit starts its
  local emulator and everything works offline.

Secrets are wrapped in :class:`Secret`, whose ``repr`` and ``str`` never show
the value: printing settings in a notebook is safe.
"""

from __future__ import annotations

import io
import os
import stat
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlparse

# The values live in zego_helpers.constants; these names stay importable from here.
from .constants import DEFAULT_API_BASE_URL as DEFAULT_API_BASE_URL
from .constants import MAX_APP_ID, REGION_API_BASE_URL
from .constants import REGIONS as REGIONS
from .constants import SERVER_SECRET_LENGTH as SERVER_SECRET_LENGTH
from .errors import ConfigError
from .i18n import _, language_setting
from .kit_home import check_kit_home
from .secrets_mask import mask_url

UINT32_MAX = MAX_APP_ID


class Secret:
    """A string that refuses to be printed. Call :meth:`reveal` where the value is really needed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    def __str__(self) -> str:
        return "****"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def region_base_url(region: str) -> str:
    """The endpoint of one region, e.g. ``"sgp"`` -> ``https://aigc-aiagent-api-sgp.zegotech.cn``."""
    return REGION_API_BASE_URL.format(region=region)


class _MaskedRepr:
    """A dataclass ``repr`` with URL credentials hidden (``https://u:p@h`` -> ``https://****@h``).

    Secrets are :class:`Secret` and hide themselves; a password inside a URL
    setting (``LLM_BASE_URL``, ``ZEGO_API_BASE_URL``) is a plain string and needs this.
    """

    def __repr__(self) -> str:
        parts = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))  # type: ignore[arg-type]
        return mask_url(f"{type(self).__name__}({parts})")


@dataclass(frozen=True, repr=False)
class LLMDefaults(_MaskedRepr):
    """LLM settings from ``LLM_*`` variables; empty strings mean "not set"."""

    base_url: str = ""
    api_key: Secret | None = field(default=None)
    model: str = ""
    system_prompt: str = ""


@dataclass(frozen=True, repr=False)
class TTSDefaults(_MaskedRepr):
    """TTS settings from ``TTS_*`` variables (and the legacy ``TTS_BYTEDANCE_*`` ones)."""

    vendor: str = ""
    api_key: Secret | None = None
    model: str = ""
    voice_id: str = ""
    group_id: str = ""
    bytedance_app_id: str = ""
    bytedance_token: Secret | None = None
    bytedance_cluster: str = ""
    bytedance_voice_type: str = ""


@dataclass(frozen=True, repr=False)
class Settings(_MaskedRepr):
    """Validated settings. Build them with :func:`load_settings`."""

    mode: str
    mode_reason: str
    api_base_url: str
    app_id: int | None = None
    server_secret: Secret | None = None
    callback_secret: Secret | None = None
    kit_home: Path = field(default_factory=lambda: Path.home() / ".zego_kit")
    attendee: str | None = None
    #: The console's "server address" for the Web SDK (wss://...); "" lets the
    #: SDK (3.7.0 and later) find it by itself.
    web_server: str = ""
    #: Where the call widget loads ZEGO's Express Web SDK from; "" = the copy installed in
    #: the kit home (``zego-kit web-sdk bundle``), else the public CDN.
    web_sdk_url: str = ""
    #: The Web SDK's own logging in the browser (console "debug", upload "info").
    web_sdk_debug: bool = False
    llm: LLMDefaults = field(default_factory=LLMDefaults)
    tts: TTSDefaults = field(default_factory=TTSDefaults)
    dotenv_path: Path | None = None
    #: ``ZEGO_LANG`` (environment, else ``.env``) as the kit reads it: ``"zh"``, ``"en"``,
    #: or ``""`` when unset or unusable. ``start_notebook()`` and the command line apply it
    #: (:func:`zego_helpers.i18n.set_configured_language`).
    language: str = ""

    @property
    def is_sandbox(self) -> bool:
        return self.mode == "sandbox"

    def summary(self) -> str:
        """One readable line: the mode, why, and where requests go. Safe to print."""
        text = _("Mode: {mode} ({reason}); requests go to {where}")
        return text.format(**self._mode_parts()) + self._app_part()

    def mode_line(self) -> str:
        """:meth:`summary` without its ``Mode:`` label, for a line that has one already."""
        text = _("{mode} ({reason}); requests go to {where}")
        return text.format(**self._mode_parts()) + self._app_part()

    def _mode_parts(self) -> dict[str, str]:
        where = _("the embedded sandbox") if self.is_sandbox else mask_url(self.api_base_url)
        mode = _("sandbox") if self.is_sandbox else _("real")
        return {"mode": mode, "reason": self.mode_reason, "where": where}

    def _app_part(self) -> str:
        return _(", AppID {app_id}").format(app_id=self.app_id) if self.app_id is not None else ""


def _clean(value: str | None) -> str:
    return (value or "").strip()


def is_ascii_number(text: str) -> bool:
    """True for one or more of the ASCII digits 0-9 and nothing else.

    ``str.isdigit()`` alone is not enough: it accepts ``"12²"`` (which
    ``int()`` then refuses) and ``"١٢٣"`` (Arabic-Indic digits, which
    ``int()`` silently reads as 123). ZEGO's numbers are plain ASCII.
    """
    return text.isascii() and text.isdigit()


def _parse_app_id(raw: str, variable: str) -> int:
    if not is_ascii_number(raw):
        raise ConfigError(
            variable,
            _("{value} is not a number from 1 to {max} written with the digits 0-9").format(
                value=repr(raw), max=UINT32_MAX
            ),
            _("copy the numeric AppID from the ZEGO console (Project > Basic information)"),
        )
    value = int(raw)
    if not 0 < value <= UINT32_MAX:
        raise ConfigError(
            variable,
            _("{value} is outside 1..{max} (AppID is an unsigned 32-bit number)").format(
                value=value, max=UINT32_MAX
            ),
            _("copy the AppID from the ZEGO console"),
        )
    return value


def _parse_server_secret(raw: str, variable: str) -> Secret:
    # Only the length is reported: the value itself must never reach a message.
    if len(raw) != SERVER_SECRET_LENGTH:
        raise ConfigError(
            variable,
            _("must be {length} characters long, got {count}").format(
                length=SERVER_SECRET_LENGTH, count=len(raw)
            ),
            _("copy the ServerSecret (not the AppSign) from the ZEGO console"),
        )
    return Secret(raw)


def _check_url(raw: str, variable: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            variable,
            _("{value} is not a well-formed http(s) URL").format(value=repr(mask_url(raw))),
            _("use e.g. {default} or {sandbox} for a local sandbox").format(
                default=DEFAULT_API_BASE_URL, sandbox="http://127.0.0.1:8123"
            ),
        )
    return raw.rstrip("/")


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


class EnvFileWarning(UserWarning):
    """The ``.env`` file holding your secrets is readable by other users."""


_WARNED_ABOUT: set[Path] = set()


def env_file_is_private(path: Path) -> bool:
    """False when group or others may read or write ``path`` (always True on Windows)."""
    if os.name == "nt":
        return True
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def _warn_if_readable_by_others(path: Path) -> None:
    """One Python warning per file and process when ``.env`` is open to others."""
    if path in _WARNED_ABOUT or env_file_is_private(path):
        return
    _WARNED_ABOUT.add(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    warnings.warn(
        _(
            "{path} holds your secrets and is readable by other users (mode {mode}); "
            "fix: chmod 600 {path}"
        ).format(path=path, mode=f"{mode:04o}"),
        EnvFileWarning,
        stacklevel=5,  # the line that called load_settings (or configured_language)
    )


def read_env_text(path: Path) -> str:
    """The text of a ``.env`` file, or a :class:`ConfigError` saying where it is not UTF-8.

    python-dotenv would raise a bare ``UnicodeDecodeError``; this names the
    file, the line and the byte so you can find the culprit (typically a
    name typed in an editor that saved as Latin-1 or UTF-16). A UTF-8 byte
    order mark, as some Windows editors write, is accepted.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(
            str(path),
            _("cannot be read ({reason})").format(reason=reason),
            _("check the file's permissions (ls -l {path})").format(path=path),
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            str(path),
            _(
                "is not UTF-8: byte {byte} on line {line}, column {column} "
                "(byte offset {offset}) cannot be decoded"
            ).format(
                byte=f"0x{data[error.start]:02x}", line=line, column=column, offset=error.start
            ),
            _(
                "open the file in your editor and save it with the UTF-8 encoding "
                "(or retype that line)"
            ),
        ) from None


def _read_env_values(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    text = read_env_text(path)
    _warn_if_readable_by_others(path)
    values = dotenv_values(stream=io.StringIO(text))
    return {key: value for key, value in values.items() if value is not None}


def find_dotenv_file(start: Path | None = None) -> Path | None:
    """The nearest ``.env`` in ``start`` (default: the current directory) or a parent."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / ".env"
        if candidate.is_file():
            return candidate
    return None


def _settings_source(
    env: Mapping[str, str] | None, dotenv_path: str | Path | None
) -> tuple[dict[str, str], Path | None]:
    """The variables :func:`load_settings` reads (``env`` over the ``.env`` file), and that file.

    The ``.env`` file is ``dotenv_path``, else the one ``ZEGO_ENV_FILE`` names
    (``none``: no file), else the nearest one (:func:`find_dotenv_file`).
    """
    source = dict(os.environ if env is None else env)
    if dotenv_path is None and source.get("ZEGO_ENV_FILE", "").strip():
        # ZEGO_ENV_FILE picks the .env file; "none" turns .env reading off (tests do).
        chosen = source["ZEGO_ENV_FILE"].strip()
        dotenv_path = "" if chosen.lower() == "none" else chosen
        if dotenv_path and not Path(dotenv_path).expanduser().is_file():
            # A typo here used to be ignored silently: sandbox mode, everything green.
            raise ConfigError(
                "ZEGO_ENV_FILE",
                _("{path} is not a file").format(path=dotenv_path),
                _("correct the path, or set ZEGO_ENV_FILE=none to read no .env file"),
            )
        dotenv_path = Path(dotenv_path).expanduser() if dotenv_path else ""
    path: Path | None
    if dotenv_path == "":
        path = None
    elif dotenv_path is not None:
        path = Path(dotenv_path)
    else:
        path = find_dotenv_file()
    if path is not None and path.is_file():
        for key, value in _read_env_values(path).items():
            source.setdefault(key, value)
    return source, path if path is not None and path.is_file() else None


def configured_language(
    env: Mapping[str, str] | None = None, dotenv_path: str | Path | None = None
) -> str | None:
    """``ZEGO_LANG`` as the settings have it (the environment, else the ``.env`` file), or ``None``.

    Only this one variable is read, so a command can choose its language before
    anything else of the settings is checked.
    """
    source, _path = _settings_source(env, dotenv_path)
    return _clean(source.get("ZEGO_LANG")) or None


def load_settings(
    env: Mapping[str, str] | None = None,
    dotenv_path: str | Path | None = None,
) -> Settings:
    """Read settings from ``env`` (default: ``os.environ``) and a ``.env`` file.

    Variables already in the environment win over the ``.env`` file. By
    default the nearest ``.env`` is used; pass a path to pick one, or ``""``
    to ignore ``.env`` files entirely. The variable ``ZEGO_ENV_FILE`` does
    the same from the environment (a path, or ``none``).
    Raises :class:`~zego_helpers.errors.ConfigError` naming the variable and
    the fix when a value is malformed, when ``ZEGO_ENV_FILE`` names a file
    that does not exist, or when the ``.env`` file is not UTF-8.
    A ``.env`` readable by other users gives an :class:`EnvFileWarning` (once).
    """
    source, path = _settings_source(env, dotenv_path)

    def get(*names: str) -> tuple[str, str]:
        """The first variable that is set among ``names``, with its name."""
        for name in names:
            value = _clean(source.get(name))
            if value:
                return name, value
        return names[0], ""

    app_var, app_raw = get("ZEGO_APP_ID", "NEXT_PUBLIC_ZEGO_APP_ID")
    secret_var, secret_raw = get("ZEGO_SERVER_SECRET")
    app_id = _parse_app_id(app_raw, app_var) if app_raw else None
    server_secret = _parse_server_secret(secret_raw, secret_var) if secret_raw else None
    callback_raw = get("ZEGO_CALLBACK_SECRET")[1]

    base_raw = get("ZEGO_API_BASE_URL")[1]
    region = get("ZEGO_REGION")[1]
    if base_raw:
        base_url = _check_url(base_raw, "ZEGO_API_BASE_URL")
    elif region:
        if region.lower() not in REGIONS:
            raise ConfigError(
                "ZEGO_REGION",
                _("{value} is not a known region").format(value=repr(region)),
                _("use one of {allowed}, or leave it empty for the unified endpoint").format(
                    allowed=", ".join(REGIONS)
                ),
            )
        base_url = region_base_url(region.lower())
    else:
        base_url = DEFAULT_API_BASE_URL

    sandbox_raw = get("ZEGO_SANDBOX")[1]
    if sandbox_raw and _flag(sandbox_raw):
        mode, reason = "sandbox", _("{variable} is set").format(variable="ZEGO_SANDBOX")
    elif app_id is not None and server_secret is not None:
        mode = "real"
        reason = _("{first} and {second} are set").format(first=app_var, second=secret_var)
    elif app_id is not None or server_secret is not None:
        missing = secret_var if app_id is not None else "ZEGO_APP_ID"
        raise ConfigError(
            missing,
            _("is missing while the other credential is set"),
            _(
                "set both ZEGO_APP_ID and ZEGO_SERVER_SECRET for the real service, "
                "or neither for the sandbox"
            ),
        )
    else:
        mode, reason = "sandbox", _("no ZEGO_APP_ID / ZEGO_SERVER_SECRET set")

    home_raw = get("ZEGO_KIT_HOME")[1]
    kit_home = Path(home_raw).expanduser() if home_raw else Path.home() / ".zego_kit"
    check_kit_home(kit_home)
    attendee = get("ZEGO_ATTENDEE")[1]
    web_server = get("ZEGO_WEB_SERVER")[1]
    if web_server and not web_server.startswith(("wss://", "ws://")):
        raise ConfigError(
            "ZEGO_WEB_SERVER",
            _("{value} is not a WebSocket URL").format(value=repr(web_server)),
            _("copy the server address (wss://...) from the ZEGO console, or leave it empty"),
        )

    web_sdk_url = get("ZEGO_WEB_SDK_URL")[1]
    web_sdk_debug = get("ZEGO_WEB_SDK_DEBUG")[1]

    def secret_or_none(*names: str) -> Secret | None:
        value = get(*names)[1]
        return Secret(value) if value else None

    llm = LLMDefaults(
        base_url=get("LLM_BASE_URL")[1],
        api_key=secret_or_none("LLM_API_KEY"),
        model=get("LLM_MODEL")[1],
        system_prompt=get("LLM_SYSTEM_PROMPT")[1],
    )
    tts = TTSDefaults(
        vendor=get("TTS_VENDOR")[1],
        api_key=secret_or_none("TTS_API_KEY"),
        model=get("TTS_MODEL")[1],
        voice_id=get("TTS_VOICE_ID")[1],
        group_id=get("TTS_GROUP_ID")[1],
        bytedance_app_id=get("TTS_BYTEDANCE_APP_ID")[1],
        bytedance_token=secret_or_none("TTS_BYTEDANCE_TOKEN"),
        bytedance_cluster=get("TTS_BYTEDANCE_CLUSTER")[1],
        bytedance_voice_type=get("TTS_BYTEDANCE_VOICE_TYPE")[1],
    )
    return Settings(
        mode=mode,
        mode_reason=reason,
        api_base_url=base_url,
        app_id=app_id,
        server_secret=server_secret,
        callback_secret=Secret(callback_raw) if callback_raw else None,
        kit_home=kit_home,
        attendee=attendee or None,
        web_server=web_server,
        web_sdk_url=web_sdk_url,
        web_sdk_debug=web_sdk_debug.lower() in ("1", "true", "yes", "on"),
        llm=llm,
        tts=tts,
        dotenv_path=path,
        language=language_setting(get("ZEGO_LANG")[1]) or "",
    )


def save_env_file(path: str | Path, values: Mapping[str, str | Secret | int | None]) -> Path:
    """Set or remove ``KEY=value`` lines in a ``.env`` file, editing it in place (mode 0600).

    The file is *edited*, not rewritten: python-dotenv's ``set_key`` and
    ``unset_key`` change the lines of the keys given and copy every other
    line byte for byte, so your comments, blank lines, ``${HOME}``
    references and lines dotenv cannot parse all stay as they were. A value
    of ``None`` or ``""`` removes the key. A ``.env`` that is a symbolic
    link is edited where it points.

    A new file is created with owner-only permissions (0600) before any
    secret is written to it; an existing one loses any group/other bits.
    The secret is never printed. Raises :class:`ConfigError` when the file
    is not UTF-8 (it is then left untouched) or a value cannot be stored.
    """
    from dotenv import set_key, unset_key
    from dotenv.parser import parse_stream

    texts = {
        key: value.reveal() if isinstance(value, Secret) else ("" if value is None else str(value))
        for key, value in values.items()
    }
    for key, text in texts.items():
        if "${" in text:
            # dotenv expands ${NAME} when reading, even in quotes: the value would change.
            raise ConfigError(
                key,
                _("contains '${', which python-dotenv would expand when reading"),
                _("remove it"),
            )
    target = Path(path)
    _create_private(target)
    present = {binding.key for binding in parse_stream(io.StringIO(read_env_text(target)))}
    for key, text in texts.items():
        # follow_symlinks: a .env linked to a file elsewhere is edited there, the link kept.
        if text:
            set_key(target, key, text, quote_mode="always", follow_symlinks=True)
        elif key in present:
            unset_key(target, key, follow_symlinks=True)
    return target


def _create_private(target: Path) -> None:
    """Create ``target`` empty with mode 0600, or take group/other bits off an existing one."""
    owner_only = stat.S_IRUSR | stat.S_IWUSR
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, owner_only)
    except FileExistsError:
        mode = stat.S_IMODE(target.stat().st_mode)
        if mode & 0o077:
            os.chmod(target, mode & 0o700)
        return
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(
            str(target),
            _("cannot be created ({reason})").format(reason=reason),
            _("check that the folder exists and is yours"),
        ) from None
    os.close(fd)
