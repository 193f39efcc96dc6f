// Test page for the call widget: renders the real ES module with a fake anywidget model.
//
// The model behaves like anywidget's: get/set/on/off/send/save_changes. Messages the
// widget sends go to window.__toKernel and saved changes to window.__syncToKernel, when
// the test exposes them (it bridges them to a real Python CallWidget). The test delivers
// the kernel's messages with window.__fromKernel(content, buffers) and its trait changes with
// window.__stateFromKernel(changes).
import widget from "/widget/call_widget.js";

window.__sent = [];

class FakeModel {
  constructor(state) {
    this.state = { ...state };
    this.dirty = {};
    this.listeners = new Map();
  }

  get(name) {
    return this.state[name];
  }

  set(name, value) {
    const changed = JSON.stringify(this.state[name]) !== JSON.stringify(value);
    this.state[name] = value;
    this.dirty[name] = value;
    if (changed) this.emit(`change:${name}`);
  }

  on(event, callback) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(callback);
  }

  off(event, callback) {
    this.listeners.get(event)?.delete(callback);
  }

  emit(event, ...args) {
    for (const callback of [...(this.listeners.get(event) ?? [])]) callback(...args);
  }

  send(content) {
    const copy = JSON.parse(JSON.stringify(content));
    window.__sent.push(copy);
    window.__toKernel?.(copy);
  }

  save_changes() {
    const changes = this.dirty;
    this.dirty = {};
    if (Object.keys(changes).length) window.__syncToKernel?.(JSON.parse(JSON.stringify(changes)));
  }
}

window.__startWidget = (state) => {
  const model = new FakeModel(state);
  window.__model = model;
  window.__cleanup = widget.render({ model, el: document.getElementById("widget") });
};

/** A kernel message; binary buffers arrive base64-encoded and are passed on as DataViews. */
window.__fromKernel = (content, buffers64 = []) => {
  const buffers = buffers64.map((text) => {
    const bytes = Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
    return new DataView(bytes.buffer);
  });
  window.__model.emit("msg:custom", content, buffers);
};

window.__stateFromKernel = (changes) => {
  for (const [name, value] of Object.entries(changes)) {
    const changed = JSON.stringify(window.__model.state[name]) !== JSON.stringify(value);
    window.__model.state[name] = value;
    if (changed) window.__model.emit(`change:${name}`);
  }
};

window.__harnessReady = true;
