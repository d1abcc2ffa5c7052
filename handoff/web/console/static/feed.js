// The notifications column: pushes from the staff socket, newest first.

import { api } from "./api.js";
import { $, clear, el, emit, on, timeElement } from "./dom.js";
import { t, word } from "./i18n.js";
import { state } from "./state.js";

const FEED_LIMIT = 100;
// Ids on the list: the sign-in catch-up and the socket may both bring the same notification.
const shown = new Set();

export function addToFeed(frame) {
  if (frame.id) {
    if (shown.has(frame.id)) return;
    shown.add(frame.id);
  }
  const data = frame.data || {};
  const item = el("li", { cls: "feed-item", attrs: { "data-type": frame.type } });
  item.dataset.kind = /breach|major|spike_warning/.test(frame.type) ? "alert" : "info";
  const label = t(`feed.${frame.type}`);
  item.append(el("strong", { text: label === `feed.${frame.type}` ? word("event", frame.type) : label }));
  if (data.number) {
    const open = el("button", { text: data.number, cls: "link", attrs: { type: "button" } });
    open.addEventListener("click", () => emit("open-ticket", data.number));
    item.append(" ", open);
  }
  const details = [];
  if (data.reason) details.push(word("reason", data.reason));
  if (data.department) details.push(word("department", data.department));
  if (data.dimension) details.push(`${word("dimension", data.dimension)}: ${data.value}`);
  if (data.assignee) details.push(t("feed.agent", { name: data.assignee }));
  if (details.length) item.append(el("span", { cls: "muted", text: ` · ${details.join(" · ")}` }));
  item.append(el("br"), timeElement(frame.at));
  const list = $("feed-list");
  list.prepend(item);
  while (list.children.length > FEED_LIMIT) list.lastElementChild.remove();
}

export function clearFeed() {
  shown.clear();
  clear($("feed-list"));
}

function lastSeenKey() {
  return `complaint-desk.feed.${state.me ? state.me.name : ""}`;
}

function remember(id) {
  if (!state.me || !id) return;
  const last = Number(localStorage.getItem(lastSeenKey()) || 0);
  if (id > last) localStorage.setItem(lastSeenKey(), String(id));
}

/** On sign-in: what happened for this member since their last visit, under a marker. */
export async function catchUp() {
  const after = localStorage.getItem(lastSeenKey()) || "";
  let answer;
  try {
    answer = await api(`/api/v1/notifications?${new URLSearchParams({ after, limit: "100" })}`);
  } catch {
    return;
  }
  const frames = answer.notifications;
  if (frames.length) {
    $("feed-list").append(el("li", {
      cls: "feed-marker",
      attrs: { "data-count": String(frames.length) },
      text: t("feed.since_last", { n: frames.length }),
    }));
  }
  // Oldest first from the server; each is prepended, so the newest ends on top.
  for (const frame of frames) addToFeed(frame);
  remember(answer.newest);
}

on("notification", (frame) => {
  addToFeed(frame);
  remember(frame.id);
});
