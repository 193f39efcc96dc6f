// A stand-in for zego-express-engine-webrtc, served from the widget's configurable sdk_url.
//
// It records every call with its arguments in window.__zegoCalls, lets the test fire SDK
// events (window.__zegoStub.fire(name, ...args)) and behaves like the real SDK (3.11.0,
// observed in Chromium by tests/browser/test_call_widget_real_sdk.py, which also checks
// that every method here exists on the real engine):
//   - rejections are plain objects, not Errors: loginRoom {code, msg}; createZegoStream
//     {errorCode, extendedData}; startPlayingStream {code, message, errorCode, extendedData}
//   - startPublishingStream THROWS {errorCode: 1000002, extendedData} before login
//   - on() returns false for an event name the SDK does not know
//   - renewToken() returns false before login
//   - destroyEngine() a second time throws an Error
//   - loginRoom checks its arguments like the SDK (empty token: 1100001; room id with a
//     space: 1002012), and can stay pending, as it does offline (it stays pending even
//     after logoutRoom)
// Set window.__zegoStubConfig = {loginError: {code, msg}} to make loginRoom fail,
// {loginHangs: true} to make it never finish, {playError: {...}} to make playing fail,
// {forgetEvents: [names]} to play an SDK build that does not know those events.

const calls = (window.__zegoCalls = window.__zegoCalls || []);
const stub = (window.__zegoStub = window.__zegoStub || {
  engine: null,
  localStream: null,
  fire(event, ...args) {
    for (const handler of this.engine?.handlers[event] ?? []) handler(...args);
  },
});

/** The event names the widget may use; the real SDK knows these (and many more). */
const EVENTS = new Set([
  "roomStreamUpdate",
  "tokenWillExpire",
  "roomStateChanged",
  "roomStateUpdate",
  "publisherStateUpdate",
  "playerStateUpdate",
  "recvExperimentalAPI",
  "roomUserUpdate",
  "IMRecvCustomCommand",
]);
const ROOM_ID = /^[A-Za-z0-9~!@#$%^&*()_+=\-,;'.<>/]{1,127}$/;

/** Objects are recorded by name (streams, views, elements) so the test can compare JSON. */
function describe(value) {
  if (value && value.__stubName) return value.__stubName;
  if (typeof HTMLElement !== "undefined" && value instanceof HTMLElement) {
    return `<${value.tagName.toLowerCase()} class="${value.className}">`;
  }
  return value;
}

function record(method, args) {
  calls.push({ method, args: JSON.parse(JSON.stringify(args.map(describe))) });
}

export class ZegoExpressEngine {
  static version = "stub";

  static presetLogConfig(...args) {
    record("presetLogConfig", args);
    return true;
  }

  constructor(...args) {
    record("constructor", args);
    this.handlers = {};
    this.loggedIn = false;
    this.destroyed = false;
    stub.engine = this;
  }

  getVersion() {
    return ZegoExpressEngine.version;
  }

  setLogConfig(...args) {
    record("setLogConfig", args);
    return true;
  }

  setDebugVerbose(...args) {
    record("setDebugVerbose", args);
  }

  on(event, handler) {
    record("on", [event]);
    const forgotten = window.__zegoStubConfig?.forgetEvents ?? [];
    if (!EVENTS.has(event) || forgotten.includes(event)) return false;
    (this.handlers[event] = this.handlers[event] || []).push(handler);
    return true;
  }

  off(event) {
    record("off", [event]);
    delete this.handlers[event];
    return true;
  }

  async callExperimentalAPI(...args) {
    record("callExperimentalAPI", args);
    return { errorCode: 0, extendedData: "" };
  }

  async loginRoom(...args) {
    record("loginRoom", args);
    const [roomID, token] = args;
    if (!token) throw { code: 1100001, msg: "input parm error." };
    if (!ROOM_ID.test(roomID)) throw { code: 1002012, msg: "room ID contains illegal characters" };
    const { loginError, loginHangs } = window.__zegoStubConfig || {};
    if (loginError) throw loginError;
    if (loginHangs) return new Promise(() => {}); // like a login that keeps retrying
    this.loggedIn = true;
    return true;
  }

  async createZegoStream(...args) {
    record("createZegoStream", args);
    const { camera } = args[0];
    let media;
    try {
      media = await navigator.mediaDevices.getUserMedia({
        audio: camera.audio,
        video: camera.video,
      });
    } catch (err) {
      // What the real SDK rejects with (codes from its bundle, shapes as observed).
      if (err.name === "NotAllowedError" || err.name === "SecurityError") {
        throw { errorCode: 1103064, extendedData: `get device not allowed ${err.name} ${err.message}` };
      }
      throw { errorCode: 1103061, extendedData: `get media fail ${err.name} ${err.message}` };
    }
    stub.localStream = { __stubName: "localStream", media };
    return stub.localStream;
  }

  startPublishingStream(...args) {
    record("startPublishingStream", args);
    if (!this.loggedIn) throw { errorCode: 1000002, extendedData: "" };
    return true;
  }

  stopPublishingStream(...args) {
    record("stopPublishingStream", args);
    return true;
  }

  mutePublishStreamAudio(...args) {
    record("mutePublishStreamAudio", args);
    return true;
  }

  async startPlayingStream(...args) {
    record("startPlayingStream", args);
    const { playError } = window.__zegoStubConfig || {};
    if (playError) throw playError;
    const remote = new MediaStream();
    remote.__stubName = `remote:${args[0]}`;
    return remote;
  }

  createRemoteStreamView(...args) {
    record("createRemoteStreamView", args);
    const name = `view:${describe(args[0])}`;
    return {
      __stubName: name,
      play: (...playArgs) => record("view.play", playArgs),
      stop: () => record("view.stop", [name]),
    };
  }

  stopPlayingStream(...args) {
    record("stopPlayingStream", args);
  }

  renewToken(...args) {
    record("renewToken", args);
    return this.loggedIn;
  }

  destroyStream(...args) {
    record("destroyStream", args);
    for (const track of args[0]?.media?.getTracks() ?? []) track.stop();
  }

  logoutRoom(...args) {
    record("logoutRoom", args);
    this.loggedIn = false;
  }

  destroyEngine(...args) {
    record("destroyEngine", args);
    if (this.destroyed) throw new Error("ZegoExpressEngine has been destroyed.");
    this.destroyed = true;
  }
}
