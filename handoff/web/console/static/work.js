// Working a ticket besides replying: internal notes, canned replies in the customer's
// language with their placeholders filled, and transfer to an agent or a department.

import { api } from "./api.js";
import { $, clear, emit, notice, on } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { act, openTicket } from "./ticket.js";

const canned = new Map(); // language → [{name, text}]

async function cannedFor(language) {
  if (!canned.has(language)) {
    const { replies } = await api(`/api/v1/canned-replies?language=${encodeURIComponent(language)}`);
    canned.set(language, replies);
  }
  return canned.get(language);
}

/** The reply's placeholders filled from the ticket and the agent writing it. */
export function fill(text, ticket) {
  const values = {
    customer_name: (ticket.customer && ticket.customer.name) || "",
    ticket_number: ticket.number,
    agent_name: state.me ? state.me.name : "",
  };
  return text.replace(/\{(customer_name|ticket_number|agent_name)\}/g, (_, name) => values[name]);
}

function option(value, text) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = text;
  return node;
}

async function showCanned(ticket) {
  const select = clear($("canned"));
  select.append(option("", t("canned.choose")));
  let replies = [];
  try {
    replies = await cannedFor(ticket.language || "en");
    if (!replies.length) replies = await cannedFor("en");
  } catch {
    return;
  }
  for (const reply of replies) {
    const node = option(reply.name, reply.text.slice(0, 80));
    node.dataset.text = reply.text;
    select.append(node);
  }
}

async function showTransferTargets() {
  const select = clear($("transfer-target"));
  select.append(option("", t("transfer.choose")));
  let agents = [];
  try {
    agents = (await api("/api/v1/agents")).agents;
  } catch {
    return;
  }
  const departments = [...new Set(agents.map((a) => a.department))].sort();
  for (const agent of agents) {
    select.append(option(`agent:${agent.name}`,
      t("transfer.agent", { name: agent.name, department: agent.department })));
  }
  for (const department of departments) {
    select.append(option(`department:${department}`, t("transfer.department", { name: department })));
  }
}

async function addNote(event) {
  event.preventDefault();
  const text = $("note-text").value.trim();
  if (!text || !state.current) return;
  const number = state.current.number;
  if (await act("notes", { text }, $("note-add"))) {
    $("note-text").value = "";
    await openTicket(number);
  }
}

async function transferTicket(event) {
  event.preventDefault();
  const choice = $("transfer-target").value;
  if (!choice || !state.current) return;
  const [kind, name] = [choice.slice(0, choice.indexOf(":")), choice.slice(choice.indexOf(":") + 1)];
  const number = state.current.number;
  const moved = await act("transfer", { [kind]: name }, $("transfer-submit"));
  if (!moved) return;
  notice(t("transfer.done", { number, holder: moved.assignee || moved.department }));
  await openTicket(number);
  emit("queue-changed");
}

export function wireWork() {
  $("note-form").addEventListener("submit", addNote);
  $("transfer-form").addEventListener("submit", transferTicket);
  $("canned").addEventListener("change", (event) => {
    const chosen = event.target.selectedOptions[0];
    if (!chosen || !chosen.dataset.text || !state.current) return;
    $("reply-text").value = fill(chosen.dataset.text, state.current);
    $("reply-text").focus();
  });
}

let shownFor = null;
on("ticket-shown", (ticket) => {
  if (shownFor === ticket.number) return; // a refresh of the same ticket keeps the choices
  shownFor = ticket.number;
  showCanned(ticket);
  showTransferTargets();
});
on("signed-out", () => {
  shownFor = null;
  canned.clear();
});
