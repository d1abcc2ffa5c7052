// Agent console: plain ES2020 module, no dependencies, no build step.
//
// Rules kept throughout: every text that comes from the server (customer mail above all) goes
// into the page with textContent or an SVG text node, never as markup; the staff token lives
// in sessionStorage only and is sent in the Authorization header (the staff websocket takes it
// as ?token= because browsers cannot set headers on a websocket).

const TOKEN_KEY = "complaint-desk.token";
const SVG_NS = "http://www.w3.org/2000/svg";
const OPEN_STATUSES = new Set(["new", "assigned", "in_progress", "waiting_customer", "reopened"]);
const STATUS_ACTIONS = [
  ["in_progress", "In progress"],
  ["waiting_customer", "Wait for customer"],
  ["resolved", "Resolve"],
  ["closed", "Close"],
  ["reopened", "Reopen"],
];
const NOTIFICATION_LABELS = {
  ticket_assigned: "Ticket assigned to you",
  customer_message: "Customer wrote",
  chat_handed_over: "Chat handed to you",
  chat_waiting: "Chat waiting for an agent",
  major_complaint: "Major complaint",
  sla_at_risk: "Deadline at risk",
  sla_breached: "Deadline missed",
  spike_warning: "Complaint spike",
  spike_subsided: "Spike subsided",
};
const SUPERVISOR_ROLES = new Set(["supervisor", "admin"]);
const FEED_LIMIT = 100;

const state = {
  token: null,
  me: null, // {staff, role} from the websocket's hello frame
  filter: "mine",
  current: null, // the open ticket's JSON
  socket: null,
  reconnectDelay: 1000,
  reconnectTimer: null,
  queueTimer: null,
  statsTimer: null,
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------- DOM helpers

/** An element with text content (never markup) and attributes. */
function el(tag, { text, cls, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function clear(node) {
  node.replaceChildren();
  return node;
}

/** Business time as the gateway gives it (its own offset), e.g. "2026-11-23 10:00 +08:00". */
function formatTime(iso) {
  if (!iso) return "–";
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::[\d.]+)?(Z|[+-]\d{2}:\d{2})?$/.exec(iso);
  if (!match) return iso;
  return `${match[1]} ${match[2]}${match[3] ? ` ${match[3] === "Z" ? "UTC" : match[3]}` : ""}`;
}

function timeElement(iso) {
  const node = el("time", { text: formatTime(iso), attrs: iso ? { datetime: iso } : {} });
  const local = iso ? new Date(iso) : null;
  if (local && !Number.isNaN(local.getTime())) node.title = `your time: ${local.toLocaleString()}`;
  return node;
}

function humanize(word) {
  return String(word ?? "–").replaceAll("_", " ");
}

function percent(rate) {
  return rate === null || rate === undefined ? "–" : `${Math.round(rate * 1000) / 10}%`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  return `${Math.round((seconds / 86400) * 10) / 10} days`;
}

function notice(message, kind = "info") {
  const box = $("notice");
  box.textContent = message;
  box.dataset.kind = kind;
  box.hidden = !message;
}

// ---------------------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = {
    method,
    headers: { Accept: "application/json", Authorization: `Bearer ${state.token}`, ...headers },
    cache: "no-store",
    credentials: "omit",
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && payload.error ? payload.error : {};
    const failure = new ApiError(
      response.status, error.code || "http_error", error.message || `HTTP ${response.status}`,
    );
    if (response.status === 401 && state.token) signOut("Your token was not accepted.");
    throw failure;
  }
  return payload;
}

// ---------------------------------------------------------------------------- session

async function signIn(token) {
  state.token = token;
  // Checks the token before anything else: 401 means a wrong token, whatever the role.
  await api("/api/v1/tickets?limit=1");
  sessionStorage.setItem(TOKEN_KEY, token);
  const hello = await connect();
  state.me = { staff: hello.staff, role: hello.role };
  $("who").textContent = `${hello.staff} (${hello.role})`;
  $("login").hidden = true;
  $("main").hidden = false;
  $("session").hidden = false;
  const supervisor = SUPERVISOR_ROLES.has(hello.role);
  $("tab-dashboard").hidden = !supervisor;
  setFilter(supervisor ? "all" : "mine");
  loadPresence();
  if (supervisor) loadStats();
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.me = null;
  state.current = null;
  clearTimeout(state.reconnectTimer);
  if (state.socket) {
    const socket = state.socket;
    state.socket = null;
    socket.close();
  }
  setConnection("offline");
  $("main").hidden = true;
  $("session").hidden = true;
  $("login").hidden = false;
  $("token").value = "";
  clear($("ticket-list"));
  clear($("feed-list"));
  showTicket(null);
  showView("desk");
  $("login-error").textContent = message;
  notice("");
}

