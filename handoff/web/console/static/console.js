// Agent console: plain ES modules, no dependencies, no build step. This module signs in and
// out, switches views and wires the page's controls to the modules that do the work:
// auth (sign-in), socket (pushes), queue, ticket (with attachments), work (notes, canned
// replies, transfer), feed, parked (poison messages), dashboard (with charts), i18n.

import { api } from "./api.js";
import { ended, refusal, resume, signIn, signOut } from "./auth.js";
import { loadStats, scheduleStatsRefresh, wireDashboard } from "./dashboard.js";
import { $, emit, notice, on } from "./dom.js";
import { catchUp, clearFeed } from "./feed.js";
import { LANGUAGES, languageFor, setLanguage, t } from "./i18n.js";
import { clearParked, loadParked } from "./parked.js";
import { refresh, reset, scheduleRefresh, setFilter, setSearch } from "./queue.js";
import { connect, disconnect } from "./socket.js";
import { isSupervisor, state } from "./state.js";
import { openTicket, showTicket, wireTicket } from "./ticket.js";
import { wireWork } from "./work.js";

function showView(view) {
  const dashboard = view === "dashboard";
  $("desk-view").hidden = dashboard;
  $("dashboard-view").hidden = !dashboard;
  $("tab-desk").setAttribute("aria-pressed", String(!dashboard));
  $("tab-dashboard").setAttribute("aria-pressed", String(dashboard));
  if (dashboard) loadStats();
}

async function loadPresence() {
  try {
    const { presence } = await api("/api/v1/agents/me");
    $("presence").value = presence;
  } catch (error) {
    notice(error.message, "error");
  }
}

async function setPresence(status) {
  try {
    const result = await api("/api/v1/agents/me/presence", { method: "PUT", body: { status } });
    const words = t(`presence.${status}`);
    notice(result.assigned
      ? t("presence.assigned", { status: words, n: result.assigned })
      : t("presence.now", { status: words }));
    refresh();
  } catch (error) {
    notice(t("presence.failed", { why: error.message }), "error");
    loadPresence();
  }
}

on("signed-in", async (me) => {
  setLanguage(languageFor(me.name), me.name);
  $("language").value = languageFor(me.name);
  $("who").textContent = `${me.name} (${me.role})`;
  $("login").hidden = true;
  $("main").hidden = false;
  $("session").hidden = false;
  $("tab-dashboard").hidden = !isSupervisor();
  try {
    await connect();
  } catch (error) {
    notice(error.message, "error");
  }
  setFilter(isSupervisor() ? "all" : "mine");
  catchUp();
  loadParked();
  loadPresence();
  if (isSupervisor()) loadStats();
});

on("signed-out", () => {
  disconnect();
  $("main").hidden = true;
  $("session").hidden = true;
  $("login").hidden = false;
  reset();
  clearFeed();
  clearParked();
  showTicket(null);
  showView("desk");
  notice("");
});

on("session-ended", () => ended(t("login.ended")));

on("notification", (frame) => {
  const number = frame.data && frame.data.number;
  scheduleRefresh();
  if (number && state.current && state.current.number === number) openTicket(number);
  if (frame.type.startsWith("spike")) scheduleStatsRefresh();
});

function wire() {
  const languages = $("language");
  for (const [code, name] of LANGUAGES) {
    const option = document.createElement("option");
    option.value = code;
    option.textContent = name;
    languages.append(option);
  }
  languages.addEventListener("change", () => setLanguage(languages.value, state.me && state.me.name));
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("name").value.trim();
    const password = $("password").value;
    if (!name || !password) return;
    $("login-error").textContent = "";
    $("login-submit").disabled = true;
    try {
      await signIn(name, password);
      $("password").value = "";
    } catch (error) {
      $("login-error").textContent = refusal(error);
    } finally {
      $("login-submit").disabled = false;
    }
  });
  $("logout").addEventListener("click", () => signOut());
  $("logout-all").addEventListener("click", () => signOut({ everywhere: true }));
  $("presence").addEventListener("change", (event) => setPresence(event.target.value));
  for (const button of document.querySelectorAll(".filter")) {
    button.addEventListener("click", () => setFilter(button.dataset.filter));
  }
  $("search").addEventListener("input", (event) => setSearch(event.target.value));
  $("goto-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const number = $("goto-number").value.trim();
    if (number) emit("open-ticket", number);
  });
  $("tab-desk").addEventListener("click", () => showView("desk"));
  $("tab-dashboard").addEventListener("click", () => showView("dashboard"));
  wireTicket();
  wireWork();
  wireDashboard();
}

wire();
setLanguage(languageFor(null));
resume();
