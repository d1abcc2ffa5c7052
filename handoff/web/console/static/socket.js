// The staff websocket: pushes for this member (assignments, escalations, spikes), signed in
// by the session cookie. Reconnects with backoff; after a gap the queue catches up.

import { $, emit, on } from "./dom.js";
import { t } from "./i18n.js";

let socket = null;
let reconnectDelay = 1000;
let reconnectTimer = null;
let wanted = false;

function setConnection(status) {
  const badge = $("connection");
  badge.dataset.state = status;
  badge.textContent = t(`connection.${status}`);
}

on("language-changed", () => setConnection($("connection").dataset.state));

/** Opens the socket; resolves with the hello frame, rejects if none comes. */
export function connect() {
  wanted = true;
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const opened = new WebSocket(`${scheme}//${location.host}/ws/staff`);
    socket = opened;
    setConnection("connecting");
    let greeted = false;
    const timer = setTimeout(() => {
      if (!greeted) {
        reject(new Error(t("connection.noanswer")));
        opened.close();
      }
    }, 8000);
    opened.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // "pong" and anything else that is not JSON
      }
      if (frame.type === "hello") {
        greeted = true;
        clearTimeout(timer);
        reconnectDelay = 1000;
        setConnection("live");
        resolve(frame);
        return;
      }
      emit("notification", frame);
    });
    opened.addEventListener("close", () => {
      clearTimeout(timer);
      if (!greeted) reject(new Error(t("connection.refused")));
      if (socket !== opened) return; // signed out, or replaced
      setConnection("offline");
      if (wanted) scheduleReconnect();
    });
  });
}

function scheduleReconnect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(async () => {
    if (!wanted) return;
    try {
      await connect();
      emit("queue-changed"); // catch up on what happened while away
    } catch {
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
      scheduleReconnect();
    }
  }, reconnectDelay);
}

export function disconnect() {
  wanted = false;
  clearTimeout(reconnectTimer);
  if (socket) {
    const closing = socket;
    socket = null;
    closing.close();
  }
  setConnection("offline");
}
