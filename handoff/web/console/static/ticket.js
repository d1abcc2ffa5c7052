// The open ticket: who and what, deadlines, the thread with a truthful delivery state, the
// lifecycle's allowed next steps only, takeover only on live chats, the ledger in words.

import { api } from "./api.js";
import { attachmentList } from "./attachments.js";
import { $, badge, clear, el, emit, on, timeElement } from "./dom.js";
import { t, word } from "./i18n.js";
import { escalationBadge, markSeen } from "./queue.js";
import { OPEN_STATUSES, state } from "./state.js";

const STATUS_ACTIONS = ["in_progress", "waiting_customer", "resolved", "closed", "reopened"];

export async function openTicket(number) {
  $("action-error").textContent = "";
  try {
    showTicket(await api(`/api/v1/tickets/${encodeURIComponent(number)}`));
  } catch (error) {
    $("action-error").textContent = t("ticket.failed", { number, why: error.message });
  }
}

export function showTicket(ticket) {
  const keepDraft = state.current && ticket && state.current.number === ticket.number;
  state.current = ticket;
  $("ticket-empty").hidden = Boolean(ticket);
  $("ticket-body").hidden = !ticket;
  for (const item of document.querySelectorAll(".ticket-item")) {
    if (ticket && item.dataset.number === ticket.number) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
  if (!ticket) return;
  if (!keepDraft) $("reply-text").value = "";
  const inbound = (ticket.messages || []).filter((m) => m.direction === "in");
  if (inbound.length) markSeen(ticket.number, inbound[inbound.length - 1].created_at);

  $("ticket-number").textContent = ticket.number;
  const badges = clear($("ticket-badges"));
  badges.append(badge(word("status", ticket.status), `status-${ticket.status}`));
  if (ticket.severity && ticket.severity !== "general") {
    badges.append(badge(word("severity", ticket.severity), `severity-${ticket.severity}`));
  }
  const level = OPEN_STATUSES.has(ticket.status) ? escalationBadge(ticket.escalation) : null;
  if (level) badges.append(level);
  if (ticket.live_chat) {
    badges.append(
      badge(ticket.handled_by === "agent" ? t("handler.agent") : t("handler.bot"), "handler"),
    );
  }

  const customer = ticket.customer || {};
  const contact = [customer.email, customer.phone].filter(Boolean).join(" · ");
  fillMeta($("ticket-meta"), [
    ["meta.customer", [customer.name || t("customer.unknown"), contact].filter(Boolean).join(" — ")],
    ["meta.category", word("category", ticket.category)],
    ["meta.urgency", word("urgency", ticket.urgency)],
    ["meta.channel", word("channel", ticket.channel)],
    ["meta.language", ticket.language],
    ["meta.department", word("department", ticket.department)],
    ["meta.assignee", ticket.assignee || t("queue.unassigned")],
    ["meta.created", timeElement(ticket.created_at)],
  ]);
  renderDeadlines(ticket);
  renderActions(ticket);
  renderThread(ticket.messages || [], ticket.events || []);
  renderLedger(ticket.events || []);
  renderEarlier(customer.earlier_tickets || []);
  watchDelivery(ticket);
  emit("ticket-shown", ticket);
}

let deliveryTimer = null;

/** While a reply is queued or sending, look again shortly: the badge follows the outbox. */
function watchDelivery(ticket) {
  clearTimeout(deliveryTimer);
  const moving = (ticket.messages || []).some((m) => ["pending", "sending"].includes(m.delivery));
  if (!moving) return;
  deliveryTimer = setTimeout(() => {
    if (state.current && state.current.number === ticket.number) openTicket(ticket.number);
  }, 1500);
}

function fillMeta(list, rows) {
  clear(list);
  for (const [key, value] of rows) {
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value ?? "–";
    list.append(el("dt", { text: t(key) }), dd);
  }
}

function renderDeadlines(ticket) {
  const level = OPEN_STATUSES.has(ticket.status) ? ticket.escalation : null;
  const firstResponse = el("span", {}, [timeElement(ticket.first_response_due)]);
  if (ticket.first_responded_at) {
    firstResponse.append(" ", badge(t("ticket.answered"), "ok"), " ",
      timeElement(ticket.first_responded_at));
  } else if (level) {
    firstResponse.append(" ", escalationBadge(level));
  }
  const resolution = el("span", {}, [timeElement(ticket.resolution_due)]);
  if (ticket.resolved_at) {
    resolution.append(" ", badge(t("ticket.resolved"), "ok"), " ", timeElement(ticket.resolved_at));
  } else if (level) {
    resolution.append(" ", escalationBadge(level));
  }
  fillMeta($("deadlines"), [
    ["deadline.first_response", firstResponse],
    ["deadline.resolution", resolution],
  ]);
}

function renderActions(ticket) {
  const allowed = new Set(ticket.allowed_statuses || []);
  const box = clear($("status-buttons"));
  for (const status of STATUS_ACTIONS) {
    const button = el("button", {
      text: t(`action.${status}`),
      attrs: { type: "button", "data-status": status },
    });
    // Only what the lifecycle allows from here; the reason is on the button for the curious.
    button.disabled = !allowed.has(status);
    if (button.disabled) {
      button.title = t("action.not_allowed", {
        status: word("status", ticket.status), target: word("status", status),
      });
    }
    button.addEventListener("click", () => changeStatus(ticket.number, status, button));
    box.append(button);
  }
  const handler = $("handler-button");
  handler.hidden = !ticket.live_chat; // nobody to talk to live on email or the API
  const agentHolds = ticket.handled_by === "agent";
  handler.textContent = agentHolds ? t("handler.give") : t("handler.take");
  handler.dataset.target = agentHolds ? "bot" : "agent";
}

function deliveryBadge(message) {
  const status = message.delivery;
  if (!status) return null;
  // A queued reply that has failed before is being retried: say why, as for a failure.
  const retrying = status === "pending" && message.delivery_error;
  const text = status === "failed"
    ? t("delivery.failed", { why: message.delivery_error || "?" })
    : retrying ? t("delivery.retrying", { why: message.delivery_error }) : t(`delivery.${status}`);
  const node = badge(text, `delivery delivery-${status}`);
  node.dataset.delivery = status;
  return node;
}

/** Internal notes shown in the thread where they were written, marked as staff-only. */
function noteItem(event) {
  return el("li", { cls: "message message-note", attrs: { "data-kind": "internal_note" } }, [
    el("div", { cls: "message-head" }, [
      el("strong", { text: event.actor }),
      el("span", { cls: "muted", text: ` · ${t("note.internal")} · ` }),
      timeElement(event.at),
    ]),
    el("p", { cls: "message-text", text: event.data.text }),
  ]);
}

function renderThread(messages, events) {
  const list = clear($("thread"));
  const notes = events.filter((e) => e.type === "internal_note");
  for (const message of messages) {
    while (notes.length && Date.parse(notes[0].at) <= Date.parse(message.created_at)) {
      list.append(noteItem(notes.shift()));
    }
    const incoming = message.direction === "in";
    const who = incoming
      ? t("author.customer")
      : message.author && message.author !== "bot"
        ? `${message.author}${message.kind === "agent_reply" ? "" : ` (${word("kind", message.kind)})`}`
        : `${t("author.bot")} (${word("kind", message.kind || "reply")})`;
    const item = el("li", {
      cls: `message ${incoming ? "message-in" : "message-out"}`,
      attrs: { "data-direction": message.direction, "data-kind": message.kind || "customer" },
    });
    const head = el("div", { cls: "message-head" }, [
      el("strong", { text: who }),
      el("span", { cls: "muted", text: ` · ${word("channel", message.channel)} · ` }),
      timeElement(message.created_at),
    ]);
    const delivery = deliveryBadge(message);
    if (delivery) head.append(" ", delivery);
    item.append(head, el("p", { cls: "message-text", text: message.text ?? "" }));
    const files = attachmentList(message.attachments);
    if (files) item.append(files);
    for (const note of message.notes || []) {
      const text = typeof note === "string" ? note : JSON.stringify(note);
      item.append(el("p", { cls: "muted note", text }));
    }
    list.append(item);
  }
  for (const note of notes) list.append(noteItem(note));
}

/** One ledger event in the member's words. */
export function describeEvent(event) {
  const data = event.data || {};
  const vars = {
    ...data,
    from: data.from ? word("status", data.from) : "",
    to: data.to ? word("status", data.to) : "",
    channel: word("channel", data.channel),
    category: word("category", data.category),
    urgency: word("urgency", data.urgency),
    severity: word("severity", data.severity),
    department: word("department", data.department),
    reason: word("reason", data.reason),
    field: word("field", data.field),
    before: word(data.field, data.from),
    after: word(data.field, data.to),
  };
  switch (event.type) {
    case "assigned":
      return data.to ? t("ledger.assigned", { to: data.to }) : t("ledger.unassigned", { from: data.from });
    case "first_response":
      return t(data.within_deadline === false ? "ledger.first_response_late" : "ledger.first_response");
    default: {
      const text = t(`ledger.${event.type}`, vars);
      return text === `ledger.${event.type}` ? word("event", event.type) : text;
    }
  }
}

function actorWords(actor) {
  if (!actor || actor === "system") return t("actor.system");
  if (actor === "customer") return t("actor.customer");
  return actor;
}

function renderLedger(events) {
  const list = clear($("ledger"));
  for (const event of events) {
    list.append(
      el("li", { attrs: { "data-type": event.type } }, [
        timeElement(event.at),
        " ",
        el("strong", { cls: "event-text", text: describeEvent(event) }),
        el("span", { cls: "muted", text: ` ${t("ledger.by", { actor: actorWords(event.actor) })}` }),
      ]),
    );
  }
}

function renderEarlier(tickets) {
  const list = clear($("earlier"));
  if (!tickets.length) {
    list.append(el("li", { cls: "muted", text: t("ticket.none") }));
    return;
  }
  for (const ticket of tickets) {
    const open = el("button", { cls: "link", text: ticket.number, attrs: { type: "button" } });
    open.addEventListener("click", () => openTicket(ticket.number));
    list.append(
      el("li", {}, [
        open,
        el("span", {
          cls: "muted",
          text: ` ${word("status", ticket.status)} · ${word("category", ticket.category)} · ` +
            `${word("channel", ticket.channel)} · `,
        }),
        timeElement(ticket.created_at),
      ]),
    );
  }
}

/** POSTs a step on the open ticket; shows the refusal, gives back the answer or null. */
export async function act(path, body, pending, headers = {}) {
  const number = state.current.number;
  $("action-error").textContent = "";
  pending.disabled = true;
  try {
    return await api(`/api/v1/tickets/${encodeURIComponent(number)}/${path}`, {
      method: "POST", body, headers,
    });
  } catch (error) {
    $("action-error").textContent = error.message;
    return null;
  } finally {
    pending.disabled = false;
  }
}

async function changeStatus(number, status, button) {
  const ticket = await act("status", { status }, button);
  if (ticket && state.current && state.current.number === number) showTicket(ticket);
  emit("queue-changed");
}

async function toggleHandler() {
  const button = $("handler-button");
  const ticket = await act("handler", { handled_by: button.dataset.target }, button);
  if (ticket) showTicket(ticket);
}

async function sendReply(event) {
  event.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text) return;
  const number = state.current.number;
  const sent = await act("replies", { text }, $("reply-send"), {
    "Idempotency-Key": crypto.randomUUID(),
  });
  if (!sent) return;
  $("reply-text").value = "";
  await openTicket(number);
  emit("queue-changed");
}

export function wireTicket() {
  $("reply-form").addEventListener("submit", sendReply);
  $("handler-button").addEventListener("click", toggleHandler);
}

on("open-ticket", openTicket);
on("language-changed", () => state.current && showTicket(state.current));
