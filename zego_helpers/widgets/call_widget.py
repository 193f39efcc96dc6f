"""The call widget: join the agent's RTC room from the notebook and talk by voice.

ZEGO's agent only talks to a user who is *in the RTC room* (and destroys
itself when that user stays away too long), so talking needs a real client in
the room. This widget is that client, in the same browser tab as JupyterLab.
It has two halves:

* this Python class (the kernel side) holds the ids, hands out fresh tokens
  and collects the errors the browser reports;
* ``call_widget.js`` (the browser side) loads ZEGO's Express Web SDK, logs in,
  publishes your microphone on ``user_stream_id`` and plays the agent's stream.

In the call, three buttons control the agent: **Interrupt**, **Say this**
(the agent speaks your text: TTS) and **Ask this** (the agent answers your
text: LLM). In a real call they go to the agent over ZEGO's room signalling
("agent custom control"); each does what a server API Action does, and the
button shows which.

In ``mode="sandbox"`` there is no RTC room: the widget offers a *simulated
call*. Join and Leave tell the kernel (``presence_callback``); typed (or
spoken) turns go to ``turn_handler`` and its reply is spoken by the browser;
the control buttons go to ``control_handler``, which makes the same server
API calls on the sandbox.

Where the browser gets ZEGO's Express Web SDK (``sdk_url``): ``"kernel:"``
means from this kernel, which sends the copy installed in the kit home by
``zego-kit web-sdk bundle`` (or ``install FILE``) over the widget's own
channel: same origin as JupyterLab, no CDN, no CORS. That is the default
once a copy is installed; ``$ZEGO_WEB_SDK_URL`` overrides it, and without
either the public CDN build is used.

Messages between the halves (the ``content`` of anywidget custom messages)::

    browser -> kernel
      {"type": "get-token",   "id": n}              a token to log in with
      {"type": "renew-token", "id": n}              the SDK warned: token expires in 30 s
      {"type": "get-sdk",     "id": n}              the installed Web SDK file, please
      {"type": "presence",    "in_room": bool}      the user joined / left
      {"type": "say",         "id": n, "text": s}   a turn of the simulated call
      {"type": "control",     "id": n, "action": a, "text": s}   a control button (sandbox)
      {"type": "control-result", "action": a, "code": c, "text": s, ...}   its outcome
      {"type": "error",       "kind": k, "message": m, "code": c}
    kernel -> browser
      {"type": "token",        "id": n, "token": t}
      {"type": "sdk", "id": n, "description": d, "build": b, "version": v, "sha256": h}
                               + the file's bytes as the message's one binary buffer
      {"type": "agent-reply",  "id": n, "text": s}
      {"type": "control-answer", "id": n, "say": s, "request_id": r}
      {"type": "kernel-error", "id": n, "kind": k, "message": m}

The token travels only inside a ``token`` message, when the browser asks for
it: it is not a synced trait, so it never lands in saved widget state, and no
error message or log line contains it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..errors import ValidationError, ZegoError
from ..i18n import _
from ..validation import check_room_or_stream_id, check_user_id
from ..web_sdk import installed_sdk, kit_home_from_env, read_installed_sdk

log = logging.getLogger(__name__)

#: The Express Web SDK version the kit pins: the public npm build. ZEGO's web quick start
#: says to use the SDK build "optimized for AI Agent" from its download page, "otherwise
#: subtitles will not display properly" (https://www.zegocloud.com/docs/aiagent-web/quick-start;
#: the download page, https://www.zegocloud.com/docs/aiagent-web/introduction/download, names
#: 3.11.0-aiagent.187 and links it on npm, but the npm registry lists no -aiagent version of
#: zego-express-engine-webrtc: checked 2026-08 and 2026-12, latest 3.12.0). What is known of
#: the public 3.11.0 (and 3.12.0) build: it exposes the experimental
#: ``onRecvRoomChannelMessage`` the widget reads subtitles from; what the AI Agent build
#: changes is not documented. ``zego-kit web-sdk bundle --tarball FILE.tgz`` (or
#: ZEGO_WEB_SDK_URL) loads that build instead; see ``zego_helpers/web_sdk.py``.
SDK_VERSION = "3.11.0"
#: ``sdk_url`` value: the kernel sends the copy installed in the kit home.
KERNEL_SDK = "kernel:"
#: Without an installed copy: the public CDN. The npm package's files are UMD
#: bundles that ``require()`` four other packages, so jsDelivr's ``+esm``
#: endpoint is used: it serves the package as an ES module whose dependencies
#: are further CDN URLs (online only; a saved copy of it breaks offline).
DEFAULT_SDK_URL = f"https://cdn.jsdelivr.net/npm/zego-express-engine-webrtc@{SDK_VERSION}/+esm"
#: Point this at another copy of the SDK (an ES module, or a script that
#: defines ``window.ZegoExpressEngine``), e.g. one your company serves.
SDK_URL_ENV = "ZEGO_WEB_SDK_URL"
#: ``1`` turns on the SDK's own logging (console "debug", upload "info").
SDK_DEBUG_ENV = "ZEGO_WEB_SDK_DEBUG"
MODES = ("real", "sandbox")
#: The control buttons' Actions (each is also a server API Action).
CONTROL_ACTIONS = ("InterruptAgentInstance", "SendAgentInstanceTTS", "SendAgentInstanceLLM")

_JS_PATH = Path(__file__).with_name("call_widget.js")
# A Token04 is "04" + Base64. Anything shaped like one is masked in error text.
_TOKEN_LIKE = re.compile(r"04[A-Za-z0-9+/]{16,}={0,2}")


def default_sdk_url(env: Mapping[str, str] | None = None, kit_home: Path | None = None) -> str:
    """``$ZEGO_WEB_SDK_URL`` if set; else ``"kernel:"`` when a copy is installed in the
    kit home (``zego-kit web-sdk bundle``); else the pinned public CDN build."""
    env = os.environ if env is None else env
    configured = env.get(SDK_URL_ENV, "").strip()
    if configured:
        return configured
    try:
        installed = installed_sdk(kit_home or kit_home_from_env(env))
    except ZegoError as error:  # a damaged copy: say so, then fall back to the CDN
        log.warning("call widget: %s", error)
        installed = None
    return KERNEL_SDK if installed is not None else DEFAULT_SDK_URL


def sdk_debug_default(env: Mapping[str, str] | None = None) -> bool:
    """``$ZEGO_WEB_SDK_DEBUG`` set to 1/true/yes turns on the SDK's own logging."""
    env = os.environ if env is None else env
    return env.get(SDK_DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def scrub_tokens(text: str) -> str:
    """Replace anything that looks like a Token04 with ``04****``."""
    return _TOKEN_LIKE.sub("04****", text)


def token_provider_for(
    app_id: int, user_id: str, server_secret: Any, effective_seconds: int = 3600
) -> Callable[[], str]:
    """A ``token_provider`` that mints a fresh Token04 for ``user_id`` on each call.

    ``server_secret`` may be the plain string or the kit's ``Secret`` (anything
    with ``.reveal()``); it is read only when a token is made.
    """
    from ..token04 import generate_token04  # the crypto library loads only when needed

    def provide() -> str:
        secret = server_secret.reveal() if hasattr(server_secret, "reveal") else server_secret
        return generate_token04(app_id, user_id, secret, effective_seconds)

    return provide


def call_widget_texts() -> dict[str, str]:
    """The words the browser half shows, in the learner's language (the ``texts`` trait).

    Every word of the panel, its states, and each error and outcome the browser
    puts into words (a login refused, no microphone, an SDK that does not load,
    a control command's answer). ``call_widget.js`` has the English of each in
    its ``TEXTS`` table, under the same key, as its fallback
    (``tests/test_call_widget.py`` keeps the two tables equal). The browser
    fills in the ``{fields}``: codes, Actions, ids, RequestIds and the SDK's own
    error text stay as they are, in every language (they are what one searches
    for).
    """
    return {
        "title": _("ZEGO call"),
        "join": _("Join"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "leave": _("Leave"),
        "state": _("State:"),
        "interrupt": _("Interrupt"),
        "control_text": _("Text for the agent"),
        "say_this": _("Say this"),
        "ask_this": _("Ask this"),
        "typed": _("Type what you would say, then Enter"),
        "send": _("Send"),
        "speak": _("Speak"),
        "listening": _("Listening…"),
        "simulation_note": _(
            "Simulated call: the sandbox has no RTC room, so nothing goes to ZEGO and no audio "
            "leaves this browser. Join and Leave tell the sandbox that you entered or left the "
            "room; type a turn (or speak it, where the browser offers speech recognition) and "
            "the agent's reply is read aloud by the browser."
        ),
        "mode_sandbox": _("simulated call (sandbox)"),
        "mode_real": _("real RTC room"),
        "ids": _("room {room} · you: {user} (stream {stream})"),
        "you": _("You: "),
        "agent": _("Agent: "),
        "server_api": _("server API: {action}"),
        "same_from_python": _("The same from Python: {call}"),
        "no_recognition": _("no speech recognition in this browser: type your turns"),
        "no_synthesis": _("no speech synthesis: replies are shown, not spoken"),
        "separator": _("; "),
        # The state line: the browser keeps the English value in ``widget.state``.
        "state_ready": _("ready"),
        "state_loading_SDK": _("loading SDK"),
        "state_joining": _("joining"),
        "state_in_the_room": _("in the room"),
        "state_agent_joined": _("agent joined"),
        "state_agent_listening": _("agent listening"),
        "state_agent_thinking": _("agent thinking"),
        "state_agent_speaking": _("agent speaking"),
        "state_reconnecting": _("reconnecting"),
        "state_in_the_simulated_call": _("in the simulated call"),
        "state_left": _("left"),
        "state_failed": _("failed"),
        # What the browser puts into words: errors and outcomes. Codes, ids, RequestIds
        # and the SDK's own text are the {fields}: they stay as they are.
        "sdk_line": _("SDK: {info}"),
        "unknown_error": _("unknown error"),
        "code_without_message": _("code {code}, no message"),
        "error_without_message": _("an error without a message"),
        "sdk_code_and_text": _("code {code}: {detail}"),
        "no_message": _("no message"),
        "insecure_context": _(
            "this page ({origin}) is not a secure context, and browsers only give the microphone "
            "to https:// pages and to http://localhost or 127.0.0.1. Open JupyterLab over https, "
            "or at http://localhost (an SSH tunnel works), and join again."
        ),
        "sdk_fix": _(
            "Run `zego-kit web-sdk bundle` in a terminal (the kernel then serves the SDK itself),"
            " or set ZEGO_WEB_SDK_URL to a copy that is one ES module; then restart the kernel."
        ),
        "sdk_none_from_kernel": _("the kernel sent no SDK file. {fix}"),
        "sdk_exports_no_engine": _("it exports no ZegoExpressEngine"),
        "sdk_kernel_copy_failed": _(
            "the kit's SDK copy ({description}) did not load: {detail}. {fix}"
        ),
        "sdk_load_failed": _("could not load the ZEGO Web SDK from {url}: {reason}. {fix}"),
        "sdk_not_a_script_either": _("{reason}, and it failed as a plain <script> too"),
        "sdk_exports_only": _(
            "not an ES module that exports ZegoExpressEngine: it loaded, but exports only {names}"
            " and defines no window.ZegoExpressEngine"
        ),
        "sdk_exports_nothing": _(
            "not an ES module that exports ZegoExpressEngine: it loaded, but exports nothing and "
            "defines no window.ZegoExpressEngine"
        ),
        "sdk_bare_import": _(
            'dependency imports missing: it imports "{name}" by bare name, which a browser cannot'
            " resolve (it is not a bundle)"
        ),
        "sdk_unreachable": _(
            "unreachable: no answer from {host} (offline? a firewall, proxy or blocker?)"
        ),
        "sdk_cors": _(
            "CORS blocked: {origin} answered, but does not allow pages of {page} to load it (no "
            "Access-Control-Allow-Origin header)"
        ),
        "sdk_http_error": _("HTTP {status}: the server has no SDK file at that address"),
        "sdk_no_content_type": _("no Content-Type"),
        "sdk_not_javascript": _(
            'not JavaScript: the server sent it as "{type}" (browsers run module scripts only '
            "when served as JavaScript)"
        ),
        "sdk_umd": _(
            "not an ES module: it is a UMD/CommonJS build that require()s {names} (dependency "
            "imports missing: the npm package's own files are such builds)"
        ),
        "sdk_commonjs": _("not an ES module: it is a CommonJS file (module.exports)"),
        "sdk_not_a_module": _("it is not an ES module ({detail})"),
        "sdk_failed_while_loading": _("it failed while loading: {detail}"),
        "sdk_info": _("ZEGO Express Web SDK {version} ({where})"),
        "sdk_version_unknown": _("version unknown"),
        "sdk_from_kernel": _("{build}, sha256 {sha256}, from the kernel"),
        "sdk_installed_as": _("; installed as {version}"),
        "sdk_from_url": _("from {url}"),
        "kernel_no_answer": _(
            'the Python kernel did not answer "{request}" within {seconds} s: is it still '
            "running, or busy with another cell?"
        ),
        "engine_failed": _(
            'new ZegoExpressEngine({app_id}, "{server}") failed ({detail}): check ZEGO_APP_ID (a '
            "number) and ZEGO_WEB_SERVER, and join again"
        ),
        "sdk_unknown_event": _(
            'this SDK build does not know the event "{event}": use the version the kit pins '
            "(`zego-kit web-sdk bundle`) and join again"
        ),
        "login_failed_with_code": _("login failed with code {code}: {meaning} (SDK: {detail})"),
        "login_failed": _("login failed: {meaning} (SDK: {detail})"),
        "login_look_up_code": _(
            "look the code up in ZEGO's Web SDK error codes ({url}) and join again"
        ),
        "login_no_answer": _(
            "ZEGO's servers did not answer within {seconds} s: is this computer online? A "
            "firewall or proxy may block the SDK's secure WebSocket (wss://) connections to ZEGO."
            " Check the network (or try another one) and join again."
        ),
        "login_token_expired": _(
            "the token has expired: make a fresh one (re-run the token cell) and join again"
        ),
        "login_token_format": _(
            "the token's format is wrong: it must be a Token04 made with the ServerSecret of this"
            " AppID, for this user id (zego-kit token --user-id ...); fix it and join again"
        ),
        "login_token_user": _(
            "the token was made for another user id: make it for this widget's user id and join "
            "again"
        ),
        "login_authentication": _(
            "ZEGO rejected the AppID and token (authentication failed): check ZEGO_APP_ID and "
            "ZEGO_SERVER_SECRET belong to the same project and join again"
        ),
        "login_dispatch": _(
            "ZEGO found no service for this AppID (dispatch failed): check ZEGO_APP_ID (and "
            "ZEGO_WEB_SERVER, if you set one) and join again"
        ),
        "login_arguments": _(
            "the SDK refused loginRoom's arguments (an empty token, or an AppID that is not a "
            "number): check the token cell ran and ZEGO_APP_ID and join again"
        ),
        "login_user_id_empty": _("the user id is empty: give the widget a user id and join again"),
        "login_user_id_characters": _(
            "the user id contains characters ZEGO does not allow (use letters, digits and _ - ~ !"
            " @ # $ ^ & * ( ) + = ; , .): change it and join again"
        ),
        "login_room_id_empty": _("the room id is empty: give the widget a room id and join again"),
        "login_room_id_characters": _(
            "the room id contains characters ZEGO does not allow (use letters, digits and _ - and"
            " the like, no spaces): change it and join again"
        ),
        "login_room_id_too_long": _(
            "the room id is too long (ZEGO allows fewer than 128 bytes): shorten it and join again"
        ),
        "login_timed_out": _(
            "login timed out (a firewall or proxy may block ZEGO's servers): check the network "
            "and join again"
        ),
        "login_network_down": _(
            "the network is down and the SDK gave up retrying: check the connection and join again"
        ),
        "login_room_full": _(
            "the room is full (a test project allows 50 users per room): use another room"
        ),
        "login_repeated": _(
            "this page is already logged in to the room (a repeated login): press Leave, then Join"
        ),
        "login_elsewhere": _(
            "this user id is already logged in elsewhere (another tab or device): leave the call "
            "there, or use another user id, and join again"
        ),
        "microphone_denied": _(
            "microphone permission denied: allow the microphone for this page (the icon at the "
            "left of the address bar, or the browser's site settings) and join again (SDK: "
            "{detail})"
        ),
        "microphone_missing": _(
            "no microphone found: connect one (or enable it in the system settings) and join "
            "again (SDK: {detail})"
        ),
        "microphone_busy": _(
            "the microphone is busy or unavailable (another application may be using it): close "
            "that application and join again (SDK: {detail})"
        ),
        "microphone_failed": _(
            "could not open the microphone (SDK: {detail}): check the browser's microphone "
            "settings and join again"
        ),
        "sdk_returned_false": _("returned false"),
        "publish_not_logged_in": _(
            'the SDK refused to publish your microphone on stream "{stream}": the SDK is not '
            "logged in to the room (the login was lost or never finished): join again (SDK: "
            "{detail})"
        ),
        "publish_refused": _(
            'the SDK refused to publish your microphone on stream "{stream}": join again; if it '
            "happens again, check that the token allows publishing this stream id (a privilege "
            "token lists the stream ids it may publish) (SDK: {detail})"
        ),
        "publish_stopped": _('publishing "{stream}" stopped with code {code}'),
        "play_failed": _(
            'could not play the agent\'s stream "{stream}" (SDK: {detail}): check that the token '
            "allows playing streams (a privilege token), then leave and join again"
        ),
        "token_refused": _("the SDK refused the renewed token"),
        "token_not_renewed": _("could not renew the token: {detail}"),
        "room_kicked_out": _(
            "ZEGO removed you from the room (the same user id joined elsewhere?) (code {code})"
        ),
        "room_connection_lost": _(
            "the connection to ZEGO was lost and could not be restored (code {code})"
        ),
        "control_unknown_action": _('unknown control action "{action}"'),
        "control_no_text": _("{action}: type the text for the agent first"),
        "control_text_too_long": _(
            "{action}: the text has {count} characters; ZEGO takes at most {max}: shorten it"
        ),
        "control_join_first": _("{action}: not sent: join the call first"),
        "control_no_agent_user_id": _("{action}: not sent: the widget has no agent_user_id"),
        "control_no_answer": _(
            "{action}: sent, but the agent did not answer within {seconds} s (is the agent "
            "instance still in this room?)"
        ),
        "control_not_sent": _("{action}: the SDK could not send it ({detail}): try again"),
        "control_done": _("{action}: done"),
        "control_failed": _("{action}: failed with code {code}: {message}"),
        "request_id": _(" (RequestId {request_id})"),
        "control_left": _("{action}: no answer (you left the call)"),
        "control_done_by_sandbox": _("{action}: done by the sandbox"),
        "control_failed_in_sandbox": _("{action}: failed: {detail}"),
        "speech_failed": _("speech recognition failed ({error}): type your turn instead"),
    }


class CallWidgetError(ZegoError):
    """Something went wrong in the call, reported by the browser or by the kernel side.

    ``kind`` says what failed (``"sdk-load"``, ``"insecure-context"``, ``"login"``,
    ``"microphone-denied"``, ``"no-microphone"``, ``"token"``, ``"turn"``, ...),
    ``message`` says it in words, ``code`` is ZEGO's error code when there is one.
    """

    def __init__(self, kind: str, message: str, code: int | None = None) -> None:
        self.kind = kind
        self.message = scrub_tokens(message)
        self.code = code
        super().__init__(f"{kind}: {self.message}")


class CallWidget(anywidget.AnyWidget):
    """A Join / Mute / Leave call panel for one user in one room.

    Example (real mode)::

        widget = CallWidget(
            app_id=settings.app_id, server="", room_id=ids.room_id,
            user_id=ids.user_id, user_name="Ada", user_stream_id=ids.user_stream_id,
            agent_stream_id=ids.agent_stream_id,
            token_provider=token_provider_for(settings.app_id, ids.user_id,
                                              settings.server_secret),
        )
        widget          # shows the panel; press Join and allow the microphone

    Read ``widget.state``, ``widget.subtitles`` and ``widget.errors`` from
    Python; set ``widget.muted = True`` to mute from a cell.

    ``token_provider`` returns a fresh Token04 for ``user_id``; it is called at
    Join and again whenever the SDK says the token is about to expire (real mode
    only, where it is required; see :func:`token_provider_for`).
    ``agent_stream_id`` is the stream to play; ``None`` plays any stream other
    than ``user_stream_id``. ``sdk_url`` defaults to :func:`default_sdk_url`.
    ``presence_callback(in_room)`` is called when the user has joined (``True``)
    or left (``False``). ``turn_handler(text) -> reply`` answers a turn of the
    simulated call (``mode="sandbox"``). ``control_handler(action, text)`` does
    a control button's Action there (returns what the agent says, or ``None``).
    ``agent_user_id`` (the instance's ``RTC.AgentUserId``) is where a real
    call's control commands go. ``join_timeout`` is how many seconds the
    browser waits for ZEGO's servers to answer the login. ``sdk_debug`` turns
    on the SDK's own logging (default: ``$ZEGO_WEB_SDK_DEBUG``).
    ``kit_home`` is where the installed SDK copy is (default: ``$ZEGO_KIT_HOME``
    or ``~/.zego_kit``; :func:`~zego_helpers.widgets.tutorial_call.call_widget_for`
    passes the settings' one). ``on_error(error)`` is called with each
    :class:`CallWidgetError`. The callbacks run one at a time, in order, on a
    worker thread, so a slow one does not block the kernel.
    """

    _esm = _JS_PATH

    # What the browser needs to join (set from Python).
    app_id = traitlets.Int(0).tag(sync=True)
    server = traitlets.Unicode("").tag(sync=True)
    room_id = traitlets.Unicode("").tag(sync=True)
    user_id = traitlets.Unicode("").tag(sync=True)
    user_name = traitlets.Unicode("").tag(sync=True)
    user_stream_id = traitlets.Unicode("").tag(sync=True)
    agent_stream_id = traitlets.Unicode("").tag(sync=True)
    agent_user_id = traitlets.Unicode("").tag(sync=True)
    sdk_url = traitlets.Unicode("").tag(sync=True)
    sdk_debug = traitlets.Bool(False).tag(sync=True)
    join_timeout = traitlets.Float(30.0).tag(sync=True)
    mode = traitlets.Unicode("real").tag(sync=True)
    # What the browser reports (written by the browser, read from Python).
    state = traitlets.Unicode("ready").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    subtitles = traitlets.List(traitlets.Dict()).tag(sync=True)
    sdk_info = traitlets.Unicode("").tag(sync=True)  # which SDK build and version loaded
    control_status = traitlets.Unicode("").tag(sync=True)  # the last control's outcome
    # Either side may change it.
    muted = traitlets.Bool(False).tag(sync=True)
    # The words on the panel, in the learner's language (see :func:`call_widget_texts`).
    texts = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        *,
        app_id: int,
        server: str,
        room_id: str,
        user_id: str,
        user_name: str,
        user_stream_id: str,
        token_provider: Callable[[], str] | None = None,
        agent_stream_id: str | None = None,
        agent_user_id: str | None = None,
        sdk_url: str | None = None,
        sdk_debug: bool | None = None,
        join_timeout: float = 30.0,
        mode: str = "real",
        presence_callback: Callable[[bool], None] | None = None,
        turn_handler: Callable[[str], str] | None = None,
        control_handler: Callable[[str, str], str | None] | None = None,
        on_error: Callable[[CallWidgetError], None] | None = None,
        kit_home: Path | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(app_id, bool) or not isinstance(app_id, int) or app_id <= 0:
            raise ValidationError("app_id", _("must be your numeric AppID from the ZEGO console"))
        if mode not in MODES:
            raise ValidationError(
                "mode", _("is {value}; use 'real' or 'sandbox'").format(value=repr(mode))
            )
        if token_provider is None and mode == "real":
            raise ValidationError(
                "token_provider",
                _("is required in real mode: a function that returns a Token04"),
            )
        if token_provider is not None and not callable(token_provider):
            raise ValidationError("token_provider", _("must be a function that returns a Token04"))
        check_room_or_stream_id("room_id", room_id)
        check_user_id("user_id", user_id)
        check_room_or_stream_id("user_stream_id", user_stream_id)
        if agent_stream_id:
            check_room_or_stream_id("agent_stream_id", agent_stream_id)
        if agent_user_id:
            check_user_id("agent_user_id", agent_user_id)
        if (
            isinstance(join_timeout, bool)
            or not isinstance(join_timeout, (int, float))
            or not 1 <= join_timeout <= 600
        ):
            raise ValidationError(
                "join_timeout",
                _("is {value}; use 1 to 600 seconds").format(value=repr(join_timeout)),
            )
        if not isinstance(user_name, str) or not user_name.strip():
            raise ValidationError("user_name", _("must be a non-empty display name"))

        super().__init__(
            app_id=app_id,
            server=server or "",
            room_id=room_id,
            user_id=user_id,
            user_name=user_name,
            user_stream_id=user_stream_id,
            agent_stream_id=agent_stream_id or "",
            agent_user_id=agent_user_id or "",
            sdk_url=sdk_url or default_sdk_url(kit_home=kit_home),
            sdk_debug=sdk_debug_default() if sdk_debug is None else bool(sdk_debug),
            join_timeout=float(join_timeout),
            mode=mode,
            texts=call_widget_texts(),
            **kwargs,
        )
        self._token_provider = token_provider
        self._presence_callback = presence_callback
        self._turn_handler = turn_handler
        self._control_handler = control_handler
        self._kit_home = kit_home
        #: The outcome of each control button pressed, oldest first (as the browser said it).
        self.control_results: list[dict[str, Any]] = []
        self._error_hooks: list[Callable[[CallWidgetError], None]] = []
        if on_error is not None:
            self._error_hooks.append(on_error)
        #: Every error reported so far, oldest first.
        self.errors: list[CallWidgetError] = []
        #: The last presence the browser reported (``None``: never joined).
        self.in_room: bool | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zego-call-widget")
        self.on_msg(self._on_browser_message)

    def __repr__(self) -> str:
        return (
            f"CallWidget(mode={self.mode!r}, room_id={self.room_id!r}, user_id={self.user_id!r}, "
            f"state={self.state!r})"
        )

    # ----- public helpers -------------------------------------------------

    def on_error(self, callback: Callable[[CallWidgetError], None]) -> None:
        """Also call ``callback(error)`` for each future error."""
        self._error_hooks.append(callback)

    def raise_for_errors(self) -> None:
        """Raise the most recent :class:`CallWidgetError`, if any was reported."""
        if self.errors:
            raise self.errors[-1]

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until the callbacks queued so far (turns, tokens, presence) have run."""
        self._worker.submit(lambda: None).result(timeout)

    def close(self) -> None:
        worker = getattr(self, "_worker", None)  # absent if __init__ failed early
        if worker is not None:
            worker.shutdown(wait=False, cancel_futures=True)
        super().close()

    # ----- messages from the browser --------------------------------------

    def _on_browser_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """Dispatch one custom message from the browser (runs on the kernel's thread)."""
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind in ("get-token", "renew-token"):
            self._run(self._send_token, content.get("id"), kind)
        elif kind == "presence":
            self._run(self._set_presence, bool(content.get("in_room")))
        elif kind == "say":
            self._run(self._answer_turn, content.get("id"), str(content.get("text", "")))
        elif kind == "get-sdk":
            self._run(self._send_sdk, content.get("id"))
        elif kind == "control":
            action, text = str(content.get("action", "")), str(content.get("text", ""))
            self._run(self._answer_control, content.get("id"), action, text)
        elif kind == "control-result":
            self.control_results.append({k: v for k, v in content.items() if k != "type"})
        elif kind == "error":
            code = content.get("code")
            self._record(
                CallWidgetError(
                    str(content.get("kind") or "browser"),
                    str(content.get("message") or _("unknown error")),
                    code if isinstance(code, int) else None,
                )
            )
        else:
            log.debug("call widget: ignoring message of type %r", kind)

    def _run(self, fn: Callable[..., None], *args: Any) -> Future:
        """Run ``fn`` on the worker thread, so user callbacks never block the kernel."""
        return self._worker.submit(fn, *args)

    def _send_token(self, request_id: Any, purpose: str) -> None:
        if self._token_provider is None:
            self._fail(request_id, "token", _("no token_provider was given to CallWidget"))
            return
        try:
            token = self._token_provider()
            if not isinstance(token, str) or not token:
                raise TypeError(
                    _("it returned {type}, not a token string").format(type=type(token).__name__)
                )
        except Exception as exc:  # the user's provider: report it, never crash the comm
            self._fail(
                request_id,
                "token",
                _("token_provider failed ({purpose}): {error}").format(
                    purpose=purpose, error=_describe(exc)
                ),
            )
            return
        self.send({"type": "token", "id": request_id, "token": token})

    def _set_presence(self, in_room: bool) -> None:
        self.in_room = in_room
        if self._presence_callback is None:
            return
        try:
            self._presence_callback(in_room)
        except Exception as exc:
            self._fail(
                None,
                "presence",
                _("presence_callback({in_room}) failed: {error}").format(
                    in_room=in_room, error=_describe(exc)
                ),
            )

    def _answer_turn(self, request_id: Any, text: str) -> None:
        if self._turn_handler is None:
            self._fail(request_id, "turn", _("no turn_handler was given to CallWidget"))
            return
        try:
            reply = self._turn_handler(text)
        except Exception as exc:
            self._fail(
                request_id,
                "turn",
                _("turn_handler failed: {error}").format(error=_describe(exc)),
            )
            return
        self.send({"type": "agent-reply", "id": request_id, "text": str(reply)})

    def _send_sdk(self, request_id: Any) -> None:
        """Send the installed Web SDK file (its bytes as the message's binary buffer)."""
        try:
            installed, data = read_installed_sdk(self._kit_home or kit_home_from_env())
        except ZegoError as error:
            self._fail(request_id, "sdk-load", str(error))
            return
        answer = {
            "type": "sdk",
            "id": request_id,
            "description": installed.describe(),
            "build": installed.build,
            "version": installed.version,
            "sha256": installed.sha256,
        }
        self.send(answer, buffers=[data])

    def _answer_control(self, request_id: Any, action: str, text: str) -> None:
        if action not in CONTROL_ACTIONS:
            self._fail(
                request_id,
                "control",
                _("unknown control action {action}").format(action=repr(action)),
            )
            return
        if self._control_handler is None:
            self._fail(request_id, "control", _("no control_handler was given to CallWidget"))
            return
        try:
            said = self._control_handler(action, text)
        except Exception as exc:
            self._fail(
                request_id,
                "control",
                _("{action} failed: {error}").format(action=action, error=_describe(exc)),
            )
            return
        self.send({"type": "control-answer", "id": request_id, "say": said or ""})

    # ----- errors ---------------------------------------------------------

    def _fail(self, request_id: Any, kind: str, message: str) -> None:
        """An error on the kernel side: record it and tell the browser."""
        error = CallWidgetError(kind, message)
        self._record(error)
        self.send(
            {"type": "kernel-error", "id": request_id, "kind": kind, "message": error.message}
        )

    def _record(self, error: CallWidgetError) -> None:
        self.errors.append(error)
        log.warning("call widget: %s", error)
        for hook in list(self._error_hooks):
            try:
                hook(error)
            except Exception as exc:
                log.warning("call widget: on_error callback failed: %s", _describe(exc))


def _describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, with anything token-shaped masked."""
    text = str(exc)
    return scrub_tokens(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