// ---------------------------------------------------------------------------- websocket

function setConnection(status) {
  const badge = $("connection");
  badge.dataset.state = status;
  badge.textContent = { live: "live", connecting: "connecting…", offline: "offline" }[status];
}

/** Opens the staff socket; resolves with the hello frame, rejects if none comes. */
function connect() {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/ws/staff?token=${encodeURIComponent(state.token)}`;
    setConnection("connecting");
    const socket = new WebSocket(url);
    state.socket = socket;
    let greeted = false;
    const timer = setTimeout(() => {
      if (!greeted) {
        reject(new Error("The live connection did not answer."));
        socket.close();
      }
    }, 8000);
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // "pong" and anything else that is not JSON
      }
      if (frame.type === "hello") {
        greeted = true;
        clearTimeout(timer);
        state.reconnectDelay = 1000;
        setConnection("live");
        resolve(frame);
        return;
      }
      onNotification(frame);
    });
    socket.addEventListener("close", () => {
      clearTimeout(timer);
      if (!greeted) reject(new Error("The live connection was refused."));
      if (state.socket !== socket) return; // signed out, or replaced
      setConnection("offline");
      scheduleReconnect();
    });
  });
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(async () => {
    if (!state.token) return;
    try {
      await connect();
      refreshQueue(); // catch up on what happened while away
    } catch {
      state.reconnectDelay = Math.min(state.reconnectDelay * 2, 30000);
      scheduleReconnect();
    }
  }, state.reconnectDelay);
}

function onNotification(frame) {
  addToFeed(frame);
  const number = frame.data && frame.data.number;
  scheduleQueueRefresh();
  if (number && state.current && state.current.number === number) openTicket(number);
  if (state.me && SUPERVISOR_ROLES.has(state.me.role) && frame.type.startsWith("spike")) {
    scheduleStatsRefresh();
  }
}

function addToFeed(frame) {
  const data = frame.data || {};
  const item = el("li", { cls: "feed-item", attrs: { "data-type": frame.type } });
  item.dataset.kind = /breach|major|spike_warning/.test(frame.type) ? "alert" : "info";
  item.append(el("strong", { text: NOTIFICATION_LABELS[frame.type] || humanize(frame.type) }));
  if (data.number) {
    const open = el("button", { text: data.number, cls: "link", attrs: { type: "button" } });
    open.addEventListener("click", () => openTicket(data.number));
    item.append(" ", open);
  }
  const details = [];
  if (data.reason) details.push(humanize(data.reason));
  if (data.department) details.push(humanize(data.department));
  if (data.dimension) details.push(`${humanize(data.dimension)}: ${data.value}`);
  if (data.assignee) details.push(`agent ${data.assignee}`);
  if (details.length) item.append(el("span", { cls: "muted", text: ` · ${details.join(" · ")}` }));
  item.append(el("br"), timeElement(frame.at));
  const list = $("feed-list");
  list.prepend(item);
  while (list.children.length > FEED_LIMIT) list.lastElementChild.remove();
}

// ---------------------------------------------------------------------------- presence

async function loadPresence() {
  try {
    const { agents } = await api("/api/v1/agents");
    const mine = agents.find((agent) => agent.name === state.me.staff);
    $("presence").value = mine ? mine.presence : "offline";
  } catch (error) {
    notice(`Could not read presence: ${error.message}`, "error");
  }
}

async function setPresence(status) {
  try {
    const result = await api("/api/v1/agents/me/presence", { method: "PUT", body: { status } });
    const extra = result.assigned ? `; ${result.assigned} waiting ticket(s) assigned to you` : "";
    notice(`You are ${status}${extra}.`);
    refreshQueue();
  } catch (error) {
    notice(`Could not change presence: ${error.message}`, "error");
    loadPresence();
  }
}

// ---------------------------------------------------------------------------- queue

function setFilter(filter) {
  state.filter = filter;
  for (const button of document.querySelectorAll(".filter")) {
    button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
  }
  refreshQueue();
}

function scheduleQueueRefresh() {
  clearTimeout(state.queueTimer);
  state.queueTimer = setTimeout(refreshQueue, 150);
}

async function fetchTickets(query) {
  const params = new URLSearchParams({ limit: "200", ...query });
  return (await api(`/api/v1/tickets?${params}`)).tickets;
}

async function refreshQueue() {
  if (!state.token || !state.me) return;
  const filter = state.filter;
  let tickets;
  try {
    if (filter === "mine") {
      tickets = await fetchTickets({ assignee: state.me.staff });
    } else if (filter === "unassigned") {
      // The API filters by assignee name only, so the unassigned open tickets are picked here.
      tickets = (await fetchTickets({})).filter(
        (t) => !t.assignee && OPEN_STATUSES.has(t.status),
      );
    } else if (filter === "escalated") {
      const [breached, atRisk] = await Promise.all([
        fetchTickets({ escalation: "breached" }),
        fetchTickets({ escalation: "at_risk" }),
      ]);
      tickets = [...breached, ...atRisk].filter((t) => OPEN_STATUSES.has(t.status));
    } else {
      tickets = await fetchTickets({});
    }
  } catch (error) {
    $("queue-status").textContent = `Could not load tickets: ${error.message}`;
    return;
  }
  if (filter !== state.filter) return; // a newer choice is loading
  renderQueue(tickets);
}

function badge(text, kind) {
  return el("span", { cls: `badge badge-${kind}`, text });
}

function escalationBadge(level) {
  if (level === "breached") return badge("SLA breached", "breached");
  if (level === "at_risk") return badge("At risk", "at-risk");
  return null;
}

function renderQueue(tickets) {
  const list = clear($("ticket-list"));
  $("queue-status").textContent = tickets.length
    ? `${tickets.length} ticket(s)`
    : "No tickets here.";
  for (const ticket of tickets) {
    const button = el("button", {
      cls: "ticket-item",
      attrs: { type: "button", "data-number": ticket.number },
    });
    if (state.current && state.current.number === ticket.number) {
      button.setAttribute("aria-current", "true");
    }
    button.append(
      el("span", { cls: "ticket-number", text: ticket.number }),
      el("span", { cls: "badges" }, [
        badge(humanize(ticket.status), `status-${ticket.status}`),
        ticket.severity !== "general" ? badge(ticket.severity, `severity-${ticket.severity}`) : null,
        escalationBadge(ticket.escalation),
      ]),
      el("span", {
        cls: "muted",
        text: `${humanize(ticket.category)} · ${ticket.channel} · ${ticket.assignee || "unassigned"}`,
      }),
      el("span", { cls: "muted" }, [timeElement(ticket.created_at)]),
    );
    button.addEventListener("click", () => openTicket(ticket.number));
    list.append(el("li", {}, [button]));
  }
}

// ---------------------------------------------------------------------------- ticket pane

async function openTicket(number) {
  $("action-error").textContent = "";
  try {
    const ticket = await api(`/api/v1/tickets/${encodeURIComponent(number)}`);
    showTicket(ticket);
  } catch (error) {
    $("action-error").textContent = `Could not open ${number}: ${error.message}`;
  }
}

function showTicket(ticket) {
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

  $("ticket-number").textContent = ticket.number;
  const badges = clear($("ticket-badges"));
  badges.append(badge(humanize(ticket.status), `status-${ticket.status}`));
  if (ticket.severity && ticket.severity !== "general") {
    badges.append(badge(ticket.severity, `severity-${ticket.severity}`));
  }
  const level = escalationBadge(ticket.escalation);
  if (level) badges.append(level);
  badges.append(badge(ticket.handled_by === "agent" ? "agent holds the chat" : "bot", "handler"));

  const customer = ticket.customer || {};
  const contact = [customer.email, customer.phone].filter(Boolean).join(" · ");
  fillMeta($("ticket-meta"), [
    ["Customer", [customer.name || "unknown", contact].filter(Boolean).join(" — ")],
    ["Category", humanize(ticket.category)],
    ["Urgency", ticket.urgency],
    ["Channel", ticket.channel],
    ["Language", ticket.language],
    ["Department", humanize(ticket.department)],
    ["Assignee", ticket.assignee || "unassigned"],
    ["Created", timeElement(ticket.created_at)],
  ]);
  renderDeadlines(ticket);
  renderActions(ticket);
  renderThread(ticket.messages || []);
  renderLedger(ticket.events || []);
  renderEarlier(customer.earlier_tickets || []);
}

function fillMeta(list, rows) {
  clear(list);
  for (const [name, value] of rows) {
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value ?? "–";
    list.append(el("dt", { text: name }), dd);
  }
}

function renderDeadlines(ticket) {
  const open = OPEN_STATUSES.has(ticket.status);
  const level = open ? ticket.escalation : null;
  const firstResponse = el("span");
  firstResponse.append(timeElement(ticket.first_response_due));
  if (ticket.first_responded_at) {
    firstResponse.append(" ", badge("answered", "ok"), " ", timeElement(ticket.first_responded_at));
  } else if (level) {
    firstResponse.append(" ", escalationBadge(level));
  }
  const resolution = el("span");
  resolution.append(timeElement(ticket.resolution_due));
  if (ticket.resolved_at) {
    resolution.append(" ", badge("resolved", "ok"), " ", timeElement(ticket.resolved_at));
  } else if (level) {
    resolution.append(" ", escalationBadge(level));
  }
  fillMeta($("deadlines"), [
    ["First response due", firstResponse],
    ["Resolution due", resolution],
  ]);
}

function renderActions(ticket) {
  const box = clear($("status-buttons"));
  for (const [status, label] of STATUS_ACTIONS) {
    const button = el("button", {
      text: label,
      attrs: { type: "button", "data-status": status },
    });
    button.disabled = ticket.status === status;
    button.addEventListener("click", () => changeStatus(ticket.number, status));
    box.append(button);
  }
  const handler = $("handler-button");
  const agentHolds = ticket.handled_by === "agent";
  handler.textContent = agentHolds ? "Hand back to bot" : "Take over from bot";
  handler.dataset.target = agentHolds ? "bot" : "agent";
}

function renderThread(messages) {
  const list = clear($("thread"));
  for (const message of messages) {
    const incoming = message.direction === "in";
    const who = incoming
      ? "Customer"
      : message.author
        ? `${message.author}${message.kind === "agent_reply" ? "" : ` (${humanize(message.kind)})`}`
        : `Bot (${humanize(message.kind || "reply")})`;
    const item = el("li", {
      cls: `message ${incoming ? "message-in" : "message-out"}`,
      attrs: { "data-direction": message.direction, "data-kind": message.kind || "customer" },
    });
    const head = el("div", { cls: "message-head" }, [
      el("strong", { text: who }),
      el("span", { cls: "muted", text: ` · ${message.channel} · ` }),
      timeElement(message.created_at),
    ]);
    if (message.delivery && message.delivery !== "sent") {
      head.append(" ", badge(humanize(message.delivery), "delivery"));
    }
    item.append(head, el("p", { cls: "message-text", text: message.text ?? "" }));
    for (const note of message.notes || []) {
      item.append(el("p", { cls: "muted note", text: typeof note === "string" ? note : JSON.stringify(note) }));
    }
    list.append(item);
  }
}

function renderLedger(events) {
  const list = clear($("ledger"));
  for (const event of events) {
    const data = event.data && Object.keys(event.data).length ? JSON.stringify(event.data) : "";
    list.append(
      el("li", {}, [
        timeElement(event.at),
        el("strong", { text: ` ${humanize(event.type)}` }),
        el("span", { cls: "muted", text: ` by ${event.actor || "system"}` }),
        data ? el("code", { cls: "event-data", text: data }) : null,
      ]),
    );
  }
}

function renderEarlier(tickets) {
  const list = clear($("earlier"));
  if (!tickets.length) {
    list.append(el("li", { cls: "muted", text: "None." }));
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
          text: ` ${humanize(ticket.status)} · ${humanize(ticket.category)} · ${ticket.channel} · `,
        }),
        timeElement(ticket.created_at),
      ]),
    );
  }
}

async function act(path, body, pending) {
  const number = state.current.number;
  $("action-error").textContent = "";
  pending.disabled = true;
  try {
    const result = await api(`/api/v1/tickets/${encodeURIComponent(number)}/${path}`, {
      method: "POST",
      body,
      headers: path === "replies" ? { "Idempotency-Key": crypto.randomUUID() } : {},
    });
    return result;
  } catch (error) {
    $("action-error").textContent = error.message;
    return null;
  } finally {
    pending.disabled = false;
  }
}

async function changeStatus(number, status) {
  const button = document.querySelector(`#status-buttons [data-status="${status}"]`);
  const ticket = await act("status", { status }, button);
  if (ticket && state.current && state.current.number === number) showTicket(ticket);
  scheduleQueueRefresh();
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
  const sent = await act("replies", { text }, $("reply-send"));
  if (!sent) return;
  $("reply-text").value = "";
  await openTicket(number);
  scheduleQueueRefresh();
}

