// Signs in with an administrator token and shows one view per hash (#staff, #templates, ...).
import { api, token, ApiError } from "./api.js";
import { staffView } from "./staff.js";
import { templatesView } from "./templates.js";
import { policyView } from "./policy.js";
import { auditView } from "./audit.js";
import { intentsView } from "./intents.js";
import { evaluationView } from "./evaluation.js";
import { modelsView } from "./models.js";

const VIEWS = {
  staff: staffView,
  templates: templatesView,
  intents: intentsView,
  evaluation: evaluationView,
  models: modelsView,
  policy: policyView,
  audit: auditView,
};
const view = document.getElementById("view");
const status = document.getElementById("status");

async function show() {
  const name = location.hash.slice(1) in VIEWS ? location.hash.slice(1) : "staff";
  for (const link of document.querySelectorAll("nav a")) {
    link.toggleAttribute("aria-current", link.hash === `#${name}`);
    if (link.hash === `#${name}`) link.setAttribute("aria-current", "page");
  }
  status.textContent = "";
  view.replaceChildren();
  try {
    await VIEWS[name](view, status);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signOut();
    status.textContent = error.message;
    status.className = "error";
  }
}

async function signIn(event) {
  event.preventDefault();
  token.set(document.getElementById("token").value.trim());
  try {
    await api("/api/v1/admin/staff");
  } catch (error) {
    token.clear();
    document.getElementById("sign-in-error").textContent = error.message;
    return;
  }
  start();
}

function signOut() {
  token.clear();
  document.getElementById("nav").hidden = true;
  view.replaceChildren();
  document.getElementById("sign-in").hidden = false;
}

function start() {
  document.getElementById("sign-in").hidden = true;
  document.getElementById("nav").hidden = false;
  show();
}

document.getElementById("sign-in").addEventListener("submit", signIn);
document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", show);
if (token.get()) start();
else signOut();
