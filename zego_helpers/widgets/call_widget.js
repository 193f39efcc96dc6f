// call_widget.js: the browser half of zego_helpers.widgets.CallWidget (an anywidget ES module).
//
// Real mode: what "Join" does, one function below per step.
//   1. checkSecureContext()  browsers give the microphone only to https:// pages and localhost
//   2. loadSdk(sdk_url)      load ZEGO's Express Web SDK (an ES module, or a script that
//                            defines window.ZegoExpressEngine)
//   3. ask the kernel for a token ("get-token"); Python mints a Token04 for this user
//   4. new ZegoExpressEngine(appID, server, {scenario})   one engine per call
//   5. zg.on(...)            room streams, token expiry, room state, room messages (subtitles)
//   6. zg.loginRoom(roomID, token, {userID, userName}, {userUpdate: true})
//   7. zg.createZegoStream({camera: {audio: true, video: false}})   opens the microphone
//   8. zg.startPublishingStream(userStreamID, stream)                the agent hears you
//   9. the agent publishes; "roomStreamUpdate" ADD -> startPlayingStream + play the view
// "Leave" undoes all of it in reverse and releases the microphone.
//
// Sandbox mode has no RTC room: SimulatedCall tells the kernel you joined or left, sends
// typed (or spoken) turns to the kernel and reads the agent's replies aloud.
//
// Messages to and from the kernel are listed in call_widget.py. The token is passed
// straight to loginRoom / renewToken and never stored, shown or reported.

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
/** How long to wait for the kernel: a token is quick, an agent's reply may take a while. */
const TOKEN_TIMEOUT_MS = 30000;
/** Offline, the SDK retries its login for minutes; give up sooner and say why. */
const LOGIN_TIMEOUT_MS = 30000;
const TURN_TIMEOUT_MS = 180000;
/** Keep the transcript short: the last N lines. */
const MAX_SUBTITLES = 50;

/** Room message commands sent by the agent (see the reference, section 9). */
const CMD = { USER_SPEAKING: 1, AGENT_SPEAKING: 2, USER_TEXT: 3, AGENT_TEXT: 4, AGENT_STATUS: 6 };
const AGENT_STATUS_STATE = {
  0: STATE.AGENT_JOINED, // idle
  1: STATE.AGENT_LISTENING,
  2: STATE.AGENT_THINKING,
  3: STATE.AGENT_SPEAKING,
};

/** Login error codes of the Web SDK, in words. Others are shown with the SDK's own text. */
export const LOGIN_ERRORS = {
  1002078: "the token has expired: make a fresh one (re-run the token cell) and join again",
  1102018: "the token has expired: make a fresh one (re-run the token cell) and join again",
  1102016:
    "the token was rejected: it must be made with the ServerSecret of this AppID, " +
    "for this user id",
  1002077: "the token was made for another user id: it must be the userID passed to loginRoom",
  1102020: "ZEGO rejected the AppID and token: check ZEGO_APP_ID and ZEGO_SERVER_SECRET",
  1102017:
    "ZEGO found no service for this AppID (dispatch error): check ZEGO_APP_ID and the " +
    "server address",
  1100001:
    "the SDK rejected an argument: the AppID must be a number and the ids may use only " +
    "letters, digits, _ and -",
  1002031: "login timed out: a firewall or proxy may block ZEGO's servers",
  1002053: "the network is down",
  1002034: "the room is full",
  1002056: "this user id is already in the room (another tab?)",
};

// ---------------------------------------------------------------------------
// Small helpers

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

function errorText(err) {
  if (err == null) return "unknown error";
  if (typeof err === "string") return err;
  return [err.name, err.msg ?? err.message].filter(Boolean).join(": ") || String(err);
}

