// The trainer's dashboard of a room sandbox (served by zego_helpers/sandbox/dashboard.py).
//
// It asks GET api/status?after=<version> in a loop: the sandbox answers as soon as the
// room changed (or after 25 s), so the page is live without hammering the sandbox.
// The trainer token comes from the link the sandbox printed (#token=..., a fragment the
// browser never sends anywhere), is kept in this tab's sessionStorage and sent as
// "Authorization: Bearer <token>". Every text attendees control (names, ids, error
// messages) goes into the page through textContent, never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "zego-room-trainer-token";
  const RETRY_MS = 2000;
  let token = null;
  let version = -1;
  let generation = 0; // one live loop at a time: a new start() ends the old loop

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clock(ms) {
    return ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : "";
  }

  function plural(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  function readToken() {
    const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname + location.search); // out of sight
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      cache: "no-store",
      headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` },
    });
    let data;
    try {
      data = await response.json();
    } catch (_) {
      data = { Error: `HTTP ${response.status}` };
    }
    if (!response.ok) {
      const error = new Error(data.Error || `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function setConnection(kind, text) {
    const node = $("connection");
    node.className = `connection ${kind}`;
    node.textContent = text;
  }

  function askForToken(problem) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("room").hidden = true;
    $("token-form").hidden = false;
    $("token-problem").textContent = problem || "";
    setConnection("trouble", "no trainer token");
  }

  // --- rendering ------------------------------------------------------------------------

  function renderHead(steps) {
    const head = $("head");
    head.replaceChildren(el("th", "", "Attendee"));
    for (const step of steps) head.append(el("th", "", step.Label));
    head.append(el("th", "", "Live instances"), el("th", "", "Last error"), el("th", "", ""));
  }

  function attendeeCell(row) {
    const cell = el("td", "attendee");
    if (row.Name) cell.append(el("span", "name", row.Name));
    if (row.Namespace) cell.append(el("span", "prefix", `${row.Namespace}_`));
    else cell.append(el("span", "name none", "(no attendee name)"));
    return cell;
  }

  function stepCell(row, step) {
    const at = row.Steps[step.Key];
    const cell = el("td", `step ${at ? "done" : "todo"}`, at ? "done" : "not yet");
    cell.dataset.step = step.Key;
    cell.title = `${step.Label}: ${at ? `first done at ${clock(at)}` : "not yet"}`;
    if (at) cell.append(el("span", "time", clock(at)));
    return cell;
  }

  function instancesCell(row) {
    const cell = el("td", "live");
    cell.dataset.count = row.Instances.length;
    if (!row.Instances.length) {
      cell.append(el("span", "none", "none"));
      return cell;
    }
    const list = el("ul", "instances");
    for (const instance of row.Instances) {
      const item = el("li");
      item.append(el("span", "status", instance.Status), el("span", "id", instance.AgentInstanceId));
      item.title = `room ${instance.RoomId}, agent ${instance.AgentId}`;
      list.append(item);
    }
    cell.append(list);
    return cell;
  }

  function errorCell(error) {
    const cell = el("td", "last-error");
    if (!error) {
      cell.append(el("span", "none", "none"));
      return cell;
    }
    cell.append(el("span", "error-code", `${error.Code} ${error.Meaning}`));
    cell.append(el("span", "error-message", `${error.Action}: ${error.Message}`));
    cell.append(el("span", "time", clock(error.At)));
    return cell;
  }

  function cleanupButton(row) {
    const cell = el("td");
    const button = el("button", "cleanup", "Clean up");
    const who = row.Name || row.Namespace || "attendees without a name";
    button.title = `Delete ${who}'s instances and unregister their agents`;
    button.addEventListener("click", () =>
      cleanUp({ Namespace: row.Namespace }, who, row.Instances.length, row.Agents.length, button),
    );
    cell.append(button);
    return cell;
  }

  function render(snapshot) {
    renderHead(snapshot.Steps);
    const room = snapshot.Room;
    $("summary").textContent = [
      `AppID ${snapshot.AppId}`,
      plural(room.Attendees, "attendee"),
      plural(room.Instances, "live instance"),
      plural(room.Agents, "agent"),
      plural(room.Collisions, "id collision"),
    ].join(" \u00b7 ");
    const body = $("attendees").tBodies[0];
    body.replaceChildren(
      ...snapshot.Attendees.map((row) => {
        const tr = el("tr");
        tr.dataset.namespace = row.Namespace;
        tr.append(attendeeCell(row));
        for (const step of snapshot.Steps) tr.append(stepCell(row, step));
        tr.append(instancesCell(row), errorCell(row.LastError), cleanupButton(row));
        return tr;
      }),
    );
    $("empty").hidden = snapshot.Attendees.length > 0;

    const stray = room.UnattributedInstances.length + room.UnattributedAgents.length;
    $("unattributed").hidden = !room.UnattributedErrors && !stray;
    const last = room.LastUnattributedError;
    $("unattributed-text").textContent =
      `${plural(room.UnattributedErrors, "error")} nobody could be named for` +
      (last ? ` (last: ${last.Code} ${last.Meaning}, ${last.Action}: ${last.Message})` : "") +
      `; ${plural(room.UnattributedInstances.length, "instance")} and ` +
      `${plural(room.UnattributedAgents.length, "agent")} with hand-picked ids.`;

    const log = snapshot.TrainerLog.map((line) => el("li", "", `${clock(line.At)} ${line.Text}`));
    $("log").replaceChildren(...(log.length ? log : [el("li", "none", "no clean-up yet")]));
    $("token-form").hidden = true;
    $("room").hidden = false;
    setConnection("live", `live, updated ${clock(snapshot.Now)}`);
  }

  // --- actions --------------------------------------------------------------------------

  async function cleanUp(scope, who, instances, agents, button) {
    const what = `${plural(instances, "live instance")} and ${plural(agents, "agent")}`;
    if (!window.confirm(`Clean up ${who}: delete ${what}?`)) return;
    button.disabled = true;
    try {
      const done = await api("api/cleanup", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...scope, Instances: true, Agents: true }),
      });
      setConnection(
        "live",
        `cleaned up ${who}: ${plural(done.Deleted.length, "instance")} deleted, ` +
          `${plural(done.Unregistered.length, "agent")} unregistered`,
      );
    } catch (error) {
      if (error.status === 401) askForToken(error.message);
      else setConnection("trouble", `clean-up failed: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  // --- the live loop --------------------------------------------------------------------

  async function follow() {
    const mine = ++generation;
    while (mine === generation) {
      try {
        const snapshot = await api(`api/status?after=${version}`);
        if (mine !== generation) return;
        version = snapshot.Version;
        render(snapshot);
      } catch (error) {
        if (error.status === 401) {
          askForToken(error.message);
          return;
        }
        setConnection("trouble", `reconnecting: ${error.message}`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  function start() {
    token = readToken();
    if (!token) {
      askForToken("");
      return;
    }
    version = -1;
    follow();
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = $("token").value.trim();
    if (!typed) return;
    sessionStorage.setItem(TOKEN_KEY, typed);
    $("token").value = "";
    start();
  });
  $("cleanup-all").addEventListener("click", (event) => {
    const rows = $("attendees").tBodies[0].rows.length;
    cleanUp({ All: true }, `everyone (${plural(rows, "attendee")})`, "all", "all", event.target);
  });
  start();
})();
