// call_widget.js: the browser half of zego_helpers.widgets.CallWidget (an anywidget ES module).
//
// Real mode: what "Join" does, one function below per step.
//   1. checkSecureContext()  browsers give the microphone only to https:// pages and localhost
//   2. loadSdk(sdk_url)      ZEGO's Express Web SDK: from the kernel ("kernel:", the copy that
//                            `zego-kit web-sdk bundle` made: same origin, no CDN), or from a URL
//                            (an ES module, or a script that defines window.ZegoExpressEngine)
//   3. ask the kernel for a token ("get-token"); Python mints a Token04 for this user
//   4. new ZegoExpressEngine(appID, server)   one engine per call, its logging quiet
//   5. zg.on(...)            room streams, token expiry, room state, room messages (subtitles)
//   6. zg.loginRoom(roomID, token, {userID, userName}, {userUpdate: true})
//   7. zg.createZegoStream({camera: {audio: true, video: false}})   opens the microphone
//   8. zg.startPublishingStream(userStreamID, stream)                the agent hears you
//   9. the agent publishes; "roomStreamUpdate" ADD -> startPlayingStream + play the view
// "Leave" undoes all of it in reverse and releases the microphone.
// In the call, Interrupt / Say this / Ask this send the agent ZEGO's room commands
// (agent custom control); the server API has an Action for each (shown beside the button).
//
// Sandbox mode has no RTC room: SimulatedCall tells the kernel you joined or left, sends
// typed (or spoken) turns and the control buttons to the kernel, and reads replies aloud.
//
// Messages to and from the kernel are listed in call_widget.py. The token is passed
// straight to loginRoom / renewToken and never stored, shown or reported.
//
// ZEGO's documents this follows (EN; the Chinese pages are at doc-zh.zego.im, same paths):
//   Web SDK error codes   https://www.zegocloud.com/docs/real-time-video-web/client-sdk/error-code
//   room messages (Cmd)   https://www.zegocloud.com/docs/aiagent-web/client-sdk/ai-related-callback
//   agent custom control  https://www.zegocloud.com/docs/aiagent-web/guides/agent-custom-control
//   ZEGO's AI Agent web sample: github.com/ZEGOCLOUD/ai_agent_quick_start, web/src/hooks/useChat.ts

// ---------------------------------------------------------------------------
// Constants

/** The state line. Python reads it as `widget.state`. */
export const STATE = {
  READY: "ready",
  LOADING_SDK: "loading SDK",
  JOINING: "joining",
  IN_ROOM: "in the room",
  AGENT_JOINED: "agent joined",
  AGENT_LISTENING: "agent listening",
  AGENT_THINKING: "agent thinking",
  AGENT_SPEAKING: "agent speaking",
  RECONNECTING: "reconnecting",
  SIMULATED: "in the simulated call",
  LEFT: "left",
  FAILED: "failed",
};
const IDLE_STATES = new Set([STATE.READY, STATE.LEFT, STATE.FAILED]);
const BUSY_STATES = new Set([STATE.LOADING_SDK, STATE.JOINING]);
const CANCELLED = Symbol("join cancelled by Leave");

/** Room scenario 7 = HighQualityChatroom, what ZEGO's AI Agent sample uses for voice. */
export const HIGH_QUALITY_CHATROOM = 7;
/** `sdk_url` value that means: the kernel sends the SDK copy installed in the kit home. */
export const KERNEL_SDK = "kernel:";
/** How long to wait for the kernel: a token is quick, an agent's reply may take a while. */
const TOKEN_TIMEOUT_MS = 30000;
const SDK_TIMEOUT_MS = 60000;
/** Offline, the SDK retries its login for minutes: give up after `join_timeout` s (default). */
const DEFAULT_JOIN_TIMEOUT_S = 30;
const TURN_TIMEOUT_MS = 180000;
/** How long a control command waits for the agent's answer (ZEGO's own suite: 5 s). */
const CONTROL_TIMEOUT_MS = 5000;
/** Keep the transcript short: the last N lines. */
const MAX_SUBTITLES = 50;

/**
 * Room message commands sent by the agent (Cmd of `msgContent`), with the documented fields:
 * https://www.zegocloud.com/docs/aiagent-web/client-sdk/ai-related-callback
 *   1 user speaking status   Data {SpeakStatus: 1 started | 2 ended, UserId}
 *   3 user's text (ASR)      Data {Text (the whole sentence so far), MessageId, UserId,
 *                                  StartFlag, EndFlag}
 *   4 agent's text (LLM)     Data {Text (an increment), MessageId, EndFlag}
 *   6 agent status           Data {Status, OldStatus: 0 idle | 1 listening | 2 thinking |
 *                                  3 speaking, Reason}
 *   2 agent speaking status  Data {SpeakStatus: 1 speaking | 2 stopped}: not in that page,
 *                            but handled by ZEGO's AI Agent web sample (useChat.ts); kept.
 *   102 metadata             ignored
 */
const CMD = { USER_SPEAKING: 1, AGENT_SPEAKING: 2, USER_TEXT: 3, AGENT_TEXT: 4, AGENT_STATUS: 6 };
const AGENT_STATUS_STATE = {
  0: STATE.AGENT_JOINED, // idle
  1: STATE.AGENT_LISTENING,
  2: STATE.AGENT_THINKING,
  3: STATE.AGENT_SPEAKING,
};
/** SpeakStatus of Cmd 1: as ZEGO's sample shows it, the agent listens, then thinks. */
const USER_SPEAKING_STATE = { 1: STATE.AGENT_LISTENING, 2: STATE.AGENT_THINKING };

/**
 * Agent custom control: the client sends room channel messages of msgType 20 to the
 * agent's user id, and the agent answers with msgType 22 {Action, Seq, Code, Message,
 * RequestId, Data}. https://www.zegocloud.com/docs/aiagent-web/guides/agent-custom-control
 * Each Action is also a server API call (the button shows which).
 */
export const CONTROL = {
  INTERRUPT: "InterruptAgentInstance",
  SAY: "SendAgentInstanceTTS",
  ASK: "SendAgentInstanceLLM",
};
const CONTROL_REQUEST = 20;
const CONTROL_RESPONSE = 22;
/** The server API (Python client) call that does the same as each button. */
export const SERVER_EQUIVALENT = {
  [CONTROL.INTERRUPT]: "client.interrupt_agent_instance(instance_id)",
  [CONTROL.SAY]: "client.send_agent_instance_tts(instance_id, text)",
  [CONTROL.ASK]: "client.send_agent_instance_llm(instance_id, text)",
};
/** SendAgentInstanceTTS takes at most 300 characters (the page above). */
const MAX_TTS_TEXT = 300;

/**
 * loginRoom's error codes, in words (the key of each one's text in TEXTS): what happened
 * and what to do. Codes and meanings from ZEGO's Web SDK error code page (see the top of
 * this file); 1002077 and 1002078 are not on that page, they are the SDK's own
 * (TOKEN_USERID_ERROR, NATIVE_TOKEN_EXPIRED in its bundle).
 */
export const LOGIN_ERRORS = {
  1002078: "login_token_expired",
  1102018: "login_token_expired",
  1102016: "login_token_format",
  1002077: "login_token_user",
  1102020: "login_authentication",
  1102017: "login_dispatch",
  1100001: "login_arguments",
  1002005: "login_user_id_empty",
  1002006: "login_user_id_characters",
  1002011: "login_room_id_empty",
  1002012: "login_room_id_characters",
  1002013: "login_room_id_too_long",
  1002031: "login_timed_out",
  1002053: "login_network_down",
  1002034: "login_room_full",
  1002056: "login_repeated",
  1002086: "login_elsewhere",
};
/** ZEGO's Web SDK error code page, for a login code the table above does not know. */
const ERROR_CODE_PAGE = "https://www.zegocloud.com/docs/real-time-video-web/client-sdk/error-code";

// ---------------------------------------------------------------------------
// Small helpers