// ---------------------------------------------------------------------------- dashboard

function showView(view) {
  const dashboard = view === "dashboard";
  $("desk-view").hidden = dashboard;
  $("dashboard-view").hidden = !dashboard;
  $("tab-desk").setAttribute("aria-pressed", String(!dashboard));
  $("tab-dashboard").setAttribute("aria-pressed", String(dashboard));
  if (dashboard) loadStats();
}

function scheduleStatsRefresh() {
  clearTimeout(state.statsTimer);
  state.statsTimer = setTimeout(loadStats, 300);
}

async function loadStats() {
  const params = new URLSearchParams();
  if ($("period-from").value) params.set("from", $("period-from").value);
  if ($("period-to").value) params.set("to", $("period-to").value);
  $("dashboard-error").textContent = "";
  try {
    renderStats(await api(`/api/v1/stats?${params}`));
  } catch (error) {
    $("dashboard-error").textContent = `Could not load the figures: ${error.message}`;
  }
}

function renderStats(stats) {
  $("stat-total").textContent = String(stats.tickets ?? 0);
  const timely = stats.timely_handling || {};
  $("stat-timely").textContent = percent(timely.rate);
  $("stat-timely-detail").textContent = `${timely.handled_in_time ?? 0} of ${timely.decided ?? 0} decided`;
  meter($("meter-timely"), timely.rate, "Handled on time");
  const satisfaction = stats.satisfaction || {};
  $("stat-satisfaction").textContent = percent(satisfaction.rate);
  $("stat-satisfaction-detail").textContent =
    `${satisfaction.satisfied ?? 0} of ${satisfaction.surveyed ?? 0} surveyed`;
  meter($("meter-satisfaction"), satisfaction.rate, "Satisfied customers");
  const first = stats.first_response || {};
  $("stat-first-response").textContent = duration(first.mean_seconds);
  $("stat-first-response-detail").textContent =
    `${first.within_deadline ?? 0} of ${first.responded ?? 0} answered in time`;
  const incidence = stats.incidence || {};
  $("stat-incidence").textContent =
    incidence.rate === null || incidence.rate === undefined
      ? "–"
      : String(Math.round(incidence.rate * 1000 * 100) / 100);
  $("stat-incidence-detail").textContent = incidence.sales
    ? `${incidence.complaints} complaints, ${incidence.sales} units`
    : "no sales figures";

  dayChart($("chart-day"), stats.by_day || {});
  barChart($("chart-category"), stats.by_category || {}, "complaints by category");
  barChart($("chart-channel"), stats.by_channel || {}, "complaints by channel");
  barChart($("chart-department"), stats.by_department || {}, "complaints by department");
  renderSpikes(stats.spike_warnings || []);
}

