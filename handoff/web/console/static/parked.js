// Messages the pipeline gave up on (poison messages): shown to staff above the notifications,
// each with why it failed; a supervisor puts one back in the pipeline with Retry.

import { api } from "./api.js";
import { $, clear, el, on, timeElement } from "./dom.js";
import { t, word } from "./i18n.js";
import { isSupervisor, state } from "./state.js";

const REFRESH_MS = 60_000;
let timer = null;
let shown = null; // the last answer, drawn again when the language changes

function item(message) {
  const sender = message.sender.name || message.sender.id || "–";
  const why = message.notes.length ? message.notes[message.notes.length - 1] : "";
  const row = el("li", { cls: "parked-item", attrs: { "data-id": String(message.id) } }, [
    el("strong", { text: `#${message.id} · ${word("channel", message.channel)}` }),
    " ",
    timeElement(message.received_at),
    el("span", { cls: "muted", text: ` · ${t("parked.from", { sender })}` }),
    el("p", { cls: "message-text", text: message.preview }),
    el("p", { cls: "muted note", text: `${t("parked.attempts", { n: message.attempts })}: ${why}` }),
  ]);
  if (isSupervisor()) {
    const retry = el("button", { text: t("parked.retry"), attrs: { type: "button", "data-retry": String(message.id) } });
    retry.addEventListener("click", () => retryMessage(message.id, retry));
    row.append(retry);
  }
  return row;
}

function render() {
  const list = clear($("parked-list"));
  const messages = shown ? shown.messages : [];
  $("parked-count").textContent = shown ? String(shown.total) : "";
  $("parked").hidden = !messages.length && !$("parked-status").textContent;
  if (!messages.length) list.append(el("li", { cls: "muted", text: t("parked.none") }));
  for (const message of messages) list.append(item(message));
}

export async function loadParked() {
  clearTimeout(timer);
  if (!state.me) return;
  try {
    shown = await api("/api/v1/messages/parked?limit=50");
  } catch (error) {
    $("parked-status").textContent = t("parked.failed", { why: error.message });
  }
  render();
  timer = setTimeout(loadParked, REFRESH_MS);
}

async function retryMessage(id, button) {
  button.disabled = true;
  $("parked-status").textContent = "";
  try {
    await api(`/api/v1/messages/${id}/retry`, { method: "POST" });
    $("parked-status").textContent = t("parked.retried", { id });
  } catch (error) {
    $("parked-status").textContent = error.message;
    button.disabled = false;
    return;
  }
  await loadParked();
}

export function clearParked() {
  clearTimeout(timer);
  shown = null;
  $("parked-status").textContent = "";
  render();
}

on("language-changed", () => state.me && render());
