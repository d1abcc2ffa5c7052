// The queue: what is due first on top, with who complained, where, in which language, what
// they said last and how long is left; filters, a search, and unread markers.

import { api } from "./api.js";
import { $, badge, clear, el, emit, on, timeElement } from "./dom.js";
import { t, word } from "./i18n.js";
import { OPEN_STATUSES, serverNow, state } from "./state.js";

let refreshTimer = null;
let searchTimer = null;
let tickets = [];

// ------------------------------------------------------------------ unread markers

function seenKey() {
  return `complaint-desk.seen.${state.me ? state.me.name : ""}`;
}

function seenMap() {
  try {
    return JSON.parse(localStorage.getItem(seenKey()) || "{}");
  } catch {
    return {};
  }
}

/** Marks the ticket's newest customer message as read by this staff member here. */
export function markSeen(number, lastMessageAt) {
  if (!lastMessageAt) return;
  const seen = seenMap();
  seen[number] = lastMessageAt;
  localStorage.setItem(seenKey(), JSON.stringify(seen));
  const item = document.querySelector(`#ticket-list [data-number="${CSS.escape(number)}"]`);
  if (item) item.dataset.unread = "false";
}

function isUnread(ticket, seen) {
  if (!ticket.last_message_at) return false;
  const last = seen[ticket.number];
  return !last || Date.parse(ticket.last_message_at) > Date.parse(last);
}

// ------------------------------------------------------------------ countdown

/** "3 h 20 min left" or "overdue 15 min", from ms to the deadline. */
export function countdownText(ms) {
  const minutes = Math.round(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const span = days
    ? t("time.dh", { d: days, h: hours })
    : hours
      ? t("time.hm", { h: hours, m: rest })
      : t("time.m", { m: rest });
  return ms >= 0 ? t("due.left", { span }) : t("due.overdue", { span });
}

export function tickCountdowns() {
  const now = serverNow();
  for (const node of document.querySelectorAll("[data-due]")) {
    const ms = Date.parse(node.dataset.due) - now;
    node.textContent = countdownText(ms);
    node.dataset.overdue = String(ms < 0);
  }
}

function countdown(iso) {
  if (!iso) return null;
  return el("span", { cls: "countdown", attrs: { "data-due": iso } });
}

// ------------------------------------------------------------------ loading

export function setFilter(filter) {
  state.filter = filter;
  for (const button of document.querySelectorAll(".filter")) {
    button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
  }
  refresh();
}

export function setSearch(text) {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.search = text.trim();
    refresh();
  }, 200);
}

export function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

async function fetchTickets(query) {
  const params = new URLSearchParams({ limit: "200", sort: "due", ...query });
  if (state.search) params.set("q", state.search);
  const answer = await api(`/api/v1/tickets?${params}`);
  if (answer.now) state.clockOffset = Date.parse(answer.now) - Date.now();
  return answer.tickets;
}

const byDue = (a, b) =>
  (a.next_due ? Date.parse(a.next_due) : Infinity) - (b.next_due ? Date.parse(b.next_due) : Infinity);

export async function refresh() {
  if (!state.me) return;
  const filter = state.filter;
  const search = state.search;
  let found;
  try {
    if (filter === "mine") {
      found = await fetchTickets({ assignee: state.me.name });
    } else if (filter === "unassigned") {
      found = (await fetchTickets({ assignee: "none" })).filter((x) => OPEN_STATUSES.has(x.status));
    } else if (filter === "escalated") {
      found = (await fetchTickets({ escalation: "breached,at_risk" }))
        .filter((x) => OPEN_STATUSES.has(x.status))
        .sort(byDue);
    } else {
      found = await fetchTickets({});
    }
  } catch (error) {
    $("queue-status").textContent = t("queue.failed", { why: error.message });
    return;
  }
  if (filter !== state.filter || search !== state.search) return; // a newer choice is loading
  tickets = found;
  render();
}

// ------------------------------------------------------------------ rendering

function escalationBadge(level) {
  if (level === "breached") return badge(t("escalation.breached"), "breached");
  if (level === "at_risk") return badge(t("escalation.at_risk"), "at-risk");
  return null;
}

export { escalationBadge };

function card(ticket, seen) {
  const open = OPEN_STATUSES.has(ticket.status);
  const unread = isUnread(ticket, seen);
  const button = el("button", {
    cls: "ticket-item",
    attrs: {
      type: "button",
      "data-number": ticket.number,
      "data-unread": String(unread),
      "data-severity": ticket.severity,
    },
  });
  if (state.current && state.current.number === ticket.number) {
    button.setAttribute("aria-current", "true");
  }
  button.append(
    el("span", { cls: "ticket-line" }, [
      el("span", { cls: "unread-dot", attrs: { "aria-label": t("queue.unread"), role: "img" } }),
      el("strong", { cls: "customer-name", text: ticket.customer_name || t("customer.unknown") }),
      el("span", { cls: "ticket-number", text: ticket.number }),
    ]),
    el("span", { cls: "badges" }, [
      badge(word("status", ticket.status), `status-${ticket.status}`),
      ticket.severity !== "general"
        ? badge(word("severity", ticket.severity), `severity-${ticket.severity}`)
        : null,
      open ? escalationBadge(ticket.escalation) : null,
      open ? countdown(ticket.next_due) : null,
    ]),
    el("span", { cls: "preview", text: ticket.preview || "" }),
    el("span", { cls: "muted" }, [
      `${word("channel", ticket.channel)} · ${ticket.language || "–"} · ` +
        `${word("category", ticket.category)} · ${ticket.assignee || t("queue.unassigned")} · `,
      timeElement(ticket.last_message_at || ticket.created_at),
    ]),
  );
  button.addEventListener("click", () => emit("open-ticket", ticket.number));
  return el("li", {}, [button]);
}

function render() {
  const list = clear($("ticket-list"));
  const seen = seenMap();
  $("queue-status").textContent = tickets.length
    ? t("queue.count", { n: tickets.length })
    : t("queue.empty");
  for (const ticket of tickets) list.append(card(ticket, seen));
  tickCountdowns();
}

export function reset() {
  tickets = [];
  clear($("ticket-list"));
}

on("queue-changed", scheduleRefresh);
on("language-changed", () => state.me && render());
setInterval(tickCountdowns, 15_000);