/** A horizontal gauge: the filled share of a track, with the figure for screen readers. */
function meter(box, rate, label) {
  const width = 200;
  const height = 14;
  const value = rate === null || rate === undefined ? 0 : Math.max(0, Math.min(1, rate));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width: "100%",
    height,
    role: "img",
    "aria-label": `${label}: ${percent(rate)}`,
    preserveAspectRatio: "none",
  });
  chart.append(
    svg("rect", { class: "track", x: 0, y: 0, width, height, rx: 4 }),
    svg("rect", {
      class: `fill ${value >= 0.9 ? "good" : value >= 0.7 ? "fair" : "poor"}`,
      x: 0, y: 0, width: width * value, height, rx: 4,
    }),
  );
  clear(box).append(chart);
}

/** Vertical bars, one per day, labelled with the first, middle and last dates. */
function dayChart(box, byDay) {
  const days = Object.entries(byDay);
  clear(box);
  if (!days.length) {
    box.append(el("p", { cls: "muted", text: "No days in this period." }));
    return;
  }
  const width = 1000;
  const height = 220;
  const pad = { left: 32, right: 8, top: 12, bottom: 28 };
  const max = Math.max(1, ...days.map(([, count]) => count));
  const total = days.reduce((sum, [, count]) => sum + count, 0);
  const step = (width - pad.left - pad.right) / days.length;
  const plot = height - pad.top - pad.bottom;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "day-chart",
    role: "img",
    "aria-label": `Complaints per day from ${days[0][0]} to ${days[days.length - 1][0]}: ` +
      `${total} in all, at most ${max} in a day`,
  });
  chart.append(
    svg("line", {
      class: "axis", x1: pad.left, x2: width - pad.right,
      y1: height - pad.bottom, y2: height - pad.bottom,
    }),
    svg("text", { class: "tick", x: pad.left - 6, y: pad.top + 4, "text-anchor": "end" }, max),
    svg("text", {
      class: "tick", x: pad.left - 6, y: height - pad.bottom, "text-anchor": "end",
    }, 0),
  );
  days.forEach(([day, count], index) => {
    const x = pad.left + index * step;
    if (count > 0) {
      const barHeight = (count / max) * plot;
      const bar = svg("rect", {
        class: "bar",
        x: x + step * 0.15,
        y: height - pad.bottom - barHeight,
        width: Math.max(1, step * 0.7),
        height: barHeight,
        "data-day": day,
        "data-count": count,
      });
      bar.append(svg("title", {}, `${day}: ${count}`));
      chart.append(bar);
    }
    const labelled = index === 0 || index === days.length - 1 || index === Math.floor(days.length / 2);
    if (labelled) {
      chart.append(svg("text", {
        class: "tick", x: x + step / 2, y: height - 8, "text-anchor": "middle",
      }, day.slice(5)));
    }
  });
  box.append(chart);
}