function errorCode(err) {
  const code = Number(err?.code ?? err?.errorCode);
  return Number.isFinite(code) && code !== 0 ? code : null;
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

// ---------------------------------------------------------------------------
// Step 1: the microphone needs a secure context

/** Throws a CallError unless the page may use getUserMedia (https:// or localhost). */
export function checkSecureContext(win = window) {
  if (win.isSecureContext) return;
  throw new CallError(
    "insecure-context",
    `this page (${win.location.origin}) is not a secure context, and browsers only give the ` +
      "microphone to https:// pages and to http://localhost or 127.0.0.1. Open JupyterLab " +
      "over https, or at http://localhost (an SSH tunnel works), and join again.",
  );
}

// ---------------------------------------------------------------------------
// Step 2: load the SDK

const sdkCache = new Map(); // url -> Promise of the ZegoExpressEngine class

/**
 * Load ZegoExpressEngine from `url`: first as an ES module (`import()`), and if that
 * fails, as a classic <script> that defines `window.ZegoExpressEngine`.
 */
export function loadSdk(url, { win = window, importModule = (u) => import(u) } = {}) {
  const absolute = new URL(url, win.document.baseURI).href;
  if (!sdkCache.has(absolute)) {
    const loading = loadSdkOnce(absolute, win, importModule);
    loading.catch(() => sdkCache.delete(absolute)); // let a later Join try again
    sdkCache.set(absolute, loading);
  }
  return sdkCache.get(absolute);
}

async function loadSdkOnce(url, win, importModule) {
  let namespace = null;
  try {
    namespace = await importModule(url);
  } catch (importError) {
    console.info(
      "zego call widget: import() failed, trying a <script> tag:",
      errorText(importError),
    );
    try {
      await loadScript(url, win.document);
    } catch {
      throw new CallError(
        "sdk-load",
        `could not load the ZEGO Web SDK from ${url}: offline? blocked CDN? ` +
          "Set ZEGO_WEB_SDK_URL to a copy you can reach and restart the kernel.",
      );
    }
  }
  // An ES module exports the class; a bundled CommonJS module puts it on `default`;
  // a classic script (or a UMD bundle) sets a global.
  const Engine =
    namespace?.ZegoExpressEngine ?? namespace?.default?.ZegoExpressEngine ?? win.ZegoExpressEngine;
  if (typeof Engine !== "function") {
    throw new CallError(
      "sdk-load",
      `${url} loaded, but it provides no ZegoExpressEngine: point ZEGO_WEB_SDK_URL at a ` +
        "build of zego-express-engine-webrtc.",
    );
  }
  return Engine;
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

/** A loginRoom rejection ({code, msg}) as a CallError that names the likely cause. */
export function loginError(err) {
  const code = errorCode(err);
  const meaning = code != null ? LOGIN_ERRORS[code] : undefined;
  const prefix = code != null ? `login failed with code ${code}` : "login failed";
  return new CallError(
    "login",
    `${prefix}: ${meaning ?? "see ZEGO's error code list"} (SDK: ${errorText(err)})`,
    { code },
  );
}

function loginTimeoutError() {
  return new CallError(
    "login",
    `ZEGO's servers did not answer within ${LOGIN_TIMEOUT_MS / 1000} s: is this computer ` +
      "online? A firewall or proxy may block the SDK's secure WebSocket (wss://) connections.",
  );
}

/** A createZegoStream rejection (a getUserMedia failure) as a CallError. */
export function microphoneError(err) {
  const code = errorCode(err);
  const text = errorText(err);
  if (code === 1103064 || /NotAllowedError|SecurityError|PermissionDenied/.test(text)) {
    return new CallError(
      "microphone-denied",
      "microphone permission denied: allow the microphone for this page (the icon at the " +
        "left of the address bar, or the browser's site settings) and join again",
      { code },
    );
  }
  if (/NotFoundError|DevicesNotFound/.test(text)) {
    return new CallError(
      "no-microphone",
      "no microphone found: connect one (or enable it in the system settings) and join again",
      { code },
    );
  }
  if (code === 1103065 || /NotReadableError/.test(text)) {
    return new CallError(
      "microphone",
      "the microphone is busy or unavailable (another application may be using it)",
      { code },
    );
  }
  return new CallError("microphone", `could not open the microphone: ${text}`, { code });
}

// ---------------------------------------------------------------------------
// Subtitles: room messages from the agent

/** The JSON of a room channel message ({Cmd, SeqId, Data, ...}), or null. */
export function parseRoomMessage(content) {
  try {
    const message = JSON.parse(content?.msgContent);
    return message && typeof message === "object" && "Cmd" in message ? message : null;
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
export function connectKernel(model, { onKernelError = () => {} } = {}) {
  const prefix = Math.random().toString(36).slice(2, 8); // unique across views
  let counter = 0;
  const pending = new Map(); // id -> {resolve, reject, timer}

  function onMessage(message) {
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
    else waiting.resolve(message);
  }
  model.on("msg:custom", onMessage);

  return {
    /** Send {type, id, ...fields}; resolves with the kernel's answer. */
    request(type, fields = {}, timeoutMs = TOKEN_TIMEOUT_MS) {
      const id = `${prefix}-${++counter}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(
            new CallError(
              "kernel",
              `the Python kernel did not answer "${type}" within ${timeoutMs / 1000} s: ` +
                "is it still running, or busy with another cell?",
            ),
          );
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
      const error = err instanceof CallError ? err : new CallError(fallbackKind, errorText(err));
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
  }

  get inCall() {
    return this.zg !== null;
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
      checkSecureContext(this.win);
      host.setState(STATE.LOADING_SDK);
      const options = { win: this.win };
      if (this.importModule) options.importModule = this.importModule;
      const Engine = await live(loadSdk(model.get("sdk_url"), options));

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
    try {
      this.zg = new Engine(appID, server, { scenario: HIGH_QUALITY_CHATROOM });
    } catch (err) {
      throw new CallError(
        "sdk",
        `new ZegoExpressEngine(${appID}, "${server}") failed: ${errorText(err)}`,
      );
    }
  }

  /** Register the SDK events the call reacts to (before login, so none is missed). */
  listen() {
    const zg = this.zg;
    // Another user's stream appeared or went away (the agent publishes one).
    zg.on("roomStreamUpdate", (roomID, updateType, streamList) =>
      this.onStreamUpdate(updateType, streamList),
    );
    // Fired 30 s before the token expires: fetch a new one and renew.
    zg.on("tokenWillExpire", () => this.renewToken());
    // Login / reconnect / kick-out.
    zg.on("roomStateChanged", (roomID, reason, errorCode) => this.onRoomState(reason, errorCode));
    // Publishing failed later on (e.g. the token does not allow this stream id).
    zg.on("publisherStateUpdate", (result) => this.onPublisherState(result));
    // Room channel messages: subtitles and agent status.
    zg.on("recvExperimentalAPI", (result) => this.onExperimental(result));
  }

  /** zg.loginRoom(roomID, token, user, config): resolves true once in the room. */
  async login(token) {
    const user = { userID: this.model.get("user_id"), userName: this.model.get("user_name") };
    let ok;
    this.loggedIn = true; // from here on, clean-up logs out (which also cancels a slow login)
    try {
      const login = this.zg.loginRoom(this.model.get("room_id"), token, user, { userUpdate: true });
      ok = await withTimeout(login, LOGIN_TIMEOUT_MS, loginTimeoutError);
    } catch (err) {
      if (err instanceof CallError) throw err; // timed out: the SDK is still trying, log out
      this.loggedIn = false; // the SDK gave up: nothing to log out of
      throw loginError(err);
    }
    if (ok === false) {
      this.loggedIn = false;
      throw loginError({ msg: "loginRoom returned false" });
    }
  }

  /** Open the microphone (audio only) and publish it on the user's stream id. */
  async publishMicrophone() {
    const zg = this.zg;
    let stream;
    try {
      stream = await zg.createZegoStream({ camera: { audio: true, video: false } });
    } catch (err) {
      throw microphoneError(err);
    }
    if (this.zg !== zg) {
      zg.destroyStream(stream); // Leave was pressed while the browser asked for the microphone
      throw CANCELLED;
    }
    this.localStream = stream;
    if (this.model.get("muted")) this.zg.mutePublishStreamAudio(this.localStream, true);
    const streamID = this.model.get("user_stream_id");
    if (this.zg.startPublishingStream(streamID, this.localStream) === false) {
      throw new CallError("publish", `the SDK refused to publish on stream "${streamID}"`);
    }
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
      this.host.report(
        new CallError("play", `could not play the agent's stream "${streamID}": ${errorText(err)}`),
      );
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
    try {
      const { token } = await this.host.kernel.request("renew-token");
      if (this.zg?.renewToken(token) === false) {
        throw new CallError("token", "the SDK refused the renewed token");
      }
    } catch (err) {
      const error = err instanceof CallError ? err : new CallError("token", errorText(err));
      if (!error.fromKernel) error.message = `could not renew the token: ${error.message}`;
      this.host.report(error);
    }
  }

  async onRoomState(reason, errorCode) {
    if (reason === "RECONNECTING") this.host.setState(STATE.RECONNECTING);
    if (reason === "RECONNECTED") this.showRoomState();
    if (reason === "KICKOUT" || reason === "RECONNECT_FAILED") {
      const why =
        reason === "KICKOUT"
          ? "ZEGO removed you from the room (the same user id joined elsewhere?)"
          : "the connection to ZEGO was lost and could not be restored";
      this.host.report(new CallError("room", `${why} (code ${errorCode})`, { code: errorCode }));
      await this.leave();
    }
  }

  onPublisherState({ state, errorCode, streamID } = {}) {
    if (state === "NO_PUBLISH" && errorCode) {
      this.host.report(
        new CallError("publish", `publishing "${streamID}" stopped with code ${errorCode}`, {
          code: errorCode,
        }),
      );
    }
  }

  onExperimental({ method, content } = {}) {
    if (method !== "onRecvRoomChannelMessage") return;
    const message = parseRoomMessage(content);
    if (!message) return;
    const { Cmd, Data = {} } = message;
    if (Cmd === CMD.USER_TEXT || Cmd === CMD.AGENT_TEXT) {
      this.transcript.addRoomMessage(message);
      this.host.setSubtitles(this.transcript);
    } else if (Cmd === CMD.AGENT_STATUS && Data.Status in AGENT_STATUS_STATE) {
      this.showRoomState(AGENT_STATUS_STATE[Data.Status]);
    } else if (Cmd === CMD.AGENT_SPEAKING) {
      this.showRoomState(Data.SpeakStatus === 1 ? STATE.AGENT_SPEAKING : STATE.AGENT_LISTENING);
    }
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
        new CallError(
          "speech",
          `speech recognition failed (${event.error}): type your turn instead`,
        ),
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
`;

const TEMPLATE = `
<div class="zego-call-head">
  <strong>ZEGO call</strong><span class="zego-call-mode"></span>
</div>
<div class="zego-call-ids"></div>
<div class="zego-call-note" hidden></div>
<div class="zego-call-row">
  <button class="zego-call-join">Join</button>
  <button class="zego-call-mute">Mute</button>
  <button class="zego-call-leave">Leave</button>
  <span>State: <b class="zego-call-state"></b></span>
</div>
<div class="zego-call-error" role="alert"></div>
<div class="zego-call-transcript"></div>
<div class="zego-call-row zego-call-typed" hidden>
  <input class="zego-call-input" placeholder="Type what you would say, then Enter">
  <button class="zego-call-send">Send</button>
  <button class="zego-call-mic">Speak</button>
  <span class="zego-call-speech-note zego-call-mode"></span>
</div>
<div class="zego-call-audio"></div>
`;

export const SIMULATION_NOTE =
  "Simulated call: the sandbox has no RTC room, so nothing goes to ZEGO and no audio " +
  "leaves this browser. Join and Leave tell the sandbox that you entered or left the " +
  "room; type a turn (or speak it, where the browser offers speech recognition) and " +
  "the agent's reply is read aloud by the browser.";

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
  };
  const sandbox = model.get("mode") === "sandbox";
  $("mode").textContent = sandbox ? "simulated call (sandbox)" : "real RTC room";
  $("ids").textContent =
    `room ${model.get("room_id")} · you: ${model.get("user_id")} ` +
    `(stream ${model.get("user_stream_id")})`;
  if (sandbox) {
    view.note.hidden = false;
    view.note.textContent = SIMULATION_NOTE;
    view.typed.hidden = false;
    view.mute.hidden = true;
  }
  return view;
}

function showTranscript(view, lines) {
  view.transcript.replaceChildren(
    ...lines.map((line) => {
      const row = make("div", `zego-call-line${line.final ? "" : " partial"}`);
      row.append(
        make("span", "zego-call-who", line.speaker === "user" ? "You: " : "Agent: "),
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
    view.state.textContent = state;
    view.error.textContent = model.get("error");
    view.join.disabled = !IDLE_STATES.has(state) || Boolean(call?.inCall);
    view.leave.disabled = !(inCall || joining); // Leave also cancels a join in progress
    view.mute.disabled = !inCall;
    view.mute.textContent = model.get("muted") ? "Unmute" : "Mute";
    view.send.disabled = view.input.disabled = !inCall;
    const listening = Boolean(call?.recognition);
    view.mic.disabled = !inCall || listening;
    view.mic.textContent = listening ? "Listening…" : "Speak";
  }

  if (sandbox) {
    const { canListen, canSpeak } = speechSupport(win);
    view.mic.hidden = !canListen;
    const notes = [];
    if (!canListen) notes.push("no speech recognition in this browser: type your turns");
    if (!canSpeak) notes.push("no speech synthesis: replies are shown, not spoken");
    view.speechNote.textContent = notes.join("; ");
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

  const onMuted = () => {
    liveCalls.get(model)?.setMuted?.(model.get("muted"));
    refresh();
  };
  const onSubtitles = () => showTranscript(view, model.get("subtitles"));
  model.on("change:state", refresh);
  model.on("change:error", refresh);
  model.on("change:muted", onMuted);
  model.on("change:subtitles", onSubtitles);
  onSubtitles();
  refresh();

  // Called when the output is cleared or the cell re-run: never leave a microphone open.
  return () => {
    model.off("change:state", refresh);
    model.off("change:error", refresh);
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
