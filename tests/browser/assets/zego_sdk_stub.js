// A stand-in for zego-express-engine-webrtc, served from the widget's configurable sdk_url.
//
// It records every call with its arguments in window.__zegoCalls, lets the test fire SDK
// events (window.__zegoStub.fire(name, ...args)) and behaves like the real SDK where the
// widget depends on it: loginRoom rejects with {code, msg}, createZegoStream really calls
// getUserMedia and turns its failures into the SDK's error objects, destroyStream stops
// the microphone's tracks. Set window.__zegoStubConfig = {loginError: {code, msg}} to make
// loginRoom fail, or {loginHangs: true} to make it never finish.

const calls = (window.__zegoCalls = window.__zegoCalls || []);
const stub = (window.__zegoStub = window.__zegoStub || {
  engine: null,
  localStream: null,
  fire(event, ...args) {
    for (const handler of this.engine?.handlers[event] ?? []) handler(...args);
  },
});

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
  constructor(...args) {
    record("constructor", args);
    this.handlers = {};
    stub.engine = this;
  }

  on(event, handler) {
    record("on", [event]);
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
    const { loginError, loginHangs } = window.__zegoStubConfig || {};
    if (loginError) throw loginError;
    if (loginHangs) return new Promise(() => {}); // like a login that keeps retrying
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
      // What the real SDK rejects with (codes from its bundle).
      if (err.name === "NotAllowedError" || err.name === "SecurityError") {
        throw { code: 1103064, name: err.name, message: `${err.name}: get device not allowed` };
      }
      throw { code: 1103061, message: `get media fail ${err.name} ${err.message}` };
    }
    stub.localStream = { __stubName: "localStream", media };
    return stub.localStream;
  }

  startPublishingStream(...args) {
    record("startPublishingStream", args);
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
    return true;
  }

  destroyStream(...args) {
    record("destroyStream", args);
    for (const track of args[0]?.media?.getTracks() ?? []) track.stop();
  }

  logoutRoom(...args) {
    record("logoutRoom", args);
  }

  destroyEngine(...args) {
    record("destroyEngine", args);
  }
}