/** Horizontal bars, largest first, with the name and the count beside each bar. */
function barChart(box, counts, label) {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  clear(box);
  if (!rows.length) {
    box.append(el("p", { cls: "muted", text: "No complaints in this period." }));
    return;
  }
  const width = 360;
  const rowHeight = 24;
  const labelWidth = 130;
  const countWidth = 40;
  const height = rows.length * rowHeight + 4;
  const max = Math.max(1, ...rows.map(([, count]) => count));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "bar-chart",
    role: "img",
    "aria-label": `${label}: ` + rows.map(([name, count]) => `${humanize(name)} ${count}`).join(", "),
  });
  rows.forEach(([name, count], index) => {
    const y = index * rowHeight + 2;
    const barWidth = ((width - labelWidth - countWidth) * count) / max;
    chart.append(
      svg("text", { class: "label", x: labelWidth - 6, y: y + 15, "text-anchor": "end" },
        humanize(name)),
      svg("rect", {
        class: "hbar", x: labelWidth, y: y + 3, width: Math.max(1, barWidth), height: rowHeight - 8,
        "data-name": name, "data-count": count,
      }),
      svg("text", { class: "count", x: labelWidth + barWidth + 4, y: y + 15 }, count),
    );
  });
  box.append(chart);
}

function renderSpikes(warnings) {
  const list = clear($("spike-list"));
  if (!warnings.length) {
    list.append(el("li", { cls: "muted", text: "No open spike warnings." }));
    return;
  }
  for (const warning of warnings) {
    const ratio = warning.expected ? ` (${Math.round((warning.observed / warning.expected) * 10) / 10}× expected)` : "";
    list.append(
      el("li", { cls: "spike" }, [
        badge("spike", "breached"),
        el("strong", { text: ` ${humanize(warning.dimension)}: ${humanize(warning.value)}` }),
        el("span", {
          text: ` — ${warning.observed} seen, ${Math.round(warning.expected * 10) / 10} expected${ratio}` +
            `, p = ${Number(warning.p_value).toPrecision(2)} · since `,
        }),
        timeElement(warning.raised_at),
      ]),
    );
  }
}

// ---------------------------------------------------------------------------- wiring

function wire() {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    $("login-error").textContent = "";
    $("login-submit").disabled = true;
    try {
      await signIn(token);
    } catch (error) {
      const message = error instanceof ApiError && error.status === 401
        ? "This token was not accepted."
        : error.message;
      signOut(message);
    } finally {
      $("login-submit").disabled = false;
    }
  });
  $("logout").addEventListener("click", () => signOut());
  $("presence").addEventListener("change", (event) => setPresence(event.target.value));
  for (const button of document.querySelectorAll(".filter")) {
    button.addEventListener("click", () => setFilter(button.dataset.filter));
  }
  $("goto-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const number = $("goto-number").value.trim();
    if (number) openTicket(number);
  });
  $("reply-form").addEventListener("submit", sendReply);
  $("handler-button").addEventListener("click", toggleHandler);
  $("tab-desk").addEventListener("click", () => showView("desk"));
  $("tab-dashboard").addEventListener("click", () => showView("dashboard"));
  $("period-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadStats();
  });
}

wire();
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved).catch((error) => signOut(error.message));
}