/** `text` with each `{name}` replaced by `values[name]` (an unknown name stays as it is). */
export function fill(text, values = {}) {
  return String(text).replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

/**
 * A translator `t(key, values)`: the text of `key` in `texts` (what the kernel sent, in the
 * learner's language), else its English in TEXTS, with the `{name}`s filled in. Every word
 * the widget shows goes through one; codes, ids, RequestIds and the SDK's own text are
 * values, so they stay as they are in every language.
 */
export function translator(texts = {}) {
  return (key, values = {}) => {
    const text = typeof texts?.[key] === "string" ? texts[key] : TEXTS[key] ?? key;
    return fill(text, values);
  };
}

/** The widget's words in English: the default of every function that makes a message. */
export const ENGLISH = translator();

/** An error the widget shows in words and reports to the kernel. */
export class CallError extends Error {
  constructor(kind, message, { code = null, fromKernel = false } = {}) {
    super(scrubTokens(message));
    this.kind = kind;
    this.code = code;
    this.fromKernel = fromKernel; // the kernel already knows: don't report it back
  }
}

/** Mask anything shaped like a Token04 ("04" + Base64), in case an SDK message echoes it. */
export function scrubTokens(text) {
  return String(text).replace(/04[A-Za-z0-9+/]{16,}={0,2}/g, "04****");
}

/**
 * An error of any shape, in words. ZEGO's Web SDK rejects with plain objects, not Errors:
 * {code, msg} (loginRoom), {errorCode, extendedData} (createZegoStream, startPublishingStream)
 * and {code, message, errorCode, extendedData} (startPlayingStream). Never "[object Object]".
 */
export function errorText(err, t = ENGLISH) {
  if (err == null) return t("unknown_error");
  if (typeof err !== "object") return String(err) || t("unknown_error");
  const texts = [];
  for (const value of [err.msg, err.message, err.extendedData, err.reason]) {
    const text = typeof value === "string" ? value.trim() : "";
    if (text && !texts.some((known) => known.includes(text))) texts.push(text);
  }
  const isError =
    err instanceof Error || (typeof DOMException !== "undefined" && err instanceof DOMException);
  const name = isError && err.name !== "Error" ? err.name : "";
  if (texts.length) return scrubTokens([name, texts.join(": ")].filter(Boolean).join(": "));
  if (name) return name;
  const code = errorCode(err);
  if (code != null) return t("code_without_message", { code });
  let json = "";
  try {
    json = JSON.stringify(err);
  } catch {
    json = "";
  }
  return json && json !== "{}" ? scrubTokens(json.slice(0, 300)) : t("error_without_message");
}

/** The SDK's error code of `err` (errorCode first: {code, errorCode} carry both), or null. */
export function errorCode(err) {
  if (err == null || typeof err !== "object") return null;
  // A browser DOMException has a legacy numeric `code` (NotFoundError: 8): not ZEGO's.
  if (typeof DOMException !== "undefined" && err instanceof DOMException) return null;
  for (const value of [err.errorCode, err.code]) {
    const code = Number(value);
    if (value !== null && value !== "" && Number.isFinite(code) && code !== 0) return code;
  }
  return null;
}

/** "code 1103061: " and the SDK's text, for messages. */
function sdkSays(err, t) {
  const code = errorCode(err);
  const text = errorText(err, t);
  if (code == null || text === t("code_without_message", { code })) return text;
  return t("sdk_code_and_text", { code, detail: text });
}

/** `promise`, or a rejection with `makeError()` if it takes longer than `ms`. */
function withTimeout(promise, ms, makeError) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(makeError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Run a clean-up step; a failure there is logged, not shown (we are leaving anyway). */
async function safely(what, step) {
  try {
    await step();
  } catch (err) {
    console.warn(`zego call widget: ${what} failed:`, errorText(err));
  }
}

/**
 * The SDK's logging (setLogConfig): quiet by default, only errors in the console and no
 * upload to ZEGO's log server; `sdk_debug` turns on the SDK's own level ("debug" in the
 * console, "info" uploaded: what ZEGO's support asks for). Seen with 3.11.0: the SDK still
 * opens its log server's WebSocket while upload is off.
 */
export function sdkLogConfig(debug) {
  return debug
    ? { logLevel: "debug", remoteLogLevel: "info" }
    : { logLevel: "error", remoteLogLevel: "disable" };
}

/** `Params` of a control command, checked the way the agent would (the control page). */
export function controlParams(action, text = "", t = ENGLISH) {
  const value = String(text ?? "").trim();
  if (action === CONTROL.INTERRUPT) return {};
  if (action !== CONTROL.SAY && action !== CONTROL.ASK) {
    throw new CallError("control", t("control_unknown_action", { action }));
  }
  if (!value) throw new CallError("control", t("control_no_text", { action }));
  if (action === CONTROL.SAY) {
    const count = [...value].length;
    if (count > MAX_TTS_TEXT) {
      throw new CallError("control", t("control_text_too_long", { action, count, max: MAX_TTS_TEXT }));
    }
    return { Text: value, AddHistory: true };
  }
  return { Text: value };
}

// ---------------------------------------------------------------------------
// Step 1: the microphone needs a secure context

/** Throws a CallError unless the page may use getUserMedia (https:// or localhost). */
export function checkSecureContext(win = window, t = ENGLISH) {
  if (win.isSecureContext) return;
  throw new CallError("insecure-context", t("insecure_context", { origin: win.location.origin }));
}

// ---------------------------------------------------------------------------
// Step 2: load the SDK

const sdkCache = new Map(); // url -> Promise of {Engine, describe(t)}

/**
 * Load ZegoExpressEngine. `url` is KERNEL_SDK (the kernel sends the kit's own copy) or a
 * URL: first imported as an ES module, and, for a plain script, run by a <script> tag
 * that defines `window.ZegoExpressEngine`. Resolves with {Engine, info}: `info` says which
 * build and version was loaded. A failure says why: 404, CORS, dependency imports
 * missing, not an ES module, unreachable.
 */
export function loadSdk(
  url,
  { win = window, importModule = (u) => import(u), kernel, t = ENGLISH } = {},
) {
  const key = url === KERNEL_SDK ? url : new URL(url, win.document.baseURI).href;
  if (!sdkCache.has(key)) {
    const loading =
      key === KERNEL_SDK
        ? loadFromKernel(kernel, win, importModule, t)
        : loadFromUrl(key, win, importModule, t);
    loading.catch(() => sdkCache.delete(key)); // let a later Join try again
    sdkCache.set(key, loading);
  }
  // The info in this widget's language (another widget on the page may speak another).
  return sdkCache.get(key).then(({ Engine, describe }) => ({ Engine, info: describe(t) }));
}

/** The kit's copy, sent by the kernel as bytes: imported from a blob: URL of this page. */
async function loadFromKernel(kernel, win, importModule, t) {
  const answer = await kernel.request("get-sdk", {}, SDK_TIMEOUT_MS);
  const bytes = answer.buffers?.[0];
  if (!bytes) {
    throw new CallError("sdk-load", t("sdk_none_from_kernel", { fix: t("sdk_fix") }));
  }
  const url = win.URL.createObjectURL(new win.Blob([bytes], { type: "text/javascript" }));
  try {
    const namespace = await importModule(url);
    const Engine = namespace?.ZegoExpressEngine;
    if (typeof Engine !== "function") throw new Error(t("sdk_exports_no_engine"));
    const copy = { build: answer.build, sha256: String(answer.sha256).slice(0, 12) };
    const describe = (tr) => {
      let where = tr("sdk_from_kernel", copy);
      if (answer.version !== Engine.version) {
        where += tr("sdk_installed_as", { version: answer.version });
      }
      return sdkInfo(Engine, where, tr);
    };
    return { Engine, describe };
  } catch (err) {
    throw new CallError(
      "sdk-load",
      t("sdk_kernel_copy_failed", {
        description: answer.description,
        detail: errorText(err, t),
        fix: t("sdk_fix"),
      }),
    );
  } finally {
    win.URL.revokeObjectURL(url);
  }
}

async function loadFromUrl(url, win, importModule, t) {
  let namespace;
  try {
    namespace = await importModule(url);
  } catch (importError) {
    const found = await diagnoseSdkUrl(url, importError, win, t);
    if (!found.classicScript) throw sdkLoadError(url, found.reason, t);
    try {
      await loadScript(url, win.document);
    } catch {
      throw sdkLoadError(url, t("sdk_not_a_script_either", { reason: found.reason }), t);
    }
  }
  // An ES module exports the class; a classic script (or a UMD bundle) sets a global.
  const Engine = namespace?.ZegoExpressEngine ?? win.ZegoExpressEngine;
  if (typeof Engine !== "function") {
    const names = namespace ? Object.keys(namespace) : [];
    const reason = names.length
      ? t("sdk_exports_only", { names: names.join(", ") })
      : t("sdk_exports_nothing");
    throw sdkLoadError(url, reason, t);
  }
  return { Engine, describe: (tr) => sdkInfo(Engine, tr("sdk_from_url", { url }), tr) };
}

/** "ZEGO Express Web SDK 3.11.0 (...)": the version the loaded SDK itself reports. */
function sdkInfo(Engine, where, t) {
  const version = typeof Engine.version === "string" ? Engine.version : t("sdk_version_unknown");
  return t("sdk_info", { version, where });
}

function sdkLoadError(url, reason, t) {
  return new CallError("sdk-load", t("sdk_load_failed", { url, reason, fix: t("sdk_fix") }));
}

/**
 * Why `import(url)` failed, in words: the browser's own error says only "Failed to fetch
 * dynamically imported module" for a 404, a CORS refusal and an unreachable host alike,
 * so look again with fetch(). `classicScript` is true when the file may still work as a
 * plain <script> (no export, no require(), no CommonJS).
 */
export async function diagnoseSdkUrl(url, importError, win = window, t = ENGLISH) {
  const said = errorText(importError, t);
  const bare = /Failed to resolve module specifier ["']?([^"'\s]+?)["']?[.\s]/.exec(said + " ");
  if (bare) return { reason: t("sdk_bare_import", { name: bare[1] }) };
  let response;
  try {
    response = await win.fetch(url, { cache: "no-store" });
  } catch {
    const { origin, host } = new URL(url);
    try {
      await win.fetch(url, { mode: "no-cors", cache: "no-store" });
    } catch {
      return { reason: t("sdk_unreachable", { host }) };
    }
    return { reason: t("sdk_cors", { origin, page: win.location.origin }) };
  }
  if (!response.ok) {
    const status = `${response.status} ${response.statusText}`.trim();
    return { reason: t("sdk_http_error", { status }) };
  }
  const type = (response.headers.get("content-type") || t("sdk_no_content_type")).split(";")[0];
  if (!/javascript|ecmascript/i.test(type)) return { reason: t("sdk_not_javascript", { type }) };
  const text = await response.text();
  const exports = /(^|[;}\s])export\s*(\{|\*|(default|class|const|let|var|function)\b)/.test(text);
  const requires = text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g);
  const required = [...new Set([...requires].map((match) => match[1]))];
  if (!exports && required.length) {
    return { reason: t("sdk_umd", { names: required.slice(0, 5).join(", ") }) };
  }
  if (!exports && /\bmodule\.exports\b|\bexports\.\w+\s*=/.test(text)) {
    return { reason: t("sdk_commonjs") };
  }
  if (!exports) return { reason: t("sdk_not_a_module", { detail: said }), classicScript: true };
  return { reason: t("sdk_failed_while_loading", { detail: said }) };
}

function loadScript(url, doc) {
  return new Promise((resolve, reject) => {
    const script = doc.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = reject;
    doc.head.appendChild(script);
  });
}

// ---------------------------------------------------------------------------
// Errors of steps 6 and 7, in words

/** A loginRoom rejection ({code, msg}) as a CallError: what happened and what to do. */
export function loginError(err, t = ENGLISH) {
  const code = errorCode(err);
  const key = code != null ? LOGIN_ERRORS[code] : undefined;
  const meaning = key ? t(key) : t("login_look_up_code", { url: ERROR_CODE_PAGE });
  const detail = errorText(err, t);
  return new CallError(
    "login",
    code != null
      ? t("login_failed_with_code", { code, meaning, detail })
      : t("login_failed", { meaning, detail }),
    { code },
  );
}

function loginTimeoutError(seconds, t) {
  return new CallError("login", t("login_no_answer", { seconds }));
}

/**
 * A createZegoStream rejection (a getUserMedia failure) as a CallError. The SDK rejects
 * with {errorCode, extendedData}: 1103064 no permission, 1103065 device busy, 1103061
 * "get media fail <browser error>" (NotFoundError: no microphone at all).
 */
export function microphoneError(err, t = ENGLISH) {
  const code = errorCode(err);
  const text = errorText(err, t);
  const detail = sdkSays(err, t);
  if (code === 1103064 || /NotAllowedError|SecurityError|PermissionDenied/.test(text)) {
    return new CallError("microphone-denied", t("microphone_denied", { detail }), { code });
  }
  if (/NotFoundError|DevicesNotFound|OverconstrainedError/.test(text)) {
    return new CallError("no-microphone", t("microphone_missing", { detail }), { code });
  }
  if (code === 1103065 || /NotReadableError|AbortError/.test(text)) {
    return new CallError("microphone", t("microphone_busy", { detail }), { code });
  }
  return new CallError("microphone", t("microphone_failed", { detail }), { code });
}

/**
 * startPublishingStream throws ({errorCode, extendedData}) when it refuses to start, although
 * its typing says it returns a boolean: 1000002 means "not logged in to the room".
 */
export function publishError(streamID, err, t = ENGLISH) {
  const code = errorCode(err);
  const detail = err == null ? t("sdk_returned_false") : sdkSays(err, t);
  const key = code === 1000002 ? "publish_not_logged_in" : "publish_refused";
  return new CallError("publish", t(key, { stream: streamID, detail }), { code });
}

// ---------------------------------------------------------------------------
// Subtitles: room messages from the agent

/**
 * The JSON in a room channel message: the agent's {Cmd, SeqId, Data, ...}, or the answer
 * to a control command {Action, Seq, Code, Message, RequestId} (msgType 22); else null.
 */
export function parseRoomMessage(content) {
  try {
    const message = JSON.parse(content?.msgContent);
    if (!message || typeof message !== "object") return null;
    return "Cmd" in message || ("Action" in message && "Seq" in message) ? message : null;
  } catch {
    return null;
  }
}

/**
 * The lines of the conversation, merged by MessageId. The user's text (Cmd 3) is the
 * whole sentence so far, so a newer message replaces it; the agent's text (Cmd 4) comes
 * in chunks, joined in SeqId order.
 */
export class Transcript {
  constructor() {
    this.lines = []; // {id, speaker, text, final}, in order of first appearance
    this.byId = new Map(); // id -> {line, seq, chunks}
  }

  /** Add a Cmd 3 / Cmd 4 room message. */
  addRoomMessage({ Cmd, SeqId = 0, Data = {} }) {
    const speaker = Cmd === CMD.USER_TEXT ? "user" : "agent";
    const id = `${speaker}:${Data.MessageId ?? SeqId}`;
    const entry = this.entry(id, speaker);
    if (speaker === "user") {
      if (SeqId >= entry.seq) {
        entry.seq = SeqId;
        entry.line.text = Data.Text ?? "";
      }
    } else {
      entry.chunks.set(SeqId, Data.Text ?? "");
      const ordered = [...entry.chunks.entries()].sort((a, b) => a[0] - b[0]);
      entry.line.text = ordered.map(([, text]) => text).join("");
    }
    entry.line.final = entry.line.final || Boolean(Data.EndFlag);
  }

  /** Add a whole line (the simulated call's turns). */
  addLine(speaker, text) {
    const entry = this.entry(`${speaker}:line${this.lines.length}`, speaker);
    entry.line.text = text;
    entry.line.final = true;
  }

  entry(id, speaker) {
    if (!this.byId.has(id)) {
      const line = { id, speaker, text: "", final: false };
      this.lines.push(line);
      this.byId.set(id, { line, seq: -Infinity, chunks: new Map() });
      if (this.lines.length > MAX_SUBTITLES) this.byId.delete(this.lines.shift().id);
    }
    return this.byId.get(id);
  }

  /** A plain copy for the model's `subtitles` trait. */
  toJSON() {
    return this.lines.filter((line) => line.text).map((line) => ({ ...line }));
  }
}

// ---------------------------------------------------------------------------
// Talking to the kernel

/**
 * Requests to the kernel (a promise per request, matched by id) and notifications.
 * `onKernelError` receives kernel errors that answer no request (e.g. presence).
 */
export function connectKernel(
  model,
  { onKernelError = () => {}, t = (key, values) => tx(model, key, values) } = {},
) {
  const prefix = Math.random().toString(36).slice(2, 8); // unique across views
  let counter = 0;
  const pending = new Map(); // id -> {resolve, reject, timer}

  function onMessage(message, buffers) {
    const waiting = message?.id != null ? pending.get(message.id) : undefined;
    const error =
      message?.type === "kernel-error"
        ? new CallError(message.kind, message.message, { fromKernel: true })
        : null;
    if (!waiting) {
      if (error && message.id == null) onKernelError(error);
      return;
    }
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (error) waiting.reject(error);
    else waiting.resolve({ ...message, buffers: buffers ?? [] });
  }
  model.on("msg:custom", onMessage);

  return {
    /** Send {type, id, ...fields}; resolves with the kernel's answer. */
    request(type, fields = {}, timeoutMs = TOKEN_TIMEOUT_MS) {
      const id = `${prefix}-${++counter}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          const seconds = timeoutMs / 1000;
          reject(new CallError("kernel", t("kernel_no_answer", { request: type, seconds })));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        model.send({ type, id, ...fields });
      });
    },
    /** Send {type, ...fields}; no answer expected. */
    notify(type, fields = {}) {
      model.send({ type, ...fields });
    },
    close() {
      model.off("msg:custom", onMessage);
      for (const waiting of pending.values()) clearTimeout(waiting.timer);
      pending.clear();
    },
  };
}

/** What a call needs from the widget: the model, the kernel and a place to report. */
function makeHost(model) {
  const host = {
    model,
    /** The widget's words in the learner's language (the `texts` the kernel sent). */
    t: (key, values) => tx(model, key, values),
    setState(state) {
      model.set("state", state);
      model.save_changes();
    },
    clearError() {
      model.set("error", "");
      model.save_changes();
    },
    /** Show an error in words and (unless it came from there) tell the kernel. */
    report(err, fallbackKind = "call") {
      const error =
        err instanceof CallError ? err : new CallError(fallbackKind, errorText(err, host.t));
      model.set("error", error.message);
      model.save_changes();
      if (!error.fromKernel) {
        host.kernel.notify("error", { kind: error.kind, message: error.message, code: error.code });
      }
      return error;
    },
    setSubtitles(transcript) {
      model.set("subtitles", transcript.toJSON());
      model.save_changes();
    },
    /** Which SDK build and version was loaded, for the widget's SDK line and Python. */
    setSdkInfo(info) {
      model.set("sdk_info", info);
      model.save_changes();
    },
    /** A control command's outcome: shown under the buttons and told to the kernel. */
    controlDone(result) {
      model.set("control_status", result.text);
      model.save_changes();
      host.kernel.notify("control-result", result);
    },
  };
  host.kernel = connectKernel(model, { onKernelError: (error) => host.report(error) });
  return host;
}

// ---------------------------------------------------------------------------
// The real call, on ZEGO's Express Web SDK

export class RealCall {
  /** `audioBox` is the element the agent's stream is played in. */
  constructor(model, audioBox, { win = window, importModule } = {}) {
    this.host = makeHost(model);
    this.model = model;
    this.audioBox = audioBox;
    this.win = win;
    this.importModule = importModule;
    this.zg = null; // the engine
    this.localStream = null; // our microphone
    this.playing = new Map(); // streamID -> the view it plays in
    this.loggedIn = false;
    this.publishing = false;
    this.announced = false; // told the kernel we are in the room
    this.joining = false;
    this.attempt = 0; // bumped by cleanUp, so a join in progress knows it was cancelled
    this.transcript = new Transcript();
    this.controls = new Map(); // Seq -> {action, resolve, timer}: commands awaiting an answer
    this.controlCounter = 0;
  }

  get inCall() {
    return this.zg !== null;
  }

  /** Control buttons work once the microphone is published (the agent is in the room). */
  get canControl() {
    return this.publishing;
  }

  async join() {
    if (this.zg || this.joining) return;
    const { host, model } = this;
    // Leave may be pressed while we wait (e.g. for a slow login): then stop at the next step.
    const attempt = this.attempt;
    const live = async (promise) => {
      const value = await promise;
      if (attempt !== this.attempt) throw CANCELLED;
      return value;
    };
    host.clearError();
    this.joining = true;
    try {
      checkSecureContext(this.win, host.t);
      host.setState(STATE.LOADING_SDK);
      const options = { win: this.win, kernel: host.kernel, t: host.t };
      if (this.importModule) options.importModule = this.importModule;
      const { Engine, info } = await live(loadSdk(model.get("sdk_url"), options));
      host.setSdkInfo(info);

      host.setState(STATE.JOINING);
      const { token } = await live(host.kernel.request("get-token"));
      this.createEngine(Engine);
      this.listen();
      // Ask the SDK to deliver room channel messages (subtitles, agent status).
      await live(this.zg.callExperimentalAPI({ method: "onRecvRoomChannelMessage", params: {} }));
      await live(this.login(token));
      await live(this.publishMicrophone());

      this.showRoomState();
      host.kernel.notify("presence", { in_room: true });
      this.announced = true;
    } catch (err) {
      if (err === CANCELLED || attempt !== this.attempt) return; // Leave cleaned up already
      host.report(err);
      await this.cleanUp();
      host.setState(STATE.FAILED);
    } finally {
      this.joining = false;
    }
  }

  /** new ZegoExpressEngine(appID, server): server may be "" since SDK 3.7.0. */
  createEngine(Engine) {
    const appID = this.model.get("app_id");
    const server = this.model.get("server");
    const logs = sdkLogConfig(this.model.get("sdk_debug"));
    // Before the engine exists (SDK 3.7.0+), so that even its first lines follow the config.
    Engine.presetLogConfig?.(logs);
    try {
      this.zg = new Engine(appID, server, { scenario: HIGH_QUALITY_CHATROOM });
    } catch (err) {
      const detail = errorText(err, this.host.t);
      throw new CallError("sdk", this.host.t("engine_failed", { app_id: appID, server, detail }));
    }
    this.zg.setLogConfig(logs);
    this.zg.setDebugVerbose(Boolean(this.model.get("sdk_debug"))); // no alert() pop-ups
  }

  /**
   * Register the SDK events the call reacts to (before login, so none is missed). `on()`
   * returns false for an event name this SDK build does not know: say so, don't go deaf.
   */
  listen() {
    const handlers = {
      // Another user's stream appeared or went away (the agent publishes one).
      roomStreamUpdate: (roomID, updateType, streamList) =>
        this.onStreamUpdate(updateType, streamList),
      // Fired 30 s before the token expires: fetch a new one and renew.
      tokenWillExpire: () => this.renewToken(),
      // Login / reconnect / kick-out.
      roomStateChanged: (roomID, reason, errorCode) => this.onRoomState(reason, errorCode),
      // Publishing failed later on (e.g. the token does not allow this stream id).
      publisherStateUpdate: (result) => this.onPublisherState(result),
      // Room channel messages: subtitles, agent status, answers to control commands.
      recvExperimentalAPI: (result) => this.onExperimental(result),
    };
    for (const [event, handler] of Object.entries(handlers)) {
      if (this.zg.on(event, handler) === false) {
        throw new CallError("sdk", this.host.t("sdk_unknown_event", { event }));
      }
    }
  }

  /** zg.loginRoom(roomID, token, user, config): resolves true once in the room. */
  async login(token) {
    const user = { userID: this.model.get("user_id"), userName: this.model.get("user_name") };
    let ok;
    this.loggedIn = true; // from here on, clean-up logs out (which also cancels a slow login)
    const seconds = Number(this.model.get("join_timeout")) || DEFAULT_JOIN_TIMEOUT_S;
    try {
      const login = this.zg.loginRoom(this.model.get("room_id"), token, user, { userUpdate: true });
      ok = await withTimeout(login, seconds * 1000, () => loginTimeoutError(seconds, this.host.t));
    } catch (err) {
      if (err instanceof CallError) throw err; // timed out: the SDK is still trying, log out
      this.loggedIn = false; // the SDK gave up: nothing to log out of
      throw loginError(err, this.host.t);
    }
    if (ok === false) {
      this.loggedIn = false;
      throw loginError({ msg: "loginRoom returned false" }, this.host.t); // the SDK's words
    }
  }

  /** Open the microphone (audio only) and publish it on the user's stream id. */
  async publishMicrophone() {
    const zg = this.zg;
    let stream;
    try {
      stream = await zg.createZegoStream({ camera: { audio: true, video: false } });
    } catch (err) {
      throw microphoneError(err, this.host.t);
    }
    if (this.zg !== zg) {
      zg.destroyStream(stream); // Leave was pressed while the browser asked for the microphone
      throw CANCELLED;
    }
    this.localStream = stream;
    if (this.model.get("muted")) this.zg.mutePublishStreamAudio(this.localStream, true);
    const streamID = this.model.get("user_stream_id");
    let started;
    try {
      started = this.zg.startPublishingStream(streamID, this.localStream);
    } catch (err) {
      throw publishError(streamID, err, this.host.t);
    }
    if (started === false) throw publishError(streamID, null, this.host.t);
    this.publishing = true;
  }

  /** The agent's stream is `agent_stream_id`, or (if that is empty) any stream but ours. */
  isAgentStream(streamID) {
    const wanted = this.model.get("agent_stream_id");
    return wanted ? streamID === wanted : streamID !== this.model.get("user_stream_id");
  }

  async onStreamUpdate(updateType, streamList) {
    for (const { streamID } of streamList) {
      if (!this.isAgentStream(streamID)) continue;
      if (updateType === "ADD") await this.play(streamID);
      else this.stopPlaying(streamID);
    }
    this.showRoomState();
  }

  /** zg.startPlayingStream gives a MediaStream; a remote view plays it in our element. */
  async play(streamID) {
    if (!this.zg || this.playing.has(streamID)) return;
    try {
      const remote = await this.zg.startPlayingStream(streamID);
      const view = this.zg.createRemoteStreamView(remote);
      // The SDK shows a "click to play" prompt if the browser blocks autoplay.
      view.play(this.audioBox, { enableAutoplayDialog: true });
      this.playing.set(streamID, view);
    } catch (err) {
      const detail = sdkSays(err, this.host.t);
      const message = this.host.t("play_failed", { stream: streamID, detail });
      this.host.report(new CallError("play", message, { code: errorCode(err) }));
    }
  }

  stopPlaying(streamID) {
    if (!this.playing.has(streamID)) return;
    this.playing.get(streamID)?.stop?.();
    this.playing.delete(streamID);
    this.zg.stopPlayingStream(streamID);
  }

  /** The state line while in the room: is the agent here? */
  showRoomState(agentState = STATE.AGENT_JOINED) {
    if (!this.publishing) return; // still joining
    this.host.setState(this.playing.size > 0 ? agentState : STATE.IN_ROOM);
  }

  async renewToken() {
    const t = this.host.t;
    try {
      const { token } = await this.host.kernel.request("renew-token");
      if (this.zg?.renewToken(token) === false) {
        throw new CallError("token", t("token_refused"));
      }
    } catch (err) {
      const error = err instanceof CallError ? err : new CallError("token", errorText(err, t));
      if (!error.fromKernel) error.message = t("token_not_renewed", { detail: error.message });
      this.host.report(error);
    }
  }

  async onRoomState(reason, errorCode) {
    if (reason === "RECONNECTING") this.host.setState(STATE.RECONNECTING);
    if (reason === "RECONNECTED") this.showRoomState();
    if (reason === "KICKOUT" || reason === "RECONNECT_FAILED") {
      const key = reason === "KICKOUT" ? "room_kicked_out" : "room_connection_lost";
      this.host.report(new CallError("room", this.host.t(key, { code: errorCode }), { code: errorCode }));
      await this.leave();
    }
  }

  onPublisherState({ state, errorCode, streamID } = {}) {
    if (state === "NO_PUBLISH" && errorCode) {
      const message = this.host.t("publish_stopped", { stream: streamID, code: errorCode });
      this.host.report(new CallError("publish", message, { code: errorCode }));
    }
  }

  onExperimental({ method, content } = {}) {
    if (method !== "onRecvRoomChannelMessage") return;
    const message = parseRoomMessage(content);
    if (!message) return;
    if (content.msgType === CONTROL_RESPONSE || !("Cmd" in message)) {
      this.onControlAnswer(message);
      return;
    }
    const { Cmd, Data = {} } = message;
    if (Cmd === CMD.USER_TEXT || Cmd === CMD.AGENT_TEXT) {
      this.transcript.addRoomMessage(message);
      this.host.setSubtitles(this.transcript);
    } else if (Cmd === CMD.AGENT_STATUS && Data.Status in AGENT_STATUS_STATE) {
      this.showRoomState(AGENT_STATUS_STATE[Data.Status]);
    } else if (Cmd === CMD.USER_SPEAKING && Data.SpeakStatus in USER_SPEAKING_STATE) {
      const mine = !Data.UserId || Data.UserId === this.model.get("user_id");
      if (mine) this.showRoomState(USER_SPEAKING_STATE[Data.SpeakStatus]);
    } else if (Cmd === CMD.AGENT_SPEAKING) {
      this.showRoomState(Data.SpeakStatus === 1 ? STATE.AGENT_SPEAKING : STATE.AGENT_LISTENING);
    }
  }

  /**
   * Send the agent a control command over room signalling (agent custom control): a room
   * channel message of msgType 20 to the agent's user id, answered by a msgType 22 message
   * with the same Seq. Resolves with the outcome (also shown and told to the kernel).
   */
  async control(action, text = "") {
    const t = this.host.t;
    const agentUserID = this.model.get("agent_user_id");
    let params;
    try {
      params = controlParams(action, text, t);
    } catch (err) {
      return this.finishControl({ action, code: null, text: err.message });
    }
    if (!this.canControl || !agentUserID) {
      const key = agentUserID ? "control_join_first" : "control_no_agent_user_id";
      return this.finishControl({ action, code: null, text: t(key, { action }) });
    }
    this.controlCounter += 1;
    // Seq: user_id:device_id:local_seq, unique in the room (as the page above recommends).
    const seq = `${this.model.get("user_id")}:web_${this.deviceTag()}:${this.controlCounter}`;
    const answer = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.controls.delete(seq);
        resolve({
          action,
          seq,
          code: null,
          text: t("control_no_answer", { action, seconds: CONTROL_TIMEOUT_MS / 1000 }),
        });
      }, CONTROL_TIMEOUT_MS);
      this.controls.set(seq, { action, resolve, timer });
    });
    try {
      await this.zg.callExperimentalAPI({
        method: "sendRoomChannelMessage",
        params: {
          roomID: this.model.get("room_id"),
          msgType: CONTROL_REQUEST,
          msgContent: JSON.stringify({ Action: action, Seq: seq, Params: params }),
          toUserIDList: [agentUserID],
          seq: this.controlCounter,
        },
      });
    } catch (err) {
      clearTimeout(this.controls.get(seq)?.timer);
      this.controls.delete(seq);
      return this.finishControl({
        action,
        seq,
        code: errorCode(err),
        text: t("control_not_sent", { action, detail: sdkSays(err, t) }),
      });
    }
    return this.finishControl(await answer);
  }

  deviceTag() {
    this.device ??= Math.random().toString(36).slice(2, 8);
    return this.device;
  }

  /** A msgType 22 answer {Action, Seq, Code, Message, RequestId}: settle its command. */
  onControlAnswer({ Action, Seq, Code, Message, RequestId }) {
    const waiting = this.controls.get(Seq);
    if (!waiting) return; // not ours, or answered already (only the first answer counts)
    this.controls.delete(Seq);
    clearTimeout(waiting.timer);
    const t = this.host.t;
    const action = Action ?? waiting.action;
    const said =
      Number(Code) === 0
        ? t("control_done", { action })
        : t("control_failed", { action, code: Code, message: Message || t("no_message") });
    waiting.resolve({
      action,
      seq: Seq,
      code: Number(Code),
      request_id: RequestId ?? "",
      text: said + (RequestId ? t("request_id", { request_id: RequestId }) : ""),
    });
  }

  finishControl(result) {
    this.host.controlDone(result);
    return result;
  }

  /** Mute or unmute what we publish (the microphone stays open). */
  setMuted(muted) {
    if (this.zg && this.localStream) this.zg.mutePublishStreamAudio(this.localStream, muted);
  }

  async leave() {
    const wasIn = this.announced;
    await this.cleanUp();
    this.host.setState(STATE.LEFT);
    if (wasIn) this.host.kernel.notify("presence", { in_room: false });
  }

  /** Undo whatever join got to, in reverse order. */
  async cleanUp() {
    this.attempt += 1; // a join still in progress stops at its next step
    for (const [seq, waiting] of this.controls) {
      clearTimeout(waiting.timer);
      const text = this.host.t("control_left", { action: waiting.action });
      waiting.resolve({ action: waiting.action, seq, code: null, text });
    }
    this.controls.clear();
    const zg = this.zg;
    if (!zg) return;
    for (const streamID of [...this.playing.keys()]) {
      await safely("stopPlayingStream", () => this.stopPlaying(streamID));
    }
    if (this.publishing) {
      await safely("stopPublishingStream", () =>
        zg.stopPublishingStream(this.model.get("user_stream_id")),
      );
    }
    // destroyStream stops the microphone's tracks: the browser's "in use" dot goes away.
    if (this.localStream) await safely("destroyStream", () => zg.destroyStream(this.localStream));
    if (this.loggedIn) await safely("logoutRoom", () => zg.logoutRoom(this.model.get("room_id")));
    await safely("destroyEngine", () => zg.destroyEngine());
    this.zg = null;
    this.localStream = null;
    this.loggedIn = this.publishing = this.announced = false;
  }

  close() {
    this.host.kernel.close();
  }
}

// ---------------------------------------------------------------------------
// The simulated call (sandbox mode): no RTC room, no audio sent anywhere

/** Which speech features this browser has: synthesis (speak) and recognition (listen). */
export function speechSupport(win = window) {
  const Recognition = win.SpeechRecognition ?? win.webkitSpeechRecognition ?? null;
  return {
    canSpeak: Boolean(win.speechSynthesis && win.SpeechSynthesisUtterance),
    canListen: Boolean(Recognition),
    Recognition,
  };
}

export class SimulatedCall {
  constructor(model, { win = window } = {}) {
    this.host = makeHost(model);
    this.win = win;
    const { canSpeak, canListen, Recognition } = speechSupport(win);
    this.canSpeak = canSpeak;
    this.canListen = canListen;
    this.Recognition = Recognition;
    this.recognition = null; // the running recognition, if any
    this.joined = false;
    this.transcript = new Transcript();
  }

  get inCall() {
    return this.joined;
  }

  get canControl() {
    return this.joined;
  }

  /**
   * The control buttons in the simulated call: the kernel makes the same server API call
   * on the sandbox (InterruptAgentInstance, SendAgentInstanceTTS, SendAgentInstanceLLM), and
   * what the agent says comes back to be shown and read aloud.
   */
  async control(action, text = "") {
    const t = this.host.t;
    let params;
    try {
      params = controlParams(action, text, t);
    } catch (err) {
      return this.finishControl({ action, code: null, text: err.message });
    }
    if (!this.joined) {
      return this.finishControl({ action, code: null, text: t("control_join_first", { action }) });
    }
    if (action === CONTROL.INTERRUPT && this.canSpeak) this.win.speechSynthesis.cancel();
    if (action === CONTROL.ASK) {
      this.transcript.addLine("user", params.Text);
      this.host.setSubtitles(this.transcript);
      this.host.setState(STATE.AGENT_THINKING);
    }
    try {
      const answer = await this.host.kernel.request(
        "control",
        { action, text: params.Text ?? "" },
        TURN_TIMEOUT_MS,
      );
      if (answer.say) {
        this.transcript.addLine("agent", answer.say);
        this.host.setSubtitles(this.transcript);
        this.speak(answer.say);
      } else if (this.joined) {
        this.host.setState(STATE.SIMULATED);
      }
      const id = answer.request_id ? t("request_id", { request_id: answer.request_id }) : "";
      return this.finishControl({
        action,
        code: 0,
        request_id: answer.request_id ?? "",
        text: t("control_done_by_sandbox", { action }) + id,
      });
    } catch (err) {
      if (this.joined) this.host.setState(STATE.SIMULATED);
      const failed = t("control_failed_in_sandbox", { action, detail: err.message });
      return this.finishControl({ action, code: null, text: failed });
    }
  }

  finishControl(result) {
    this.host.controlDone(result);
    return result;
  }

  /** Tell the kernel the user is "in the room" (the sandbox's idle rule then behaves). */
  join() {
    this.host.clearError();
    this.joined = true;
    this.host.setState(STATE.SIMULATED);
    this.host.kernel.notify("presence", { in_room: true });
  }

  /** Send one turn to the kernel; show and speak the agent's reply. */
  async say(text) {
    const turn = String(text).trim();
    if (!turn || !this.joined) return;
    this.transcript.addLine("user", turn);
    this.host.setSubtitles(this.transcript);
    this.host.setState(STATE.AGENT_THINKING);
    try {
      const reply = await this.host.kernel.request("say", { text: turn }, TURN_TIMEOUT_MS);
      this.transcript.addLine("agent", reply.text);
      this.host.setSubtitles(this.transcript);
      this.speak(reply.text);
    } catch (err) {
      this.host.report(err, "turn");
      if (this.joined) this.host.setState(STATE.SIMULATED);
    }
  }

  /** Read the reply aloud with the browser's speech synthesis, if it has one. */
  speak(text) {
    if (!this.canSpeak || !this.joined) {
      if (this.joined) this.host.setState(STATE.SIMULATED);
      return;
    }
    const utterance = new this.win.SpeechSynthesisUtterance(text);
    utterance.onend = utterance.onerror = () => {
      if (this.joined) this.host.setState(STATE.SIMULATED);
    };
    this.host.setState(STATE.AGENT_SPEAKING);
    this.win.speechSynthesis.speak(utterance);
  }

  /** Take one spoken turn with the browser's speech recognition. */
  listen(onDone = () => {}) {
    if (!this.canListen || !this.joined) return;
    const recognition = new this.Recognition();
    recognition.lang = this.win.navigator.language || "en-US";
    recognition.interimResults = false;
    recognition.onresult = (event) => this.say(event.results[0][0].transcript);
    recognition.onerror = (event) =>
      this.host.report(
        new CallError("speech", this.host.t("speech_failed", { error: event.error })),
      );
    recognition.onend = () => {
      this.recognition = null;
      onDone();
    };
    this.recognition = recognition;
    recognition.start();
  }

  leave() {
    this.recognition?.abort();
    if (this.canSpeak) this.win.speechSynthesis.cancel();
    const wasIn = this.joined;
    this.joined = false;
    this.host.setState(STATE.LEFT);
    if (wasIn) this.host.kernel.notify("presence", { in_room: false });
  }

  close() {
    this.host.kernel.close();
  }
}

// ---------------------------------------------------------------------------
// The view

const STYLE = `
.zego-call { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px;
  color: var(--jp-ui-font-color1, #222); border: 1px solid var(--jp-border-color1, #ccc);
  border-radius: 6px; padding: 10px 12px; max-width: 620px; }
.zego-call [hidden] { display: none !important; }
.zego-call-head { display: flex; gap: 8px; align-items: baseline; margin-bottom: 4px; }
.zego-call-mode, .zego-call-ids { color: var(--jp-ui-font-color2, #666); font-size: 12px; }
.zego-call-note { background: var(--jp-warn-color3, #fff3cd); padding: 6px 8px;
  border-radius: 4px; margin: 6px 0; }
.zego-call-row { display: flex; gap: 6px; align-items: center; margin: 6px 0; flex-wrap: wrap; }
.zego-call button { padding: 3px 12px; cursor: pointer; }
.zego-call-error { color: var(--jp-error-color1, #b00020); margin: 4px 0; }
.zego-call-error:empty { display: none; }
.zego-call-transcript { max-height: 200px; overflow-y: auto; margin: 6px 0; }
.zego-call-transcript:empty { display: none; }
.zego-call-line { margin: 2px 0; }
.zego-call-line.partial { opacity: 0.6; }
.zego-call-who { font-weight: 600; }
.zego-call-typed input { flex: 1; min-width: 200px; padding: 3px 6px; }
.zego-call-audio { display: none; }
.zego-call-sdk:empty { display: none; }
.zego-call-controls { border-top: 1px dashed var(--jp-border-color2, #ddd); padding-top: 6px; }
.zego-call-controls input { flex: 1; min-width: 160px; padding: 3px 6px; }
.zego-call-api { font-family: var(--jp-code-font-family, monospace); font-size: 11px;
  color: var(--jp-ui-font-color2, #666); }
.zego-call-control-status { color: var(--jp-ui-font-color2, #555); font-size: 12px; }
.zego-call-control-status:empty { display: none; }
`;

const TEMPLATE = `
<div class="zego-call-head">
  <strong class="zego-call-title"></strong><span class="zego-call-mode"></span>
</div>
<div class="zego-call-ids"></div>
<div class="zego-call-note" hidden></div>
<div class="zego-call-row">
  <button class="zego-call-join"></button>
  <button class="zego-call-mute"></button>
  <button class="zego-call-leave"></button>
  <span><span class="zego-call-state-label"></span> <b class="zego-call-state"></b></span>
</div>
<div class="zego-call-sdk zego-call-mode"></div>
<div class="zego-call-error" role="alert"></div>
<div class="zego-call-controls" hidden>
  <div class="zego-call-row">
    <button class="zego-call-interrupt"></button>
    <span class="zego-call-api" data-action="InterruptAgentInstance"></span>
  </div>
  <div class="zego-call-row">
    <input class="zego-call-control-text">
  </div>
  <div class="zego-call-row">
    <button class="zego-call-say"></button>
    <span class="zego-call-api" data-action="SendAgentInstanceTTS"></span>
  </div>
  <div class="zego-call-row">
    <button class="zego-call-ask"></button>
    <span class="zego-call-api" data-action="SendAgentInstanceLLM"></span>
  </div>
  <div class="zego-call-control-status" role="status"></div>
</div>
<div class="zego-call-transcript"></div>
<div class="zego-call-row zego-call-typed" hidden>
  <input class="zego-call-input">
  <button class="zego-call-send"></button>
  <button class="zego-call-mic"></button>
  <span class="zego-call-speech-note zego-call-mode"></span>
</div>
<div class="zego-call-audio"></div>
`;

/**
 * Every word the widget shows, in English: the panel, its states, and each error and
 * outcome it puts into words. The kernel sends them in the learner's language in the
 * `texts` trait (call_widget.py, `call_widget_texts`, the same keys: a test keeps the two
 * tables in step); a key it lacks falls back to this English, so the module also works
 * on its own. `{name}` is filled in by `translator`: codes, ids, RequestIds and the SDK's
 * own text go in as values and stay as they are in every language.
 */
export const TEXTS = {
  title: "ZEGO call",
  join: "Join",
  mute: "Mute",
  unmute: "Unmute",
  leave: "Leave",
  state: "State:",
  interrupt: "Interrupt",
  control_text: "Text for the agent",
  say_this: "Say this",
  ask_this: "Ask this",
  typed: "Type what you would say, then Enter",
  send: "Send",
  speak: "Speak",
  listening: "Listening…",
  simulation_note:
    "Simulated call: the sandbox has no RTC room, so nothing goes to ZEGO and no audio " +
    "leaves this browser. Join and Leave tell the sandbox that you entered or left the " +
    "room; type a turn (or speak it, where the browser offers speech recognition) and " +
    "the agent's reply is read aloud by the browser.",
  mode_sandbox: "simulated call (sandbox)",
  mode_real: "real RTC room",
  ids: "room {room} · you: {user} (stream {stream})",
  you: "You: ",
  agent: "Agent: ",
  server_api: "server API: {action}",
  same_from_python: "The same from Python: {call}",
  no_recognition: "no speech recognition in this browser: type your turns",
  no_synthesis: "no speech synthesis: replies are shown, not spoken",
  separator: "; ",
  state_ready: "ready",
  state_loading_SDK: "loading SDK",
  state_joining: "joining",
  state_in_the_room: "in the room",
  state_agent_joined: "agent joined",
  state_agent_listening: "agent listening",
  state_agent_thinking: "agent thinking",
  state_agent_speaking: "agent speaking",
  state_reconnecting: "reconnecting",
  state_in_the_simulated_call: "in the simulated call",
  state_left: "left",
  state_failed: "failed",
  sdk_line: "SDK: {info}",
  unknown_error: "unknown error",
  code_without_message: "code {code}, no message",
  error_without_message: "an error without a message",
  sdk_code_and_text: "code {code}: {detail}",
  no_message: "no message",
  insecure_context:
    "this page ({origin}) is not a secure context, and browsers only give the " +
    "microphone to https:// pages and to http://localhost or 127.0.0.1. Open " +
    "JupyterLab over https, or at http://localhost (an SSH tunnel works), and join " +
    "again.",
  sdk_fix:
    "Run `zego-kit web-sdk bundle` in a terminal (the kernel then serves the SDK " +
    "itself), or set ZEGO_WEB_SDK_URL to a copy that is one ES module; then restart " +
    "the kernel.",
  sdk_none_from_kernel: "the kernel sent no SDK file. {fix}",
  sdk_exports_no_engine: "it exports no ZegoExpressEngine",
  sdk_kernel_copy_failed: "the kit's SDK copy ({description}) did not load: {detail}. {fix}",
  sdk_load_failed: "could not load the ZEGO Web SDK from {url}: {reason}. {fix}",
  sdk_not_a_script_either: "{reason}, and it failed as a plain <script> too",
  sdk_exports_only:
    "not an ES module that exports ZegoExpressEngine: it loaded, but exports only " +
    "{names} and defines no window.ZegoExpressEngine",
  sdk_exports_nothing:
    "not an ES module that exports ZegoExpressEngine: it loaded, but exports " +
    "nothing and defines no window.ZegoExpressEngine",
  sdk_bare_import:
    "dependency imports missing: it imports \"{name}\" by bare name, which a browser " +
    "cannot resolve (it is not a bundle)",
  sdk_unreachable: "unreachable: no answer from {host} (offline? a firewall, proxy or blocker?)",
  sdk_cors:
    "CORS blocked: {origin} answered, but does not allow pages of {page} to load it " +
    "(no Access-Control-Allow-Origin header)",
  sdk_http_error: "HTTP {status}: the server has no SDK file at that address",
  sdk_no_content_type: "no Content-Type",
  sdk_not_javascript:
    "not JavaScript: the server sent it as \"{type}\" (browsers run module scripts " +
    "only when served as JavaScript)",
  sdk_umd:
    "not an ES module: it is a UMD/CommonJS build that require()s {names} " +
    "(dependency imports missing: the npm package's own files are such builds)",
  sdk_commonjs: "not an ES module: it is a CommonJS file (module.exports)",
  sdk_not_a_module: "it is not an ES module ({detail})",
  sdk_failed_while_loading: "it failed while loading: {detail}",
  sdk_info: "ZEGO Express Web SDK {version} ({where})",
  sdk_version_unknown: "version unknown",
  sdk_from_kernel: "{build}, sha256 {sha256}, from the kernel",
  sdk_installed_as: "; installed as {version}",
  sdk_from_url: "from {url}",
  kernel_no_answer:
    "the Python kernel did not answer \"{request}\" within {seconds} s: is it still " +
    "running, or busy with another cell?",
  engine_failed:
    "new ZegoExpressEngine({app_id}, \"{server}\") failed ({detail}): check " +
    "ZEGO_APP_ID (a number) and ZEGO_WEB_SERVER, and join again",
  sdk_unknown_event:
    "this SDK build does not know the event \"{event}\": use the version the kit pins " +
    "(`zego-kit web-sdk bundle`) and join again",
  login_failed_with_code: "login failed with code {code}: {meaning} (SDK: {detail})",
  login_failed: "login failed: {meaning} (SDK: {detail})",
  login_look_up_code: "look the code up in ZEGO's Web SDK error codes ({url}) and join again",
  login_no_answer:
    "ZEGO's servers did not answer within {seconds} s: is this computer online? A " +
    "firewall or proxy may block the SDK's secure WebSocket (wss://) connections to " +
    "ZEGO. Check the network (or try another one) and join again.",
  login_token_expired:
    "the token has expired: make a fresh one (re-run the token cell) and join again",
  login_token_format:
    "the token's format is wrong: it must be a Token04 made with the ServerSecret " +
    "of this AppID, for this user id (zego-kit token --user-id ...); fix it and " +
    "join again",
  login_token_user:
    "the token was made for another user id: make it for this widget's user id and " +
    "join again",
  login_authentication:
    "ZEGO rejected the AppID and token (authentication failed): check ZEGO_APP_ID " +
    "and ZEGO_SERVER_SECRET belong to the same project and join again",
  login_dispatch:
    "ZEGO found no service for this AppID (dispatch failed): check ZEGO_APP_ID (and " +
    "ZEGO_WEB_SERVER, if you set one) and join again",
  login_arguments:
    "the SDK refused loginRoom's arguments (an empty token, or an AppID that is not " +
    "a number): check the token cell ran and ZEGO_APP_ID and join again",
  login_user_id_empty: "the user id is empty: give the widget a user id and join again",
  login_user_id_characters:
    "the user id contains characters ZEGO does not allow (use letters, digits and _ " +
    "- ~ ! @ # $ ^ & * ( ) + = ; , .): change it and join again",
  login_room_id_empty: "the room id is empty: give the widget a room id and join again",
  login_room_id_characters:
    "the room id contains characters ZEGO does not allow (use letters, digits and _ " +
    "- and the like, no spaces): change it and join again",
  login_room_id_too_long:
    "the room id is too long (ZEGO allows fewer than 128 bytes): shorten it and " +
    "join again",
  login_timed_out:
    "login timed out (a firewall or proxy may block ZEGO's servers): check the " +
    "network and join again",
  login_network_down:
    "the network is down and the SDK gave up retrying: check the connection and " +
    "join again",
  login_room_full: "the room is full (a test project allows 50 users per room): use another room",
  login_repeated:
    "this page is already logged in to the room (a repeated login): press Leave, " +
    "then Join",
  login_elsewhere:
    "this user id is already logged in elsewhere (another tab or device): leave the " +
    "call there, or use another user id, and join again",
  microphone_denied:
    "microphone permission denied: allow the microphone for this page (the icon at " +
    "the left of the address bar, or the browser's site settings) and join again " +
    "(SDK: {detail})",
  microphone_missing:
    "no microphone found: connect one (or enable it in the system settings) and " +
    "join again (SDK: {detail})",
  microphone_busy:
    "the microphone is busy or unavailable (another application may be using it): " +
    "close that application and join again (SDK: {detail})",
  microphone_failed:
    "could not open the microphone (SDK: {detail}): check the browser's microphone " +
    "settings and join again",
  sdk_returned_false: "returned false",
  publish_not_logged_in:
    "the SDK refused to publish your microphone on stream \"{stream}\": the SDK is " +
    "not logged in to the room (the login was lost or never finished): join again " +
    "(SDK: {detail})",
  publish_refused:
    "the SDK refused to publish your microphone on stream \"{stream}\": join again; " +
    "if it happens again, check that the token allows publishing this stream id (a " +
    "privilege token lists the stream ids it may publish) (SDK: {detail})",
  publish_stopped: "publishing \"{stream}\" stopped with code {code}",
  play_failed:
    "could not play the agent's stream \"{stream}\" (SDK: {detail}): check that the " +
    "token allows playing streams (a privilege token), then leave and join again",
  token_refused: "the SDK refused the renewed token",
  token_not_renewed: "could not renew the token: {detail}",
  room_kicked_out:
    "ZEGO removed you from the room (the same user id joined elsewhere?) (code " +
    "{code})",
  room_connection_lost: "the connection to ZEGO was lost and could not be restored (code {code})",
  control_unknown_action: "unknown control action \"{action}\"",
  control_no_text: "{action}: type the text for the agent first",
  control_text_too_long:
    "{action}: the text has {count} characters; ZEGO takes at most {max}: shorten " +
    "it",
  control_join_first: "{action}: not sent: join the call first",
  control_no_agent_user_id: "{action}: not sent: the widget has no agent_user_id",
  control_no_answer:
    "{action}: sent, but the agent did not answer within {seconds} s (is the agent " +
    "instance still in this room?)",
  control_not_sent: "{action}: the SDK could not send it ({detail}): try again",
  control_done: "{action}: done",
  control_failed: "{action}: failed with code {code}: {message}",
  request_id: " (RequestId {request_id})",
  control_left: "{action}: no answer (you left the call)",
  control_done_by_sandbox: "{action}: done by the sandbox",
  control_failed_in_sandbox: "{action}: failed: {detail}",
  speech_failed: "speech recognition failed ({error}): type your turn instead",
};

/** The text for `key` in the learner's language, with each `{name}` replaced by `values[name]`. */
export function tx(model, key, values = {}) {
  return translator(model.get("texts") || {})(key, values);
}

/** The state line in the learner's language; `widget.state` itself stays the English value. */
function stateText(model, state) {
  const key = `state_${String(state).replace(/ /g, "_")}`;
  const text = tx(model, key);
  return text === key ? String(state) : text; // no words for it: the state as it is
}

function addStyle(doc) {
  if (doc.getElementById("zego-call-style")) return;
  const style = doc.createElement("style");
  style.id = "zego-call-style";
  style.textContent = STYLE;
  doc.head.appendChild(style);
}

/** Build the DOM in `el`; returns the elements the code updates. */
function buildView(el, model) {
  addStyle(el.ownerDocument);
  el.classList.add("zego-call");
  el.innerHTML = TEMPLATE; // static markup; everything dynamic goes in via textContent
  const $ = (name) => el.querySelector(`.zego-call-${name}`);
  // The static words, in the learner's language (textContent: never parsed as HTML); the
  // markup holds none, so there is one English copy (TEXTS). Mute and Speak change with
  // the call: refresh() words them.
  for (const [name, key] of [
    ["title", "title"], ["join", "join"], ["leave", "leave"], ["state-label", "state"],
    ["interrupt", "interrupt"], ["say", "say_this"], ["ask", "ask_this"], ["send", "send"],
  ]) {
    $(name).textContent = tx(model, key);
  }
  $("control-text").placeholder = tx(model, "control_text");
  $("input").placeholder = tx(model, "typed");
  const view = {
    join: $("join"),
    mute: $("mute"),
    leave: $("leave"),
    state: $("state"),
    error: $("error"),
    transcript: $("transcript"),
    typed: $("typed"),
    input: $("input"),
    send: $("send"),
    mic: $("mic"),
    speechNote: $("speech-note"),
    note: $("note"),
    audio: $("audio"),
    sdk: $("sdk"),
    controls: $("controls"),
    interrupt: $("interrupt"),
    controlText: $("control-text"),
    sayThis: $("say"),
    askThis: $("ask"),
    controlStatus: $("control-status"),
  };
  // Beside each button: the server API call that does the same.
  for (const api of el.querySelectorAll(".zego-call-api")) {
    const action = api.dataset.action;
    api.textContent = tx(model, "server_api", { action });
    api.title = tx(model, "same_from_python", { call: SERVER_EQUIVALENT[action] });
  }
  const sandbox = model.get("mode") === "sandbox";
  $("mode").textContent = tx(model, sandbox ? "mode_sandbox" : "mode_real");
  $("ids").textContent = tx(model, "ids", {
    room: model.get("room_id"),
    user: model.get("user_id"),
    stream: model.get("user_stream_id"),
  });
  if (sandbox) {
    view.note.hidden = false;
    view.note.textContent = tx(model, "simulation_note");
    view.typed.hidden = false;
    view.mute.hidden = true;
  }
  return view;
}

function showTranscript(view, lines, model) {
  const who = { user: tx(model, "you"), agent: tx(model, "agent") };
  view.transcript.replaceChildren(
    ...lines.map((line) => {
      const row = make("div", `zego-call-line${line.final ? "" : " partial"}`);
      row.append(
        make("span", "zego-call-who", line.speaker === "user" ? who.user : who.agent),
        line.text,
      );
      return row;
    }),
  );
  view.transcript.scrollTop = view.transcript.scrollHeight;
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------
// anywidget entry point

// The call joined from this page for each model (a model may have several views).
const liveCalls = new WeakMap();

/** Render the widget into `el`. Returns a clean-up function that leaves the call. */
function render({ model, el: root }, { win = window, importModule } = {}) {
  const view = buildView(root, model);
  const sandbox = model.get("mode") === "sandbox";
  let owned = null; // the call this view started

  // After a page reload the kernel still says "in the room", but no call is live here.
  if (!liveCalls.has(model) && !IDLE_STATES.has(model.get("state"))) {
    model.set("state", STATE.READY);
    model.save_changes();
  }

  function newCall() {
    return sandbox
      ? new SimulatedCall(model, { win })
      : new RealCall(model, view.audio, { win, importModule });
  }

  function refresh() {
    const state = model.get("state");
    const call = liveCalls.get(model);
    const inCall = Boolean(call?.inCall) && !BUSY_STATES.has(state);
    const joining = Boolean(call) && BUSY_STATES.has(state);
    view.state.textContent = stateText(model, state);
    view.error.textContent = model.get("error");
    view.join.disabled = !IDLE_STATES.has(state) || Boolean(call?.inCall);
    view.leave.disabled = !(inCall || joining); // Leave also cancels a join in progress
    view.mute.disabled = !inCall;
    view.mute.textContent = tx(model, model.get("muted") ? "unmute" : "mute");
    view.send.disabled = view.input.disabled = !inCall;
    const listening = Boolean(call?.recognition);
    view.mic.disabled = !inCall || listening;
    view.mic.textContent = tx(model, listening ? "listening" : "speak");
    const canControl = inCall && Boolean(call?.canControl);
    view.controls.hidden = !canControl;
    const info = model.get("sdk_info");
    view.sdk.textContent = sandbox || !info ? "" : tx(model, "sdk_line", { info });
    view.controlStatus.textContent = model.get("control_status");
  }

  if (sandbox) {
    const { canListen, canSpeak } = speechSupport(win);
    view.mic.hidden = !canListen;
    const notes = [];
    if (!canListen) notes.push(tx(model, "no_recognition"));
    if (!canSpeak) notes.push(tx(model, "no_synthesis"));
    view.speechNote.textContent = notes.join(tx(model, "separator"));
  }

  async function join() {
    let call = liveCalls.get(model);
    if (!call) {
      call = owned = newCall();
      liveCalls.set(model, call);
    }
    await call.join();
    if (!call.inCall) forget(call);
    refresh();
  }

  async function leave() {
    const call = liveCalls.get(model);
    if (!call) return;
    await call.leave();
    forget(call);
    refresh();
  }

  function forget(call) {
    call.close();
    if (liveCalls.get(model) === call) liveCalls.delete(model);
    if (owned === call) owned = null;
  }

  function sendTyped() {
    const text = view.input.value;
    view.input.value = "";
    liveCalls.get(model)?.say(text);
  }

  view.join.addEventListener("click", join);
  view.leave.addEventListener("click", leave);
  view.mute.addEventListener("click", () => {
    model.set("muted", !model.get("muted"));
    model.save_changes();
  });
  view.send.addEventListener("click", sendTyped);
  view.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") sendTyped();
  });
  view.mic.addEventListener("click", () => {
    liveCalls.get(model)?.listen(refresh);
    refresh();
  });
  const control = (action, withText) => () => {
    const text = withText ? view.controlText.value : "";
    liveCalls.get(model)?.control(action, text);
  };
  view.interrupt.addEventListener("click", control(CONTROL.INTERRUPT, false));
  view.sayThis.addEventListener("click", control(CONTROL.SAY, true));
  view.askThis.addEventListener("click", control(CONTROL.ASK, true));

  const onMuted = () => {
    liveCalls.get(model)?.setMuted?.(model.get("muted"));
    refresh();
  };
  const onSubtitles = () => showTranscript(view, model.get("subtitles"), model);
  model.on("change:state", refresh);
  model.on("change:error", refresh);
  model.on("change:sdk_info", refresh);
  model.on("change:control_status", refresh);
  model.on("change:muted", onMuted);
  model.on("change:subtitles", onSubtitles);
  onSubtitles();
  refresh();

  // Called when the output is cleared or the cell re-run: never leave a microphone open.
  return () => {
    model.off("change:state", refresh);
    model.off("change:error", refresh);
    model.off("change:sdk_info", refresh);
    model.off("change:control_status", refresh);
    model.off("change:muted", onMuted);
    model.off("change:subtitles", onSubtitles);
    if (owned) {
      const call = owned;
      Promise.resolve(call.leave()).finally(() => forget(call));
    }
  };
}

// anywidget loads the default export (it deprecates a named `render` export).
export default { render };
